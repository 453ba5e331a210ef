//! The audit page: who wrote or read what, newest first, searched by actor, action and target —
//! the rows `GET /api/v1/audit` gives, for DoH and admin staff.

use super::html::{self, Audience, Cell, Lang, Link, Section, Table, escape};
use super::{DashboardError, Viewer, csv_response, html_response};
use crate::store::Db;
use crate::store::audit::{AuditFilter, search};
use crate::vault::Vault;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// Rows shown at once.
const ROWS: i64 = 200;

#[derive(Deserialize)]
pub struct AuditQuery {
    lang: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    /// Answer the table as CSV.
    csv: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

pub async fn page(
    Viewer(_, token): Viewer,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, DashboardError> {
    let lang = Lang::parse(query.lang.as_deref());
    let filter = AuditFilter {
        actor: given(&query.actor),
        action: given(&query.action),
        targets: crate::audit::targets_named(&vault, given(&query.target).as_deref()),
        limit: ROWS,
        ..AuditFilter::default()
    };
    let rows = db.read(move |c| search(c, &filter)).await?;
    let mut table = Table::new(
        "audit",
        vec![
            lang.t("Thời điểm", "When"),
            lang.t("Người thực hiện (khóa)", "Actor (key)"),
            lang.t("Vai trò", "Role"),
            lang.t("Hành động", "Action"),
            lang.t("Đối tượng", "Target"),
            lang.t("Chi tiết", "Detail"),
        ],
    );
    for r in rows {
        table.row(vec![
            Cell::instant(lang, Some(r.at)),
            Cell::text(r.actor),
            Cell::text(r.role),
            Cell::text(r.action),
            Cell::text(r.target),
            Cell::text(crate::validation::bounded(&r.detail, 200)),
        ]);
    }
    let mut here = Link::new("/dashboard/audit").with("lang", lang.code());
    for (name, value) in [("actor", &query.actor), ("action", &query.action), ("target", &query.target)] {
        if let Some(v) = given(value) {
            here = here.with(name, v);
        }
    }
    if query.csv.as_deref() == Some(table.id) {
        return Ok(csv_response(&table, "hisgate-audit"));
    }
    let field = |name: &str, label: &str, value: &Option<String>| {
        format!(
            "<label>{}<input type=\"text\" name=\"{name}\" value=\"{}\"></label>\n",
            escape(label),
            escape(value.as_deref().unwrap_or_default())
        )
    };
    let body = format!(
        "<p>{intro}</p>\n<form class=\"filters\" method=\"get\" action=\"/dashboard/audit\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{code}\">\n{actor}{action}{target}\
         <button type=\"submit\">{search}</button>\n</form>\n{table}",
        intro = escape(lang.t(
            "Mọi lần ghi và mọi lần đọc dữ liệu cá nhân (hồ sơ, lượt check-in, tra cứu thẻ), mới nhất trước.",
            "Every write and every read of personal data (claims, check-ins, card lookups), newest first.",
        )),
        code = lang.code(),
        actor = field("actor", lang.t("Khóa", "Key"), &query.actor),
        action = field("action", lang.t("Hành động (vd. claim.read)", "Action (e.g. claim.read)"), &query.action),
        target = field("target", lang.t("Đối tượng", "Target"), &query.target),
        search = escape(lang.t("Tìm", "Search")),
        table = table.html(lang, &here.clone().with("csv", table.id)),
    );
    let title = lang.t("Nhật ký truy cập", "Audit log");
    Ok(html_response(html::page(lang, (Section::Audit, Audience::Staff), title, &here, &body, token.as_str())))
}
