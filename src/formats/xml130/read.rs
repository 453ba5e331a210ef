//! Reading `GIAMDINHHS` files as HIS export them: a UTF-8 BOM, indentation, CDATA or escaped text,
//! several `HOSO`, tables in any order, optional tables missing.
//!
//! [`scan`] checks the whole envelope cheaply (well-formed, counts agree) before anything is
//! stored; [`read_hosos_with_notes`] then yields one episode, or one precise error, per `HOSO`.
//! DOCTYPEs are refused (no entity expansion), nesting and table sizes are bounded.
//!
//! What real exporters do beyond the appendix is read and said ([`ReadNote`], each a warning rule
//! of the catalogue): a table written inline as XML instead of base64, base64 wrapped in lines, a
//! table with no rows, byte-order marks, fields out of the appendix order, decimal commas. Tables
//! in the layout of QĐ 4210 (the standard before QĐ 130) are refused as such.

use super::layout::{Layout, layout, table_of_kind};
use crate::domain::Episode;
use crate::domain::records::{Record, Table};
use crate::domain::spec::{self, FieldKind};
use base64::Engine;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde::Serialize;

const MAX_DEPTH: usize = 16;
/// Largest decoded table document accepted inside one `NOIDUNGFILE`.
const MAX_TABLE_BYTES: usize = 16 * 1024 * 1024;

/// What the envelope says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// `THONGTINDONVI/MACSKCB`.
    pub facility: String,
    /// `NGAYLAP`.
    pub created_on: String,
    /// `SOLUONGHOSO`, which equals the number of `HOSO` once [`scan`] succeeded.
    pub count: usize,
    /// What was read beyond the appendix at the file's level (a byte-order mark).
    pub notes: Vec<ReadNote>,
}

/// Something the reader accepted beyond the appendix, and how it read it: the code of a warning
/// rule of the catalogue, where, what, and the value as found (bounded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadNote {
    pub rule: &'static str,
    pub path: String,
    pub message: String,
    pub value: Option<String>,
}

impl ReadNote {
    fn new(rule: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        ReadNote { rule, path: path.into(), message: message.into(), value: None }
    }
}

/// One `HOSO` as read, with what was read beyond the appendix.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadHoso {
    pub episode: Episode,
    pub notes: Vec<ReadNote>,
}

/// What one table document held.
#[derive(Debug, Default)]
pub struct TableRead {
    pub records: usize,
    pub notes: Vec<ReadNote>,
}

/// XML1 fields of QĐ 4210/QĐ-BYT (2017), the standard QĐ 130 replaced, that QĐ 130 does not have:
/// a table holding one of them is in the old layout (QĐ 130 renamed `MA_THE`, `MA_BENH`, split
/// `T_TONGCHI` and dropped the per-group totals).
const QD4210_ONLY: &[&str] = &[
    "MA_THE",
    "MIEN_CUNG_CT",
    "TEN_BENH",
    "MA_BENH",
    "MA_BENHKHAC",
    "MA_LYDO_VVIEN",
    "MA_NOI_CHUYEN",
    "TINH_TRANG_RV",
    "T_TONGCHI",
    "T_NGOAIDS",
    "T_XETNGHIEM",
    "T_CDHA",
    "T_MAU",
    "T_PTTT",
    "T_DVKT_TYLE",
    "T_THUOC_TYLE",
    "T_VTYT_TYLE",
    "T_KHAM",
    "T_GIUONG",
    "T_VCHUYEN",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a whole file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error("the file is not UTF-8 (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("not well-formed XML near byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("DOCTYPE declarations are refused: they allow entity-expansion attacks")]
    Doctype,
    #[error("elements nest deeper than {0} levels")]
    TooDeep(usize),
    #[error("the root element must be GIAMDINHHS, not {0}")]
    WrongRoot(String),
    #[error("THONGTINDONVI/MACSKCB is missing")]
    MissingFacility,
    #[error("THONGTINHOSO/SOLUONGHOSO is missing or not a whole number (`{0}`)")]
    BadCount(String),
    #[error("SOLUONGHOSO says {declared} but the file holds {actual} HOSO")]
    CountMismatch { declared: usize, actual: usize },
    #[error("the file holds no HOSO")]
    Empty,
}

