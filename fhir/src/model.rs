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
use fhir_sdk::r4b;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Whether `value` reads as the model type `T`; the first problem otherwise, located under `root`.
pub(crate) fn check<'a, T: de::Deserialize<'a>>(value: &'a Value, root: &str) -> Result<(), Issue> {
    check_view::<T>(Exact::of(value), root)
}

/// Whether `bundle` reads as an R4B Bundle: its own elements, then each entry's resource by the
/// type it names ([`check_resource`]) rather than through the model's `Resource`, which buffers
/// a whole resource to find its `resourceType` before reading it again.
fn check_bundle(bundle: &Value, root: &str) -> Result<(), Issue> {
    check_view::<r4b::resources::Bundle>(Exact { value: bundle, hide: Hide::EntryResources }, root)?;
    for (i, entry) in bundle["entry"].as_array().into_iter().flatten().enumerate() {
        let resource = &entry["resource"];
        if !resource.is_null() {
            check_resource(resource, &format!("{root}entry[{i}].resource."))?;
        }
    }
    Ok(())
}

/// Whether `resource` reads as the R4B resource its `resourceType` names; the first problem
/// otherwise, located under `root`. A Bundle's entries are checked one by one
/// ([`check_bundle`]); the other types the gateway maps are read as themselves (the model ignores
/// the `resourceType` member there); any other goes through the model's `Resource`, which also
/// refuses an unknown or missing type.
pub(crate) fn check_resource(resource: &Value, root: &str) -> Result<(), Issue> {
    use r4b::resources as r;
    macro_rules! by_type {
        ($($name:ident),*) => {
            match resource["resourceType"].as_str() {
                Some("Bundle") => check_bundle(resource, root),
                $(Some(stringify!($name)) => check::<r::$name>(resource, root),)*
                _ => check::<r::Resource>(resource, root),
            }
        };
    }
    by_type!(
        Basic,
        Claim,
        Condition,
        Coverage,
        CoverageEligibilityRequest,
        Encounter,
        Observation,
        Organization,
        Patient
    )
}

/// [`check`] of a view. Only a value that fails is read again to say where: tracking the path of
/// every element costs a good part of the check on the way every valid Bundle takes.
fn check_view<'a, T: de::Deserialize<'a>>(view: Exact<'a>, root: &str) -> Result<(), Issue> {
    if T::deserialize(view).is_ok() {
        return Ok(());
    }
    match serde_path_to_error::deserialize::<_, T>(view) {
        Ok(_) => Ok(()),
        Err(e) => {
            // serde_path_to_error writes the value itself as `.`.
            let path = match e.path().to_string() {
                at if at == "." => root.trim_end_matches('.').to_owned(),
                at => format!("{root}{at}"),
            };
            Err(Issue { path, message: e.inner().to_string() })
        }
    }
}

/// What a view leaves out of a Bundle, level by level, so that its entries' resources are checked
/// on their own ([`check_bundle`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hide {
    Nothing,
    /// The Bundle: its `entry` array hides [`Hide::EachResource`].
    EntryResources,
    /// The `entry` array: each entry hides [`Hide::Resource`].
    EachResource,
    /// An entry: its `resource` member.
    Resource,
}

/// A JSON value read as JSON text would be: see the module's comment.
#[derive(Clone, Copy)]
struct Exact<'a> {
    value: &'a Value,
    hide: Hide,
}

impl<'a> Exact<'a> {
    fn of(value: &'a Value) -> Self {
        Exact { value, hide: Hide::Nothing }
    }
}

type Error = de::value::Error;

impl<'de> Deserializer<'de> for Exact<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
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
            Value::Array(items) => visitor.visit_seq(Items { items: items.iter(), hide: self.hide }),
            Value::Object(members) => {
                visitor.visit_map(Members { members: members.iter(), value: None, hide: self.hide })
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
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
        match self.value {
            Value::String(s) => visitor.visit_enum(de::value::BorrowedStrDeserializer::new(s)),
            _ => Err(de::Error::invalid_type(unexpected(self.value), &visitor)),
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

struct Items<'a> {
    items: std::slice::Iter<'a, Value>,
    hide: Hide,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let hide = if self.hide == Hide::EachResource { Hide::Resource } else { Hide::Nothing };
        self.items.next().map(|value| seed.deserialize(Exact { value, hide })).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Members<'a> {
    members: serde_json::map::Iter<'a>,
    value: Option<Exact<'a>>,
    hide: Hide,
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let (key, value) = loop {
            let Some((key, value)) = self.members.next() else { return Ok(None) };
            if !(self.hide == Hide::Resource && key == "resource") {
                break (key, value);
            }
        };
        let hide = if self.hide == Hide::EntryResources && key == "entry" { Hide::EachResource } else { Hide::Nothing };
        self.value = Some(Exact { value, hide });
        seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value asked for before its key"))?;
        seed.deserialize(value)
    }

    fn size_hint(&self) -> Option<usize> {
        // A hidden member would make the length one too many.
        (self.hide == Hide::Nothing).then(|| self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_sdk::r4b::resources::Resource;

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
        let read = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        let bundle = read(
            r#"{"resourceType":"Bundle","type":"transaction","entry":[
                {"resource":{"resourceType":"Patient","gender":"sometimes"}}]}"#,
        );
        let issue = check_resource(&bundle, "Bundle.").unwrap_err();
        assert_eq!(issue.path, "Bundle.entry[0].resource.gender", "{issue:?}");
        assert!(issue.message.contains("sometimes"), "{issue:?}");
        let issue =
            check_resource(&read(r#"{"resourceType":"Bundle","type":"transaction","total":"many"}"#), "Bundle.")
                .unwrap_err();
        assert_eq!(issue.path, "Bundle.total", "{issue:?}");
        // A type the gateway does not map goes through the model's `Resource`, as does a type
        // the model does not know.
        let other = read(
            r#"{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"}},
                {"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",
                 "subject":"Patient/1","medicationCodeableConcept":{"text":"aspirin"}}}]}"#,
        );
        let issue = check_resource(&other, "Bundle.").unwrap_err();
        assert!(issue.path.starts_with("Bundle.entry[1].resource"), "{issue:?}");
        assert!(issue.message.starts_with("invalid type: string"), "{issue:?}");
        let incomplete = read(
            r#"{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Coverage"}}]}"#,
        );
        let issue = check_resource(&incomplete, "Bundle.").unwrap_err();
        assert_eq!(issue.path, "Bundle.entry[0].resource", "{issue:?}");
        assert!(issue.message.starts_with("missing field"), "{issue:?}");
        let unknown =
            read(r#"{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patent"}}]}"#);
        let issue = check_resource(&unknown, "Bundle.").unwrap_err();
        assert!(issue.path.starts_with("Bundle.entry[0].resource"), "{issue:?}");
        assert!(issue.message.contains("Patent"), "{issue:?}");
        // The entry's other members are still the Bundle's to check.
        let bad_request = read(
            r#"{"resourceType":"Bundle","type":"transaction","entry":[
                {"resource":{"resourceType":"Patient"},"request":{"method":"SEND","url":"Patient"}}]}"#,
        );
        let issue = check_resource(&bad_request, "Bundle.").unwrap_err();
        assert_eq!(issue.path, "Bundle.entry[0].request.method", "{issue:?}");
    }
}
