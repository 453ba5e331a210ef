//! The card registry behind the eligibility lookup (`KQNhanLichSuKCB2024`).
//!
//! Modelled, deterministic behaviour (documented in `mocks/README.md`):
//! * cards listed in a registry file answer from their entry (name, birth date, validity, code);
//! * a well-formed card not in the file is valid (`000`) for the current year, its holder taken
//!   from the request, so synthetic episodes check as valid;
//! * reserved cards whose social-insurance number starts `999999` answer the code in their last
//!   three digits (e.g. `HS4839999990010` → `010`), to exercise every result code;
//! * `maThe` may hold a 12-digit citizen ID or a 10-digit social-insurance number instead of the
//!   card (as hospital systems send them; whether the real portal accepts them is not known, so
//!   both behaviours are modelled): with `by_id` on, the card of that holder answers (a registry
//!   entry with that `soCCCD` or social-insurance number, else the card `HS4` + the province + the
//!   number, the province being digits 2–3 of a citizen ID or 1–2 of a social-insurance number and
//!   a citizen ID's number its last 10 digits); with it off, such a value is `051`.

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One card in a registry file (JSON array of these).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardEntry {
    #[serde(rename = "maThe")]
    pub card: String,
    #[serde(rename = "hoTen")]
    pub name: String,
    /// `dd/MM/yyyy` or `yyyy`.
    #[serde(rename = "ngaySinh")]
    pub birth: String,
    #[serde(rename = "gioiTinh", default = "default_sex")]
    pub sex: String,
    #[serde(rename = "maDKBD")]
    pub primary_care: String,
    /// `dd/MM/yyyy`.
    #[serde(rename = "gtTheTu")]
    pub valid_from: String,
    #[serde(rename = "gtTheDen")]
    pub valid_to: String,
    #[serde(rename = "maKetQua", default)]
    pub forced_code: Option<String>,
    /// The holder's citizen ID, for lookups by it.
    #[serde(rename = "soCCCD", default)]
    pub citizen_id: Option<String>,
}

fn default_sex() -> String {
    "Nam".to_owned()
}

/// A lookup officer registered by the facility (CV 1923): name and citizen id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub cccd: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CardQuery {
    #[serde(rename = "maThe", default)]
    pub card: String,
    #[serde(rename = "hoTen", default)]
    pub name: String,
    #[serde(rename = "ngaySinh", default)]
    pub birth: String,
    #[serde(rename = "hoTenCb", default)]
    pub officer_name: String,
    #[serde(rename = "cccdCb", default)]
    pub officer_cccd: String,
}

pub struct Registry {
    entries: HashMap<String, CardEntry>,
    officers: Vec<Officer>,
    /// Whether `maThe` may be a citizen ID or social-insurance number.
    by_id: bool,
}

/// The meaning of each portal result code (BHXH appendix).
pub fn code_message(code: &str) -> &'static str {
    match code {
        "000" => "Thông tin thẻ chính xác",
        "001" => "Thẻ do BHXH Bộ Quốc Phòng quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân",
        "002" => "Thẻ do BHXH Bộ Công An quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân",
        "003" => "Thẻ cũ hết giá trị sử dụng nhưng đã được cấp thẻ mới",
        "004" => "Thẻ cũ còn giá trị sử dụng nhưng đã được cấp thẻ mới",
        "010" => "Thẻ hết giá trị sử dụng",
        "050" => "Không thấy thông tin thẻ bhyt",
        "051" => "Mã thẻ không đúng",
        "052" => "Mã tỉnh cấp thẻ (kí tự thứ 4,5 của mã thẻ) không đúng",
        "053" => "Mã quyền lợi thẻ (kí tự thứ 3 của mã thẻ) không đúng",
        "054" => "CCCD của cán bộ tra cứu không có trong danh sách người dùng đã đăng ký của cơ sở KCB",
        "055" => "Họ tên cán bộ tra cứu không đúng với CCCD",
        "060" => "Thẻ sai họ tên",
        "061" => "Thẻ sai họ tên (đúng ký tự đầu)",
        "070" => "Thẻ sai ngày sinh",
        "100" => "Lỗi khi lấy dữ liệu sổ thẻ",
        "101" => "Lỗi server",
        "110" => "Thẻ đã thu hồi",
        "120" => "Thẻ đã báo giảm",
        "121" => "Thẻ đã báo giảm. Giảm chuyển ngoại tỉnh",
        "122" => "Thẻ đã báo giảm. Giảm chuyển nội tỉnh",
        "123" => "Thẻ đã báo giảm. Do tăng lại cùng đơn vị",
        "124" => "Thẻ đã báo giảm. Ngừng tham gia",
        "130" => "Trẻ em không xuất trình thẻ",
        "205" => "Lỗi sai định dạng tham số",
        "401" => "Lỗi xác thực tài khoản",
        _ => "Lỗi không xác định",
    }
}

