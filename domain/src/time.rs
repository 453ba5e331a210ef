//! Vietnam time, the one place it is computed, and QĐ 130 date and time formats: dates
//! `yyyyMMdd`, event times `yyyyMMddHHmm` (24 h, local time).

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

/// Vietnam keeps UTC+7 all year; QĐ 130 times, the portals' hours and the gateway's days and
/// settlement months are local.
pub const VIETNAM_OFFSET_SECONDS: i64 = 7 * 3600;
const VIETNAM_OFFSET_MS: i64 = VIETNAM_OFFSET_SECONDS * 1000;

/// UTC+7 as an offset, for schedules and FHIR times.
pub fn vietnam_offset() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS as i32).expect("+07:00 is a valid offset")
}

/// The Vietnamese calendar day of an instant (milliseconds since the Unix epoch).
pub fn vietnam_day(at_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at_ms + VIETNAM_OFFSET_MS).map(|t| t.date_naive()).unwrap_or_default()
}

/// Minutes since the Vietnamese midnight of an instant.
pub fn vietnam_minute_of_day(at_ms: i64) -> i64 {
    (at_ms + VIETNAM_OFFSET_MS).rem_euclid(86_400_000) / 60_000
}

/// Today in Vietnam.
pub fn vietnam_today() -> NaiveDate {
    to_vietnam(chrono::Utc::now()).date()
}

/// Epoch milliseconds of 00:00 (UTC+7) of `day`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    local_ms(day.and_time(NaiveTime::MIN))
}

/// Epoch milliseconds of a Vietnamese wall-clock time.
pub fn local_ms(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_millis() - VIETNAM_OFFSET_MS
}

/// The Vietnamese wall-clock time of an instant.
pub fn to_vietnam(at: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    at.naive_utc() + chrono::Duration::seconds(VIETNAM_OFFSET_SECONDS)
}

/// The instant of a Vietnamese wall-clock time.
pub fn from_vietnam(local: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    (local - chrono::Duration::seconds(VIETNAM_OFFSET_SECONDS)).and_utc()
}

/// Parses a `yyyyMMdd` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Eight digits: the fields are where they stand, without reading a format string each time.
    NaiveDate::from_ymd_opt(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?)
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
    fn days_are_vietnamese_days() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
        // 00:00 in Vietnam is 17:00 UTC the day before.
        assert_eq!(day_start_ms(day), 1_795_798_800_000);
        assert_eq!(vietnam_day(day_start_ms(day)), day);
        assert_eq!(vietnam_day(day_start_ms(day) - 1), day.pred_opt().expect("a date"));
        assert_eq!(vietnam_minute_of_day(day_start_ms(day) + 90 * 60_000), 90);
    }

    #[test]
    fn formats_round_trip_and_reject_impossible_values() {
        let t = parse_datetime("202403311520").unwrap();
        assert_eq!(format_datetime(t), "202403311520");
        assert!(parse_datetime("202402301520").is_none());
        assert!(parse_datetime("202403312460").is_none());
        assert!(parse_date("2024-03-31").is_none());
        assert_eq!(format_date(parse_date("20240229").unwrap()), "20240229");
        for impossible in ["20230229", "20241301", "20240100", "00000000", "2024031a"] {
            assert!(parse_date(impossible).is_none(), "{impossible}");
        }
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
