//! The patient's own data beyond field formats (BHYT-FORMATS §d 4, 25): a plausible weight, and
//! the codes of the birth certificate's caregiver and residence.

use super::Findings;
use crate::domain::Episode;
use rust_decimal::Decimal;

/// QLBV's `max_weight` (kg): heavier is a typing error (grams, or a misplaced decimal point).
const MAX_WEIGHT_KG: Decimal = Decimal::from_parts(200, 0, 0, false, 0);

/// A field of the birth certificate, its format check and the format in words.
type CodeCheck<'a> = (&'static str, &'a Option<String>, fn(&str) -> bool, &'static str);

fn digits(text: &str, n: usize) -> bool {
    text.len() == n && text.bytes().all(|b| b.is_ascii_digit())
}

/// A temporary card of a child or donor: `TE1`, a 2-digit province code, 10 digits (QLBV
/// `hein_card_temp_pattern`).
fn temporary_card_ok(card: &str) -> bool {
    card.len() == 15 && card.starts_with("TE1") && card[3..].bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn check(e: &Episode, findings: &mut Findings<'_>) {
    weight_implausible(e.summary.weight_kg.as_deref(), findings);
    birth_certificate_codes(e, findings);
}

fn weight_implausible(weight: Option<&str>, findings: &mut Findings<'_>) {
    let Some(weight) = weight.map(str::trim).filter(|w| !w.is_empty()) else {
        return;
    };
    if !weight.parse::<Decimal>().is_ok_and(|w| w > Decimal::ZERO && w <= MAX_WEIGHT_KG) {
        findings.add(
            "WEIGHT_IMPLAUSIBLE",
            "summary.CAN_NANG",
            format!("CAN_NANG must be a weight in kilograms above 0 and at most {MAX_WEIGHT_KG}"),
            Some(weight.to_owned()),
        );
    }
}

fn birth_certificate_codes(e: &Episode, findings: &mut Findings<'_>) {
    for (i, b) in e.birth_certificates.iter().enumerate() {
        let checks: [CodeCheck<'_>; 6] = [
            ("MA_DANTOC_NND", &b.mother_ethnicity, |t| digits(t, 2), "2 digits"),
            ("MA_QUOCTICH", &b.nationality_code, |t| digits(t, 3), "3 digits"),
            ("MATINH_CU_TRU", &b.province_code, |t| digits(t, 2), "2 digits"),
            ("MAHUYEN_CU_TRU", &b.district_code, |t| digits(t, 3), "3 digits"),
            ("MAXA_CU_TRU", &b.commune_code, |t| digits(t, 5), "5 digits"),
            ("MA_THE_TAM", &b.temporary_card, temporary_card_ok, "TE1, a 2-digit province code and 10 digits"),
        ];
        for (field, value, ok, form) in checks {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty())
                && !ok(v)
            {
                findings.add(
                    "BIRTH_CERTIFICATE_CODES",
                    format!("birth_certificates[{i}].{field}"),
                    format!("{field} must be {form}"),
                    Some(v.to_owned()),
                );
            }
        }
    }
}
