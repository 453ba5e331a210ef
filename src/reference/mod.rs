//! The reference catalogues (danh mục) the catalogue rules check against: ICD-10 and
//! traditional-medicine codes, the national facility list, administrative units and occupations
//! (national lists), and the approved drugs, services, supplies and staff, which each facility may
//! have of its own (a facility without its own list is checked against the shared one).
//!
//! Every entry carries the days it is in force (`valid_from`, `valid_to`; see [`dated`]) and an
//! episode is checked against the entries in force on its own dates. The code lists of the coded
//! fields (MA_DOITUONG_KCB, MA_LOAI_KCB, …) are one more list, `code_lists` ([`codes`]), shipped
//! with the lists of the official texts and replaceable like any other.
//!
//! The lists live in the database (`reference_lists`, `reference_entries`), are loaded from CSV
//! (`hisgate catalogue load`, `PUT /api/v1/catalogues/{list}`, or seeded at start from
//! `HISGATE_REFERENCE_DIR`), and every instance validates against an in-memory snapshot that it
//! replaces when a list changes. A list that is not loaded is not checked.

pub mod codes;
mod csv;
pub mod dated;
pub mod routes;

pub use self::codes::{CodeInfo, CodeLists};
pub use self::csv::{parse, to_csv};
pub use self::dated::{Dated, Lookup, Validity, Version};

use crate::store::reference::{ListInfo, StoredEntry};
use crate::store::{AnyConnection, Db, StoreError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use utoipa::ToSchema;

/// One reference list; its name is the file name of its CSV (`drugs` → `drugs.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Icd10,
    /// Traditional-medicine (YHCT) disease codes, the list MA_BENH_YHCT draws from.
    IcdYhct,
    Drugs,
    Services,
    Supplies,
    Staff,
    /// The national list of health facilities (MA_CSKCB codes).
    Facilities,
    AdminUnits,
    /// Which unit took over an abolished or merged one (old province 83 → 86 on 2025-07-01).
    AdminUnitSuccessors,
    Occupations,
    /// The code lists of the coded fields, one list per field (`field` column).
    CodeLists,
}

impl ListKind {
    pub const ALL: [ListKind; 11] = [
        ListKind::Icd10,
        ListKind::IcdYhct,
        ListKind::Drugs,
        ListKind::Services,
        ListKind::Supplies,
        ListKind::Staff,
        ListKind::Facilities,
        ListKind::AdminUnits,
        ListKind::AdminUnitSuccessors,
        ListKind::Occupations,
        ListKind::CodeLists,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ListKind::Icd10 => "icd10",
            ListKind::IcdYhct => "icd_yhct",
            ListKind::Drugs => "drugs",
            ListKind::Services => "services",
            ListKind::Supplies => "supplies",
            ListKind::Staff => "staff",
            ListKind::Facilities => "facilities",
            ListKind::AdminUnits => "admin_units",
            ListKind::AdminUnitSuccessors => "admin_unit_successors",
            ListKind::Occupations => "occupations",
            ListKind::CodeLists => "code_lists",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The CSV header the list is read with.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ListKind::Drugs => &["code", "name", "strength", "registration", "max_price"],
            ListKind::Services | ListKind::Supplies => &["code", "name", "max_price"],
            ListKind::AdminUnits => &["code", "name", "level", "parent"],
            ListKind::AdminUnitSuccessors => &["code", "name", "successor"],
            ListKind::CodeLists => &["field", "code", "name", "status"],
            _ => &["code", "name"],
        }
    }

    /// Whether a facility may have its own list of this kind (its approved list: what it was
    /// authorised to use, at the prices it won in tendering).
    pub fn per_facility(self) -> bool {
        matches!(self, ListKind::Drugs | ListKind::Services | ListKind::Supplies | ListKind::Staff)
    }
}

/// One row of a list. Only the columns of its kind are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub name: String,
    pub valid: Validity,
    pub strength: Option<String>,
    pub registration: Option<String>,
    pub max_price: Option<Decimal>,
    pub level: Option<AdminLevel>,
    pub parent: Option<String>,
    pub successor: Option<String>,
    /// The coded field a code-list entry belongs to.
    pub field: Option<String>,
    /// A code-list entry whose standing is uncertain (REGULATORY-2026.md): a warning, not a refusal.
    pub uncertain: bool,
}

