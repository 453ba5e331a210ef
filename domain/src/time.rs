//! QĐ 130 date and time formats: dates `yyyyMMdd`, event times `yyyyMMddHHmm` (24 h, local time).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parses a `yyyyMMdd` date.
/// Vietnam keeps UTC+7 all year; QĐ 130 times and the portals' hours are local.
pub const VIETNAM_OFFSET_SECONDS: i64 = 7 * 3600;

/// The Vietnamese wall-clock time of an instant.
pub fn to_vietnam(at: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    at.naive_utc() + chrono::Duration::seconds(VIETNAM_OFFSET_SECONDS)
}

/// The instant of a Vietnamese wall-clock time.
pub fn from_vietnam(local: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    (local - chrono::Duration::seconds(VIETNAM_OFFSET_SECONDS)).and_utc()
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// Parses a `yyyyMMddHHmm` event time.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = parse_date(&text[..8])?;
    let hour: u32 = text[8..10].parse().ok()?;
    let minute: u32 = text[10..12].parse().ok()?;
    Some(date.and_time(NaiveTime::from_hms_opt(hour, minute, 0)?))
}

/// Checks a birth date (`NGAY_SINH`): `yyyyMMddHHmm` where an unknown time is `0000` and an unknown
/// day and month are `0000` too (only the year is known).
pub fn is_valid_birth_date(text: &str) -> bool {
    if text.len() != 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if &text[4..8] == "0000" {
        return text[..4].parse::<i32>().is_ok_and(|y| y > 1800) && &text[8..] == "0000";
    }
    parse_datetime(text).is_some()
}

/// The earliest moment a `NGAY_SINH` can stand for, to compare it with visit dates.
pub fn birth_lower_bound(text: &str) -> Option<NaiveDateTime> {
    if text.get(4..8)? == "0000" {
        let year: i32 = text[..4].parse().ok()?;
        return NaiveDate::from_ymd_opt(year, 1, 1).map(|d| d.and_time(NaiveTime::MIN));
    }
    parse_datetime(text)
}

/// Formats a date as `yyyyMMdd`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Formats a time as `yyyyMMddHHmm`.
pub fn format_datetime(time: NaiveDateTime) -> String {
    time.format("%Y%m%d%H%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_and_reject_impossible_values() {
        let t = parse_datetime("202403311520").unwrap();
        assert_eq!(format_datetime(t), "202403311520");
        assert!(parse_datetime("202402301520").is_none());
        assert!(parse_datetime("202403312460").is_none());
        assert!(parse_date("2024-03-31").is_none());
        assert_eq!(format_date(parse_date("20240229").unwrap()), "20240229");
    }

    #[test]
    fn birth_dates_allow_unknown_parts() {
        assert!(is_valid_birth_date("200001010000"));
        assert!(is_valid_birth_date("198500000000"));
        assert!(!is_valid_birth_date("198500001230"));
        assert!(!is_valid_birth_date("19850101"));
        assert_eq!(birth_lower_bound("198500000000").map(format_datetime).as_deref(), Some("198501010000"));
    }
}
