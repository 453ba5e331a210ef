//! `hisgate import` and `hisgate validate`: `GIAMDINHHS` files through the ingest, or through the
//! rules alone, with one report for both: every `HOSO`'s outcome with each rule it broke or was
//! warned of (code, field path, message, value), then a count by rule; as text or as JSON lines.

use super::ReportFormat;
use crate::auth::Principal;
use crate::config::Settings;
use crate::formats::xml130;
use crate::ingest::ItemResult;
use crate::ingest::dossiers::{read_findings, unreadable_violation};
use crate::validation::{self, Catalogue, Severity, Violation};
use crate::vocabulary::Role;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What became of one file.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    /// Why the whole file was refused; nothing of it was stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    refused: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    facility: Option<String>,
    count: usize,
    /// Findings at the file's own level (a byte-order mark).
    warnings: Vec<Violation>,
    hoso: Vec<HosoReport>,
}

#[derive(Debug, Serialize)]
struct HosoReport {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    ma_lk: Option<String>,
    outcome: Outcome,
    /// What stopped it, when it was not accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    /// Every rule broken or warned of; an unreadable `HOSO` has its `HOSO_…` code here.
    violations: Vec<Violation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    /// Stored (`import`) or free of critical rules (`validate`).
    Accepted,
    /// A critical rule, or a facility the caller may not send for.
    Refused,
    /// The `HOSO` could not be read.
    Unreadable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Refused => "refused",
            Outcome::Unreadable => "unreadable",
        }
    }
}

impl FileReport {
    fn refused(file: &Path, reason: String) -> Self {
        let file = file.display().to_string();
        FileReport { file, refused: Some(reason), facility: None, count: 0, warnings: Vec::new(), hoso: Vec::new() }
    }

    fn failed(&self) -> bool {
        self.refused.is_some() || self.hoso.iter().any(|h| h.outcome != Outcome::Accepted)
    }

    fn print(&self, format: ReportFormat) {
        match format {
            ReportFormat::Json => println!("{}", serde_json::to_string(self).expect("a report always serialises")),
            ReportFormat::Text => self.print_text(),
        }
    }

    fn print_text(&self) {
        if let Some(reason) = &self.refused {
            println!("{}: the file is refused: {reason}", self.file);
            return;
        }
        let count = |o: Outcome| self.hoso.iter().filter(|h| h.outcome == o).count();
        println!(
            "{}: facility {}, {} HOSO: {} accepted, {} refused, {} unreadable",
            self.file,
            self.facility.as_deref().unwrap_or("?"),
            self.count,
            count(Outcome::Accepted),
            count(Outcome::Refused),
            count(Outcome::Unreadable)
        );
        for v in &self.warnings {
            println!("  {}", line(v));
        }
        for h in self.hoso.iter().filter(|h| h.outcome != Outcome::Accepted || !h.violations.is_empty()) {
            let problem = h.problem.as_deref().map(|p| format!(": {p}")).unwrap_or_default();
            let (ma_lk, outcome) = (h.ma_lk.as_deref().unwrap_or("?"), h.outcome.as_str());
            println!("  HOSO {} (MA_LK {ma_lk}): {outcome}{problem}", h.index);
            for v in &h.violations {
                println!("    {}", line(v));
            }
        }
        print_by_rule(std::slice::from_ref(self));
    }
}

/// `critical FIELD_REQUIRED summary.HO_TEN: HO_TEN is required [value]`.
fn line(v: &Violation) -> String {
    let value = v.value.as_deref().map(|x| format!(" [{x}]")).unwrap_or_default();
    format!("{} {} {}: {}{value}", v.severity.as_str(), v.rule, v.path, v.message)
}

/// The table by rule that closes a text report: how often each rule was reported.
fn print_by_rule(reports: &[FileReport]) {
    let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let all = reports.iter().flat_map(|r| r.warnings.iter().chain(r.hoso.iter().flat_map(|h| &h.violations)));
    for v in all {
        *by_rule.entry((v.rule.as_str(), v.severity.as_str())).or_default() += 1;
    }
    if by_rule.is_empty() {
        return;
    }
    let width = by_rule.keys().map(|(rule, _)| rule.len()).max().unwrap_or(4).max(4);
    println!("{:<width$}  {:<8}  {:>5}", "rule", "severity", "count");
    for ((rule, severity), n) in by_rule {
        println!("{rule:<width$}  {severity:<8}  {n:>5}");
    }
}

/// An unreadable `HOSO`, with its problem as a violation of its `HOSO_…` code.
fn unreadable(e: xml130::HosoError) -> HosoReport {
    HosoReport {
        index: e.index,
        ma_lk: e.ma_lk.clone(),
        outcome: Outcome::Unreadable,
        problem: Some(e.to_string()),
        violations: vec![unreadable_violation(&e.problem)],
    }
}