impl Entry {
    pub fn new(code: String, name: String) -> Self {
        Entry { code, name, ..Entry::default() }
    }
}

#[derive(Debug, Clone)]
pub struct ApprovedDrug {
    pub name: String,
    pub strength: String,
    pub registration: String,
    pub max_price: Decimal,
}

#[derive(Debug, Clone)]
pub struct ApprovedItem {
    pub name: String,
    pub max_price: Decimal,
}

pub use crate::domain::spec::DISTRICTS_ABOLISHED;

/// The level of an administrative unit; codes have 2 (province), 3 (district) or 5 (commune) digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLevel {
    Province,
    District,
    Commune,
}

impl AdminLevel {
    const ALL: [AdminLevel; 3] = [AdminLevel::Province, AdminLevel::District, AdminLevel::Commune];

    /// The word of the catalogue's `level` column.
    pub fn word(self) -> &'static str {
        match self {
            AdminLevel::Province => "province",
            AdminLevel::District => "district",
            AdminLevel::Commune => "commune",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.word() == word)
    }
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub name: String,
    pub level: AdminLevel,
    /// The province of a district; the district of a commune until 2025-07-01, its province since.
    pub parent: Option<String>,
}

/// A list that only says which codes exist (and when).
pub type Codes = Dated<()>;

/// A facility's approved lists (or the shared ones); each is `None` when not loaded.
#[derive(Debug, Clone, Default)]
pub struct ApprovedLists {
    pub drugs: Option<Dated<ApprovedDrug>>,
    pub services: Option<Dated<ApprovedItem>>,
    pub supplies: Option<Dated<ApprovedItem>>,
    pub staff: Option<Codes>,
}

/// The catalogues in force; each national list is `None` when not loaded.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    pub icd10: Option<Codes>,
    pub icd_yhct: Option<Codes>,
    pub facilities: Option<Codes>,
    pub admin_units: Option<Dated<AdminUnit>>,
    /// The unit(s) that took over each abolished one, `;`-separated.
    pub admin_unit_successors: Option<Dated<String>>,
    pub occupations: Option<Codes>,
    /// The code lists: the stored ones, else those shipped with hisgate.
    pub code_lists: Arc<CodeLists>,
    /// The shared approved lists (key `""`) and each facility's own, by MA_CSKCB.
    pub approved: HashMap<String, ApprovedLists>,
}

impl Default for ReferenceData {
    /// No catalogue loaded; the shipped code lists.
    fn default() -> Self {
        ReferenceData {
            icd10: None,
            icd_yhct: None,
            facilities: None,
            admin_units: None,
            admin_unit_successors: None,
            occupations: None,
            code_lists: CodeLists::shipped(),
            approved: HashMap::new(),
        }
    }
}

/// The approved lists that apply to one facility: its own where it has one, else the shared one.
pub struct Approved<'r> {
    pub drugs: Option<&'r Dated<ApprovedDrug>>,
    pub services: Option<&'r Dated<ApprovedItem>>,
    pub supplies: Option<&'r Dated<ApprovedItem>>,
    pub staff: Option<&'r Codes>,
}

#[derive(Debug, thiserror::Error)]
#[error("reference catalogue {file}: {message}")]
pub struct ReferenceError {
    pub file: String,
    pub message: String,
}

