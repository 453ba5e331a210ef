//! The worklist and claim pages: what a facility must act on (the same `worklist::worklist_of` as
//! `GET /api/v1/worklist`, so the page and the API cannot disagree), each problem with its rule
//! in Vietnamese, the field and the fix; a claim's sendings, errors, appraised lines, versions and
//! timeline; and sending a dead-lettered claim again once its cause is fixed. A facility's staff
//! see their own facility; DoH and admin staff every facility.

use super::html::{Audience, Cell, Lang, Link, Section, Table, escape};
use super::pages::{Piece, Sheet, period_form, period_link, select};
use super::session::{FormToken, same_origin};
use super::{DashboardError, Reader};
use crate::auth::Principal;
use crate::config::Settings;
use crate::domain::violation::Violation;
use crate::queue::QueueControl;
use crate::stats::Period;
use crate::store::outbox::{self, StoredOutcome};
use crate::store::worklist::{CutLine, dead_letters_of};
use crate::store::{Db, StoreError, claims};
use crate::validation::{Catalogue, CatalogueHandle};
use crate::vocabulary::{ClaimId, FacilityCode, JobStatus, Role, WorkKind};
use crate::worklist::{Entry, Explained, WorklistQuery, worklist_of};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub const PATH: &str = "/dashboard/worklist";

/// Rows a worklist page lists (its figures count them all).
const ROWS: usize = 500;

#[derive(Deserialize)]
pub struct WorklistParams {
    lang: Option<String>,
    from: Option<String>,
    to: Option<String>,
    kind: Option<String>,
    facility: Option<String>,
    /// Part of a `MA_LK`.
    q: Option<String>,
    csv: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn kind_name(lang: Lang, kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::Refused => lang.t("Bị từ chối khi tiếp nhận", "Refused at ingest"),
        WorkKind::PortalErrors => lang.t("Cổng báo lỗi", "Portal errors"),
        WorkKind::Rejected => lang.t("BHXH từ chối", "Rejected by BHXH"),
        WorkKind::PartiallyApproved => lang.t("Xuất toán một phần", "Partially approved"),
        WorkKind::DeadLettered => lang.t("Gửi không thành công", "Dead-lettered"),
    }
}

/// The facility a reader's page shows: a facility's staff their own, others the one asked for (or all).
fn facility_shown(principal: &Principal, asked: Option<String>) -> Result<Option<FacilityCode>, DashboardError> {
    principal.readable_facility(asked.map(FacilityCode::from)).map_err(|e| DashboardError::Forbidden(e.to_string()))
}

fn audience(principal: &Principal) -> Audience {
    if principal.role == Role::Facility { Audience::Facility } else { Audience::Staff }
}

/// A problem on one line: the rule and its field, what it means, the fix, and what was found.
fn problem_text(lang: Lang, p: &Explained) -> String {
    let mut text = if p.problem.code == JobStatus::DeadLetter.as_str() {
        lang.t("Gửi không thành công", "Given up").to_owned()
    } else {
        p.problem.code.clone()
    };
    if let Some(field) = &p.problem.field {
        text.push_str(" · ");
        text.push_str(field);
    }
    let meaning = match lang {
        Lang::Vi => p.description_vi.as_deref(),
        Lang::En => p.description_en.as_deref(),
    };
    if let Some(meaning) = meaning {
        text.push_str(": ");
        text.push_str(meaning);
    }
    if let Some(fix) = &p.fix_vi {
        text.push_str(&format!(" — {} {fix}", lang.t("Cách sửa:", "Fix (vi):")));
    }
    if !p.problem.message.is_empty() {
        text.push_str(&format!(" ({}: {})", p.problem.source, p.problem.message));
    } else if p.problem.source != "hisgate" {
        text.push_str(&format!(" ({})", p.problem.source));
    }
    text
}

fn cut_text(lang: Lang, line: &CutLine) -> String {
    let reason = line.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!(
        "{} #{}: {} → {}{reason}",
        line.table,
        line.stt,
        lang.money(line.claimed_cents),
        lang.money(line.approved_cents)
    )
}

fn claim_link(lang: Lang, claim: &ClaimId) -> String {
    Link::new(format!("/dashboard/claims/{claim}")).with("lang", lang.code()).href()
}