const RESERVED_PREFIX: &str = "999999";
const RESERVED_CODES: &[&str] =
    &["003", "004", "010", "050", "060", "061", "070", "100", "101", "110", "120", "121", "122", "123", "124", "130"];

fn normalise(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn valid_birth(text: &str) -> bool {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())) || NaiveDate::parse_from_str(text, "%d/%m/%Y").is_ok()
}

fn hash_u64(text: &str) -> u64 {
    let d = Sha256::digest(text.as_bytes());
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

impl Registry {
    pub fn new(entries: Vec<CardEntry>, officers: Vec<Officer>, by_id: bool) -> Self {
        Registry { entries: entries.into_iter().map(|e| (e.card.clone(), e)).collect(), officers, by_id }
    }

    /// The card `given` names: itself, or the card of the holder of a citizen ID (12 digits) or
    /// social-insurance number (10 digits) when lookups by them are on.
    fn card_of(&self, given: &str) -> Option<String> {
        let digits = given.bytes().all(|b| b.is_ascii_digit());
        let (province, number) = match given.len() {
            12 if digits => (&given[1..3], &given[2..]),
            10 if digits => (&given[..2], given),
            _ => return Some(given.to_owned()),
        };
        if !self.by_id {
            return None;
        }
        let registered = self
            .entries
            .values()
            .find(|e| e.citizen_id.as_deref() == Some(given) || (given.len() == 10 && e.card.get(5..) == Some(given)));
        Some(registered.map_or_else(|| format!("HS4{province}{number}"), |e| e.card.clone()))
    }

    /// Answers one lookup with the portal's response object.
    pub fn lookup(&self, q: &CardQuery) -> Value {
        let code = |c: &str| json!({ "maKetQua": c, "ghiChu": code_message(c) });
        if q.card.is_empty() || q.name.trim().is_empty() || !valid_birth(&q.birth) {
            return code("205");
        }
        match self.officers.iter().find(|o| o.cccd == q.officer_cccd) {
            None => return code("054"),
            Some(o) if normalise(&o.name) != normalise(&q.officer_name) => return code("055"),
            Some(_) => {}
        }
        let Some(card) = self.card_of(&q.card) else {
            return code("051");
        };
        let q = &CardQuery { card, ..q.clone() };
        let chars: Vec<char> = q.card.chars().collect();
        if chars.len() != 15
            || !chars[..2].iter().all(char::is_ascii_uppercase)
            || !chars[5..].iter().all(char::is_ascii_digit)
        {
            return code("051");
        }
        if !('1'..='5').contains(&chars[2]) {
            return code("053");
        }
        let province: String = chars[3..5].iter().collect();
        if !province.chars().all(|c| c.is_ascii_digit()) || province == "00" {
            return code("052");
        }
        let object: String = chars[..2].iter().collect();
        if object == "QN" {
            return code("001");
        }
        if object == "CA" {
            return code("002");
        }
        let number: String = chars[5..].iter().collect();
        let year = Utc::now().year();
        let today = Utc::now().date_naive();
        let (result, name, birth, sex, primary_care, from, to) = if let Some(e) = self.entries.get(&q.card) {
            let given = normalise(&q.name);
            let known = normalise(&e.name);
            let result = if let Some(forced) = &e.forced_code {
                forced.clone()
            } else if given != known {
                if given.chars().next() == known.chars().next() { "061" } else { "060" }.to_owned()
            } else if q.birth != e.birth {
                "070".to_owned()
            } else if NaiveDate::parse_from_str(&e.valid_to, "%d/%m/%Y").is_ok_and(|to| to < today) {
                "010".to_owned()
            } else {
                "000".to_owned()
            };
            (
                result,
                e.name.clone(),
                e.birth.clone(),
                e.sex.clone(),
                e.primary_care.clone(),
                e.valid_from.clone(),
                e.valid_to.clone(),
            )
        } else {
            let result = match number.strip_prefix(RESERVED_PREFIX) {
                Some(rest) if RESERVED_CODES.contains(&&rest[1..]) => rest[1..].to_owned(),
                _ => "000".to_owned(),
            };
            if result == "050" {
                return code("050");
            }
            let (from, to) = if result == "010" || result == "003" {
                (format!("01/01/{}", year - 1), format!("31/12/{}", year - 1))
            } else {
                (format!("01/01/{year}"), format!("31/12/{year}"))
            };
            (result, q.name.clone(), q.birth.clone(), "Nam".to_owned(), format!("{province}001"), from, to)
        };
        let h = hash_u64(&q.card);
        let mut answer = json!({
            "maKetQua": result,
            "ghiChu": format!("{} (mô phỏng)", code_message(&result)),
            "maThe": q.card,
            "hoTen": name,
            "ngaySinh": birth,
            "gioiTinh": sex,
            "diaChi": format!("Xã số {}, tỉnh {province}", h % 140 + 1),
            "maDKBD": primary_care,
            "cqBHXH": format!("BHXH tỉnh {province}"),
            "gtTheTu": from,
            "gtTheDen": to,
            "maKV": "",
            "ngayDu5Nam": format!("01/01/{}", year - 3 - (h % 5) as i32),
            "maSoBHXH": number,
            "maTheCu": "",
            "maTheMoi": "",
            "gtTheTuMoi": "",
            "gtTheDenMoi": "",
            "maDKBDMoi": "",
            "tenDKBDMoi": "",
            "dsLichSuKCB2018": history(&q.card, &province, h),
            "dsLichSuKT2018": [],
        });
        if result == "003" || result == "004" {
            let new_card = format!("{}{}{}", &q.card[..5], "8", &q.card[6..]);
            answer["maTheCu"] = json!(q.card);
            answer["maTheMoi"] = json!(new_card);
            answer["gtTheTuMoi"] = json!(format!("01/01/{year}"));
            answer["gtTheDenMoi"] = json!(format!("31/12/{year}"));
            answer["maDKBDMoi"] = json!(format!("{province}001"));
            answer["tenDKBDMoi"] = json!("Bệnh viện Đa khoa tỉnh");
        }
        answer
    }
}

/// Up to three earlier visits, derived from the card number.
fn history(card: &str, province: &str, h: u64) -> Value {
    let year = Utc::now().year();
    let visits: Vec<Value> = (0..(h % 4))
        .map(|i| {
            let month = (h >> (8 * i)) % 12 + 1;
            let disease = ["Viêm họng cấp", "Tăng huyết áp", "Viêm dạ dày"][(i as usize) % 3];
            json!({
                "maHoSo": format!("{}{}", &card[5..], i),
                "maCSKCB": format!("{province}{:03}", (h >> (4 * i)) % 13 + 1),
                "ngayVao": format!("{}{month:02}100800", year - 1),
                "ngayRa": format!("{}{month:02}101130", year - 1),
                "tenBenh": disease,
                "tinhTrang": "1",
                "kqDieuTri": "2",
                "lyDoVV": "1",
                "TEMP1": "", "TEMP2": "", "TEMP3": "", "TEMP4": "", "TEMP5": "",
            })
        })
        .collect();
    json!(visits)
}
