//! Appraisal result files: BHXH publishes no API for appraisal outcomes (BHXH-API.md §5), so staff
//! download the results from the portal's screens and import them here, as CSV or XLSX, one row
//! per `MA_LK` (per-line rows optional). The whole file is read and checked before anything is
//! written: one bad row refuses the file, naming the row. Each record then settles its claim's
//! awaited BHXH submission exactly as a polled appraisal does (outcome, lines, settlement view).

use crate::config::ResultColumns;
use crate::domain::decimal::to_cents;
use crate::store::audit::{self, Actor, AuditEntry};
use crate::store::outbox::{self, Outcome};
use crate::store::results::{self, SubmissionState};
use crate::store::{AnyConnection, StoreError};
use crate::vocabulary::{FacilityCode, JobStatus};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Most data rows in one file.
pub const MAX_ROWS: usize = 200_000;
/// Rows searched for the header line (report titles often stand above it).
const HEADER_SEARCH_ROWS: usize = 20;
/// Most `MA_LK` listed per kind in a report; the rest are counted.
const LISTED: usize = 200;

/// Why a result file is refused. Nothing of a refused file is written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is neither CSV nor XLSX that can be read: {0}")]
    Unreadable(String),
    #[error("no header row with a `MA_LK` column in the first {HEADER_SEARCH_ROWS} rows (looked for {0})")]
    NoHeader(String),
    #[error("no `{field}` column (looked for {looked_for})")]
    MissingColumn { field: &'static str, looked_for: String },
    #[error("row {row}, column `{column}`: {message}")]
    BadRow { row: usize, column: String, message: String },
    #[error("the file holds more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the file holds no result rows")]
    Empty,
}

/// One line's appraisal (`BANG`, its `STT`).
#[derive(Debug, Clone, PartialEq)]
struct LineResult {
    table: String,
    seq: u32,
    claimed: Option<Decimal>,
    approved: Decimal,
    reason: Option<String>,
}

/// One record's appraisal as the file gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordResult {
    facility: Option<String>,
    episode_key: String,
    /// The record's own row: (claimed, approved, reason); `None` when only its lines are listed.
    totals: Option<(Option<Decimal>, Decimal, Option<String>)>,
    lines: Vec<LineResult>,
}

/// What an import did, `MA_LK` by kind.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Records (distinct `MA_LK`) in the file.
    pub records: usize,
    /// Records whose awaited BHXH submission this file settled.
    pub settled: usize,
    /// Already settled before (by an error list, a poll or an earlier file): left as they were.
    pub already_decided: Listed,
    /// Known claims BHXH has not received yet: nothing to settle.
    pub not_sent: Listed,
    /// `MA_LK` no claim of the importer's scope carries: listed, not guessed.
    pub unknown: Listed,
    /// `MA_LK` carried by claims of several facilities, with no `MA_CSKCB` column to tell them apart.
    pub ambiguous: Listed,
}

/// Up to [`LISTED`] `MA_LK` and how many there were.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Listed {
    pub count: usize,
    pub episode_keys: Vec<String>,
}

impl Listed {
    fn push(&mut self, key: &str) {
        self.count += 1;
        if self.episode_keys.len() < LISTED {
            self.episode_keys.push(key.to_owned());
        }
    }
}

/// The columns a result file is read by, found in its header row.
struct Columns {
    episode_key: usize,
    facility: Option<usize>,
    claimed: Option<usize>,
    approved: usize,
    reason: Option<usize>,
    table: Option<usize>,
    line: Option<usize>,
}

/// Header text as compared: case, spaces and underscores do not matter.
fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn find(header: &[String], aliases: &[String]) -> Option<usize> {
    let wanted: Vec<String> = aliases.iter().map(|a| normalise(a)).collect();
    header.iter().position(|h| wanted.contains(&normalise(h)))
}

impl Columns {
    fn of(header: &[String], names: &ResultColumns) -> Result<Self, ImportError> {
        let required = |field: &'static str, aliases: &[String]| {
            find(header, aliases).ok_or_else(|| ImportError::MissingColumn { field, looked_for: aliases.join(", ") })
        };
        let columns = Columns {
            episode_key: required("MA_LK", &names.episode_key)?,
            facility: find(header, &names.facility),
            claimed: find(header, &names.claimed),
            approved: required("approved", &names.approved)?,
            reason: find(header, &names.reason),
            table: find(header, &names.table),
            line: find(header, &names.line),
        };
        if columns.table.is_some() != columns.line.is_some() {
            let (field, aliases) =
                if columns.table.is_none() { ("table", &names.table) } else { ("line", &names.line) };
            return Err(ImportError::MissingColumn { field, looked_for: aliases.join(", ") });
        }
        Ok(columns)
    }
}

