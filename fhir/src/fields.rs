//! A record as a map of its QĐ 130 fields' wire texts: the mapping takes the fields that have a
//! FHIR element out of it and carries the rest as extensions, so nothing is lost either way.

use crate::uris::EXT_FIELD_PREFIX;
use hisgate_domain::records::{Record, Table};
use hisgate_domain::spec;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub struct Fields {
    pub table: Table,
    values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl Fields {
    pub fn empty(table: Table) -> Self {
        Fields { table, values: BTreeMap::new() }
    }

    /// Every present field of `record`, by official name.
    pub fn of(record: &dyn Record) -> Self {
        let table = record.table();
        let specs = spec::fields(table);
        let mut values = BTreeMap::new();
        let mut index = 0;
        record.visit(&mut |v| {
            if !v.is_absent()
                && let (Some(spec), Some(text)) = (specs.get(index), v.to_wire())
            {
                values.insert(spec.name.clone(), text);
            }
            index += 1;
        });
        Fields { table, values }
    }

    /// Takes a field out (it goes to a FHIR element).
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.values.remove(name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Puts a field read from a FHIR element; an extension already read for it wins.
    pub fn put(&mut self, name: &str, value: Option<String>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.values.entry(name.to_owned()).or_insert(v);
        }
    }

    /// The fields not taken, as extensions.
    pub fn extensions(&self) -> Vec<Value> {
        self.values
            .iter()
            .map(|(name, value)| {
                json!({ "url": format!("{EXT_FIELD_PREFIX}{}:{name}", self.table.spec_name()), "valueString": value })
            })
            .collect()
    }

    /// Reads this table's field extensions of a resource or element.
    pub fn from_extensions(table: Table, element: &Value) -> Self {
        let prefix = format!("{EXT_FIELD_PREFIX}{}:", table.spec_name());
        let values = element["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let name = e["url"].as_str()?.strip_prefix(&prefix)?;
                Some((name.to_owned(), e["valueString"].as_str()?.to_owned()))
            })
            .collect();
        Fields { table, values }
    }

    /// Fills a record; `path` names where the values came from, for errors.
    pub fn into_record<R: Record + Default>(self, path: &str) -> Result<R, FieldError> {
        let mut record = R::default();
        for (name, text) in &self.values {
            let index = spec::field_index(self.table, name).ok_or_else(|| FieldError {
                path: path.to_owned(),
                message: format!("{} has no field {name}", self.table.spec_name()),
            })?;
            record.assign(index, text).map_err(|e| FieldError {
                path: path.to_owned(),
                message: format!("{}.{name}: {e}", self.table.spec_name()),
            })?;
        }
        Ok(record)
    }
}
