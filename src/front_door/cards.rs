//! `KQNhanLichSuKCB2024` (BHXH-API.md §3.1): the card lookup, through the eligibility service (its
//! cache, its coalescing of identical lookups, its audit and rate limit), answered in the portal's
//! flat shape.

use super::answers::{Code, Refusal, server_error};
use super::{form_or_json, query_caller};
use crate::auth::Gate;
use crate::config::Settings;
use crate::domain::card::{CardNumber, mask};
use crate::eligibility::{EligibilityAnswer, EligibilityError, EligibilityRequest, EligibilityService};
use crate::http::read_body;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The lookup's body: JSON as the BHXH appendix has it, or a form as some clients send it. The
/// lookup officer's `hoTenCb` and `cccdCb` are taken and not sent on: hisgate asks as the officer
/// registered for the account's facility (`[eligibility]` settings).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CardQuery {
    /// The card number; a 12-digit citizen ID or a 10-digit social-insurance number is taken too,
    /// as hospital systems send them in this field.
    #[serde(rename = "maThe")]
    card: Option<String>,
    #[serde(rename = "hoTen")]
    name: Option<String>,
    /// `dd/MM/yyyy`, or `yyyy` when only the year is known.
    #[serde(rename = "ngaySinh")]
    birth: Option<String>,
}

/// One earlier visit, as `dsLichSuKCB2018` lists it.
#[derive(Debug, Serialize, ToSchema)]
struct PastVisit {
    #[serde(rename = "maHoSo")]
    record_id: Option<String>,
    #[serde(rename = "maCSKCB")]
    facility: Option<String>,
    #[serde(rename = "ngayVao")]
    admitted_at: Option<String>,
    #[serde(rename = "ngayRa")]
    discharged_at: Option<String>,
    #[serde(rename = "tenBenh")]
    diagnosis: Option<String>,
    #[serde(rename = "kqDieuTri")]
    outcome: Option<String>,
}

/// The portal's answer of a lookup, with what hisgate keeps of it; a refused call has only
/// `maKetQua` and `thongDiep`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardAnswer {
    #[serde(rename = "maKetQua")]
    code: String,
    #[serde(rename = "ghiChu")]
    note: Option<String>,
    #[serde(rename = "maThe")]
    card: Option<String>,
    #[serde(rename = "hoTen")]
    name: Option<String>,
    #[serde(rename = "ngaySinh")]
    birth: Option<String>,
    #[serde(rename = "gioiTinh")]
    sex: Option<String>,
    #[serde(rename = "maDKBD")]
    primary_care: Option<String>,
    #[serde(rename = "cqBHXH")]
    office: Option<String>,
    #[serde(rename = "gtTheTu")]
    valid_from: Option<String>,
    #[serde(rename = "gtTheDen")]
    valid_to: Option<String>,
    #[serde(rename = "ngayDu5Nam")]
    five_years: Option<String>,
    #[serde(rename = "maTheMoi")]
    new_card: Option<String>,
    #[serde(rename = "gtTheTuMoi")]
    new_valid_from: Option<String>,
    #[serde(rename = "gtTheDenMoi")]
    new_valid_to: Option<String>,
    #[serde(rename = "maDKBDMoi")]
    new_primary_care: Option<String>,
    #[serde(rename = "tenDKBDMoi")]
    new_primary_care_name: Option<String>,
    /// The latest five visits, newest first.
    #[serde(rename = "dsLichSuKCB2018")]
    #[schema(required = false)]
    visits: Vec<PastVisit>,
}

/// The portal's dates: `dd/MM/yyyy`.
fn portal_date(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%d/%m/%Y").to_string())
}

impl From<EligibilityAnswer> for CardAnswer {
    fn from(a: EligibilityAnswer) -> Self {
        let new_card = a.new_card;
        CardAnswer {
            code: a.code,
            note: a.portal_note,
            card: a.card_number,
            name: a.holder_name,
            birth: a.holder_birth_date,
            sex: a.holder_sex,
            primary_care: a.primary_care_facility,
            office: a.issuing_office,
            valid_from: portal_date(a.valid_from),
            valid_to: portal_date(a.valid_to),
            five_years: portal_date(a.five_years_continuous_from),
            new_valid_from: portal_date(new_card.as_ref().and_then(|c| c.valid_from)),
            new_valid_to: portal_date(new_card.as_ref().and_then(|c| c.valid_to)),
            new_primary_care: new_card.as_ref().and_then(|c| c.primary_care_facility.clone()),
            new_primary_care_name: new_card.as_ref().and_then(|c| c.primary_care_facility_name.clone()),
            new_card: new_card.map(|c| c.card_number),
            visits: a
                .history
                .latest
                .into_iter()
                .map(|v| PastVisit {
                    record_id: v.record_id,
                    facility: v.facility,
                    admitted_at: v.admitted_at,
                    discharged_at: v.discharged_at,
                    diagnosis: v.diagnosis,
                    outcome: v.outcome,
                })
                .collect(),
        }
    }
}