/// What is wrong with one `HOSO`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HosoProblem {
    #[error("a FILEHOSO has no LOAIHOSO")]
    MissingKind,
    #[error("LOAIHOSO `{0}` is not one of XML1-XML15 (XML0 and XML12 travel alone)")]
    UnknownKind(String),
    #[error("{0}: NOIDUNGFILE is not valid base64")]
    BadBase64(String),
    #[error("{kind}: the decoded table is larger than {limit} bytes")]
    TableTooLarge { kind: String, limit: usize },
    #[error("{kind}: {message}")]
    Table { kind: String, message: String },
    #[error("{kind}: unknown element {field}")]
    UnknownField { kind: String, field: String },
    #[error("{kind}: QĐ 4210 layout, not QĐ 130 (element {field} of the old standard)")]
    Qd4210Layout { kind: String, field: String },
    #[error("{kind}.{field}: {message}")]
    BadValue { kind: String, field: String, message: String },
    #[error("{0} appears twice, but holds a single record")]
    DuplicateTable(String),
    #[error("XML1 (TONG_HOP) is missing")]
    MissingSummary,
}

impl HosoProblem {
    /// A stable code for the problem (`HOSO_…`), named in answers and reports as a rule is; a `HOSO`
    /// that cannot be read is refused whatever the catalogue says, so these codes are not in it.
    pub fn code(&self) -> &'static str {
        match self {
            HosoProblem::MissingKind => "HOSO_LOAIHOSO_MISSING",
            HosoProblem::UnknownKind(_) => "HOSO_LOAIHOSO_UNKNOWN",
            HosoProblem::BadBase64(_) => "HOSO_BASE64_INVALID",
            HosoProblem::TableTooLarge { .. } => "HOSO_TABLE_TOO_LARGE",
            HosoProblem::Table { .. } => "HOSO_TABLE_MALFORMED",
            HosoProblem::UnknownField { .. } => "HOSO_FIELD_UNKNOWN",
            HosoProblem::Qd4210Layout { .. } => "HOSO_QD4210_LAYOUT",
            HosoProblem::BadValue { .. } => "HOSO_VALUE_UNREADABLE",
            HosoProblem::DuplicateTable(_) => "HOSO_TABLE_DUPLICATE",
            HosoProblem::MissingSummary => "HOSO_XML1_MISSING",
        }
    }

    /// Where in the `HOSO`: the table, and the field when one is at fault (`XML1.MA_THE`).
    pub fn path(&self) -> String {
        match self {
            HosoProblem::MissingKind => "FILEHOSO.LOAIHOSO".to_owned(),
            HosoProblem::MissingSummary => "XML1".to_owned(),
            HosoProblem::UnknownKind(kind) | HosoProblem::BadBase64(kind) | HosoProblem::DuplicateTable(kind) => {
                kind.clone()
            }
            HosoProblem::TableTooLarge { kind, .. } | HosoProblem::Table { kind, .. } => kind.clone(),
            HosoProblem::UnknownField { kind, field }
            | HosoProblem::Qd4210Layout { kind, field }
            | HosoProblem::BadValue { kind, field, .. } => format!("{kind}.{field}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HOSO {index}{}: {problem}", .ma_lk.as_deref().map(|k| format!(" (MA_LK {k})")).unwrap_or_default())]
pub struct HosoError {
    /// Position of the `HOSO` in the file, from 0.
    pub index: usize,
    pub ma_lk: Option<String>,
    pub problem: HosoProblem,
}

fn as_text(bytes: &[u8]) -> Result<&str, DossierError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| DossierError::NotUtf8(e.valid_up_to()))
}

