//! Reading and checking what facilities submit: the `GIAMDINHHS` envelope with its base64 tables,
//! and the XML0 check-in. This is the mock portal's own reading of QĐ 130/4750 (BHYT-FORMATS §a–c),
//! written apart from the gateway so that a mistake on one side shows on the other.

use crate::xml::{self, Element};
use base64::Engine;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::str::FromStr;

/// Root, list and record element names of each table (`None` list: fields sit under the root).
fn layout(kind: &str) -> Option<(&'static str, Option<(&'static str, &'static str)>)> {
    Some(match kind {
        "XML1" => ("TONG_HOP", None),
        "XML2" => ("CHITIEU_CHITIET_THUOC", Some(("DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"))),
        "XML3" => ("CHITIEU_CHITIET_DVKT_VTYT", Some(("DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"))),
        "XML4" => ("CHITIEU_CHITIET_DICHVUCANLAMSANG", Some(("DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"))),
        "XML5" => {
            ("CHITIEU_CHITIET_DIENBIENLAMSANG", Some(("DSACH_CHI_TIET_DIEN_BIEN_BENH", "CHI_TIET_DIEN_BIEN_BENH")))
        }
        "XML6" => (
            "CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS",
            Some(("DSACH_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS", "HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS")),
        ),
        "XML7" => ("CHI_TIEU_DU_LIEU_GIAY_RA_VIEN", None),
        "XML8" => ("CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN", None),
        "XML9" => ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH", Some(("DSACH_GIAYCHUNGSINH", "DU_LIEU_GIAY_CHUNG_SINH"))),
        "XML10" => ("CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI", None),
        "XML11" => ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI", None),
        "XML13" => ("CHI_TIEU_GIAYCHUYENTUYEN", None),
        "XML14" => ("CHI_TIEU_GIAYHEN_KHAMLAI", None),
        "XML15" => ("CHI_TIEU_DIEUTRI_BENHLAO", Some(("DSACH_CHITIET_DIEUTRI_BENHLAO", "CHITIET_DIEUTRI_BENHLAO"))),
        _ => return None,
    })
}

/// The amendment of QĐ 130 a file was sent under (the endpoint's suffix): it decides the sizes
/// checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amendment {
    Qd4750,
    Qd3176,
}

/// The sizes the mock checks that differ between the amendments (the QĐ 3176 appendix against QĐ
/// 4750's): (table, field, most characters under 4750, under 3176; `None` for any length).
const SIZES: [(&str, &str, Option<usize>, Option<usize>); 4] = [
    ("XML1", "MA_NGHE_NGHIEP", Some(5), Some(2)),
    ("XML1", "SO_CCCD", Some(15), None),
    ("XML1", "MA_TTDV", Some(10), Some(255)),
    ("XML14", "NGAY_HEN_KL", Some(12), Some(8)),
];

/// XML13's element names that one amendment has and the other has not: QĐ 3176 renamed
/// `MA_NOI_DI`, `MA_NOI_DEN` and `PP_DIEU_TRI` and removed `TEN_DICH_VU` and `TEN_THUOC`
/// (REGULATORY-2026.md §1.2). A referral letter carrying the other amendment's names is listed as
/// an error, as a portal checking the file against its schema would.
fn xml13_names_of_the_other_amendment(amendment: Amendment) -> &'static [&'static str] {
    match amendment {
        Amendment::Qd3176 => &["MA_NOI_DI", "MA_NOI_DEN", "PP_DIEU_TRI", "TEN_DICH_VU", "TEN_THUOC"],
        Amendment::Qd4750 => &["MA_CSKCB_DI", "MA_CSKCB_DEN", "TINH_TRANG_CT"],
    }
}

/// Whether the settlement month `(year, month)` still takes dossiers on `now`: this month, or last
/// month up to the 5th (BHXH-API.md §4.3; **modelled**). A record without one is not refused.
pub fn settlement_open(settlement: Option<(i32, u32)>, now: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Datelike;
    let Some((year, month)) = settlement else { return true };
    let local = now + chrono::Duration::hours(7);
    let months = |y: i32, m: u32| y * 12 + m as i32;
    match months(local.year(), local.month()) - months(year, month) {
        ..=0 => true,
        1 => local.day() <= 5,
        _ => false,
    }
}

/// Why a whole submission is refused on receipt (the portal answers with `maKetQua` ≠ 200).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    /// `205` parameter format, `123` wrong file format (BHXH-API.md §4.3; modelled for /api/qd130).
    pub code: &'static str,
    pub message: String,
}

pub(crate) fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { code, message: message.into() }
}