/// The card lookup of the BHXH portal, for a facility's account.
#[utoipa::path(
    tag = "bhxh",
    params(
        ("token" = String, Query), ("id_token" = String, Query), ("username" = String, Query),
        ("password" = String, Query, description = "MD5 of the password"),
    ),
    request_body(content = CardQuery, description = "JSON (the BHXH appendix) or a form"),
    responses((status = 200, description = "`maKetQua` the portal's code (000 valid, 010 expired… BHXH-API.md §3.3), or 401, 403 (a Department of Health account, which looks no card up), 051/052/053 (the card number, its province or its benefit code is wrong, found before asking), 205 (another field), 429 (this account's lookups per minute are used up), 500 (the portal is unavailable and no earlier answer is known)", body = CardAnswer)),
    description = "Through hisgate's eligibility service: answers come from its cache when fresh and are audited. Of the portal's answer hisgate keeps no address (`diaChi`), area code (`maKV`), earlier card (`maTheCu`) or list of earlier lookups (`dsLichSuKT2018`), and the latest five visits only: those fields are absent."
)]
#[post("/bhxh/api/egw/KQNhanLichSuKCB2024")]
pub(super) async fn card_lookup(
    req: HttpRequest,
    payload: web::Payload,
    gate: web::Data<Gate>,
    settings: web::Data<Settings>,
    eligibility: web::Data<EligibilityService>,
) -> HttpResponse {
    look_up(&req, payload, (&gate, &settings), &eligibility.into_inner()).await.unwrap_or_else(Refusal::answer)
}

async fn look_up(
    req: &HttpRequest,
    payload: web::Payload,
    (gate, settings): (&Gate, &Settings),
    eligibility: &std::sync::Arc<EligibilityService>,
) -> Result<HttpResponse, Refusal> {
    let body = read_body(payload, settings.max_body_bytes).await.map_err(Refusal::Http)?;
    let caller = query_caller(req, gate).await?;
    let principal = match &caller.scope {
        crate::auth::accounts::AccountScope::Facility(own) => caller.principal_for(own),
        crate::auth::accounts::AccountScope::Province(_) => None,
    }
    .ok_or_else(|| Refusal::new(Code::Forbidden, "Tài khoản của Sở Y tế không tra cứu thẻ"))?;
    let query: CardQuery = form_or_json(&body)?;
    let request = request_of(query)?;
    if let Some(card) = request.card_number.as_deref()
        && let Err(e) = CardNumber::parse(card)
    {
        return Err(Refusal::new(Code::CardDefect(e.portal_code), e.message.replace(card, &mask(card))));
    }
    eligibility.admit(&principal.key_id, 1).map_err(refusal)?;
    let answer = eligibility.check_request(&principal, &request).await.map_err(refusal)?;
    Ok(HttpResponse::Ok().json(CardAnswer::from(answer)))
}

/// The eligibility service's request: the identifier by its form, the birth date as ISO.
fn request_of(query: CardQuery) -> Result<EligibilityRequest, Refusal> {
    let missing = || Refusal::new(Code::BadParameter, "Thiếu maThe, hoTen hoặc ngaySinh");
    let (card, name, birth) =
        (query.card.ok_or_else(missing)?, query.name.ok_or_else(missing)?, query.birth.ok_or_else(missing)?);
    let card = card.trim().to_owned();
    let digits = card.bytes().all(|b| b.is_ascii_digit());
    let (card_number, citizen_id, social_insurance_number) = match card.len() {
        12 if digits => (None, Some(card), None),
        10 if digits => (None, None, Some(card)),
        _ => (Some(card), None, None),
    };
    let birth = birth.trim();
    let birth_date = match NaiveDate::parse_from_str(birth, "%d/%m/%Y") {
        Ok(day) => day.format("%Y-%m-%d").to_string(),
        Err(_) => birth.to_owned(),
    };
    Ok(EligibilityRequest {
        card_number,
        citizen_id,
        social_insurance_number,
        full_name: name,
        birth_date,
        visit_date: None,
        facility: None,
    })
}

/// The portal's code for what the eligibility service refused (a card number's defects are
/// answered before it is asked).
fn refusal(e: EligibilityError) -> Refusal {
    match e {
        EligibilityError::Invalid { detail, .. } => Refusal::new(Code::BadParameter, detail),
        EligibilityError::Forbidden(m) => Refusal::new(Code::Forbidden, m),
        EligibilityError::RateLimited { .. } => Refusal::new(Code::TooManyRequests, e.to_string()),
        EligibilityError::Configuration(_) | EligibilityError::Unavailable(_) | EligibilityError::Malformed(_) => {
            server_error("a card lookup failed", &e)
        }
    }
}
