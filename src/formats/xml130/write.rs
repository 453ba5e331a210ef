//! Writing table documents and the `GIAMDINHHS` envelope.
//!
//! Every field of a record is written in appendix order with its name under the profile in force
//! (QĐ 3176 renames and removes fields of XML13); an absent value is an empty element.
//! Money has 2 decimals, quantities and unit prices 3, free text is CDATA. The envelope is
//! streamed: one episode's tables are encoded at a time, whatever the number of `HOSO`.

use super::layout::{is_free_text, layout};
use super::sign::{Canonicalisation, FacilitySigner, RemoteSignature, SignError};
use crate::domain::Episode;
use crate::domain::records::{CheckIn, FieldValue, Record, Table};
use crate::domain::spec::{self, Profile};
use base64::Engine;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::LazyLock;

/// The namespace declarations real files carry on their roots (BHYT-FORMATS §a).
const ROOT_ATTRIBUTES: &str =
    r#" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;

fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = memchr::memchr3(b'&', b'<', b'>', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// The tags of one field, made once: writing is then appends only.
struct FieldTags {
    open: String,
    close: String,
    empty: String,
    cdata: bool,
}

/// Each table's field tags under one profile, indexed by `Table as usize`; `None` for a field the
/// profile does not have, which is left out rather than written empty.
fn tags_of(profile: Profile) -> Vec<Vec<Option<FieldTags>>> {
    let mut tags: Vec<Vec<Option<FieldTags>>> = Table::ALL.iter().map(|_| Vec::new()).collect();
    for t in Table::ALL {
        tags[t as usize] = spec::fields(t)
            .iter()
            .map(|f| {
                f.wire_name(profile).map(|name| FieldTags {
                    open: format!("<{name}>"),
                    close: format!("</{name}>"),
                    empty: format!("<{name}/>"),
                    cdata: is_free_text(name),
                })
            })
            .collect();
    }
    tags
}

static TAGS_4750: LazyLock<Vec<Vec<Option<FieldTags>>>> = LazyLock::new(|| tags_of(Profile::Qd4750));
static TAGS_3176: LazyLock<Vec<Vec<Option<FieldTags>>>> = LazyLock::new(|| tags_of(Profile::Qd3176));

fn tags(profile: Profile, table: Table) -> &'static [Option<FieldTags>] {
    match profile {
        Profile::Qd4750 => &TAGS_4750[table as usize],
        Profile::Qd3176 => &TAGS_3176[table as usize],
    }
}

/// `value` rounded half away from zero to exactly `places` decimals, without `fmt` (the writer's
/// most frequent call: every amount of every line).
fn push_decimal(out: &mut String, value: &Decimal, places: u32) {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    let mantissa = rounded.mantissa();
    if mantissa < 0 {
        out.push('-');
    }
    let digits = mantissa.unsigned_abs();
    let unit = 10u128.pow(places);
    let mut buffer = itoa::Buffer::new();
    out.push_str(buffer.format(digits / unit));
    if places > 0 {
        out.push('.');
        let fraction = buffer.format(digits % unit);
        for _ in fraction.len()..places as usize {
            out.push('0');
        }
        out.push_str(fraction);
    }
}

fn write_fields(out: &mut String, record: &dyn Record, profile: Profile) {
    let tags = tags(profile, record.table());
    let mut index = 0;
    record.visit(&mut |value| {
        let field = &tags[index];
        index += 1;
        let Some(tag) = field else { return };
        if value.is_absent() {
            out.push_str(&tag.empty);
            return;
        }
        out.push_str(&tag.open);
        match value {
            FieldValue::Text(text) if tag.cdata && !text.contains("]]>") => {
                out.push_str("<![CDATA[");
                out.push_str(text);
                out.push_str("]]>");
            }
            FieldValue::Text(text) => escape_into(out, text),
            FieldValue::Int(n) => out.push_str(itoa::Buffer::new().format(n)),
            FieldValue::Money(d) => push_decimal(out, d, 2),
            FieldValue::Price(d) => push_decimal(out, d, 3),
            FieldValue::Number(d) => {
                let _ = write!(out, "{}", d.normalize());
            }
            FieldValue::Absent => {}
        }
        out.push_str(&tag.close);
    });
}

