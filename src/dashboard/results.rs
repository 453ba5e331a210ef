//! The page where DoH staff upload an appraisal result file downloaded from the BHXH portal: the
//! same import as `POST /api/v1/reconciliation/import`, answered as a page.

use super::html::{self, Audience, Lang, Link, Section, escape};
use super::session::FormToken;
use super::{DashboardError, Viewer, html_response, with_security_headers};
use crate::config::Settings;
use crate::reconcile::import::{self, ImportReport};
use crate::store::Db;
use crate::vocabulary::FacilityCode;
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn form(lang: Lang, token: &FormToken) -> String {
    format!(
        "<p>{intro}</p>\n<form class=\"filters\" method=\"post\" action=\"/dashboard/results?lang={code}\" \
         enctype=\"multipart/form-data\">\n<input type=\"hidden\" name=\"csrf\" value=\"{token}\">\n\
<label>{file}<input type=\"file\" name=\"file\" accept=\".csv,.xlsx\" required></label>\n\
<label>{facility}<input type=\"text\" name=\"facility\" pattern=\"[A-Za-z0-9]{{5}}\" size=\"6\"></label>\n\
<button type=\"submit\">{send}</button>\n</form>\n",
        intro = escape(lang.t(
            "Tải lên tệp kết quả giám định (CSV hoặc XLSX) tải về từ cổng BHXH: mỗi dòng một MA_LK. \
             Tệp được kiểm tra toàn bộ trước; một dòng sai thì không ghi gì.",
            "Upload an appraisal result file (CSV or XLSX) downloaded from the BHXH portal: one row per \
             MA_LK. The whole file is checked first; one bad row and nothing is written.",
        )),
        code = lang.code(),
        token = escape(token.as_str()),
        file = escape(lang.t("Tệp kết quả", "Result file")),
        facility = escape(lang.t("Chỉ cơ sở (mã, tuỳ chọn)", "Only facility (code, optional)")),
        send = escape(lang.t("Nhập", "Import")),
    )
}

fn frame(lang: Lang, body: &str, token: &FormToken) -> String {
    let here = Link::new("/dashboard/results").with("lang", lang.code());
    let title = lang.t("Kết quả giám định", "Appraisal results");
    html::page(lang, (Section::Results, Audience::Staff), title, &here, body, token.as_str())
}

pub async fn upload_form(Viewer(_, token): Viewer, query: web::Query<LangQuery>) -> HttpResponse {
    let lang = Lang::parse(query.lang.as_deref());
    html_response(frame(lang, &form(lang, &token), &token))
}

fn report_html(lang: Lang, r: &ImportReport) -> String {
    let mut out = format!(
        "<p id=\"import-summary\">{}: {} · {}: {} · {}: <strong>{}</strong></p>\n<ul>\n",
        escape(lang.t("Dòng", "Rows")),
        r.rows,
        escape(lang.t("Hồ sơ", "Records")),
        r.records,
        escape(lang.t("Đã đối soát", "Settled")),
        r.settled,
    );
    for (vi, en, listed) in [
        ("Đã có kết quả trước đó", "Already settled", &r.already_decided),
        ("Chưa gửi tới BHXH", "Not yet at BHXH", &r.not_sent),
        ("Không có hồ sơ này", "No such claim", &r.unknown),
        ("Trùng ở nhiều cơ sở (thêm cột MA_CSKCB)", "At several facilities (add a MA_CSKCB column)", &r.ambiguous),
    ] {
        if listed.count > 0 {
            out += &format!(
                "<li>{} ({}): {}</li>\n",
                escape(lang.t(vi, en)),
                listed.count,
                escape(&listed.episode_keys.join(", "))
            );
        }
    }
    out + "</ul>\n"
}

/// What the upload form sends.
struct Upload {
    file: Vec<u8>,
    facility: Option<String>,
    /// The form's token.
    csrf: String,
}

/// Reads the form: the file's bytes (within the body limit), the facility if given, the token.
async fn fields(mut form: Multipart, limit: usize) -> Result<Upload, String> {
    let (mut file, mut facility, mut csrf) = (Vec::new(), None, String::new());
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| format!("the form could not be read: {e}"))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("the form could not be read: {e}"))?;
            if file.len() + value.len() + chunk.len() > limit {
                return Err(format!("the file is larger than the limit of {limit} bytes"));
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = value,
            "facility" => facility = Some(String::from_utf8_lossy(&value).trim().to_owned()).filter(|f| !f.is_empty()),
            "csrf" => csrf = String::from_utf8_lossy(&value).into_owned(),
            _ => {}
        }
    }
    Ok(Upload { file, facility, csrf })
}

pub async fn upload(
    Viewer(principal, token): Viewer,
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    query: web::Query<LangQuery>,
    form: Multipart,
) -> Result<HttpResponse, DashboardError> {
    let lang = Lang::parse(query.lang.as_deref());
    let refused = |message: String| {
        let body =
            format!("<p class=\"error\" id=\"import-error\">{}</p>\n{}", escape(&message), form_again(lang, &token));
        with_security_headers(HttpResponse::BadRequest())
            .content_type("text/html; charset=utf-8")
            .body(frame(lang, &body, &token))
    };
    let Upload { file, facility, csrf } = match fields(form, settings.max_body_bytes).await {
        Ok(read) => read,
        Err(message) => return Ok(refused(message)),
    };
    if !super::session::same_origin(&req, &settings.trusted_proxies)
        || !crate::digest::digests_equal(token.as_str(), &csrf)
    {
        return Err(DashboardError::Forbidden("the form was not sent from the dashboard's own page".into()));
    }
    let columns = settings.result_columns.clone();
    let report =
        match import::import_file(&db, file.into(), columns, facility.map(FacilityCode::from), principal.actor()).await
        {
            Ok(report) => report,
            Err(import::ImportFailure::File(e)) => {
                let refused_file = lang.t("Tệp bị từ chối, không ghi gì", "File refused, nothing written");
                return Ok(refused(format!("{refused_file}: {e}")));
            }
            Err(import::ImportFailure::Store(e)) => return Err(e.into()),
        };
    Ok(html_response(frame(lang, &(report_html(lang, &report) + &form_again(lang, &token)), &token)))
}

fn form_again(lang: Lang, token: &FormToken) -> String {
    format!("<h2>{}</h2>\n{}", escape(lang.t("Nhập tệp khác", "Import another file")), form(lang, token))
}