/// The cells of a file, row by row, as text (row numbers count from 1, as a spreadsheet shows them).
fn cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_cells(bytes);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| ImportError::Unreadable("not UTF-8 text and not an XLSX workbook".into()))?;
    let first = text.lines().next().unwrap_or_default();
    // Spreadsheets set to a Vietnamese or European locale save CSV with `;` between fields.
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first.matches(*d as char).count()).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Unreadable(format!("CSV: {e}")))?;
        rows.push(record.iter().map(str::to_owned).collect());
        if rows.len() > MAX_ROWS + HEADER_SEARCH_ROWS {
            return Err(ImportError::TooManyRows);
        }
    }
    Ok(rows)
}

fn xlsx_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    use calamine::{Data, Reader};
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| ImportError::Unreadable(format!("XLSX: {e}")))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::Unreadable("XLSX: the workbook has no sheet".into()))?
        .map_err(|e| ImportError::Unreadable(format!("XLSX: {e}")))?;
    if range.height() > MAX_ROWS + HEADER_SEARCH_ROWS {
        return Err(ImportError::TooManyRows);
    }
    // A cell's row in the sheet: the range may start below row 1.
    let offset = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = vec![Vec::new(); offset];
    rows.extend(range.rows().map(|row| {
        row.iter()
            .map(|cell| match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                // Amounts are at most hundredths of a đồng; a binary float is rounded to them.
                Data::Float(f) => Decimal::try_from(*f)
                    .map(|d| d.round_dp(2).normalize().to_string())
                    .unwrap_or_else(|_| f.to_string()),
                other => other.to_string(),
            })
            .collect()
    }));
    Ok(rows)
}

/// An amount cell: digits with at most one decimal separator (a dot, or a comma when there is no
/// dot), never negative. Thousands separators are refused rather than guessed.
fn amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim().replace(' ', "");
    let t = if t.contains(',') && !t.contains('.') && t.matches(',').count() == 1 { t.replace(',', ".") } else { t };
    let value: Decimal = t.parse().map_err(|_| format!("`{}` is not an amount", clip(text)))?;
    if value.is_sign_negative() {
        return Err(format!("`{}` is negative", clip(text)));
    }
    Ok(value)
}

/// A cell value as echoed in an error: bounded.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Reads and checks a whole result file; nothing is written here.
pub fn read(bytes: &[u8], names: &ResultColumns) -> Result<(usize, Vec<RecordResult>), ImportError> {
    let rows = cells(bytes)?;
    let header_at = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|row| find(row, &names.episode_key).is_some())
        .ok_or_else(|| ImportError::NoHeader(names.episode_key.join(", ")))?;
    let header = &rows[header_at];
    let columns = Columns::of(header, names)?;
    let mut records: BTreeMap<(Option<String>, String), RecordResult> = BTreeMap::new();
    let mut data_rows = 0;
    for (i, row) in rows.iter().enumerate().skip(header_at + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        data_rows += 1;
        read_row(i + 1, row, header, &columns, &mut records)?;
    }
    if records.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok((data_rows, records.into_values().collect()))
}

fn read_row(
    number: usize,
    row: &[String],
    header: &[String],
    columns: &Columns,
    records: &mut BTreeMap<(Option<String>, String), RecordResult>,
) -> Result<(), ImportError> {
    let cell = |at: Option<usize>| at.and_then(|i| row.get(i)).map(|c| c.trim()).filter(|c| !c.is_empty());
    let bad = |at: usize, message: String| ImportError::BadRow {
        row: number,
        column: header.get(at).cloned().unwrap_or_default(),
        message,
    };
    let episode_key =
        cell(Some(columns.episode_key)).ok_or_else(|| bad(columns.episode_key, "MA_LK is empty".into()))?;
    if episode_key.chars().count() > 100 {
        return Err(bad(columns.episode_key, format!("MA_LK `{}` is longer than 100 characters", clip(episode_key))));
    }
    let approved = cell(Some(columns.approved))
        .ok_or_else(|| bad(columns.approved, "the approved amount is empty".into()))
        .and_then(|t| amount(t).map_err(|m| bad(columns.approved, m)))?;
    let claimed = match (columns.claimed, cell(columns.claimed)) {
        (Some(at), Some(t)) => Some(amount(t).map_err(|m| bad(at, m))?),
        _ => None,
    };
    if let (Some(c), Some(at)) = (claimed, columns.claimed)
        && approved > c
    {
        return Err(bad(at, format!("the approved amount {approved} exceeds the claimed {c}")));
    }
    let reason = cell(columns.reason).map(|r| r.chars().take(1000).collect::<String>());
    let facility = cell(columns.facility).map(str::to_owned);
    let record = records.entry((facility.clone(), episode_key.to_owned())).or_insert_with(|| RecordResult {
        facility,
        episode_key: episode_key.to_owned(),
        ..RecordResult::default()
    });
    match (cell(columns.table), columns.line) {
        (Some(table), Some(line_at)) => {
            let table = table.to_uppercase();
            let known =
                table.strip_prefix("XML").and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=15).contains(&n));
            if !known {
                return Err(bad(
                    columns.table.unwrap_or_default(),
                    format!("`{}` is not a table XML1–XML15", clip(&table)),
                ));
            }
            let seq = cell(Some(line_at))
                .and_then(|t| t.parse::<u32>().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(line_at, "a line row needs its STT, a whole number from 1".into()))?;
            record.lines.push(LineResult { table, seq, claimed, approved, reason });
        }
        _ => {
            if record.totals.is_some() {
                return Err(bad(columns.episode_key, format!("MA_LK `{}` has a second record row", clip(episode_key))));
            }
            record.totals = Some((claimed, approved, reason));
        }
    }
    Ok(())
}