fn worklist_table(lang: Lang, items: &[Entry]) -> Table {
    let mut t = Table::new(
        "worklist",
        vec![
            lang.t("Loại", "Kind"),
            lang.t("Cơ sở", "Facility"),
            "MA_LK",
            lang.t("Phiên bản", "Version"),
            lang.t("Thời điểm", "When"),
            lang.t("Đề nghị thanh toán", "Claimed"),
            lang.t("Được duyệt", "Approved"),
            lang.t("Cần sửa", "To correct"),
            lang.t("Dòng bị xuất toán", "Cut lines"),
            lang.t("Xử lý", "Action"),
        ],
    );
    for entry in items {
        let item = &entry.item;
        let key = Cell::text(item.episode_key.clone().unwrap_or_default());
        let key = match &item.claim_id {
            Some(claim) => key.link(claim_link(lang, claim)),
            None => key,
        };
        let problems: Vec<String> = entry.problems.iter().map(|p| problem_text(lang, p)).collect();
        let cuts: Vec<String> = item.cut_lines.iter().map(|l| cut_text(lang, l)).collect();
        let action = match (&item.claim_id, item.kind) {
            (Some(claim), _) if item.resendable => {
                Cell::text(lang.t("Gửi lại", "Resend")).link(format!("{}#resend", claim_link(lang, claim)))
            }
            (_, WorkKind::PartiallyApproved) => {
                Cell::text(lang.t("Đối chiếu dòng bị xuất toán", "Check the cut lines"))
            }
            (_, WorkKind::PortalErrors) => Cell::text(lang.t("Chờ kết quả; sửa nếu cần", "Awaiting the decision")),
            _ => Cell::text(lang.t("Sửa trong HIS rồi gửi lại", "Correct in the HIS and send again")),
        };
        t.row(vec![
            Cell::text(kind_name(lang, item.kind)),
            Cell::text(item.facility_code.to_string()),
            key,
            Cell::text(item.version.map(|v| v.to_string()).unwrap_or_default()),
            Cell::instant(lang, Some(item.at)),
            Cell::money(lang, item.claimed_cents),
            Cell::money(lang, item.approved_cents),
            Cell::text(problems.join("; ")),
            Cell::text(cuts.join("; ")),
            action,
        ]);
    }
    t
}

fn filters(lang: Lang, principal: &Principal, params: &WorklistParams, period: &Period) -> String {
    let kinds: Vec<(String, String)> =
        WorkKind::ALL.iter().map(|k| (k.as_str().to_owned(), kind_name(lang, *k).to_owned())).collect();
    let mut extra = select("kind", lang.t("Loại", "Kind"), params.kind.as_deref(), &kinds, lang.t("Tất cả", "All"));
    if principal.role != Role::Facility {
        extra.push_str(&format!(
            "<label>{}<input name=\"facility\" size=\"6\" value=\"{}\"></label>\n",
            lang.t("Cơ sở", "Facility"),
            escape(params.facility.as_deref().unwrap_or_default())
        ));
    }
    extra.push_str(&format!(
        "<label>MA_LK<input name=\"q\" value=\"{}\"></label>\n",
        escape(params.q.as_deref().unwrap_or_default())
    ));
    period_form(lang, PATH, period, &extra)
}