/// One table document (no XML declaration, as inside `NOIDUNGFILE`), holding `records`, with the
/// field names of `profile`.
pub fn table_document(table: Table, records: &[&dyn Record], profile: Profile) -> String {
    let mut out = String::with_capacity(512 + records.len() * 1024);
    table_document_into(&mut out, table, records, profile);
    out
}

/// [`table_document`], appended to `out`.
fn table_document_into(out: &mut String, table: Table, records: &[&dyn Record], profile: Profile) {
    let l = layout(table);
    out.push('<');
    out.push_str(l.root);
    out.push_str(ROOT_ATTRIBUTES);
    out.push('>');
    match l.list {
        Some((list, item)) => {
            let _ = write!(out, "<{list}>");
            for r in records {
                let _ = write!(out, "<{item}>");
                write_fields(out, *r, profile);
                let _ = write!(out, "</{item}>");
            }
            let _ = write!(out, "</{list}>");
        }
        None => {
            if let Some(r) = records.first() {
                write_fields(out, *r, profile);
            }
        }
    }
    if l.signed_alone {
        out.push_str("<CHUKYDONVI/>");
    }
    let _ = write!(out, "</{}>", l.root);
}

/// The XML0 check-in document of an episode's check-in messages, with the XML declaration. XML0's
/// fields are the same under every profile.
pub fn check_in_document(check_ins: &[CheckIn]) -> String {
    let records: Vec<&dyn Record> = check_ins.iter().map(|c| c as &dyn Record).collect();
    let document = table_document(Table::CheckIn, &records, Profile::default());
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{document}")
}

/// The tables an episode has data for, in order (XML1 always).
fn episode_tables(e: &Episode) -> Vec<(Table, Vec<&dyn Record>)> {
    fn list<R: Record>(items: &[R]) -> Vec<&dyn Record> {
        items.iter().map(|r| r as &dyn Record).collect()
    }
    fn one<R: Record>(item: &Option<R>) -> Vec<&dyn Record> {
        item.iter().map(|r| r as &dyn Record).collect()
    }
    let tables = vec![
        (Table::Xml1, vec![&e.summary as &dyn Record]),
        (Table::Xml2, list(&e.drugs)),
        (Table::Xml3, list(&e.services)),
        (Table::Xml4, list(&e.paraclinical_results)),
        (Table::Xml5, list(&e.progress_notes)),
        (Table::Xml6, list(&e.hiv_care)),
        (Table::Xml7, one(&e.discharge_certificate)),
        (Table::Xml8, one(&e.record_summary)),
        (Table::Xml9, list(&e.birth_certificates)),
        (Table::Xml10, one(&e.pregnancy_leave)),
        (Table::Xml11, one(&e.sick_leave)),
        (Table::Xml13, one(&e.referral_letter)),
        (Table::Xml14, one(&e.reexam_appointment)),
        (Table::Xml15, list(&e.tuberculosis)),
    ];
    tables.into_iter().filter(|(t, records)| *t == Table::Xml1 || !records.is_empty()).collect()
}