/// The ingest service over the configured database, with the catalogues and rules in force: what
/// importing a file needs, and no portal.
async fn ingest_service(settings: Settings) -> anyhow::Result<crate::ingest::IngestService> {
    let url = settings.database_url.clone();
    let db = tokio::task::spawn_blocking(move || crate::store::Db::connect(&url)).await??;
    let reference = crate::reference::open(&db, settings.reference_dir.as_deref()).await?;
    let overrides = db.read(crate::store::rules::overrides).await?;
    Ok(crate::ingest::IngestService {
        committer: crate::ingest::Committer::start(db.clone(), settings.destinations.clone()),
        vault: crate::startup::open_vault(&settings)?,
        audit: crate::store::audit::AuditSink::start(db.clone()),
        catalogue: crate::validation::CatalogueHandle::new(Catalogue::builtin().with_overrides(&overrides)),
        reference,
        settings: std::sync::Arc::new(settings),
        signers: Default::default(),
        dispatch_wake: Default::default(),
        db,
    })
}

pub async fn import(files: Vec<std::path::PathBuf>, format: ReportFormat) -> anyhow::Result<()> {
    let service = ingest_service(Settings::load()?).await?;
    let principal = Principal { key_id: "cli".to_owned(), role: Role::Admin, facility: None, sensitive_reader: false };
    let mut reports = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let bar = indicatif::ProgressBar::new(0).with_message(path.display().to_string());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} HOSO ({per_sec})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        let result = crate::ingest::dossiers::ingest_file(&service, &principal, bytes.into(), &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await;
        bar.finish_and_clear();
        let report = match result {
            Ok(r) => FileReport {
                file: path.display().to_string(),
                refused: None,
                facility: Some(r.facility),
                count: r.count,
                warnings: r.warnings,
                hoso: r.items.into_iter().map(stored).collect(),
            },
            Err(crate::ingest::dossiers::DossierIngestError::Store(e)) => return Err(e.into()),
            Err(e) => FileReport::refused(&path, e.to_string()),
        };
        report.print(format);
        reports.push(report);
    }
    if format == ReportFormat::Text && reports.len() > 1 {
        println!("all files:");
        print_by_rule(&reports);
    }
    let failed = reports.iter().filter(|r| r.failed()).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} files had a HOSO refused or were refused whole", reports.len());
    }
    Ok(())
}

/// One `HOSO`'s result from the ingest.
fn stored(item: ItemResult) -> HosoReport {
    let (outcome, problem, violations) = match (item.receipt, item.error) {
        (Some(receipt), _) => (Outcome::Accepted, None, receipt.warnings),
        (None, Some(p)) => {
            let outcome = if p.status == 400 { Outcome::Unreadable } else { Outcome::Refused };
            (outcome, Some(p.detail), p.violations)
        }
        (None, None) => (Outcome::Refused, None, Vec::new()),
    };
    HosoReport { index: item.index, ma_lk: item.ma_lk, outcome, problem, violations }
}

pub fn validate(path: &Path, format: ReportFormat) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let profile = settings.bhxh_protocol.profile;
    let reference = match settings.reference_dir {
        Some(dir) => crate::reference::ReferenceData::load_dir(&dir)?,
        None => crate::reference::ReferenceData::default(),
    };
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let catalogue = Catalogue::builtin();
    let report = match xml130::scan(&bytes) {
        Err(e) => FileReport::refused(path, e.to_string()),
        Ok(header) => {
            let mut hoso = Vec::with_capacity(header.count);
            for read in xml130::read_hosos_with_notes(&bytes)? {
                hoso.push(match read {
                    Err(e) => unreadable(e),
                    Ok(xml130::ReadHoso { episode, notes }) => {
                        let mut violations = read_findings(&catalogue, notes);
                        violations.extend(validation::validate(&episode, &catalogue, &reference, profile).violations);
                        let critical = violations.iter().any(|v| v.severity == Severity::Critical);
                        HosoReport {
                            index: hoso.len(),
                            ma_lk: Some(episode.episode_key().to_owned()).filter(|k| !k.is_empty()),
                            outcome: if critical { Outcome::Refused } else { Outcome::Accepted },
                            problem: critical.then(|| "breaks a critical rule".to_owned()),
                            violations,
                        }
                    }
                });
            }
            FileReport {
                file: path.display().to_string(),
                refused: None,
                facility: Some(header.facility),
                count: header.count,
                warnings: read_findings(&catalogue, header.notes),
                hoso,
            }
        }
    };
    report.print(format);
    if report.failed() {
        anyhow::bail!("{} has critical problems", path.display());
    }
    Ok(())
}