pub async fn page(
    Reader(principal, form_token): Reader,
    db: web::Data<Db>,
    catalogue: web::Data<CatalogueHandle>,
    params: web::Query<WorklistParams>,
) -> Result<HttpResponse, DashboardError> {
    let lang = Lang::parse(params.lang.as_deref());
    let period = Period::parse(params.from.as_deref(), params.to.as_deref())?;
    let facility = facility_shown(&principal, given(&params.facility))?;
    let kind = given(&params.kind).and_then(|k| k.parse::<WorkKind>().ok());
    let query = WorklistQuery { facility: facility.clone(), period, kind, episode_key: given(&params.q), limit: ROWS };
    let list = worklist_of(&db, &catalogue.current(), query).await?;

    let mut cards = String::from("<div class=\"cards\">\n");
    let mut counts = list.counts.clone();
    for kind in WorkKind::ALL {
        let n = *counts.of(*kind) as u64;
        cards.push_str(&Cell::count(lang, n).figure(format!("counts.{kind}")).card(kind_name(lang, *kind)));
    }
    cards.push_str(&Cell::count(lang, list.matching as u64).figure("matching").card(lang.t("Đang lọc", "Matching")));
    cards.push_str("</div>\n");
    let here = period_link(PATH, lang, &period)
        .with("kind", given(&params.kind).unwrap_or_default())
        .with("facility", facility.as_ref().map(|f| f.to_string()).unwrap_or_default())
        .with("q", given(&params.q).unwrap_or_default());
    let heading = format!(
        "{} ({} / {})",
        lang.t("Hồ sơ cần xử lý, mới nhất trước", "Claims to act on, newest first"),
        lang.number(list.items.len() as u64),
        lang.number(list.matching as u64)
    );
    let title = match &facility {
        Some(code) => format!("{} · {code}", lang.t("Việc cần xử lý", "Worklist")),
        None => lang.t("Việc cần xử lý · toàn tỉnh", "Worklist · whole province").to_owned(),
    };
    Sheet {
        lang,
        form_token,
        section: Section::Worklist,
        audience: audience(&principal),
        title,
        file_stem: format!(
            "hisgate-worklist-{}-{}-{}",
            facility.as_ref().map_or("all".to_owned(), |f| f.to_string()),
            period.from,
            period.to
        ),
        here,
        pieces: vec![
            Piece::Html(filters(lang, &principal, &params, &period)),
            Piece::Html(cards),
            Piece::Table { heading, chart: None, table: worklist_table(lang, &list.items), folded: false },
        ],
    }
    .respond(params.csv.as_deref())
}

#[derive(Deserialize)]
pub struct ClaimParams {
    lang: Option<String>,
    csv: Option<String>,
    /// Set after a resend: how many sendings were queued again.
    resent: Option<usize>,
}

/// A submission and what its portal said of it.
type Sending = (claims::SubmissionInfo, Option<StoredOutcome>, outbox::PortalErrors);

/// Whether the latest sending of the current version to some portal is dead-lettered.
fn has_dead_letter(current_version: i32, sendings: &[Sending]) -> bool {
    let mut latest = std::collections::BTreeMap::new();
    for (s, ..) in sendings.iter().filter(|(s, ..)| s.version == current_version) {
        latest.insert(s.destination, s.status);
    }
    latest.values().any(|status| *status == JobStatus::DeadLetter)
}

pub async fn claim(
    Reader(principal, form_token): Reader,
    db: web::Data<Db>,
    catalogue: web::Data<CatalogueHandle>,
    id: web::Path<String>,
    params: web::Query<ClaimParams>,
) -> Result<HttpResponse, DashboardError> {
    let lang = Lang::parse(params.lang.as_deref());
    let id = ClaimId::from(id.into_inner());
    let lookup = id.clone();
    let found = db
        .read(move |c| {
            let Some(record) = claims::find(c, &lookup)? else { return Ok(None) };
            let mut sendings: Vec<Sending> = Vec::new();
            for s in &record.submissions {
                let (outcome, errors) = outbox::outcome_of(c, s.id)?;
                sendings.push((s.clone(), outcome, errors));
            }
            Ok(Some((record, sendings)))
        })
        .await?;
    let (record, sendings) = found.ok_or_else(|| DashboardError::NotFound(format!("no claim {id}")))?;
    let claim = &record.claim;
    if !principal.may_read(claim.facility_code.as_str()) {
        let facility = &claim.facility_code;
        return Err(DashboardError::Forbidden(format!("this key does not read facility {facility}'s claims")));
    }
    let resend =
        has_dead_letter(claim.current_version, &sendings) && principal.may_write_for(claim.facility_code.as_str());
    let mut head = claim_head(lang, claim, params.resent);
    if resend {
        head.push_str(&resend_form(lang, claim, &form_token));
    }
    let (mut errors, lines, sent) = what_the_portals_said(lang, &sendings);
    add_warnings(lang, &catalogue.current(), &record, &mut errors)?;
    let (versions, timeline) = history(lang, &record);
    let table =
        |heading: &str, table: Table| Piece::Table { heading: heading.to_owned(), chart: None, table, folded: false };
    Sheet {
        lang,
        form_token,
        section: Section::Worklist,
        audience: audience(&principal),
        title: format!("{} {}", lang.t("Hồ sơ", "Claim"), claim.episode_key),
        file_stem: format!("hisgate-claim-{}", claim.id),
        here: Link::new(format!("/dashboard/claims/{}", claim.id)).with("lang", lang.code()),
        pieces: vec![
            Piece::Html(head),
            table(lang.t("Lỗi và lý do", "Errors and reasons"), errors),
            table(lang.t("Các dòng đã giám định", "Appraised lines"), lines),
            table(lang.t("Các lần gửi", "Sendings"), sent),
            table(lang.t("Các phiên bản", "Versions"), versions),
            table(lang.t("Diễn biến", "Timeline"), timeline),
        ],
    }
    .respond(params.csv.as_deref())
}