fn malformed(reader: &Reader<&[u8]>, e: impl std::fmt::Display) -> DossierError {
    DossierError::Malformed { position: reader.buffer_position(), message: e.to_string() }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// Resolves a general reference (`&amp;`, `&#x1EA1;` …) to text.
fn entity(name: &str, resolved_char: Option<char>) -> Option<String> {
    Some(match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        _ => resolved_char?.to_string(),
    })
}

/// Checks the envelope: well-formed, GIAMDINHHS root, facility present, `SOLUONGHOSO` equal to
/// the number of `HOSO`.
pub fn scan(xml: &[u8]) -> Result<Header, DossierError> {
    let text = as_text(xml)?;
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let (mut facility, mut created_on, mut count_text) = (None, String::new(), None::<String>);
    let mut hosos = 0usize;
    let mut current = String::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|e| malformed(&reader, e))?;
        match event {
            Event::Start(e) => {
                seen_root = true;
                let name = local(e.name().as_ref()).to_owned();
                if path.is_empty() && name != "GIAMDINHHS" {
                    return Err(DossierError::WrongRoot(name));
                }
                if path.len() >= MAX_DEPTH {
                    return Err(DossierError::TooDeep(MAX_DEPTH));
                }
                path.push(name);
                current.clear();
                if path.len() == 4 && path[3] == "HOSO" && path[2] == "DANHSACHHOSO" {
                    hosos += 1;
                }
            }
            Event::Empty(e) => {
                let qname = e.name();
                let name = local(qname.as_ref());
                if path.is_empty() && name != "GIAMDINHHS" {
                    return Err(DossierError::WrongRoot(name.to_owned()));
                }
                seen_root = true;
                if path.len() == 3 && path[2] == "DANHSACHHOSO" && name == "HOSO" {
                    hosos += 1;
                }
            }
            Event::Text(t) if path.is_empty() && !t.xml10_content().trim().is_empty() => {
                return Err(DossierError::Malformed {
                    position: reader.buffer_position(),
                    message: "text outside the root element: this is not an XML document".into(),
                });
            }
            Event::Text(t) => current.push_str(&t.xml10_content()),
            Event::CData(c) => current.push_str(&c.xml10_content()),
            Event::End(_) => {
                let at: Vec<&str> = path.iter().map(String::as_str).collect();
                match at.as_slice() {
                    ["GIAMDINHHS", "THONGTINDONVI", "MACSKCB"] => facility = Some(current.trim().to_owned()),
                    ["GIAMDINHHS", "THONGTINHOSO", "NGAYLAP"] => created_on = current.trim().to_owned(),
                    ["GIAMDINHHS", "THONGTINHOSO", "SOLUONGHOSO"] => count_text = Some(current.trim().to_owned()),
                    _ => {}
                }
                path.pop();
                current.clear();
            }
            Event::DocType(_) => return Err(DossierError::Doctype),
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() || !seen_root {
        let message = if seen_root { "the file ends inside an element" } else { "the file has no root element" };
        return Err(DossierError::Malformed { position: reader.buffer_position(), message: message.into() });
    }
    let facility = facility.filter(|f| !f.is_empty()).ok_or(DossierError::MissingFacility)?;
    let count_text = count_text.unwrap_or_default();
    let declared: usize = count_text.parse().map_err(|_| DossierError::BadCount(count_text.clone()))?;
    if declared != hosos {
        return Err(DossierError::CountMismatch { declared, actual: hosos });
    }
    if hosos == 0 {
        return Err(DossierError::Empty);
    }
    let notes = if xml.starts_with(BOM) { vec![import_bom("GIAMDINHHS", "file")] } else { Vec::new() };
    Ok(Header { facility, created_on, count: hosos, notes })
}

/// One `FILEHOSO` as found in the envelope.
struct FileEntry {
    kind: Option<String>,
    content: String,
    /// `NOIDUNGFILE` held the table document as XML elements, not as base64 text.
    inline: bool,
}

