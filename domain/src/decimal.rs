//! Exact decimals on the wire: money has 2 decimals, quantities and unit prices 3 (QĐ 130 §a).
//!
//! JSON accepts both `"150000.50"` and `150000.50`; numbers are read from their literal text
//! (serde_json `arbitrary_precision`), never through a float.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds money the way the appraisal portal does: 2 decimals, half away from zero.
pub fn round_money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Money in integer hundredths of a đồng, for exact sums in SQL.
pub fn to_cents(value: Decimal) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    (round_money(value) * Decimal::ONE_HUNDRED).to_i64()
}

/// Writes `value` with exactly `places` decimals (`150000` → `150000.00`).
pub fn format_fixed(value: &Decimal, places: u32) -> String {
    format!("{:.*}", places as usize, value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
}

/// Serde for `Option<Decimal>`: written as a normalised string, read from a string or a number.
pub mod opt {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&d.normalize().to_string()),
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(serde_json::Number),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let text = match Option::<Raw>::deserialize(d)? {
            None => return Ok(None),
            Some(Raw::Text(t)) => t,
            Some(Raw::Number(n)) => n.to_string(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(trimmed)
            .or_else(|_| Decimal::from_scientific(trimmed))
            .map(Some)
            .map_err(|_| D::Error::custom(format!("`{text}` is not a decimal number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[derive(serde::Deserialize, serde::Serialize)]
    struct Holder {
        #[serde(with = "opt", default)]
        v: Option<Decimal>,
    }

    #[test]
    fn numbers_are_read_exactly() {
        let h: Holder = serde_json::from_str(r#"{"v": 12345678901234.57}"#).unwrap();
        assert_eq!(h.v, Some(Decimal::from_str("12345678901234.57").unwrap()));
        let h: Holder = serde_json::from_str(r#"{"v": "0.10"}"#).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), r#"{"v":"0.1"}"#);
        assert!(serde_json::from_str::<Holder>(r#"{"v": "1,5"}"#).is_err());
    }

    #[test]
    fn money_rounds_half_away_from_zero() {
        assert_eq!(round_money(Decimal::from_str("1.005").unwrap()).to_string(), "1.01");
        assert_eq!(format_fixed(&Decimal::from(150000), 2), "150000.00");
        assert_eq!(format_fixed(&Decimal::from_str("2").unwrap(), 3), "2.000");
        assert_eq!(to_cents(Decimal::from_str("150000.5").unwrap()), Some(15000050));
    }
}
