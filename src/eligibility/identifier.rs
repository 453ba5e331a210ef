//! What a card lookup names the holder by: the 15-character card number, the 12-digit citizen ID
//! (CCCD, which reception may take instead of the card since NĐ 188/2025) or the 10-digit
//! social-insurance number (characters 6–15 of the card). Each form is checked locally with its
//! own rule and sent in the portal's `maThe`, as hospital systems do (REGULATORY-2026.md §4:
//! VERIFIED for two vendors; whether the portal officially accepts the other forms is UNCERTAIN,
//! so `HISGATE_ELIGIBILITY_IDENTIFIERS` chooses which forms this gateway sends).

pub use crate::domain::card::IdentifierKind;
use crate::domain::card::{CardNumber, mask};
use crate::validation::{Severity, Violation};

/// A holder identifier that passed its local checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderId {
    Card(CardNumber),
    CitizenId(String),
    SocialInsuranceNumber(String),
}

/// The request's field for an identifier of this form.
fn field(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Card => "card_number",
        other => other.as_str(),
    }
}

fn violation(rule: &str, path: &str, message: String, value: Option<String>) -> Violation {
    Violation { rule: rule.to_owned(), severity: Severity::Critical, path: path.to_owned(), message, value }
}

/// `text` is exactly `digits` ASCII digits; otherwise the violation that says how it is not.
fn check_digits(text: &str, digits: usize, kind: IdentifierKind, what: &str) -> Result<String, Violation> {
    let (path, rule) = match kind {
        IdentifierKind::CitizenId => ("citizen_id", "CITIZEN_ID"),
        _ => ("social_insurance_number", "SOCIAL_INSURANCE_NUMBER"),
    };
    let shown = Some(mask(text));
    let length = text.chars().count();
    if length != digits {
        let message = format!("{what} has {digits} digits; this has {length} characters");
        return Err(violation(&format!("{rule}_LENGTH"), path, message, shown));
    }
    if let Some((at, c)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        let message = format!("character {} of the {what} is `{c}`, not a digit", at + 1);
        return Err(violation(&format!("{rule}_DIGITS"), path, message, shown));
    }
    Ok(text.to_owned())
}

impl HolderId {
    /// The one identifier a request gives, checked by its form; `accepted` are the forms this
    /// gateway sends to the portal.
    pub fn from_request(
        card: Option<&str>,
        citizen_id: Option<&str>,
        social_insurance_number: Option<&str>,
        accepted: &[IdentifierKind],
    ) -> Result<Self, Violation> {
        let given: Vec<(IdentifierKind, &str)> = [
            (IdentifierKind::Card, card),
            (IdentifierKind::CitizenId, citizen_id),
            (IdentifierKind::SocialInsuranceNumber, social_insurance_number),
        ]
        .into_iter()
        .filter_map(|(kind, text)| Some((kind, text?.trim())).filter(|(_, t)| !t.is_empty()))
        .collect();
        let (kind, text) = match given.as_slice() {
            [one] => *one,
            [] => {
                let message = "one of card_number, citizen_id or social_insurance_number is required".to_owned();
                return Err(violation("HOLDER_ID_REQUIRED", "card_number", message, None));
            }
            [_, second, ..] => {
                let fields: Vec<&str> = given.iter().map(|(k, _)| field(*k)).collect();
                let message = format!("give one identifier, not {}", fields.join(" and "));
                return Err(violation("HOLDER_ID_AMBIGUOUS", field(second.0), message, None));
            }
        };
        if !accepted.contains(&kind) {
            let message = format!(
                "this gateway does not send a {} to the BHXH lookup (HISGATE_ELIGIBILITY_IDENTIFIERS)",
                kind.as_str().replace('_', " ")
            );
            return Err(violation("HOLDER_ID_NOT_ACCEPTED", field(kind), message, Some(mask(text))));
        }
        match kind {
            IdentifierKind::Card => CardNumber::parse(text)
                .map(HolderId::Card)
                .map_err(|e| violation(e.rule, "card_number", e.message, Some(mask(text)))),
            IdentifierKind::CitizenId => check_digits(text, 12, kind, "a citizen ID (CCCD)").map(HolderId::CitizenId),
            IdentifierKind::SocialInsuranceNumber => {
                check_digits(text, 10, kind, "a social-insurance number").map(HolderId::SocialInsuranceNumber)
            }
        }
    }

    /// What goes in the portal's `maThe`.
    pub fn as_str(&self) -> &str {
        match self {
            HolderId::Card(card) => card.as_str(),
            HolderId::CitizenId(id) | HolderId::SocialInsuranceNumber(id) => id,
        }
    }

    pub fn card(&self) -> Option<&CardNumber> {
        match self {
            HolderId::Card(card) => Some(card),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(card: Option<&str>, cccd: Option<&str>, bhxh: Option<&str>) -> String {
        match HolderId::from_request(card, cccd, bhxh, &IdentifierKind::ALL) {
            Ok(id) => format!("ok {}", id.as_str()),
            Err(v) => format!("{} {}: {}", v.rule, v.path, v.message),
        }
    }

    #[test]
    fn each_form_is_checked_by_its_own_rule() {
        assert_eq!(rule(Some("HS4830123456789"), None, None), "ok HS4830123456789");
        assert_eq!(rule(None, Some(" 083190000123 "), None), "ok 083190000123");
        assert_eq!(rule(None, None, Some("8301234567")), "ok 8301234567");
        assert!(
            rule(None, Some("08319000012"), None)
                .starts_with("CITIZEN_ID_LENGTH citizen_id: a citizen ID (CCCD) has 12 digits; this has 11")
        );
        assert!(rule(None, Some("08319000012X"), None).starts_with("CITIZEN_ID_DIGITS citizen_id: character 12"));
        assert!(rule(None, None, Some("830123456")).starts_with("SOCIAL_INSURANCE_NUMBER_LENGTH"));
        assert!(rule(None, None, Some("83012345A7")).starts_with("SOCIAL_INSURANCE_NUMBER_DIGITS"));
        assert!(rule(Some("HS6830123456789"), None, None).starts_with("CARD_BENEFIT_CODE card_number"));
        assert!(rule(None, None, None).starts_with("HOLDER_ID_REQUIRED"));
        assert!(
            rule(Some("HS4830123456789"), Some("083190000123"), None).starts_with("HOLDER_ID_AMBIGUOUS citizen_id")
        );
        let only_cards = HolderId::from_request(None, Some("083190000123"), None, &[IdentifierKind::Card]);
        assert_eq!(only_cards.map_err(|v| v.rule), Err("HOLDER_ID_NOT_ACCEPTED".to_owned()));
    }
}
