//! Rule severities changed by administrators, over the shipped catalogue.

use super::schema::rule_overrides;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;

/// (rule code, severity) as stored.
pub fn overrides(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, StoreError> {
    Ok(rule_overrides::table
        .select((rule_overrides::code, rule_overrides::severity))
        .order(rule_overrides::code)
        .load(conn)?)
}

pub fn set_override(conn: &mut AnyConnection, code: &str, severity: &str, by: &str) -> Result<(), StoreError> {
    let now = now_ms();
    let updated = diesel::update(rule_overrides::table.find(code))
        .set((
            rule_overrides::severity.eq(severity),
            rule_overrides::updated_at.eq(now),
            rule_overrides::updated_by.eq(by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rule_overrides::table)
            .values((
                rule_overrides::code.eq(code),
                rule_overrides::severity.eq(severity),
                rule_overrides::updated_at.eq(now),
                rule_overrides::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}
