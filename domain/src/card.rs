//! The BHYT card number `MA_THE_BHYT`: 15 characters.
//!
//! `[A-Z]{2}` object code, benefit code `1`–`5` (character 3), 2-digit province code (characters 4–5),
//! then the 10-digit social-insurance number. Temporary cards for children and donors start `TE1`.

use std::fmt;

/// What is wrong with a card number: the catalogue's rule for the part that is wrong, and a
/// precise message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardError {
    pub rule: &'static str,
    /// What the BHXH card lookup answers for this defect (`maKetQua`, BHXH-API.md §3.3): `051`
    /// the number is wrong, `052` its province code, `053` its benefit code.
    pub portal_code: &'static str,
    pub message: String,
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CardError {}

/// A structurally valid card number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// The card number, or what its first wrong part is.
    pub fn parse(text: &str) -> Result<Self, CardError> {
        let chars: Vec<char> = text.chars().collect();
        card_length(text, &chars)?;
        card_object_code(&chars)?;
        card_benefit_code(&chars)?;
        card_province_code(&chars)?;
        card_social_insurance_number(&chars)?;
        Ok(CardNumber(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn object_code(&self) -> &str {
        &self.0[..2]
    }

    pub fn benefit_code(&self) -> u8 {
        self.0.as_bytes()[2] - b'0'
    }

    pub fn province_code(&self) -> &str {
        &self.0[3..5]
    }

    /// Cards of the army, police and cipher sector are not checked online.
    pub fn is_security_sector(&self) -> bool {
        matches!(self.object_code(), "QN" | "CA" | "CY")
    }
}

fn card_length(text: &str, chars: &[char]) -> Result<(), CardError> {
    if chars.len() == 15 {
        return Ok(());
    }
    let message = format!("card number must have 15 characters, `{text}` has {}", chars.len());
    Err(CardError { rule: "CARD_LENGTH", portal_code: "051", message })
}

fn card_object_code(chars: &[char]) -> Result<(), CardError> {
    if chars[..2].iter().all(|c| c.is_ascii_uppercase()) {
        return Ok(());
    }
    let found: String = chars[..2].iter().collect();
    let message = format!("characters 1-2 (object code) must be two capital letters, found `{found}`");
    Err(CardError { rule: "CARD_OBJECT_CODE", portal_code: "051", message })
}

fn card_benefit_code(chars: &[char]) -> Result<(), CardError> {
    if ('1'..='5').contains(&chars[2]) {
        return Ok(());
    }
    let message = format!("character 3 (benefit code) must be 1-5, found `{}`", chars[2]);
    Err(CardError { rule: "CARD_BENEFIT_CODE", portal_code: "053", message })
}

fn card_province_code(chars: &[char]) -> Result<(), CardError> {
    let message = if !chars[3..5].iter().all(|c| c.is_ascii_digit()) {
        let found: String = chars[3..5].iter().collect();
        format!("characters 4-5 (province code) must be two digits, found `{found}`")
    } else if chars[3..5] == ['0', '0'] {
        "characters 4-5 (province code) cannot be `00`".to_owned()
    } else {
        return Ok(());
    };
    Err(CardError { rule: "CARD_PROVINCE_CODE", portal_code: "052", message })
}

fn card_social_insurance_number(chars: &[char]) -> Result<(), CardError> {
    if chars[5..].iter().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    let found: String = chars[5..].iter().collect();
    let message = format!("characters 6-15 (social-insurance number) must be 10 digits, found `{found}`");
    Err(CardError { rule: "CARD_SOCIAL_INSURANCE_NUMBER", portal_code: "051", message })
}

/// Masks a card number for logs: `HS4010123456789` → `HS40*******6789`.
pub fn mask(card: &str) -> String {
    let chars: Vec<char> = card.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    chars.iter().enumerate().map(|(i, c)| if i < 4 || i >= chars.len() - 4 { *c } else { '*' }).collect()
}

/// A form of the identifier a card lookup names its holder by: the card number, the 12-digit
/// citizen ID (CCCD) or the 10-digit social-insurance number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Card,
    CitizenId,
    SocialInsuranceNumber,
}

impl IdentifierKind {
    pub const ALL: [IdentifierKind; 3] =
        [IdentifierKind::Card, IdentifierKind::CitizenId, IdentifierKind::SocialInsuranceNumber];

    /// The word of the setting, and the request's field.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Card => "card",
            IdentifierKind::CitizenId => "citizen_id",
            IdentifierKind::SocialInsuranceNumber => "social_insurance_number",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_card_parts() {
        let c = CardNumber::parse("HS4830123456789").unwrap();
        assert_eq!(c.object_code(), "HS");
        assert_eq!(c.benefit_code(), 4);
        assert_eq!(c.province_code(), "83");
        assert!(!c.is_security_sector());
    }

    #[test]
    fn each_bad_part_is_named() {
        let part = |s: &str| CardNumber::parse(s).unwrap_err().rule;
        assert_eq!(part("HS48301234567"), "CARD_LENGTH");
        assert_eq!(part("hs4830123456789"), "CARD_OBJECT_CODE");
        assert_eq!(part("HS6830123456789"), "CARD_BENEFIT_CODE");
        assert_eq!(part("HS4A30123456789"), "CARD_PROVINCE_CODE");
        assert_eq!(part("HS48301234X6789"), "CARD_SOCIAL_INSURANCE_NUMBER");
    }

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask("HS4830123456789"), "HS48*******6789");
        assert_eq!(mask("ABC"), "***");
    }
}
