//! The one masking policy for personal data: which QĐ 130 fields identify a patient or a relative,
//! and how a value of each is shown wherever the gateway repeats it (answers, logs, audit rows).
//!
//! Enough stays to let the sender find the value in its own record — a card's first and last four
//! characters, a citizen ID's last three, a name's initials, a birth date's year — and nothing
//! that identifies the person to anyone else.

use crate::card;

/// What kind of personal value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// A person's name (the patient's, a parent's, a guardian's, an escort's).
    Name,
    /// An insurance card or social-insurance number.
    Card,
    /// A citizen ID (CCCD) or a phone number.
    Number,
    /// A birth date.
    BirthDate,
    /// An address.
    Address,
}

/// The kind of personal value the field `name` (an official element name) holds, if any.
pub fn personal(name: &str) -> Option<Personal> {
    Some(match name {
        "HO_TEN" | "HO_TEN_CHA" | "HO_TEN_ME" | "HO_TEN_CON" | "HO_TEN_NND" | "HOTEN_NGUOI_HT" | "NGUOI_GIAM_HO" => {
            Personal::Name
        }
        "MA_THE_BHYT" | "MA_THE_NND" | "MA_THE_TAM" | "MA_BHXH_NND" | "card_number" => Personal::Card,
        "SO_CCCD" | "SO_CCCD_NND" | "DIEN_THOAI" | "cccd" => Personal::Number,
        "NGAY_SINH" | "NGAYSINH_NND" | "NGAY_SINH_CON" | "NGAY_SINHCON" | "birth_date" => Personal::BirthDate,
        "DIA_CHI" | "NOI_CU_TRU_NND" => Personal::Address,
        _ => return None,
    })
}

/// `value` of the field `name` as it may be shown: masked when the field is personal.
pub fn shown(name: &str, value: &str) -> String {
    match personal(name) {
        Some(kind) => mask(kind, value),
        None => value.to_owned(),
    }
}

/// A personal value of `kind`, masked.
pub fn mask(kind: Personal, value: &str) -> String {
    let value = value.trim();
    let count = value.chars().count();
    match kind {
        Personal::Card => value.split(';').map(card::mask).collect::<Vec<_>>().join(";"),
        Personal::Number => {
            let keep = if count > 6 { 3 } else { 0 };
            value.chars().enumerate().map(|(i, c)| if i + keep < count { '*' } else { c }).collect()
        }
        Personal::Name => value
            .split_whitespace()
            .map(|word| word.chars().next().map(|c| format!("{c}.")).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" "),
        Personal::BirthDate => value.chars().enumerate().map(|(i, c)| if i < 4 { c } else { '*' }).collect(),
        Personal::Address => format!("({count} characters)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_keeps_only_what_the_sender_needs_to_find_it() {
        assert_eq!(shown("HO_TEN", "Nguyễn Văn  An"), "N. V. A.");
        assert_eq!(shown("MA_THE_BHYT", "HS4830123456789;GD4830123456780"), "HS48*******6789;GD48*******6780");
        assert_eq!(shown("SO_CCCD", "083190000123"), "*********123");
        assert_eq!(shown("DIEN_THOAI", "0912"), "****");
        assert_eq!(shown("NGAY_SINH", "199003020000"), "1990********");
        assert_eq!(shown("DIA_CHI", "Ấp 3, xã Long Hựu"), "(17 characters)");
        assert_eq!(shown("MA_BENH_CHINH", "J18.9"), "J18.9", "not personal");
    }
}