impl ReferenceData {
    /// Builds the snapshot from lists of entries: `(kind, facility, entries)`, facility `""` for
    /// the national and shared lists.
    pub fn from_lists(lists: impl IntoIterator<Item = (ListKind, String, Vec<Entry>)>) -> Self {
        fn dated<T>(entries: Vec<Entry>, value: impl Fn(&mut Entry) -> T) -> Option<Dated<T>> {
            Some(entries.into_iter().map(|mut e| (value(&mut e), e)).map(|(v, e)| (e.code, e.valid, v)).collect())
        }
        fn codes(entries: Vec<Entry>) -> Option<Codes> {
            dated(entries, |_| ())
        }
        fn items(entries: Vec<Entry>) -> Option<Dated<ApprovedItem>> {
            let item = |e: &mut Entry| ApprovedItem {
                name: std::mem::take(&mut e.name),
                max_price: e.max_price.unwrap_or_default(),
            };
            dated(entries, item)
        }
        fn approved<'d>(data: &'d mut ReferenceData, facility: &str) -> &'d mut ApprovedLists {
            data.approved.entry(facility.to_owned()).or_default()
        }
        let mut data = ReferenceData::default();
        for (kind, facility, entries) in lists {
            match kind {
                ListKind::Icd10 => data.icd10 = codes(entries),
                ListKind::IcdYhct => data.icd_yhct = codes(entries),
                ListKind::Facilities => data.facilities = codes(entries),
                ListKind::Occupations => data.occupations = codes(entries),
                ListKind::AdminUnits => {
                    let unit = |e: &mut Entry| AdminUnit {
                        name: std::mem::take(&mut e.name),
                        level: e.level.unwrap_or(AdminLevel::Commune),
                        parent: e.parent.take(),
                    };
                    data.admin_units = dated(entries, unit);
                }
                ListKind::AdminUnitSuccessors => {
                    data.admin_unit_successors = dated(entries, |e| e.successor.take().unwrap_or_default());
                }
                ListKind::CodeLists => data.code_lists = Arc::new(CodeLists::from_entries(entries)),
                ListKind::Drugs => {
                    let drug = |e: &mut Entry| ApprovedDrug {
                        name: std::mem::take(&mut e.name),
                        strength: e.strength.take().unwrap_or_default(),
                        registration: e.registration.take().unwrap_or_default(),
                        max_price: e.max_price.unwrap_or_default(),
                    };
                    approved(&mut data, &facility).drugs = dated(entries, drug);
                }
                ListKind::Services => approved(&mut data, &facility).services = items(entries),
                ListKind::Supplies => approved(&mut data, &facility).supplies = items(entries),
                ListKind::Staff => approved(&mut data, &facility).staff = codes(entries),
            }
        }
        data
    }

    /// The approved lists for the facility `facility`.
    pub fn approved_for(&self, facility: &str) -> Approved<'_> {
        let (own, shared) = (self.approved.get(facility), self.approved.get(""));
        Approved {
            drugs: own.and_then(|l| l.drugs.as_ref()).or(shared.and_then(|l| l.drugs.as_ref())),
            services: own.and_then(|l| l.services.as_ref()).or(shared.and_then(|l| l.services.as_ref())),
            supplies: own.and_then(|l| l.supplies.as_ref()).or(shared.and_then(|l| l.supplies.as_ref())),
            staff: own.and_then(|l| l.staff.as_ref()).or(shared.and_then(|l| l.staff.as_ref())),
        }
    }

    /// The CSV files of `dir` (`catalogues/README.md` lists them) as national and shared lists; a
    /// missing file leaves its list unloaded. `hisgate validate` reads catalogues this way, without
    /// a database.
    pub fn load_dir(dir: &Path) -> Result<Self, ReferenceError> {
        Ok(Self::from_lists(read_dir(dir)?.into_iter().map(|(kind, entries, _)| (kind, String::new(), entries))))
    }

    /// The sample catalogues shipped in `catalogues/` (tests, benchmarks and the demo).
    pub fn sample() -> Self {
        Self::from_lists(sample_lists().into_iter().map(|(kind, entries)| (kind, String::new(), entries)))
    }
}

/// Reads the lists of `dir` that have a file there, each with the SHA-256 of its file.
pub fn read_dir(dir: &Path) -> Result<Vec<(ListKind, Vec<Entry>, String)>, ReferenceError> {
    let mut lists = Vec::new();
    for kind in ListKind::ALL {
        let file = format!("{}.csv", kind.name());
        match std::fs::read_to_string(dir.join(&file)) {
            Ok(text) => {
                let entries = parse(kind, &text).map_err(|message| ReferenceError { file, message })?;
                lists.push((kind, entries, crate::digest::sha256_hex(text.as_bytes())));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ReferenceError { file, message: e.to_string() }),
        }
    }
    Ok(lists)
}