/// Yields each `HOSO` of a file that [`scan`] accepted, as an episode or a precise error.
pub fn read_hosos(xml: &[u8]) -> Result<impl Iterator<Item = Result<Episode, HosoError>> + '_, DossierError> {
    Ok(read_hosos_with_notes(xml)?.map(|hoso| hoso.map(|h| h.episode)))
}

/// [`read_hosos`], with what was read beyond the appendix in each `HOSO`.
pub fn read_hosos_with_notes(
    xml: &[u8],
) -> Result<impl Iterator<Item = Result<ReadHoso, HosoError>> + '_, DossierError> {
    let text = as_text(xml)?;
    Ok(HosoIter { text, reader: Reader::from_str(text), path: Vec::new(), index: 0 })
}

struct HosoIter<'a> {
    text: &'a str,
    reader: Reader<&'a [u8]>,
    path: Vec<String>,
    index: usize,
}

impl Iterator for HosoIter<'_> {
    type Item = Result<ReadHoso, HosoError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut files: Vec<FileEntry> = Vec::new();
        let mut in_hoso = false;
        let mut current = String::new();
        // Where the content of the open NOIDUNGFILE starts in the text, for one written inline.
        let mut content_from = 0usize;
        loop {
            let before = self.reader.buffer_position() as usize;
            // The file was scanned already: an error here ends the iteration.
            let event = self.reader.read_event().ok()?;
            match event {
                Event::Start(e) => {
                    let name = local(e.name().as_ref()).to_owned();
                    current.clear();
                    if self.path.len() == 3 && name == "HOSO" {
                        in_hoso = true;
                    }
                    if in_hoso && name == "FILEHOSO" {
                        files.push(FileEntry { kind: None, content: String::new(), inline: false });
                    }
                    if in_hoso && name == "NOIDUNGFILE" {
                        content_from = self.reader.buffer_position() as usize;
                    }
                    if self.path.last().is_some_and(|p| p == "NOIDUNGFILE")
                        && let Some(f) = files.last_mut()
                    {
                        f.inline = true;
                    }
                    self.path.push(name);
                }
                Event::Empty(e) if self.path.len() == 3 && local(e.name().as_ref()) == "HOSO" => {
                    let index = self.index;
                    self.index += 1;
                    return Some(Err(HosoError { index, ma_lk: None, problem: HosoProblem::MissingSummary }));
                }
                Event::Text(t) if in_hoso => current.push_str(&t.xml10_content()),
                Event::CData(c) if in_hoso => current.push_str(&c.xml10_content()),
                Event::End(_) => {
                    let name = self.path.pop().unwrap_or_default();
                    if in_hoso {
                        match name.as_str() {
                            "LOAIHOSO" => {
                                if let Some(f) = files.last_mut() {
                                    f.kind = Some(current.trim().to_owned());
                                }
                            }
                            "NOIDUNGFILE" => {
                                if let Some(f) = files.last_mut() {
                                    f.content = match f.inline {
                                        true => self.text.get(content_from..before).unwrap_or_default().to_owned(),
                                        false => std::mem::take(&mut current),
                                    };
                                }
                            }
                            "HOSO" => {
                                let index = self.index;
                                self.index += 1;
                                return Some(build_episode(index, files));
                            }
                            _ => {}
                        }
                    }
                    current.clear();
                }
                Event::Eof => return None,
                _ => {}
            }
        }
    }
}

