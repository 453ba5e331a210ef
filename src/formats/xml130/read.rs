//! Reading `GIAMDINHHS` files as HIS export them: a UTF-8 BOM, indentation, CDATA or escaped text,
//! several `HOSO`, tables in any order, optional tables missing.
//!
//! [`scan`] checks the whole envelope cheaply (well-formed, counts agree) before anything is
//! stored; [`read_hosos`] then yields one episode, or one precise error, per `HOSO`.
//! DOCTYPEs are refused (no entity expansion), nesting and table sizes are bounded.

use super::layout::{Layout, layout, table_of_kind};
use crate::domain::Episode;
use crate::domain::records::{Record, Table};
use crate::domain::spec;
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
}

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
    #[error("{0}: NOIDUNGFILE is missing or empty")]
    MissingContent(String),
    #[error("{0}: NOIDUNGFILE is not valid base64")]
    BadBase64(String),
    #[error("{kind}: the decoded table is larger than {limit} bytes")]
    TableTooLarge { kind: String, limit: usize },
    #[error("{kind}: {message}")]
    Table { kind: String, message: String },
    #[error("{kind}: unknown element {field}")]
    UnknownField { kind: String, field: String },
    #[error("{kind}.{field}: {message}")]
    BadValue { kind: String, field: String, message: String },
    #[error("{0} appears twice, but holds a single record")]
    DuplicateTable(String),
    #[error("XML1 (TONG_HOP) is missing")]
    MissingSummary,
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
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
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
    Ok(Header { facility, created_on, count: hosos })
}

/// One `FILEHOSO` as found in the envelope.
struct FileEntry {
    kind: Option<String>,
    content: String,
}

/// Yields each `HOSO` of a file that [`scan`] accepted, as an episode or a precise error.
pub fn read_hosos(xml: &[u8]) -> Result<impl Iterator<Item = Result<Episode, HosoError>> + '_, DossierError> {
    let text = as_text(xml)?;
    Ok(HosoIter { reader: Reader::from_str(text), path: Vec::new(), index: 0 })
}

struct HosoIter<'a> {
    reader: Reader<&'a [u8]>,
    path: Vec<String>,
    index: usize,
}

impl Iterator for HosoIter<'_> {
    type Item = Result<Episode, HosoError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut files: Vec<FileEntry> = Vec::new();
        let mut in_hoso = false;
        let mut current = String::new();
        loop {
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
                        files.push(FileEntry { kind: None, content: String::new() });
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
                                    f.content = std::mem::take(&mut current);
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

fn build_episode(index: usize, files: Vec<FileEntry>) -> Result<Episode, HosoError> {
    let mut episode = Episode::default();
    let mut has_summary = false;
    let mut seen_single: Vec<Table> = Vec::new();
    let fail = |problem, episode: &Episode| {
        let key = episode.episode_key();
        Err(HosoError { index, ma_lk: (!key.is_empty()).then(|| key.to_owned()), problem })
    };
    for file in files {
        let Some(kind) = file.kind else { return fail(HosoProblem::MissingKind, &episode) };
        let Some(table) = table_of_kind(&kind) else { return fail(HosoProblem::UnknownKind(kind), &episode) };
        let compact: std::borrow::Cow<'_, str> = if file.content.bytes().any(|b| b.is_ascii_whitespace()) {
            file.content.split_ascii_whitespace().collect::<String>().into()
        } else {
            file.content.as_str().into()
        };
        if compact.is_empty() {
            return fail(HosoProblem::MissingContent(kind), &episode);
        }
        if compact.len() / 4 * 3 > MAX_TABLE_BYTES {
            return fail(HosoProblem::TableTooLarge { kind, limit: MAX_TABLE_BYTES }, &episode);
        }
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) else {
            return fail(HosoProblem::BadBase64(kind), &episode);
        };
        if layout(table).list.is_none() {
            if seen_single.contains(&table) {
                return fail(HosoProblem::DuplicateTable(kind), &episode);
            }
            seen_single.push(table);
        }
        has_summary |= table == Table::Xml1;
        if let Err(problem) = read_table_document(table, &bytes, &mut episode) {
            return fail(problem, &episode);
        }
    }
    if !has_summary {
        return fail(HosoProblem::MissingSummary, &episode);
    }
    Ok(episode)
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