/// The shipped sample lists (`catalogues/`), compiled in so the demo and tests need no files.
pub fn sample_lists() -> Vec<(ListKind, Vec<Entry>)> {
    ListKind::ALL
        .into_iter()
        .map(|kind| {
            let text = match kind {
                ListKind::Icd10 => include_str!("../../catalogues/icd10.csv"),
                ListKind::IcdYhct => include_str!("../../catalogues/icd_yhct.csv"),
                ListKind::Drugs => include_str!("../../catalogues/drugs.csv"),
                ListKind::Services => include_str!("../../catalogues/services.csv"),
                ListKind::Supplies => include_str!("../../catalogues/supplies.csv"),
                ListKind::Staff => include_str!("../../catalogues/staff.csv"),
                ListKind::Facilities => include_str!("../../catalogues/facilities.csv"),
                ListKind::AdminUnits => include_str!("../../catalogues/admin_units.csv"),
                ListKind::AdminUnitSuccessors => include_str!("../../catalogues/admin_unit_successors.csv"),
                ListKind::Occupations => include_str!("../../catalogues/occupations.csv"),
                ListKind::CodeLists => codes::SHIPPED_CSV,
            };
            (kind, parse(kind, text).expect("the shipped sample catalogues are well-formed"))
        })
        .collect()
}

/// The snapshot in force, shared by every request and replaced when a list changes.
#[derive(Clone, Default)]
pub struct ReferenceHandle {
    current: Arc<RwLock<Arc<ReferenceData>>>,
    /// The stored lists the snapshot was built from.
    loaded: Arc<RwLock<Vec<ListInfo>>>,
    /// One refresh at a time, so that a slower one cannot put back an older snapshot.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl ReferenceHandle {
    pub fn current(&self) -> Arc<ReferenceData> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Rebuilds the snapshot from the database if a list was loaded or removed since the last time.
    pub async fn refresh(&self, db: &Db) -> Result<(), StoreError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let listing = db.read(crate::store::reference::lists).await?;
        if *self.loaded.read().unwrap_or_else(|p| p.into_inner()) == listing {
            return Ok(());
        }
        let data = db.read(load_all).await?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(data);
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = listing;
        Ok(())
    }
}

/// The stored entries of one list as they were loaded, in code order.
pub fn entries_of(conn: &mut AnyConnection, kind: ListKind, facility: &str) -> Result<Vec<Entry>, StoreError> {
    Ok(crate::store::reference::entries_of(conn, kind.name(), facility)?.into_iter().map(entry_of).collect())
}

fn entry_of(row: StoredEntry) -> Entry {
    let day = |text: &str| text.parse().ok();
    Entry {
        max_price: row.max_price.as_deref().and_then(|p| p.parse().ok()),
        level: row.level.as_deref().and_then(AdminLevel::parse),
        valid: Validity { from: day(&row.valid_from), to: day(&row.valid_to) },
        code: row.code,
        name: row.name,
        strength: row.strength,
        registration: row.registration,
        parent: row.parent,
        successor: row.successor,
        field: Some(row.field).filter(|f| !f.is_empty()),
        uncertain: row.status.as_deref() == Some(codes::UNCERTAIN),
    }
}

/// The versions of a list (per field for the code lists), as `GET /api/v1/catalogues` shows them.
pub fn versions_of(entries: &[Entry]) -> Vec<Version> {
    let mut fields: Vec<Option<&str>> = Vec::new();
    for e in entries {
        if !fields.contains(&e.field.as_deref()) {
            fields.push(e.field.as_deref());
        }
    }
    fields
        .into_iter()
        .flat_map(|field| {
            let periods: Vec<Validity> =
                entries.iter().filter(|e| e.field.as_deref() == field).map(|e| e.valid).collect();
            dated::versions(field, &periods)
        })
        .collect()
}

/// Every stored list as a snapshot; a row that no longer parses (a list kind this version does not
/// know) is left out.
pub fn load_all(conn: &mut AnyConnection) -> Result<ReferenceData, StoreError> {
    let mut lists: HashMap<(ListKind, String), Vec<Entry>> = HashMap::new();
    crate::store::reference::for_each_entry(conn, |row: StoredEntry| {
        if let Some(kind) = ListKind::parse(&row.list) {
            let facility = row.facility.clone();
            lists.entry((kind, facility)).or_default().push(entry_of(row));
        }
    })?;
    Ok(ReferenceData::from_lists(lists.into_iter().map(|((kind, facility), entries)| (kind, facility, entries))))
}