/// The decoded table document of one `FILEHOSO`, or `None` for an empty one (noted).
fn table_bytes<'f>(
    kind: &str,
    file: &'f FileEntry,
    notes: &mut Vec<ReadNote>,
) -> Result<Option<std::borrow::Cow<'f, [u8]>>, HosoProblem> {
    if file.inline {
        if file.content.len() > MAX_TABLE_BYTES {
            return Err(HosoProblem::TableTooLarge { kind: kind.to_owned(), limit: MAX_TABLE_BYTES });
        }
        notes.push(import_inline_table(kind));
        return Ok(Some(file.content.as_bytes().into()));
    }
    let content = file.content.trim_ascii();
    let compact: std::borrow::Cow<'_, str> = if content.bytes().any(|b| b.is_ascii_whitespace()) {
        notes.push(import_base64_wrapped(kind));
        content.split_ascii_whitespace().collect::<String>().into()
    } else {
        content.into()
    };
    if compact.is_empty() {
        notes.push(import_empty_table(kind, "NOIDUNGFILE is empty"));
        return Ok(None);
    }
    if compact.len() / 4 * 3 > MAX_TABLE_BYTES {
        return Err(HosoProblem::TableTooLarge { kind: kind.to_owned(), limit: MAX_TABLE_BYTES });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| HosoProblem::BadBase64(kind.to_owned()))?;
    Ok(Some(bytes.into()))
}

/// A UTF-8 byte-order mark before the `file` or `table` at `place`, skipped.
fn import_bom(place: &str, what: &str) -> ReadNote {
    ReadNote::new("IMPORT_BOM", place, format!("the {what} starts with a UTF-8 byte-order mark, which was skipped"))
}

fn import_inline_table(kind: &str) -> ReadNote {
    ReadNote::new("IMPORT_INLINE_TABLE", kind, "NOIDUNGFILE holds the table as XML elements, not base64; read as it is")
}

fn import_base64_wrapped(kind: &str) -> ReadNote {
    ReadNote::new("IMPORT_BASE64_WRAPPED", kind, "the base64 of NOIDUNGFILE is broken into lines; read without them")
}

/// A table with nothing in it (`why`), left out of the episode.
fn import_empty_table(kind: &str, why: &str) -> ReadNote {
    ReadNote::new("IMPORT_EMPTY_TABLE", kind, format!("{why}; it is left out"))
}

/// A decimal written with a comma (`1234,5`), read as a point.
fn import_decimal_comma(path: String, text: &str) -> ReadNote {
    let mut note = ReadNote::new("IMPORT_DECIMAL_COMMA", path, "a decimal comma, read as a point");
    note.value = Some(text.chars().take(32).collect());
    note
}

fn build_episode(index: usize, files: Vec<FileEntry>) -> Result<ReadHoso, HosoError> {
    let mut episode = Episode::default();
    let mut notes = Vec::new();
    let mut has_summary = false;
    let mut seen_single: Vec<Table> = Vec::new();
    let fail = |problem, episode: &Episode| {
        let key = episode.episode_key();
        Err(HosoError { index, ma_lk: (!key.is_empty()).then(|| key.to_owned()), problem })
    };
    for file in &files {
        let Some(kind) = file.kind.clone() else { return fail(HosoProblem::MissingKind, &episode) };
        let Some(table) = table_of_kind(&kind) else { return fail(HosoProblem::UnknownKind(kind), &episode) };
        let bytes = match table_bytes(&kind, file, &mut notes) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(problem) => return fail(problem, &episode),
        };
        if layout(table).list.is_none() {
            if seen_single.contains(&table) {
                return fail(HosoProblem::DuplicateTable(kind), &episode);
            }
            seen_single.push(table);
        }
        match read_table_document(table, &bytes, &mut episode) {
            Ok(read) => {
                if read.records == 0 {
                    notes.push(import_empty_table(&kind, "the table holds no record"));
                }
                has_summary |= table == Table::Xml1 && read.records > 0;
                notes.extend(read.notes);
            }
            Err(problem) => return fail(problem, &episode),
        }
    }
    if !has_summary {
        return fail(HosoProblem::MissingSummary, &episode);
    }
    Ok(ReadHoso { episode, notes: merged(notes) })
}

/// Field notes of one rule kept in a `HOSO` before the rest are counted.
pub(super) const NOTES_PER_RULE: usize = 5;