fn claim_head(lang: Lang, claim: &claims::ClaimSummary, resent: Option<usize>) -> String {
    let mut head = format!(
        "<p>{}: <strong>{}</strong> · MA_LK: <strong>{}</strong> · {}: <strong>{}</strong> · {}: \
<strong id=\"claim-status\">{}</strong></p>\n",
        lang.t("Cơ sở", "Facility"),
        escape(claim.facility_code.as_str()),
        escape(&claim.episode_key),
        lang.t("Phiên bản hiện tại", "Current version"),
        claim.current_version,
        lang.t("Trạng thái", "Status"),
        escape(claim.status.as_str()),
    );
    if let Some(n) = resent {
        let said = lang.t("Đã xếp hàng gửi lại:", "Queued again:");
        head.push_str(&format!("<p class=\"notice\" id=\"resent\">{said} {n}</p>\n"));
    }
    head
}

fn resend_form(lang: Lang, claim: &claims::ClaimSummary, token: &FormToken) -> String {
    format!(
        "<form id=\"resend\" method=\"post\" action=\"/dashboard/claims/{}/resend\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
<button type=\"submit\">{}</button></form>\n",
        escape(claim.id.as_str()),
        escape(token.as_str()),
        lang.code(),
        lang.t("Gửi lại sau khi đã khắc phục nguyên nhân", "Send again (the cause is fixed)")
    )
}

/// The errors and reasons the portals gave, the lines BHXH appraised, and every sending.
fn what_the_portals_said(lang: Lang, sendings: &[Sending]) -> (Table, Table, Table) {
    let version = lang.t("Phiên bản", "Version");
    let mut errors = Table::new("errors", vec![version, lang.t("Nơi báo", "Source"), lang.t("Lỗi", "Error")]);
    let mut lines = Table::new(
        "lines",
        vec![
            version,
            lang.t("Bảng", "Table"),
            "STT",
            lang.t("Đề nghị", "Claimed"),
            lang.t("Được duyệt", "Approved"),
            lang.t("Lý do", "Reason"),
        ],
    );
    let mut sent = Table::new(
        "sendings",
        vec![
            version,
            lang.t("Nơi nhận", "Destination"),
            lang.t("Trạng thái", "Status"),
            lang.t("Số lần gửi", "Attempts"),
            lang.t("Mã giao dịch", "Transaction"),
            lang.t("Lỗi gần nhất", "Last error"),
        ],
    );
    for (s, outcome, listed) in sendings {
        let (v, to) = (Cell::text(s.version.to_string()), Cell::text(s.destination.to_string()));
        sent.row(vec![
            v.clone(),
            to.clone(),
            Cell::text(s.status.to_string()),
            Cell::count(lang, s.attempts.max(0) as u64),
            Cell::text(s.transaction_id.clone().unwrap_or_default()),
            Cell::text(s.last_error.clone().unwrap_or_default()),
        ]);
        for (code, message) in listed {
            errors.row(vec![v.clone(), to.clone(), Cell::text(format!("{code}: {message}"))]);
        }
        let Some(outcome) = outcome else { continue };
        for reason in &outcome.reasons {
            errors.row(vec![v.clone(), to.clone(), Cell::text(reason)]);
        }
        for line in outcome.lines.as_array().into_iter().flatten() {
            lines.row(vec![
                v.clone(),
                Cell::text(line["table"].as_str().unwrap_or_default()),
                Cell::text(line["stt"].as_str().unwrap_or_default()),
                Cell::money(lang, line["claimed_cents"].as_i64()),
                Cell::money(lang, line["approved_cents"].as_i64()),
                Cell::text(line["reason"].as_str().unwrap_or_default()),
            ]);
        }
    }
    (errors, lines, sent)
}