/// Stores `entries` as the list `kind` of `facility` (`""`: national or shared), replacing what
/// was there, in one transaction.
pub fn store_list(
    conn: &mut AnyConnection,
    kind: ListKind,
    facility: &str,
    entries: &[Entry],
    source_sha256: &str,
    by: &str,
) -> Result<ListInfo, StoreError> {
    let row = |e: &Entry| {
        let [valid_from, valid_to] = e.valid.bounds_text();
        StoredEntry {
            list: kind.name().to_owned(),
            facility: facility.to_owned(),
            field: e.field.clone().unwrap_or_default(),
            code: e.code.clone(),
            valid_from,
            valid_to,
            name: e.name.clone(),
            strength: e.strength.clone(),
            registration: e.registration.clone(),
            max_price: e.max_price.map(|p| p.to_string()),
            level: e.level.map(|l| l.word().to_owned()),
            parent: e.parent.clone(),
            successor: e.successor.clone(),
            status: e.uncertain.then(|| codes::UNCERTAIN.to_owned()),
        }
    };
    let rows: Vec<StoredEntry> = entries.iter().map(row).collect();
    let versions = serde_json::to_string(&versions_of(entries)).unwrap_or_else(|_| "[]".to_owned());
    crate::store::reference::replace(conn, kind.name(), facility, &rows, source_sha256, by, &versions)
}

/// The catalogues of the database, once it has been seeded from `dir` (when given) with the lists
/// it lacks.
pub async fn open(db: &Db, dir: Option<&Path>) -> Result<ReferenceHandle, SeedError> {
    if let Some(dir) = dir {
        let seeded = seed_from_dir(db, dir)?;
        if !seeded.is_empty() {
            tracing::info!(lists = ?seeded, dir = %dir.display(), "reference catalogues loaded into the database");
        }
    }
    let handle = ReferenceHandle::default();
    handle.refresh(db).await?;
    Ok(handle)
}