/// A `HOSO`'s notes, one per rule for the tables (`XML1, XML2: …`), and for fields the first
/// [`NOTES_PER_RULE`] with a count of the rest, so that a large export is said briefly.
fn merged(notes: Vec<ReadNote>) -> Vec<ReadNote> {
    let mut out: Vec<ReadNote> = Vec::new();
    let mut dropped: Vec<(&'static str, usize)> = Vec::new();
    for note in notes {
        let of_table = !note.path.contains('.');
        let mut same = out.iter_mut().filter(|n| n.rule == note.rule);
        match of_table {
            true => match same.find(|n| !n.path.contains('.')) {
                Some(n) => n.path = format!("{}, {}", n.path, note.path),
                None => out.push(note),
            },
            false if same.count() < NOTES_PER_RULE => out.push(note),
            false => match dropped.iter_mut().find(|(rule, _)| *rule == note.rule) {
                Some((_, n)) => *n += 1,
                None => dropped.push((note.rule, 1)),
            },
        }
    }
    for (rule, n) in dropped {
        out.push(ReadNote::new(rule, "…", format!("and {n} more fields of this HOSO alike")));
    }
    out
}

/// A fresh record of `table` inside `episode`, to be filled.
fn new_record(episode: &mut Episode, table: Table) {
    fn set<R: Default>(item: &mut Option<R>) {
        *item = Some(R::default());
    }
    match table {
        Table::Xml1 => episode.summary = Default::default(),
        Table::Xml2 => episode.drugs.push(Default::default()),
        Table::Xml3 => episode.services.push(Default::default()),
        Table::Xml4 => episode.paraclinical_results.push(Default::default()),
        Table::Xml5 => episode.progress_notes.push(Default::default()),
        Table::Xml6 => episode.hiv_care.push(Default::default()),
        Table::Xml7 => set(&mut episode.discharge_certificate),
        Table::Xml8 => set(&mut episode.record_summary),
        Table::Xml9 => episode.birth_certificates.push(Default::default()),
        Table::Xml10 => set(&mut episode.pregnancy_leave),
        Table::Xml11 => set(&mut episode.sick_leave),
        Table::Xml13 => set(&mut episode.referral_letter),
        Table::Xml14 => set(&mut episode.reexam_appointment),
        Table::Xml15 => episode.tuberculosis.push(Default::default()),
        Table::CheckIn => episode.check_ins.push(Default::default()),
        Table::Xml12 => unreachable!("XML12 is not part of an episode; table_of_kind never yields it"),
    }
}

/// The record of `table` being filled: the last one made by [`new_record`].
fn current_record(episode: &mut Episode, table: Table) -> Option<&mut dyn Record> {
    fn last<R: Record>(items: &mut [R]) -> Option<&mut dyn Record> {
        items.last_mut().map(|r| r as &mut dyn Record)
    }
    fn one<R: Record>(item: &mut Option<R>) -> Option<&mut dyn Record> {
        item.as_mut().map(|r| r as &mut dyn Record)
    }
    match table {
        Table::Xml1 => Some(&mut episode.summary),
        Table::Xml2 => last(&mut episode.drugs),
        Table::Xml3 => last(&mut episode.services),
        Table::Xml4 => last(&mut episode.paraclinical_results),
        Table::Xml5 => last(&mut episode.progress_notes),
        Table::Xml6 => last(&mut episode.hiv_care),
        Table::Xml7 => one(&mut episode.discharge_certificate),
        Table::Xml8 => one(&mut episode.record_summary),
        Table::Xml9 => last(&mut episode.birth_certificates),
        Table::Xml10 => one(&mut episode.pregnancy_leave),
        Table::Xml11 => one(&mut episode.sick_leave),
        Table::Xml13 => one(&mut episode.referral_letter),
        Table::Xml14 => one(&mut episode.reexam_appointment),
        Table::Xml15 => last(&mut episode.tuberculosis),
        Table::CheckIn => last(&mut episode.check_ins),
        Table::Xml12 => None,
    }
}

/// Reads one table document (the decoded `NOIDUNGFILE`) into `episode`: how many records it held,
/// and what was read beyond the appendix.
pub fn read_table_document(table: Table, bytes: &[u8], episode: &mut Episode) -> Result<TableRead, HosoProblem> {
    let mut doc = TableDocument::new(table);
    if bytes.starts_with(BOM) {
        doc.read.notes.push(import_bom(doc.kind, "table"));
    }
    let text = as_text(bytes).map_err(|e| doc.problem(e.to_string()))?;
    let mut reader = Reader::from_str(text);
    loop {
        let event = reader.read_event().map_err(|e| doc.problem(format!("not well-formed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(doc.problem(DossierError::Doctype.to_string())),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let qname = e.name();
                doc.open(local(qname.as_ref()), matches!(event, Event::Empty(_)), episode)?;
            }
            Event::Text(t) if doc.field.is_some() => doc.text.push_str(&t.xml10_content()),
            Event::CData(c) if doc.field.is_some() => doc.text.push_str(&c.xml10_content()),
            Event::GeneralRef(r) if doc.field.is_some() => {
                let name: &str = &r;
                let resolved = entity(name, r.resolve_char_ref().ok().flatten())
                    .ok_or_else(|| doc.problem(format!("unknown entity &{name};")))?;
                doc.text.push_str(&resolved);
            }
            Event::Text(t) if doc.skip_depth.is_none() && !t.xml10_content().trim().is_empty() => {
                return Err(doc.problem(format!("unexpected text at depth {} under {}", doc.depth, doc.layout.root)));
            }
            Event::End(_) => doc.close(episode)?,
            Event::Eof => break,
            _ => {}
        }
    }
    if doc.depth != 0 {
        return Err(doc.problem("the document ends inside an element".into()));
    }
    Ok(doc.read)
}

/// Where the reading of one table document is.
struct TableDocument {
    table: Table,
    kind: &'static str,
    layout: Layout,
    specs: &'static [spec::FieldSpec],
    /// Elements open above the current event: 1 is the root, then list, record, field.
    depth: usize,
    /// The field whose text is being read.
    field: Option<usize>,
    /// The last field of the current record, to find the next one fast and to see order.
    last_field: Option<usize>,
    text: String,
    /// Inside an element skipped whole (a document's own `CHUKYDONVI`), opened at this depth.
    skip_depth: Option<usize>,
    read: TableRead,
}

impl TableDocument {
    fn new(table: Table) -> Self {
        TableDocument {
            table,
            kind: table.spec_name(),
            layout: layout(table),
            specs: spec::fields(table),
            depth: 0,
            field: None,
            last_field: None,
            text: String::new(),
            skip_depth: None,
            read: TableRead::default(),
        }
    }

    fn problem(&self, message: String) -> HosoProblem {
        HosoProblem::Table { kind: self.kind.to_owned(), message }
    }

    /// Fields sit at depth 1 (under the root) or 3 (root / list / record).
    fn field_depth(&self) -> usize {
        if self.layout.list.is_some() { 3 } else { 1 }
    }

    fn open(&mut self, name: &str, is_empty: bool, episode: &mut Episode) -> Result<(), HosoProblem> {
        if self.skip_depth.is_some() {
            self.depth += usize::from(!is_empty);
            return Ok(());
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.problem(DossierError::TooDeep(MAX_DEPTH).to_string()));
        }
        let Layout { root, list, signed_alone } = self.layout;
        match self.depth {
            0 if name != root => return Err(self.problem(format!("the root element must be {root}, not {name}"))),
            0 => {}
            1 if signed_alone && name == "CHUKYDONVI" => {
                if !is_empty {
                    self.skip_depth = Some(self.depth);
                }
            }
            1 if list.is_some_and(|(l, _)| l != name) => {
                return Err(self.problem(format!("expected {} under {root}, found {name}", list.map_or("", |l| l.0))));
            }
            2 if list.is_some_and(|(_, r)| r != name) => {
                return Err(self.problem(format!("expected {} records, found {name}", list.map_or("", |l| l.1))));
            }
            2 if list.is_some() => self.start_record(episode),
            1 if list.is_some() => {}
            d if d == self.field_depth() => {
                // A table of one record has it from its first field: a root alone holds none.
                if list.is_none() && self.read.records == 0 {
                    self.start_record(episode);
                }
                let index = self.field_index(name)?;
                self.text.clear();
                if is_empty {
                    self.assign(episode, index, "")?;
                } else {
                    self.field = Some(index);
                }
            }
            _ => {
                return Err(self.problem(format!("unexpected element {name} at depth {} under {root}", self.depth)));
            }
        }
        self.depth += usize::from(!is_empty);
        Ok(())
    }

    fn close(&mut self, episode: &mut Episode) -> Result<(), HosoProblem> {
        self.depth = self.depth.saturating_sub(1);
        if let Some(d) = self.skip_depth {
            if self.depth == d {
                self.skip_depth = None;
            }
            return Ok(());
        }
        if let Some(index) = self.field.take() {
            let text = std::mem::take(&mut self.text);
            self.assign(episode, index, text.trim())?;
        }
        Ok(())
    }

    fn start_record(&mut self, episode: &mut Episode) {
        new_record(episode, self.table);
        self.read.records += 1;
        self.last_field = None;
    }

    /// The position of field `name`, noting the first field of a table out of the appendix order.
    fn field_index(&mut self, name: &str) -> Result<usize, HosoProblem> {
        // Fields usually come in appendix order: try the next one before the index.
        let next = self.last_field.map_or(0, |i| i + 1);
        let index = match self.specs.get(next) {
            Some(f) if f.name == name => next,
            _ => spec::field_index(self.table, name).ok_or_else(|| {
                let (kind, field) = (self.kind.to_owned(), name.to_owned());
                match QD4210_ONLY.contains(&name) {
                    true => HosoProblem::Qd4210Layout { kind, field },
                    false => HosoProblem::UnknownField { kind, field },
                }
            })?,
        };
        self.import_field_order(name, index);
        self.last_field = Some(index);
        Ok(index)
    }

    /// A field before one it follows in the appendix: read by its name, said once per table.
    fn import_field_order(&mut self, name: &str, index: usize) {
        let backwards = self.last_field.is_some_and(|last| index < last);
        if backwards && !self.read.notes.iter().any(|n| n.rule == "IMPORT_FIELD_ORDER") {
            let after = self.last_field.map_or("", |last| self.specs[last].name.as_str());
            let message = format!("{name} comes after {after}, out of the appendix order; read by name");
            self.read.notes.push(ReadNote::new("IMPORT_FIELD_ORDER", self.path(name), message));
        }
    }

    /// `XML2[3].DON_GIA`: the table, the record (from 0) in a list table, the field.
    fn path(&self, field: &str) -> String {
        match self.layout.list {
            Some(_) => format!("{}[{}].{field}", self.kind, self.read.records.saturating_sub(1)),
            None => format!("{}.{field}", self.kind),
        }
    }

    fn assign(&mut self, episode: &mut Episode, index: usize, text: &str) -> Result<(), HosoProblem> {
        let spec = &self.specs[index];
        let decimal = matches!(spec.kind(), FieldKind::Money | FieldKind::Price | FieldKind::Number);
        let text = match decimal && text.contains(',') && !text.contains('.') {
            true => {
                self.read.notes.push(import_decimal_comma(self.path(&spec.name), text));
                std::borrow::Cow::Owned(text.replacen(',', ".", 1))
            }
            false => std::borrow::Cow::Borrowed(text),
        };
        let record = current_record(episode, self.table).expect("a record is open while its fields are read");
        record.assign(index, &text).map_err(|e| HosoProblem::BadValue {
            kind: self.kind.to_owned(),
            field: spec.name.clone(),
            message: e.to_string(),
        })
    }
}