/// The current version's warnings, each rule explained from the catalogue.
fn add_warnings(
    lang: Lang,
    catalogue: &Catalogue,
    record: &claims::ClaimRecord,
    errors: &mut Table,
) -> Result<(), DashboardError> {
    let current = record.claim.current_version;
    let Some(version) = record.versions.iter().find(|v| v.version == current) else { return Ok(()) };
    let warnings: Vec<Violation> = serde_json::from_str(&version.warnings_json).map_err(|e| {
        DashboardError::Store(StoreError::Corrupt(format!("warnings of claim {}: {e}", record.claim.id)))
    })?;
    for warning in warnings {
        let rule = catalogue.get(&warning.rule);
        let meaning = rule.map_or("", |r| if lang == Lang::Vi { &r.description_vi } else { &r.description });
        errors.row(vec![
            Cell::text(current.to_string()),
            Cell::text("hisgate"),
            Cell::text(format!("{} · {}: {meaning} ({})", warning.rule, warning.path, warning.message)),
        ]);
    }
    Ok(())
}

/// The claim's versions and its timeline.
fn history(lang: Lang, record: &claims::ClaimRecord) -> (Table, Table) {
    let mut versions = Table::new(
        "versions",
        vec![
            lang.t("Phiên bản", "Version"),
            lang.t("Nhận lúc", "Received"),
            lang.t("Đề nghị thanh toán", "Claimed"),
            lang.t("Bị thay thế lúc", "Superseded"),
        ],
    );
    for v in &record.versions {
        versions.row(vec![
            Cell::text(v.version.to_string()),
            Cell::instant(lang, Some(v.received_at)),
            Cell::money(lang, Some(v.claimed_cents)),
            v.superseded_at.map_or_else(|| Cell::text("–"), |at| Cell::instant(lang, Some(at))),
        ]);
    }
    let mut timeline = Table::new(
        "timeline",
        vec![
            lang.t("Thời điểm", "When"),
            lang.t("Phiên bản", "Version"),
            lang.t("Sự kiện", "Event"),
            lang.t("Chi tiết", "Detail"),
        ],
    );
    for e in &record.timeline {
        timeline.row(vec![
            Cell::instant(lang, Some(e.at)),
            Cell::text(e.version.to_string()),
            Cell::text(e.kind.to_string()),
            Cell::text(e.detail.clone()),
        ]);
    }
    (versions, timeline)
}

#[derive(Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
}

/// Queues the dead-lettered sendings of a claim's current version again.
pub async fn resend(
    req: HttpRequest,
    Reader(principal, _): Reader,
    db: web::Data<Db>,
    queue: web::Data<QueueControl>,
    settings: web::Data<Settings>,
    id: web::Path<String>,
    form: web::Form<ResendForm>,
) -> Result<HttpResponse, DashboardError> {
    let session = req.cookie(super::COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !same_origin(&req, &settings.trusted_proxies) || !FormToken::matches(&session, &form.csrf) {
        return Err(DashboardError::Forbidden("the form was not sent from the dashboard's own page".into()));
    }
    let id = ClaimId::from(id.into_inner());
    let (lookup, actor, role) = (id.clone(), principal.key_id.clone(), principal.role);
    let facility: Option<FacilityCode> =
        db.read(move |c| Ok(claims::find(c, &lookup)?.map(|r| r.claim.facility_code))).await?;
    let facility = facility.ok_or_else(|| DashboardError::NotFound(format!("no claim {id}")))?;
    // Admins, and the facility's own staff once they fixed the cause (DoH staff watch), as the
    // submissions API's retry.
    if !principal.may_write_for(facility.as_str()) {
        return Err(DashboardError::Forbidden("only an admin or the facility's own staff send a claim again".into()));
    }
    let claim = id.clone();
    let resent = db
        .write(move |c| {
            let mut resent = 0;
            for outbox_id in dead_letters_of(c, &claim)? {
                let Some(original) = outbox::find(c, outbox_id)? else { continue };
                crate::queue::replay_audited(c, &original, &actor, role)?;
                resent += 1;
            }
            Ok(resent)
        })
        .await?;
    queue.dispatch_wake.notify_one();
    let lang = Lang::parse(form.lang.as_deref());
    let back =
        Link::new(format!("/dashboard/claims/{id}")).with("lang", lang.code()).with("resent", resent.to_string());
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, back.href())).finish())
}