fn cents(d: Decimal) -> i64 {
    to_cents(d).unwrap_or(0)
}

/// The stored outcome of one record: its status follows from the amounts, as the portal's
/// screens show them (all approved, none, or part).
fn outcome(record: &RecordResult, stored_claim_cents: i64) -> Outcome {
    let line_sum = |f: &dyn Fn(&LineResult) -> Decimal| record.lines.iter().map(f).sum::<Decimal>();
    let (claimed, approved, reason) = match &record.totals {
        Some((claimed, approved, reason)) => (claimed.map(cents), cents(*approved), reason.clone()),
        None => {
            let claimed = record
                .lines
                .iter()
                .all(|l| l.claimed.is_some())
                .then(|| cents(line_sum(&|l| l.claimed.unwrap_or_default())));
            (claimed, cents(line_sum(&|l| l.approved)), None)
        }
    };
    let claimed = claimed.unwrap_or(stored_claim_cents);
    let status = if approved >= claimed {
        JobStatus::Accepted
    } else if approved == 0 {
        JobStatus::Rejected
    } else {
        JobStatus::PartiallyApproved
    };
    let mut reasons: Vec<String> = reason.into_iter().collect();
    for line_reason in record.lines.iter().filter_map(|l| l.reason.as_ref()) {
        if !reasons.contains(line_reason) {
            reasons.push(line_reason.clone());
        }
    }
    let lines = serde_json::Value::Array(
        record
            .lines
            .iter()
            .map(|l| {
                let claimed = l.claimed.map_or(0, cents);
                outbox::outcome_line(&l.table, &l.seq.to_string(), claimed, cents(l.approved), l.reason.as_deref())
            })
            .collect(),
    );
    Outcome { status, claimed_cents: claimed, approved_cents: approved, reasons, lines }
}

/// Settles, in the caller's transaction, every awaited BHXH submission the records name, within
/// `scope` (a facility, or every facility); reports the rest by kind.
pub fn apply(
    conn: &mut AnyConnection,
    rows: usize,
    records: &[RecordResult],
    scope: Option<&str>,
    actor: &Actor,
) -> Result<ImportReport, StoreError> {
    let keys: Vec<&str> = records.iter().map(|r| r.episode_key.as_str()).collect();
    let named = results::named_claims(conn, scope, &keys)?;
    let mut report = ImportReport { rows, records: records.len(), ..ImportReport::default() };
    let mut settle = Vec::new();
    for record in records {
        let matching: Vec<_> = named
            .iter()
            .filter(|n| n.episode_key == record.episode_key)
            .filter(|n| record.facility.as_deref().is_none_or(|f| n.facility_code == *f))
            .collect();
        match matching.as_slice() {
            [] => report.unknown.push(&record.episode_key),
            [one] => match &one.state {
                SubmissionState::Awaiting(s) => settle.push((s, outcome(record, s.claimed_cents))),
                SubmissionState::Decided => report.already_decided.push(&record.episode_key),
                SubmissionState::NotSent => report.not_sent.push(&record.episode_key),
            },
            _ => report.ambiguous.push(&record.episode_key),
        }
    }
    // Claims are locked in claim-id order by every writer, so writers never deadlock.
    settle.sort_by(|(a, _), (b, _)| a.claim_id.cmp(&b.claim_id));
    for (submission, outcome) in &settle {
        outbox::record_outcome(conn, submission, outcome)?;
    }
    report.settled = settle.len();
    audit::record_all(
        conn,
        &[AuditEntry {
            actor: &actor.key_id,
            role: actor.role.as_str(),
            action: "reconciliation.import",
            target: scope.unwrap_or("*"),
            detail: serde_json::json!({
                "rows": report.rows, "records": report.records, "settled": report.settled,
                "already_decided": report.already_decided.count, "not_sent": report.not_sent.count,
                "unknown": report.unknown.count, "ambiguous": report.ambiguous.count,
            }),
        }],
    )?;
    Ok(report)
}