/// A money amount of one line, as claimed (`T_BHTT`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClaimedLine {
    pub table: String,
    pub stt: String,
    pub claimed: Decimal,
}

/// One `HOSO` (one MA_LK) as received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRecord {
    pub ma_lk: String,
    pub tables: Vec<String>,
    /// SHA-256 of the decoded tables, to tell a duplicate from a correction.
    pub content_sha256: String,
    /// Content errors: (maLoi, moTaLoi). The record is received but will not be paid.
    pub errors: Vec<(String, String)>,
    pub claimed_total: Decimal,
    pub lines: Vec<ClaimedLine>,
    /// `NAM_QT`, `THANG_QT` of XML1.
    pub settlement: Option<(i32, u32)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceivedDossier {
    pub facility: String,
    pub records: Vec<ReceivedRecord>,
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let engine = &base64::engine::general_purpose::STANDARD;
    // Files are usually one unbroken line: decode directly, and strip line breaks only if that fails.
    if let Ok(bytes) = engine.decode(text) {
        return Some(bytes);
    }
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    engine.decode(compact).ok()
}

/// Decodes `fileHSBase64` into XML bytes (a UTF-8 BOM is dropped).
pub fn decode_file(file_base64: &str) -> Result<Vec<u8>, Refusal> {
    if file_base64.trim().is_empty() {
        return Err(refuse("205", "fileHSBase64 trống"));
    }
    let bytes = decode_base64(file_base64).ok_or_else(|| refuse("205", "fileHSBase64 không phải base64 hợp lệ"))?;
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec).unwrap_or(bytes))
}

fn money(el: &Element, field: &str) -> Option<Decimal> {
    el.field(field).and_then(|t| Decimal::from_str(t).ok())
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Parses and checks a `GIAMDINHHS` file sent for `facility`.
pub fn read_dossier(xml_bytes: &[u8], facility: &str, amendment: Amendment) -> Result<ReceivedDossier, Refusal> {
    let root = xml::parse(xml_bytes).map_err(|e| refuse("123", format!("file không đúng định dạng XML: {e}")))?;
    if root.name != "GIAMDINHHS" {
        return Err(refuse("123", format!("thẻ gốc phải là GIAMDINHHS, không phải {}", root.name)));
    }
    let declared_facility = root
        .child("THONGTINDONVI")
        .and_then(|t| t.field("MACSKCB"))
        .ok_or_else(|| refuse("123", "thiếu THONGTINDONVI/MACSKCB"))?;
    if declared_facility != facility {
        return Err(refuse("123", format!("MACSKCB {declared_facility} khác maCSKCB {facility} của yêu cầu")));
    }
    let info = root.child("THONGTINHOSO").ok_or_else(|| refuse("123", "thiếu THONGTINHOSO"))?;
    let declared: usize = info
        .field("SOLUONGHOSO")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| refuse("123", "SOLUONGHOSO thiếu hoặc không phải số"))?;
    let list = info.child("DANHSACHHOSO").ok_or_else(|| refuse("123", "thiếu DANHSACHHOSO"))?;
    let hosos: Vec<&Element> = list.children_named("HOSO").collect();
    if hosos.is_empty() {
        return Err(refuse("123", "DANHSACHHOSO không có HOSO"));
    }
    if declared != hosos.len() {
        return Err(refuse("123", format!("SOLUONGHOSO = {declared} nhưng có {} HOSO", hosos.len())));
    }
    let records =
        hosos.iter().enumerate().map(|(i, h)| read_record(h, i, facility, amendment)).collect::<Result<Vec<_>, _>>()?;
    Ok(ReceivedDossier { facility: facility.to_owned(), records })
}