/// SHA-256 (hex) of an episode's `HOSO` as the portal receives it: each table's `LOAIHOSO`
/// followed by its document, in file order. Since the writer is deterministic, a receipt carrying
/// this digest proves that the portal holds exactly this version (written under `profile`).
pub fn hoso_sha256(episode: &Episode, profile: Profile) -> String {
    let mut hasher = Sha256::new();
    for (table, records) in episode_tables(episode) {
        hasher.update(table.spec_name().as_bytes());
        hasher.update(table_document(table, &records, profile).as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Streams a `GIAMDINHHS` file: header, then one `HOSO` per [`EnvelopeWriter::write`], then
/// [`EnvelopeWriter::finish`]. `SOLUONGHOSO` precedes the list, so the count is given up front.
///
/// A signed file ([`EnvelopeWriter::start_signed`]) is signed as it streams: the writer hashes the
/// canonical form of what it writes (the same bytes, but for the XML declaration, the root's
/// namespace declarations under exclusive C14N and the empty `CHUKYDONVI` written out in full)
/// and `finish` puts the facility's signature of that digest into `CHUKYDONVI`. Nothing of the
/// file is kept, whatever its size.
pub struct EnvelopeWriter<'s, W: Write> {
    out: W,
    declared: usize,
    written: usize,
    /// Buffers kept between episodes: one table document, one `HOSO`.
    document: String,
    hoso: String,
    signing: Option<(&'s FacilitySigner, Sha256)>,
    /// A remote service's signature obtained for this file's digest earlier.
    remote: Option<RemoteSignature<'s>>,
    profile: Profile,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeWriteError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("SOLUONGHOSO was declared as {declared} but {written} HOSO were written")]
    CountMismatch { declared: usize, written: usize },
    #[error(transparent)]
    Sign(#[from] SignError),
}

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
const TAIL: &str = "    </DANHSACHHOSO>\n  </THONGTINHOSO>\n  ";

impl<W: Write> EnvelopeWriter<'static, W> {
    /// An unsigned file: `CHUKYDONVI` stays empty.
    pub fn start(
        out: W,
        facility: &str,
        created_on: NaiveDate,
        count: usize,
        profile: Profile,
    ) -> std::io::Result<Self> {
        EnvelopeWriter::begin(out, facility, created_on, count, None, profile)
    }
}

impl<'s, W: Write> EnvelopeWriter<'s, W> {
    /// A file that `finish` signs with `signer`.
    pub fn start_signed(
        out: W,
        facility: &str,
        created_on: NaiveDate,
        count: usize,
        signer: &'s FacilitySigner,
        profile: Profile,
    ) -> std::io::Result<Self> {
        Self::begin(out, facility, created_on, count, Some(signer), profile)
    }

    fn begin(
        mut out: W,
        facility: &str,
        created_on: NaiveDate,
        count: usize,
        signer: Option<&'s FacilitySigner>,
        profile: Profile,
    ) -> std::io::Result<Self> {
        let mut head = String::from(">\n  <THONGTINDONVI>\n    <MACSKCB>");
        escape_into(&mut head, facility);
        head.push_str(&format!(
            "</MACSKCB>\n  </THONGTINDONVI>\n  <THONGTINHOSO>\n    <NGAYLAP>{}</NGAYLAP>\n    <SOLUONGHOSO>{count}</SOLUONGHOSO>\n    <DANHSACHHOSO>\n",
            created_on.format("%Y%m%d")
        ));
        out.write_all(format!("{DECLARATION}<GIAMDINHHS{ROOT_ATTRIBUTES}{head}").as_bytes())?;
        let signing = signer.map(|signer| {
            let mut digest = Sha256::new();
            digest.update(b"<GIAMDINHHS");
            // Exclusive C14N leaves out namespaces no element or attribute uses; inclusive keeps them.
            if signer.canonicalisation() == Canonicalisation::Inclusive {
                digest.update(ROOT_ATTRIBUTES.as_bytes());
            }
            digest.update(head.as_bytes());
            (signer, digest)
        });
        Ok(EnvelopeWriter {
            out,
            declared: count,
            written: 0,
            document: String::new(),
            hoso: String::new(),
            signing,
            remote: None,
            profile,
        })
    }

    /// Puts `signature` in place at `finish` if the file's digest is the one it signed (a remote
    /// signer's signature, obtained for the same episodes and date); else `finish` answers what
    /// the signer is to sign.
    pub fn with_remote_signature(mut self, signature: RemoteSignature<'s>) -> Self {
        self.remote = Some(signature);
        self
    }

    /// Appends one episode as a `HOSO` with a `FILEHOSO` per table it has data for.
    pub fn write(&mut self, episode: &Episode) -> std::io::Result<()> {
        let (document, hoso) = (&mut self.document, &mut self.hoso);
        hoso.clear();
        hoso.push_str("      <HOSO>\n");
        for (table, records) in episode_tables(episode) {
            document.clear();
            table_document_into(document, table, &records, self.profile);
            hoso.push_str("        <FILEHOSO>\n          <LOAIHOSO>");
            hoso.push_str(table.spec_name());
            hoso.push_str("</LOAIHOSO>\n          <NOIDUNGFILE>");
            base64::engine::general_purpose::STANDARD.encode_string(document.as_bytes(), hoso);
            hoso.push_str("</NOIDUNGFILE>\n        </FILEHOSO>\n");
        }
        hoso.push_str("      </HOSO>\n");
        self.out.write_all(hoso.as_bytes())?;
        if let Some((_, digest)) = &mut self.signing {
            digest.update(hoso.as_bytes());
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the document with the facility signature in `CHUKYDONVI`, or an empty one when
    /// unsigned.
    pub fn finish(mut self) -> Result<W, EnvelopeWriteError> {
        if self.written != self.declared {
            return Err(EnvelopeWriteError::CountMismatch { declared: self.declared, written: self.written });
        }
        let signature = match self.signing.take() {
            Some((signer, mut digest)) => {
                digest.update(TAIL.as_bytes());
                digest.update(b"<CHUKYDONVI></CHUKYDONVI>\n</GIAMDINHHS>");
                format!(
                    "<CHUKYDONVI>{}</CHUKYDONVI>",
                    signer.signature(&digest.finalize(), ROOT_ATTRIBUTES, self.remote)?
                )
            }
            None => "<CHUKYDONVI/>".to_owned(),
        };
        self.out.write_all(format!("{TAIL}{signature}\n</GIAMDINHHS>\n").as_bytes())?;
        Ok(self.out)
    }
}

/// Whether `value`, from `signer`'s remote signing service, signs the `GIAMDINHHS` file whose
/// `DigestValue` is `document_digest`.
pub fn remote_signature_verifies(signer: &FacilitySigner, document_digest: &str, value: &[u8]) -> bool {
    signer.verifies(document_digest, ROOT_ATTRIBUTES, value)
}

/// A whole `GIAMDINHHS` file for `episodes` of one facility under `profile`, signed by `signer`
/// when given (a remote signer with its `remote` signature of this file).
pub fn signed_envelope(
    facility: &str,
    created_on: NaiveDate,
    episodes: &[Episode],
    signer: Option<&FacilitySigner>,
    remote: Option<RemoteSignature<'_>>,
    profile: Profile,
) -> Result<Vec<u8>, SignError> {
    let mut w = EnvelopeWriter::begin(Vec::new(), facility, created_on, episodes.len(), signer, profile)
        .expect("writing to memory");
    if let Some(signature) = remote {
        w = w.with_remote_signature(signature);
    }
    for e in episodes {
        w.write(e).expect("writing to memory");
    }
    match w.finish() {
        Ok(file) => Ok(file),
        Err(EnvelopeWriteError::Sign(e)) => Err(e),
        Err(e) => unreachable!("writing to memory with the count matching by construction: {e}"),
    }
}

/// A whole unsigned `GIAMDINHHS` file for `episodes` of one facility under `profile`.
pub fn envelope(facility: &str, created_on: NaiveDate, episodes: &[Episode], profile: Profile) -> Vec<u8> {
    signed_envelope(facility, created_on, episodes, None, None, profile).expect("an unsigned file needs no key")
}

#[cfg(test)]
mod tests {
    use super::push_decimal;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn decimals_are_rounded_half_away_from_zero_to_fixed_places() {
        let cases = [
            ("1.005", 2, "1.01"),
            ("-1.005", 2, "-1.01"),
            ("2", 2, "2.00"),
            ("0.5", 3, "0.500"),
            ("0.0004", 3, "0.000"),
            ("-0.001", 2, "0.00"),
            ("1234567890.125", 2, "1234567890.13"),
            ("0.07", 2, "0.07"),
            ("12.3456", 3, "12.346"),
            ("79228162514264337593543950.335", 2, "79228162514264337593543950.34"),
        ];
        for (input, places, expected) in cases {
            let mut out = String::new();
            push_decimal(&mut out, &Decimal::from_str(input).unwrap(), places);
            assert_eq!(out, expected, "{input} to {places} places");
        }
    }
}
