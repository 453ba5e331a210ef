//! The BHYT card number `MA_THE_BHYT`: 15 characters.
//!
//! `[A-Z]{2}` object code, benefit code `1`–`5` (character 3), 2-digit province code (characters 4–5),
//! then the 10-digit social-insurance number. Temporary cards for children and donors start `TE1`.

use std::fmt;

/// Which part of a card number is wrong, for precise error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardPart {
    Length,
    ObjectCode,
    BenefitCode,
    ProvinceCode,
    SocialInsuranceNumber,
}

impl CardPart {
    /// The stable rule code of the catalogue for this defect.
    pub fn rule_code(self) -> &'static str {
        match self {
            CardPart::Length => "CARD_LENGTH",
            CardPart::ObjectCode => "CARD_OBJECT_CODE",
            CardPart::BenefitCode => "CARD_BENEFIT_CODE",
            CardPart::ProvinceCode => "CARD_PROVINCE_CODE",
            CardPart::SocialInsuranceNumber => "CARD_SOCIAL_INSURANCE_NUMBER",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardError {
    pub part: CardPart,
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
    pub fn parse(text: &str) -> Result<Self, CardError> {
        let err = |part, message: String| Err(CardError { part, message });
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 15 {
            return err(CardPart::Length, format!("card number must have 15 characters, `{text}` has {}", chars.len()));
        }
        if !chars[..2].iter().all(|c| c.is_ascii_uppercase()) {
            return err(
                CardPart::ObjectCode,
                format!(
                    "characters 1-2 (object code) must be two capital letters, found `{}`",
                    chars[..2].iter().collect::<String>()
                ),
            );
        }
        if !('1'..='5').contains(&chars[2]) {
            return err(CardPart::BenefitCode, format!("character 3 (benefit code) must be 1-5, found `{}`", chars[2]));
        }
        if !chars[3..5].iter().all(|c| c.is_ascii_digit()) {
            return err(
                CardPart::ProvinceCode,
                format!(
                    "characters 4-5 (province code) must be two digits, found `{}`",
                    chars[3..5].iter().collect::<String>()
                ),
            );
        }
        if chars[3..5] == ['0', '0'] {
            return err(CardPart::ProvinceCode, "characters 4-5 (province code) cannot be `00`".to_owned());
        }
        if !chars[5..].iter().all(|c| c.is_ascii_digit()) {
            return err(
                CardPart::SocialInsuranceNumber,
                format!(
                    "characters 6-15 (social-insurance number) must be 10 digits, found `{}`",
                    chars[5..].iter().collect::<String>()
                ),
            );
        }
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
        let part = |s: &str| CardNumber::parse(s).unwrap_err().part;
        assert_eq!(part("HS48301234567"), CardPart::Length);
        assert_eq!(part("hs4830123456789"), CardPart::ObjectCode);
        assert_eq!(part("HS6830123456789"), CardPart::BenefitCode);
        assert_eq!(part("HS4A30123456789"), CardPart::ProvinceCode);
        assert_eq!(part("HS48301234X6789"), CardPart::SocialInsuranceNumber);
    }

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask("HS4830123456789"), "HS48*******6789");
        assert_eq!(mask("ABC"), "***");
    }
}