fn read_record(hoso: &Element, index: usize, facility: &str, amendment: Amendment) -> Result<ReceivedRecord, Refusal> {
    let mut tables: Vec<(String, Element)> = Vec::new();
    let mut hasher = Sha256::new();
    for file in hoso.children_named("FILEHOSO") {
        let kind =
            file.field("LOAIHOSO").ok_or_else(|| refuse("123", format!("HOSO {index}: FILEHOSO thiếu LOAIHOSO")))?;
        let (root_name, _) =
            layout(kind).ok_or_else(|| refuse("123", format!("HOSO {index}: LOAIHOSO {kind} không hợp lệ")))?;
        let content = file
            .field("NOIDUNGFILE")
            .ok_or_else(|| refuse("123", format!("HOSO {index}: {kind} thiếu NOIDUNGFILE")))?;
        let bytes = decode_base64(content)
            .ok_or_else(|| refuse("123", format!("HOSO {index}: {kind} NOIDUNGFILE không phải base64")))?;
        let doc = xml::parse(&bytes).map_err(|e| refuse("123", format!("HOSO {index}: {kind}: {e}")))?;
        if doc.name != root_name {
            return Err(refuse(
                "123",
                format!("HOSO {index}: {kind} phải có thẻ gốc {root_name}, không phải {}", doc.name),
            ));
        }
        hasher.update(kind.as_bytes());
        hasher.update(&bytes);
        tables.push((kind.to_owned(), doc));
    }
    let summary = tables
        .iter()
        .find(|(k, _)| k == "XML1")
        .map(|(_, d)| d.clone())
        .ok_or_else(|| refuse("123", format!("HOSO {index}: thiếu bảng XML1")))?;
    let ma_lk =
        summary.field("MA_LK").ok_or_else(|| refuse("123", format!("HOSO {index}: XML1 thiếu MA_LK")))?.to_owned();
    let mut errors = Vec::new();
    let mut err = |code: &str, message: String| errors.push((code.to_owned(), message));

    let rows = |kind: &str| -> Vec<Element> {
        tables
            .iter()
            .filter(|(k, _)| k == kind)
            .flat_map(|(k, doc)| match layout(k).and_then(|(_, list)| list) {
                Some((list, record)) => {
                    doc.child(list).map(|l| l.children_named(record).cloned().collect()).unwrap_or_default()
                }
                None => vec![doc.clone()],
            })
            .collect()
    };
    for (kind, _) in &tables {
        for row in rows(kind) {
            if row.field("MA_LK").is_some_and(|k| k != ma_lk) {
                err(
                    "MA_LK",
                    format!("{kind}: MA_LK {} khác MA_LK {ma_lk} của XML1", row.field("MA_LK").unwrap_or_default()),
                );
            }
        }
    }
    for (kind, field, qd4750, qd3176) in SIZES {
        let max = if amendment == Amendment::Qd3176 { qd3176 } else { qd4750 };
        for row in rows(kind) {
            if let (Some(value), Some(max)) = (row.field(field), max)
                && value.chars().count() > max
            {
                err(&format!("{kind}_{field}"), format!("{kind}: {field} dài quá {max} ký tự"));
            }
        }
    }
    for row in rows("XML13") {
        for name in xml13_names_of_the_other_amendment(amendment) {
            if row.child(name).is_some() {
                let other = if amendment == Amendment::Qd3176 { "4750" } else { "3176" };
                err("XML13_TRUONG", format!("XML13: thẻ {name} là của QĐ {other}, không thuộc chuẩn của cổng này"));
            }
        }
    }
    for required in ["HO_TEN", "NGAY_SINH", "MA_CSKCB", "NGAY_VAO", "NGAY_RA", "MA_BENH_CHINH", "MA_LOAI_KCB"] {
        if summary.field(required).is_none() {
            err("XML1_THIEU", format!("XML1 thiếu {required}"));
        }
    }
    if summary.field("MA_CSKCB").is_some_and(|c| c != facility) {
        err("XML1_MA_CSKCB", format!("MA_CSKCB của XML1 khác {facility}"));
    }
    if let Some(cards) = summary.field("MA_THE_BHYT") {
        for card in cards.split(';') {
            let ok = card.len() == 15
                && card[..2].chars().all(|c| c.is_ascii_uppercase())
                && ('1'..='5').contains(&card[2..3].chars().next().unwrap_or('0'))
                && card[3..].chars().all(|c| c.is_ascii_digit());
            if !ok {
                err("XML1_MA_THE", format!("mã thẻ {card} không đúng cấu trúc"));
            }
        }
    }

    let drugs = rows("XML2");
    let services = rows("XML3");
    let hundred = Decimal::ONE_HUNDRED;
    let mut lines = Vec::new();
    let mut sum_bv = Decimal::ZERO;
    let mut sum_bh = Decimal::ZERO;
    let mut sum_drugs = Decimal::ZERO;
    let mut sum_bncct = Decimal::ZERO;
    for (kind, row) in drugs.iter().map(|r| ("XML2", r)).chain(services.iter().map(|r| ("XML3", r))) {
        let stt = row.field("STT").unwrap_or("?").to_owned();
        let bv = money(row, "THANH_TIEN_BV").unwrap_or_default();
        let q = money(row, "SO_LUONG").unwrap_or_default();
        let expected = if kind == "XML2" {
            q * money(row, "DON_GIA").unwrap_or_default()
        } else {
            q * money(row, "DON_GIA_BV").unwrap_or_default() * money(row, "TYLE_TT_DV").unwrap_or(hundred) / hundred
        };
        if round2(expected) != round2(bv) {
            err(
                &format!("{kind}_THANH_TIEN_BV"),
                format!("{kind} STT {stt}: THANH_TIEN_BV {bv} ≠ {}", round2(expected)),
            );
        }
        let split = ["T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC"]
            .iter()
            .map(|f| money(row, f).unwrap_or_default())
            .sum::<Decimal>();
        if round2(split) != round2(bv) {
            err(
                &format!("{kind}_PHAN_BO"),
                format!("{kind} STT {stt}: T_BNTT+T_BNCCT+T_BHTT+T_NGUONKHAC ≠ THANH_TIEN_BV"),
            );
        }
        sum_bv += bv;
        sum_bh += money(row, "THANH_TIEN_BH").unwrap_or_default();
        sum_bncct += money(row, "T_BNCCT").unwrap_or_default();
        if kind == "XML2" {
            sum_drugs += bv;
        }
        lines.push(ClaimedLine { table: kind.to_owned(), stt, claimed: money(row, "T_BHTT").unwrap_or_default() });
    }
    let stated = |f: &str| money(&summary, f);
    let mut total = |field: &str, computed: Decimal| match stated(field) {
        Some(s) if round2(s) == round2(computed) => {}
        Some(s) => err(&format!("XML1_{field}"), format!("{field} = {s} nhưng tính được {}", round2(computed))),
        None => err("XML1_THIEU", format!("XML1 thiếu {field}")),
    };
    total("T_TONGCHI_BV", sum_bv);
    total("T_TONGCHI_BH", sum_bh);
    total("T_THUOC", sum_drugs);
    total("T_BNCCT", sum_bncct);
    let claimed_total = stated("T_BHTT").unwrap_or_default();
    if let (Some(bh), Some(cct)) = (stated("T_TONGCHI_BH"), stated("T_BNCCT"))
        && round2(bh - cct) != round2(claimed_total)
    {
        err("XML1_T_BHTT", format!("T_BHTT {claimed_total} ≠ T_TONGCHI_BH − T_BNCCT = {}", round2(bh - cct)));
    }
    Ok(ReceivedRecord {
        ma_lk,
        tables: tables.iter().map(|(k, _)| k.clone()).collect(),
        content_sha256: hex::encode(hasher.finalize()),
        errors,
        claimed_total,
        lines,
        settlement: stated_int(&summary, "NAM_QT").zip(stated_int(&summary, "THANG_QT")),
    })
}