/// Loads each list of `dir` that the database does not hold yet (national and shared lists); lists
/// already stored are left as they are, since they may have been updated since.
pub fn seed_from_dir(db: &Db, dir: &Path) -> Result<Vec<ListKind>, SeedError> {
    let lists = read_dir(dir)?;
    Ok(db.write_blocking(|conn| {
        let stored = crate::store::reference::lists(conn)?;
        let mut seeded = Vec::new();
        for (kind, entries, sha256) in &lists {
            if !stored.iter().any(|l| l.list == kind.name() && l.facility.is_empty()) {
                store_list(conn, *kind, "", entries, sha256, "seed")?;
                seeded.push(*kind);
            }
        }
        Ok(seeded)
    })?)
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no list `{0}`; the lists are {names}", names = ListKind::ALL.map(ListKind::name).join(", "))]
    UnknownList(String),
    #[error("{0} is a national list: a facility cannot have its own (only drugs, services, supplies and staff)")]
    NotPerFacility(&'static str),
    #[error("facility {0} is not in the registry")]
    UnknownFacility(String),
    #[error("{list}.csv: {message}")]
    Invalid { list: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which list a request names: a known kind, and a facility only for a per-facility kind.
pub fn resolve(list: &str, facility: Option<&str>) -> Result<(ListKind, String), LoadError> {
    let kind = ListKind::parse(list).ok_or_else(|| LoadError::UnknownList(list.to_owned()))?;
    let facility = facility.map(str::trim).unwrap_or_default().to_owned();
    if !facility.is_empty() && !kind.per_facility() {
        return Err(LoadError::NotPerFacility(kind.name()));
    }
    Ok((kind, facility))
}

/// Replaces a list with the rows of a CSV file, audited as `actor`; nothing changes if any row is
/// wrong. A facility's own list needs the facility registered.
pub async fn load_csv(
    db: &Db,
    list: &str,
    facility: Option<&str>,
    csv: &[u8],
    actor: &str,
    role: &str,
) -> Result<ListInfo, LoadError> {
    let (kind, facility) = resolve(list, facility)?;
    let text = std::str::from_utf8(csv)
        .map_err(|e| LoadError::Invalid { list: kind.name(), message: format!("not UTF-8: {e}") })?;
    let entries = parse(kind, text).map_err(|message| LoadError::Invalid { list: kind.name(), message })?;
    let sha256 = crate::digest::sha256_hex(csv);
    let (actor, role) = (actor.to_owned(), role.to_owned());
    let at = facility.clone();
    let stored = db
        .write(move |c| {
            if !facility.is_empty() && crate::store::facilities::find(c, &facility)?.is_none() {
                return Ok(None);
            }
            let info = store_list(c, kind, &facility, &entries, &sha256, &actor)?;
            crate::store::audit::record(
                c,
                crate::store::audit::AuditEntry {
                    actor: &actor,
                    role: &role,
                    action: "catalogue.load",
                    target: kind.name(),
                    detail: serde_json::json!({ "facility": facility, "entries": info.entries, "sha256": sha256 }),
                },
            )?;
            Ok(Some(info))
        })
        .await?;
    stored.ok_or(LoadError::UnknownFacility(at))
}

/// Removes a list (a facility's own: it is checked against the shared one again); whether there was one.
pub async fn remove_list(
    db: &Db,
    list: &str,
    facility: Option<&str>,
    actor: &str,
    role: &str,
) -> Result<bool, LoadError> {
    let (kind, facility) = resolve(list, facility)?;
    let (actor, role) = (actor.to_owned(), role.to_owned());
    Ok(db
        .write(move |c| {
            let removed = crate::store::reference::remove(c, kind.name(), &facility)?;
            if removed {
                crate::store::audit::record(
                    c,
                    crate::store::audit::AuditEntry {
                        actor: &actor,
                        role: &role,
                        action: "catalogue.remove",
                        target: kind.name(),
                        detail: serde_json::json!({ "facility": facility }),
                    },
                )?;
            }
            Ok(removed)
        })
        .await?)
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, price: Option<&str>) -> Entry {
        Entry { max_price: price.map(|p| p.parse().expect("a price")), ..Entry::new(code.to_owned(), code.to_owned()) }
    }

    #[test]
    fn a_facility_list_replaces_the_shared_one_of_its_kind_only() {
        let data = ReferenceData::from_lists([
            (ListKind::Services, String::new(), vec![entry("S1", Some("10"))]),
            (ListKind::Staff, String::new(), vec![entry("D1", None)]),
            (ListKind::Services, "83002".to_owned(), vec![entry("S2", Some("20"))]),
        ]);
        let own = data.approved_for("83002");
        assert!(own.services.is_some_and(|s| s.contains("S2", None) && !s.contains("S1", None)));
        assert!(own.staff.is_some_and(|s| s.contains("D1", None)), "no own staff list: the shared one");
        let other = data.approved_for("83003");
        assert!(other.services.is_some_and(|s| s.contains("S1", None)));
        assert!(other.drugs.is_none(), "no drug list at all: not checked");
    }

    #[test]
    fn every_list_name_resolves_and_only_approved_lists_take_a_facility() {
        for kind in ListKind::ALL {
            assert_eq!(resolve(kind.name(), None).ok().map(|(k, _)| k), Some(kind));
            assert_eq!(resolve(kind.name(), Some("83002")).is_ok(), kind.per_facility());
        }
        assert!(matches!(resolve("drug", None), Err(LoadError::UnknownList(_))));
    }

    #[test]
    fn the_sample_catalogues_load() {
        let data = ReferenceData::sample();
        assert!(data.icd10.as_ref().is_some_and(|c| c.contains("A09", None)));
        assert!(data.approved_for("83001").drugs.is_some_and(|d| d.contains("40.152", None)));
        let before = "2025-06-30".parse().ok();
        let unit = data.admin_units.as_ref().and_then(|u| u.get("83", before)).map(|u| u.level);
        assert_eq!(unit, Some(AdminLevel::Province));
        assert!(data.code_lists.of("MA_LOAI_KCB").is_some());
    }
}
