//! The facility registry of the Department of Health: code (`MA_CSKCB`), name, kind, place,
//! parent, status, connection date, contact and signing-certificate expiry.

use super::schema::facilities;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize, ToSchema,
)]
#[diesel(table_name = facilities, treat_none_as_null = true)]
pub struct Facility {
    /// `MA_CSKCB`, 5 characters.
    pub code: String,
    pub name: String,
    /// `hospital_tier1`, `hospital_tier2`, `hospital_tier3`, `health_centre`, `polyclinic`,
    /// `commune_station` or `other`.
    pub kind: String,
    /// `onboarding`, `live` or `suspended`.
    pub status: String,
    pub created_at: i64,
    pub district: Option<String>,
    pub commune: Option<String>,
    /// The facility this one reports through (a commune station's district health centre).
    pub parent_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub connected_on: Option<String>,
    pub contact: Option<String>,
    /// `YYYY-MM-DD`: when the signing certificate expires.
    pub certificate_expires_on: Option<String>,
    pub updated_at: Option<i64>,
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Facility>, StoreError> {
    Ok(facilities::table.find(code).select(Facility::as_select()).first(conn).optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Districts were abolished on 2025-07-01: kept for facilities registered by them.
    pub district: Option<String>,
    /// The commune (or ward) the facility is in: with its province, the unit in force.
    pub commune: Option<String>,
}

/// Every facility matching the filter, by code.
pub fn list(conn: &mut AnyConnection, f: &FacilityFilter) -> Result<Vec<Facility>, StoreError> {
    let mut q = facilities::table.select(Facility::as_select()).into_boxed();
    if let Some(v) = &f.kind {
        q = q.filter(facilities::kind.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(facilities::status.eq(v.clone()));
    }
    if let Some(v) = &f.district {
        q = q.filter(facilities::district.eq(v.clone()));
    }
    if let Some(v) = &f.commune {
        q = q.filter(facilities::commune.eq(v.clone()));
    }
    Ok(q.order(facilities::code).load(conn)?)
}

/// The districts and the communes of registered facilities, each in order.
pub fn units(conn: &mut AnyConnection) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let rows: Vec<(Option<String>, Option<String>)> =
        facilities::table.select((facilities::district, facilities::commune)).load(conn)?;
    let (mut districts, mut communes) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    for (district, commune) in rows {
        districts.extend(district);
        communes.extend(commune);
    }
    Ok((districts.into_iter().collect(), communes.into_iter().collect()))
}

/// Inserts or replaces a facility (keeping its creation time); returns whether it was new.
pub fn save(conn: &mut AnyConnection, facility: &Facility) -> Result<bool, StoreError> {
    let now = now_ms();
    match find(conn, &facility.code)? {
        Some(existing) => {
            let updated = Facility { created_at: existing.created_at, updated_at: Some(now), ..facility.clone() };
            diesel::update(facilities::table.find(&facility.code)).set(&updated).execute(conn)?;
            Ok(false)
        }
        None => {
            let created = Facility { created_at: now, updated_at: Some(now), ..facility.clone() };
            diesel::insert_into(facilities::table).values(&created).execute(conn)?;
            Ok(true)
        }
    }
}

/// Registers a facility unless its code is already known; returns whether it was new.
pub fn register(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    kind: &str,
    status: &str,
) -> Result<bool, StoreError> {
    if find(conn, code)?.is_some() {
        return Ok(false);
    }
    save(
        conn,
        &Facility {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            status: status.to_owned(),
            created_at: 0,
            district: None,
            commune: None,
            parent_code: None,
            connected_on: None,
            contact: None,
            certificate_expires_on: None,
            updated_at: None,
        },
    )
}
