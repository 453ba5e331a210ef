//! The R4B model check of JSON the gateway has already read exactly.
//!
//! The model (fhir-sdk) reads decimals as `f64` and its choice elements (`value[x]`) through
//! `#[serde(flatten)]`, which buffers a resource's fields before reading them again. The exact JSON
//! value (serde_json with `arbitrary_precision`, which money needs) hands a buffered number over
//! as serde_json's private one-entry map, which no `f64` accepts. [`Exact`] hands the model the
//! same tree with numbers as the integers or floats their text denotes and strings borrowed, so
//! the Bundle's text is tokenised once: for the mapping, which keeps decimals exact, and, through
//! this view, for the check.

use crate::read::Issue;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Whether `value` reads as the model type `T`; the first problem otherwise, located under `root`.
/// Only a value that fails is read again to say where: tracking the path of every element costs
/// a good part of the check on the way every valid Bundle takes.
pub(crate) fn check<'a, T: de::Deserialize<'a>>(value: &'a Value, root: &str) -> Result<(), Issue> {
    if T::deserialize(Exact(value)).is_ok() {
        return Ok(());
    }
    match serde_path_to_error::deserialize::<_, T>(Exact(value)) {
        Ok(_) => Ok(()),
        Err(e) => Err(Issue { path: format!("{root}{}", e.path()), message: e.inner().to_string() }),
    }
}

/// A JSON value read as JSON text would be: see the module's comment.
#[derive(Clone, Copy)]
struct Exact<'a>(&'a Value);

type Error = de::value::Error;

impl<'de> Deserializer<'de> for Exact<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    // Beyond f64 (1e400): JSON text read without arbitrary precision refuses it.
                    let float = n.as_f64().ok_or_else(|| de::Error::custom(format!("number out of range: {n}")))?;
                    visitor.visit_f64(float)
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(members) => visitor.visit_map(Members { members: members.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// The model's enums are codes: a JSON string naming the variant.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(de::value::BorrowedStrDeserializer::new(s)),
            _ => Err(de::Error::invalid_type(unexpected(self.0), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

impl<'de> IntoDeserializer<'de, Error> for Exact<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Exact(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Members<'a> {
    members: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.members.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value asked for before its key"))?;
        seed.deserialize(Exact(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_sdk::r4b::resources::{Bundle, Resource};

    #[test]
    fn exact_numbers_reach_the_models_decimals_inside_choice_elements() {
        // Read from text, as a Bundle arrives: `json!` would have made 5.40 a float already.
        let read: Value = serde_json::from_str(
            r#"{"resourceType":"Observation","status":"final","code":{"text":"glucose"},
                "valueQuantity":{"value":5.40,"unit":"mmol/L"}}"#,
        )
        .unwrap();
        assert_eq!(read["valueQuantity"]["value"].to_string(), "5.40", "the exact text is kept");
        check::<Resource>(&read, "").expect("a valid Observation");
        let beyond_f64: Value = serde_json::from_str(
            r#"{"resourceType":"Observation","status":"final","code":{"text":"glucose"},
                "valueQuantity":{"value":1e400}}"#,
        )
        .unwrap();
        let issue = check::<Resource>(&beyond_f64, "").unwrap_err();
        assert_eq!(issue.path, "valueQuantity.value", "{issue:?}");
        assert!(issue.message.starts_with("number out of range"), "{issue:?}");
    }

    #[test]
    fn a_model_violation_is_located() {
        let bundle: Value = serde_json::from_str(
            r#"{"resourceType":"Bundle","type":"transaction","entry":[
                {"resource":{"resourceType":"Patient","gender":"sometimes"}}]}"#,
        )
        .unwrap();
        let issue = check::<Bundle>(&bundle, "Bundle.").unwrap_err();
        assert!(issue.path.starts_with("Bundle.entry[0].resource"), "{issue:?}");
        assert!(issue.message.contains("sometimes"), "{issue:?}");
        let text_for_a_number: Value =
            serde_json::from_str(r#"{"resourceType":"Bundle","type":"transaction","total":"many"}"#).unwrap();
        let issue = check::<Bundle>(&text_for_a_number, "Bundle.").unwrap_err();
        assert_eq!(issue.path, "Bundle.total", "{issue:?}");
    }
}