fn stated_int<T: FromStr>(el: &Element, field: &str) -> Option<T> {
    el.field(field).and_then(|t| t.trim().parse().ok())
}

/// One check-in status message as received.
#[derive(Debug, Clone, Serialize)]
pub struct CheckIn {
    pub ma_lk: String,
    /// SHA-256 of its fields (name and text, in document order), to tell a duplicate.
    pub content_sha256: String,
}

/// Parses and checks an XML0 check-in document sent for `facility`.
pub fn read_check_in(xml_bytes: &[u8], facility: &str) -> Result<Vec<CheckIn>, Refusal> {
    let root = xml::parse(xml_bytes).map_err(|e| refuse("123", format!("file không đúng định dạng XML: {e}")))?;
    if root.name != "CHI_TIEU_TRANG_THAI_KCB" {
        return Err(refuse("123", format!("thẻ gốc phải là CHI_TIEU_TRANG_THAI_KCB, không phải {}", root.name)));
    }
    let items: Vec<&Element> =
        root.child("DSACH_TRANG_THAI_KCB").map(|l| l.children_named("TRANG_THAI_KCB").collect()).unwrap_or_default();
    if items.is_empty() {
        return Err(refuse("123", "không có TRANG_THAI_KCB"));
    }
    items
        .iter()
        .map(|item| {
            let ma_lk = item.field("MA_LK").ok_or_else(|| refuse("123", "TRANG_THAI_KCB thiếu MA_LK"))?;
            if item.field("MA_CSKCB") != Some(facility) {
                return Err(refuse("123", format!("MA_LK {ma_lk}: MA_CSKCB khác {facility}")));
            }
            let codes = ["MA_DICH_VU", "MA_THUOC", "MA_VAT_TU"].iter().filter(|f| item.field(f).is_some()).count();
            if codes != 1 {
                return Err(refuse(
                    "123",
                    format!("MA_LK {ma_lk}: cần đúng một trong MA_DICH_VU, MA_THUOC, MA_VAT_TU"),
                ));
            }
            let mut hasher = Sha256::new();
            for field in &item.children {
                hasher.update(field.name.as_bytes());
                hasher.update(b"=");
                hasher.update(field.text.as_bytes());
                hasher.update(b"\n");
            }
            Ok(CheckIn { ma_lk: ma_lk.to_owned(), content_sha256: hex::encode(hasher.finalize()) })
        })
        .collect()
}