/// Why an import stopped: the file is refused (nothing written), or the store failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error(transparent)]
    File(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `file` (off the runtime) and, when every row is sound, applies it in one transaction:
/// what the API, the dashboard and the command line each call.
pub async fn import_file(
    db: &crate::store::Db,
    file: bytes::Bytes,
    columns: ResultColumns,
    scope: Option<FacilityCode>,
    actor: Actor,
) -> Result<ImportReport, ImportFailure> {
    let (rows, records) =
        tokio::task::spawn_blocking(move || read(&file, &columns)).await.map_err(|_| StoreError::Cancelled)??;
    Ok(db.write_retrying(move |c| apply(c, rows, &records, scope.as_deref(), &actor)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> ResultColumns {
        ResultColumns::default()
    }

    #[test]
    fn a_vietnamese_csv_with_a_title_row_is_read() {
        let csv = "\u{feff}KẾT QUẢ GIÁM ĐỊNH;;;\nSTT;Mã LK;Số tiền đề nghị;Số tiền duyệt;Lý do\n1;LK1;100000;100000;\n2;LK2;250000,50;200000;Vượt định mức\n";
        let (rows, records) = read(csv.as_bytes(), &names()).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(records.len(), 2);
        let lk2 = records.iter().find(|r| r.episode_key == "LK2").unwrap();
        assert_eq!(
            lk2.totals,
            Some((Some("250000.50".parse().unwrap()), "200000".parse().unwrap(), Some("Vượt định mức".into())))
        );
        let o = outcome(lk2, 0);
        assert_eq!(
            (o.status, o.claimed_cents, o.approved_cents),
            (JobStatus::PartiallyApproved, 25_000_050, 20_000_000)
        );
    }

    #[test]
    fn one_bad_row_refuses_the_file_naming_it() {
        let csv = "MA_LK,SO_TIEN_DE_NGHI,SO_TIEN_DUYET\nLK1,100,100\nLK2,100,1.000.000\n";
        let e = read(csv.as_bytes(), &names()).unwrap_err();
        assert!(matches!(&e, ImportError::BadRow { row: 3, column, .. } if column == "SO_TIEN_DUYET"), "{e}");
        let csv = "MA_LK,SO_TIEN_DE_NGHI,SO_TIEN_DUYET\nLK1,100,150\n";
        assert!(read(csv.as_bytes(), &names()).unwrap_err().to_string().contains("exceeds the claimed"));
        let csv = "MA_LK,SO_TIEN_DUYET\nLK1,100\nLK1,90\n";
        assert!(read(csv.as_bytes(), &names()).unwrap_err().to_string().contains("second record row"));
        assert!(matches!(read(b"a,b\n1,2\n", &names()), Err(ImportError::NoHeader(_))));
        assert!(matches!(
            read(b"MA_LK,SO_TIEN_DE_NGHI\nLK1,1\n", &names()),
            Err(ImportError::MissingColumn { field: "approved", .. })
        ));
    }

    #[test]
    fn line_rows_are_gathered_under_their_record() {
        let csv = "MA_LK,BANG,STT_CHI_TIET,SO_TIEN_DE_NGHI,SO_TIEN_DUYET,LY_DO\nLK1,,,300,200,\nLK1,XML2,1,100,100,\nLK1,XML3,2,200,100,Sai giá\n";
        let (_, records) = read(csv.as_bytes(), &names()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].lines.len(), 2);
        let o = outcome(&records[0], 0);
        assert_eq!((o.status, o.approved_cents), (JobStatus::PartiallyApproved, 20_000));
        assert_eq!(o.reasons, vec!["Sai giá".to_owned()]);
        assert_eq!(o.lines[1]["table"], "XML3");
    }

    #[test]
    fn status_follows_the_amounts() {
        let record = |approved: &str| RecordResult {
            episode_key: "LK".into(),
            totals: Some((None, approved.parse().unwrap(), None)),
            ..RecordResult::default()
        };
        assert_eq!(outcome(&record("100"), 10_000).status, JobStatus::Accepted);
        assert_eq!(outcome(&record("0"), 10_000).status, JobStatus::Rejected);
        assert_eq!(outcome(&record("40"), 10_000).status, JobStatus::PartiallyApproved);
    }
}
