//! QĐ 130 times (`yyyyMMddHHmm`, Vietnam time) and dates (`yyyyMMdd`) in FHIR form and back.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use hisgate_domain::time::vietnam_offset;

/// `yyyyMMddHHmm` → `YYYY-MM-DDTHH:MM:00+07:00`.
pub fn datetime_to_fhir(text: &str) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M").ok()?;
    Some(format!("{}+07:00", t.format("%Y-%m-%dT%H:%M:00")))
}

/// A FHIR `dateTime` → `yyyyMMddHHmm` in Vietnam time (a date alone is midnight).
pub fn datetime_from_fhir(text: &str) -> Option<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&vietnam_offset()).format("%Y%m%d%H%M").to_string());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| d.format("%Y%m%d0000").to_string())
}

/// `yyyyMMdd` → `YYYY-MM-DD`.
pub fn date_to_fhir(text: &str) -> Option<String> {
    NaiveDate::parse_from_str(text, "%Y%m%d").ok().map(|d| d.format("%Y-%m-%d").to_string())
}

/// `YYYY-MM-DD` → `yyyyMMdd`.
pub fn date_from_fhir(text: &str) -> Option<String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| d.format("%Y%m%d").to_string())
}

/// `NGAY_SINH` (`yyyyMMddHHmm`, `yyyy00000000` when only the year is known) → `birthDate` and,
/// when the time of birth is known, the `patient-birthTime` value.
pub fn birth_to_fhir(text: &str) -> Option<(String, Option<String>)> {
    if text.len() != 12 || !text.is_ascii() {
        return None;
    }
    if &text[4..] == "00000000" {
        return Some((text[..4].to_owned(), None));
    }
    let date = date_to_fhir(&text[..8])?;
    let time = (&text[8..] != "0000").then(|| datetime_to_fhir(text)).flatten();
    Some((date, time))
}

/// `birthDate` (and `birthTime`) → `NGAY_SINH`.
pub fn birth_from_fhir(date: &str, time: Option<&str>) -> Option<String> {
    if date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("{date}00000000"));
    }
    let day = date_from_fhir(date)?;
    let clock = match time.and_then(datetime_from_fhir) {
        Some(t) => t[8..].to_owned(),
        None => "0000".to_owned(),
    };
    Some(format!("{day}{clock}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_vietnam_time() {
        assert_eq!(datetime_to_fhir("202603010805").as_deref(), Some("2026-03-01T08:05:00+07:00"));
        assert_eq!(datetime_from_fhir("2026-03-01T08:05:00+07:00").as_deref(), Some("202603010805"));
        assert_eq!(datetime_from_fhir("2026-03-01T01:05:00Z").as_deref(), Some("202603010805"));
        assert_eq!(datetime_from_fhir("2026-03-01").as_deref(), Some("202603010000"));
        assert_eq!(birth_to_fhir("198500000000"), Some(("1985".to_owned(), None)));
        assert_eq!(birth_from_fhir("1985", None).as_deref(), Some("198500000000"));
        let (date, time) = birth_to_fhir("202603011230").unwrap();
        assert_eq!(birth_from_fhir(&date, time.as_deref()).as_deref(), Some("202603011230"));
        assert_eq!(birth_from_fhir("1985-01-02", None).as_deref(), Some("198501020000"));
    }
}