/// Reads one table document (the decoded `NOIDUNGFILE`) into `episode`.
pub fn read_table_document(table: Table, bytes: &[u8], episode: &mut Episode) -> Result<(), HosoProblem> {
    let kind = table.spec_name();
    let problem = |message: String| HosoProblem::Table { kind: kind.to_owned(), message };
    let text = as_text(bytes).map_err(|e| problem(e.to_string()))?;
    let Layout { root, list, signed_alone } = layout(table);
    let specs = spec::fields(table);
    let mut reader = Reader::from_str(text);
    // Elements open above the current event: 1 is the root, then list, record, field.
    let mut depth = 0usize;
    // Fields sit at depth 1 (under the root) or 3 (root / list / record).
    let field_depth = if list.is_some() { 3 } else { 1 };
    let mut field: Option<usize> = None;
    let mut last_field: Option<usize> = None;
    let mut text_buf = String::new();
    let mut skip_depth: Option<usize> = None;
    let assign = |episode: &mut Episode, index: usize, text: &str| {
        let record = current_record(episode, table).expect("a record is open while its fields are read");
        record.assign(index, text).map_err(|e| HosoProblem::BadValue {
            kind: kind.to_owned(),
            field: specs[index].name.clone(),
            message: e.to_string(),
        })
    };
    loop {
        let event = reader.read_event().map_err(|e| problem(format!("not well-formed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(problem(DossierError::Doctype.to_string())),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if skip_depth.is_some() {
                    depth += usize::from(!is_empty);
                    continue;
                }
                if depth >= MAX_DEPTH {
                    return Err(problem(DossierError::TooDeep(MAX_DEPTH).to_string()));
                }
                let qname = e.name();
                let name = local(qname.as_ref());
                match depth {
                    0 if name != root => return Err(problem(format!("the root element must be {root}, not {name}"))),
                    0 => {
                        if list.is_none() {
                            new_record(episode, table);
                        }
                    }
                    1 if signed_alone && name == "CHUKYDONVI" => {
                        if !is_empty {
                            skip_depth = Some(depth);
                        }
                    }
                    1 if list.is_some_and(|(l, _)| l != name) => {
                        return Err(problem(format!(
                            "expected {} under {root}, found {name}",
                            list.map_or("", |l| l.0)
                        )));
                    }
                    2 if list.is_some_and(|(_, r)| r != name) => {
                        return Err(problem(format!("expected {} records, found {name}", list.map_or("", |l| l.1))));
                    }
                    2 if list.is_some() => {
                        new_record(episode, table);
                        last_field = None;
                    }
                    1 if list.is_some() => {}
                    d if d == field_depth => {
                        // Fields usually come in appendix order: try the next one before the index.
                        let next = last_field.map_or(0, |i| i + 1);
                        let index = match specs.get(next) {
                            Some(f) if f.name == name => next,
                            _ => spec::field_index(table, name).ok_or_else(|| HosoProblem::UnknownField {
                                kind: kind.to_owned(),
                                field: name.to_owned(),
                            })?,
                        };
                        last_field = Some(index);
                        text_buf.clear();
                        if is_empty {
                            assign(episode, index, "")?;
                        } else {
                            field = Some(index);
                        }
                    }
                    _ => return Err(problem(format!("unexpected element {name} at depth {depth} under {root}"))),
                }
                depth += usize::from(!is_empty);
            }
            Event::Text(t) if field.is_some() => text_buf.push_str(&t.xml10_content()),
            Event::CData(c) if field.is_some() => text_buf.push_str(&c.xml10_content()),
            Event::GeneralRef(r) if field.is_some() => {
                let name: &str = &r;
                let resolved = entity(name, r.resolve_char_ref().ok().flatten())
                    .ok_or_else(|| problem(format!("unknown entity &{name};")))?;
                text_buf.push_str(&resolved);
            }
            Event::Text(t) if skip_depth.is_none() && !t.xml10_content().trim().is_empty() => {
                return Err(problem(format!("unexpected text at depth {depth} under {root}")));
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(d) = skip_depth {
                    if depth == d {
                        skip_depth = None;
                    }
                    continue;
                }
                if let Some(index) = field.take() {
                    assign(episode, index, text_buf.trim())?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(problem("the document ends inside an element".into()));
    }
    Ok(())
}
