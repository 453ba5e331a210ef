//! The pages: province overview, facility list, facility detail. Each page is a list of pieces
//! (headline figures, tables with their charts); `?csv=<table>` answers one of its tables as CSV
//! instead of the page.

use super::charts;
use super::html::{self, Audience, Cell, Lang, Link, Section, Table, escape};
use super::session::FormToken;
use super::{DashboardError, Viewer, csv_response, html_response};
use crate::reference::ReferenceHandle;
use crate::stats::{self, Period};
use crate::store::Db;
use crate::store::alerts::{self, Alert};
use crate::store::facilities::{self, Facility, FacilityFilter};
use crate::store::stats::{Ageing, Delay, Figures, Funnel, Reason};
use crate::validation::{Catalogue, CatalogueHandle};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Deserialize)]
pub struct PageQuery {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
    /// Answer this table of the page as CSV.
    csv: Option<String>,
    silent_days: Option<u32>,
    kind: Option<String>,
    status: Option<String>,
    district: Option<String>,
    commune: Option<String>,
    /// Part of a facility's code or name.
    q: Option<String>,
    /// `code` (default), `received`, `rejection` or `last`.
    sort: Option<String>,
}

impl PageQuery {
    fn lang(&self) -> Lang {
        Lang::parse(self.lang.as_deref())
    }

    fn period(&self) -> Result<Period, DashboardError> {
        Ok(Period::parse(self.from.as_deref(), self.to.as_deref())?)
    }
}

/// What a page is made of, in order.
pub(super) enum Piece {
    Html(String),
    /// A section with a heading, an optional chart and its table (folded away when long).
    Table {
        heading: String,
        chart: Option<String>,
        table: Table,
        folded: bool,
    },
    /// Sections side by side.
    Row(Vec<Piece>),
}

pub(super) struct Sheet {
    pub(super) lang: Lang,
    /// The session's form token (the sign-out form carries it).
    pub(super) form_token: FormToken,
    pub(super) section: Section,
    pub(super) audience: Audience,
    pub(super) title: String,
    /// The page's own link with its query: the base of the CSV and language links.
    pub(super) here: Link,
    /// Prefix of CSV file names.
    pub(super) file_stem: String,
    pub(super) pieces: Vec<Piece>,
}

impl Sheet {
    fn tables(&self) -> Vec<&Table> {
        fn walk<'a>(pieces: &'a [Piece], out: &mut Vec<&'a Table>) {
            for p in pieces {
                match p {
                    Piece::Table { table, .. } => out.push(table),
                    Piece::Row(inner) => walk(inner, out),
                    Piece::Html(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.pieces, &mut out);
        out
    }

    pub(super) fn respond(self, csv: Option<&str>) -> Result<HttpResponse, DashboardError> {
        if let Some(id) = csv {
            let tables = self.tables();
            let table =
                tables.iter().find(|t| t.id == id).ok_or_else(|| DashboardError::UnknownTable(id.to_owned()))?;
            return Ok(csv_response(table, &self.file_stem));
        }
        let mut body = String::new();
        render(self.lang, &self.here, &self.pieces, &mut body);
        Ok(html_response(html::page(
            self.lang,
            (self.section, self.audience),
            &self.title,
            &self.here,
            &body,
            self.form_token.as_str(),
        )))
    }
}

fn render(lang: Lang, here: &Link, pieces: &[Piece], out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Html(h) => out.push_str(h),
            Piece::Table { heading, chart, table, folded } => {
                let _ = write!(out, "<section id=\"{}\">\n<h2>{}</h2>\n", table.id, escape(heading));
                if let Some(svg) = chart {
                    out.push_str(svg);
                }
                if *folded {
                    let _ = writeln!(out, "<details><summary>{}</summary>", lang.t("Bảng số liệu", "Table"));
                }
                out.push_str(&table.html(lang, here));
                if *folded {
                    out.push_str("</details>\n");
                }
                out.push_str("</section>\n");
            }
            Piece::Row(inner) => {
                out.push_str("<div class=\"grid\">\n");
                render(lang, here, inner, out);
                out.push_str("</div>\n");
            }
        }
    }
}

pub(super) fn period_form(lang: Lang, action: &str, period: &Period, extra: &str) -> String {
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{action}\">\n\
<label>{from_l}<input type=\"date\" name=\"from\" value=\"{from}\"></label>\n\
<label>{to_l}<input type=\"date\" name=\"to\" value=\"{to}\"></label>\n{extra}\
<input type=\"hidden\" name=\"lang\" value=\"{code}\">\n<button type=\"submit\">{apply}</button>\n</form>\n",
        from_l = lang.t("Từ ngày", "From"),
        to_l = lang.t("Đến ngày", "To"),
        from = period.from,
        to = period.to,
        code = lang.code(),
        apply = lang.t("Xem", "Show"),
    )
}

pub(super) fn period_link(path: &str, lang: Lang, period: &Period) -> Link {
    Link::new(path).with("from", period.from.to_string()).with("to", period.to.to_string()).with("lang", lang.code())
}

/// The headline figures of a period, each named by its path in the API's answer.
fn cards(lang: Lang, f: &Figures) -> Piece {
    let n = |v: u64, path: &str| Cell::count(lang, v).figure(format!("figures.funnel.{path}"));
    let cards = [
        (lang.t("Hồ sơ nhận", "Episodes received"), n(f.funnel.received, "received")),
        (lang.t("Đã gửi BHXH", "Submitted to BHXH"), n(f.funnel.submitted, "submitted")),
        (lang.t("Được chấp nhận", "Accepted"), n(f.funnel.accepted, "accepted")),
        (
            lang.t("Tỷ lệ từ chối", "Rejection rate"),
            Cell::percent(lang, f.rejection_rate_percent).figure("figures.rejection_rate_percent"),
        ),
        (lang.t("Không gửi được", "Dead-lettered"), n(f.funnel.dead_lettered, "dead_lettered")),
        (
            lang.t("Trung vị thời gian đến khi BHXH nhận", "Median time to BHXH receipt"),
            Cell::duration(lang, f.delay_to_acknowledgement.median_seconds)
                .figure("figures.delay_to_acknowledgement.median_seconds"),
        ),
    ];
    let mut out = String::from("<div class=\"cards\">\n");
    for (label, cell) in cards {
        out.push_str(&cell.card(label));
        out.push('\n');
    }
    out.push_str("</div>\n");
    Piece::Html(out)
}

fn funnel(lang: Lang, f: &Funnel) -> Piece {
    let stages = [
        ("received", lang.t("Nhận", "Received"), f.received),
        ("refused_at_ingest", lang.t("Bị từ chối khi tiếp nhận", "Refused at ingest"), f.refused_at_ingest),
        ("valid", lang.t("Hợp lệ", "Valid"), f.valid),
        ("submitted", lang.t("Đã gửi BHXH", "Submitted"), f.submitted),
        ("accepted", lang.t("Chấp nhận", "Accepted"), f.accepted),
        ("partially_approved", lang.t("Chấp nhận một phần", "Partially approved"), f.partially_approved),
        ("rejected", lang.t("Từ chối", "Rejected"), f.rejected),
        ("dead_lettered", lang.t("Không gửi được", "Dead-lettered"), f.dead_lettered),
    ];
    let mut table = Table::new("funnel", vec![lang.t("Giai đoạn", "Stage"), lang.t("Số hồ sơ", "Episodes")]);
    for (path, label, n) in stages {
        table.row(vec![Cell::text(label), Cell::count(lang, n).figure(format!("figures.funnel.{path}"))]);
    }
    let chart = charts::bars(
        lang,
        lang.t("Phễu hồ sơ", "Funnel"),
        &stages.iter().map(|(_, l, n)| ((*l).to_owned(), *n)).collect::<Vec<_>>(),
    );
    Piece::Table { heading: lang.t("Phễu hồ sơ", "Funnel").into(), chart: Some(chart), table, folded: false }
}

/// Zero-filled volume per day over the whole period, and the week and month tables.
fn volume(lang: Lang, period: &Period, f: &Figures) -> Vec<Piece> {
    let mut days = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        let label = day.format("%Y-%m-%d").to_string();
        let n = f.per_day.get(&label).copied().unwrap_or(0);
        days.push((label, n));
        day += chrono::Duration::days(1);
    }
    let mut per_day = Table::new("per_day", vec![lang.t("Ngày", "Day"), lang.t("Hồ sơ hợp lệ", "Valid episodes")]);
    for (label, n) in &days {
        per_day.row(vec![Cell::text(label.clone()), Cell::count(lang, *n).figure(format!("figures.per_day.{label}"))]);
    }
    let series = |id: &'static str, title: &'static str, m: &BTreeMap<String, u64>| {
        let mut t = Table::new(id, vec![title, lang.t("Hồ sơ hợp lệ", "Valid episodes")]);
        for (k, n) in m {
            t.row(vec![Cell::text(k.clone()), Cell::count(lang, *n)]);
        }
        t
    };
    vec![
        Piece::Table {
            heading: lang.t("Số hồ sơ theo ngày", "Episodes per day").into(),
            chart: Some(charts::columns(lang, lang.t("Số hồ sơ theo ngày", "Episodes per day"), &days)),
            table: per_day,
            folded: true,
        },
        Piece::Row(vec![
            Piece::Table {
                heading: lang.t("Theo tuần", "Per week").into(),
                chart: None,
                table: series("per_week", lang.t("Tuần", "Week"), &f.per_week),
                folded: true,
            },
            Piece::Table {
                heading: lang.t("Theo tháng", "Per month").into(),
                chart: None,
                table: series("per_month", lang.t("Tháng", "Month"), &f.per_month),
                folded: true,
            },
        ]),
    ]
}

fn delay_and_ageing(lang: Lang, delay: &Delay, ageing: &Ageing) -> Piece {
    let mut d = Table::new("delay", vec![lang.t("Chỉ số", "Measure"), lang.t("Giá trị", "Value")]);
    let path = "figures.delay_to_acknowledgement";
    d.row(vec![
        Cell::text(lang.t("Số hồ sơ đo được", "Samples")),
        Cell::count(lang, delay.samples).figure(format!("{path}.samples")),
    ]);
    d.row(vec![
        Cell::text(lang.t("Trung vị", "Median")),
        Cell::duration(lang, delay.median_seconds).figure(format!("{path}.median_seconds")),
    ]);
    d.row(vec![
        Cell::text(lang.t("Phân vị 90", "90th percentile")),
        Cell::duration(lang, delay.p90_seconds).figure(format!("{path}.p90_seconds")),
    ]);
    let buckets = [
        ("days_0_7", lang.t("0–7 ngày", "0–7 days"), ageing.days_0_7),
        ("days_8_15", lang.t("8–15 ngày", "8–15 days"), ageing.days_8_15),
        ("days_16_30", lang.t("16–30 ngày", "16–30 days"), ageing.days_16_30),
        ("over_30_days", lang.t("Trên 30 ngày", "Over 30 days"), ageing.over_30_days),
    ];
    let mut a = Table::new("ageing", vec![lang.t("Tuổi hồ sơ", "Age"), lang.t("Chưa có kết quả", "Undecided")]);
    for (key, label, n) in buckets {
        a.row(vec![Cell::text(label), Cell::count(lang, n).figure(format!("figures.ageing.{key}"))]);
    }
    Piece::Row(vec![
        Piece::Table {
            heading: lang.t("Thời gian từ ra viện đến khi BHXH nhận", "Time from discharge to BHXH receipt").into(),
            chart: None,
            table: d,
            folded: false,
        },
        Piece::Table {
            heading: lang.t("Hồ sơ chưa có kết quả theo tuổi", "Undecided claims by age").into(),
            chart: Some(charts::bars(
                lang,
                lang.t("Tuổi hồ sơ", "Age"),
                &buckets.iter().map(|(_, l, n)| ((*l).to_owned(), *n)).collect::<Vec<_>>(),
            )),
            table: a,
            folded: false,
        },
    ])
}

fn pareto(
    lang: Lang,
    id: &'static str,
    heading: &'static str,
    path: &str,
    reasons: &[Reason],
    catalogue: Option<&Catalogue>,
) -> Piece {
    let mut columns = vec![lang.t("Mã", "Code")];
    if catalogue.is_some() {
        columns.push(lang.t("Mô tả", "Description"));
    }
    columns.extend([lang.t("Số lần", "Count"), lang.t("Tích lũy", "Cumulative")]);
    let mut table = Table::new(id, columns);
    for (i, r) in reasons.iter().enumerate() {
        let mut row = vec![Cell::text(r.code.clone()).figure(format!("{path}.{i}.code"))];
        if let Some(c) = catalogue {
            row.push(Cell::text(c.get(&r.code).map(|rule| rule.description.clone()).unwrap_or_default()));
        }
        row.push(Cell::count(lang, r.count).figure(format!("{path}.{i}.count")));
        row.push(Cell::percent(lang, Some(r.cumulative_percent)).figure(format!("{path}.{i}.cumulative_percent")));
        table.row(row);
    }
    let chart = (!reasons.is_empty())
        .then(|| charts::bars(lang, heading, &reasons.iter().map(|r| (r.code.clone(), r.count)).collect::<Vec<_>>()));
    Piece::Table { heading: heading.into(), chart, table, folded: false }
}

fn reasons(lang: Lang, f: &Figures, catalogue: &Catalogue) -> Piece {
    Piece::Row(vec![
        pareto(
            lang,
            "validation_rules",
            lang.t("Lỗi kiểm tra hay gặp nhất (Pareto)", "Top validation rules (Pareto)"),
            "figures.top_validation_rules",
            &f.top_validation_rules,
            Some(catalogue),
        ),
        pareto(
            lang,
            "portal_reasons",
            lang.t("Lý do cổng BHXH từ chối (Pareto)", "Top portal reasons (Pareto)"),
            "figures.top_portal_reasons",
            &f.top_portal_reasons,
            None,
        ),
    ])
}

fn facility_link(lang: Lang, period: &Period, code: &str) -> String {
    period_link(&format!("/dashboard/facilities/{code}"), lang, period).href()
}

fn alerts_table(lang: Lang, period: &Period, alerts: &[Alert]) -> Piece {
    let mut table = Table::new(
        "alerts",
        vec![
            lang.t("Cảnh báo", "Alert"),
            lang.t("Cơ sở", "Facility"),
            lang.t("Thời điểm", "Raised"),
            lang.t("Chi tiết", "Detail"),
        ],
    );
    for a in alerts {
        let facility = match &a.facility_code {
            Some(code) => Cell::text(code.clone()).link(facility_link(lang, period, code)),
            None => Cell::text("–"),
        };
        table.row(vec![
            Cell::text(lang.alert_kind(&a.kind)),
            facility,
            Cell::instant(lang, Some(a.raised_at)),
            Cell::text(a.detail.clone()),
        ]);
    }
    Piece::Table { heading: lang.t("Cảnh báo đang mở", "Open alerts").into(), chart: None, table, folded: false }
}

pub async fn overview(
    Viewer(_, form_token): Viewer,
    catalogue: web::Data<CatalogueHandle>,
    db: web::Data<Db>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, DashboardError> {
    let (lang, period) = (query.lang(), query.period()?);
    let silent_days = query.silent_days.unwrap_or(7);
    let summary = stats::summary_of(&db, period, silent_days).await?;
    let open_alerts = db.read(|c| alerts::list(c, false, 200)).await?;
    let f = &summary.figures;

    let counted = |id: &'static str,
                   title: &'static str,
                   m: &BTreeMap<String, u64>,
                   name: fn(Lang, &str) -> &'static str| {
        let mut t = Table::new(id, vec![title, lang.t("Số cơ sở", "Facilities")]);
        for (key, n) in m {
            t.row(vec![Cell::text(name(lang, key)), Cell::count(lang, *n).figure(format!("facilities.{id}.{key}"))]);
        }
        let chart =
            charts::bars(lang, title, &m.iter().map(|(k, n)| (name(lang, k).to_owned(), *n)).collect::<Vec<_>>());
        Piece::Table { heading: title.into(), chart: Some(chart), table: t, folded: false }
    };
    let mut silent = Table::new(
        "silent",
        vec![lang.t("Mã CSKCB", "Code"), lang.t("Tên cơ sở", "Name"), lang.t("Lần nhận cuối", "Last received")],
    );
    for s in &summary.silent {
        silent.row(vec![
            Cell::text(s.code.clone()).link(facility_link(lang, &period, &s.code)),
            Cell::text(s.name.clone()),
            Cell::instant(lang, s.last_received_at),
        ]);
    }

    let here = period_link("/dashboard", lang, &period);
    let mut pieces = vec![
        Piece::Html(period_form(lang, "/dashboard", &period, "")),
        Piece::Html(format!(
            "<p>{}: <strong data-figure=\"facilities.total\" data-value=\"{total}\">{}</strong></p>\n",
            lang.t("Cơ sở đã đăng ký", "Registered facilities"),
            lang.number(summary.facilities.total),
            total = summary.facilities.total
        )),
        cards(lang, f),
        Piece::Row(vec![
            counted(
                "by_status",
                lang.t("Cơ sở theo trạng thái", "Facilities by status"),
                &summary.facilities.by_status,
                Lang::facility_status,
            ),
            counted(
                "by_kind",
                lang.t("Cơ sở theo loại", "Facilities by type"),
                &summary.facilities.by_kind,
                Lang::facility_kind,
            ),
        ]),
    ];
    pieces.extend(volume(lang, &period, f));
    pieces.push(funnel(lang, &f.funnel));
    pieces.push(delay_and_ageing(lang, &f.delay_to_acknowledgement, &f.ageing));
    pieces.push(reasons(lang, f, &catalogue.current()));
    pieces.push(Piece::Row(vec![
        Piece::Table {
            heading: format!(
                "{} ({silent_days} {})",
                lang.t("Cơ sở không gửi dữ liệu", "Silent facilities"),
                lang.t("ngày", "days")
            ),
            chart: None,
            table: silent,
            folded: false,
        },
        alerts_table(lang, &period, &open_alerts),
    ]));
    Sheet {
        lang,
        form_token,
        section: Section::Overview,
        audience: Audience::Staff,
        title: lang.t("Tổng quan toàn tỉnh", "Province overview").into(),
        here,
        file_stem: format!("hisgate-overview-{}-{}", period.from, period.to),
        pieces,
    }
    .respond(query.csv.as_deref())
}

pub(super) fn select(
    name: &str,
    label: &str,
    current: Option<&str>,
    options: &[(String, String)],
    any: &str,
) -> String {
    let mut out =
        format!("<label>{}<select name=\"{name}\">\n<option value=\"\">{}</option>\n", escape(label), escape(any));
    for (value, text) in options {
        let selected = if current == Some(value.as_str()) { " selected" } else { "" };
        let _ = writeln!(out, "<option value=\"{}\"{selected}>{}</option>", escape(value), escape(text));
    }
    out.push_str("</select></label>\n");
    out
}

pub async fn facilities(
    Viewer(_, form_token): Viewer,
    db: web::Data<Db>,
    reference: web::Data<ReferenceHandle>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, DashboardError> {
    let (lang, period) = (query.lang(), query.period()?);
    let filter = FacilityFilter {
        kind: query.kind.clone().filter(|v| !v.is_empty()),
        status: query.status.clone().filter(|v| !v.is_empty()),
        district: query.district.clone().filter(|v| !v.is_empty()),
        commune: query.commune.clone().filter(|v| !v.is_empty()),
    };
    let list = stats::facility_list_of(&db, filter, period).await?;
    let (districts, communes) = db.read(facilities::units).await?;
    let unit_name = unit_namer(&reference, period.to);

    let needle = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    let mut rows: Vec<_> = list
        .facilities
        .into_iter()
        .filter(|r| {
            needle.as_ref().is_none_or(|n| {
                r.facility.code.to_lowercase().contains(n) || r.facility.name.to_lowercase().contains(n)
            })
        })
        .collect();
    match query.sort.as_deref() {
        Some("received") => rows.sort_by_key(|r| std::cmp::Reverse(r.activity.funnel.received)),
        Some("rejection") => rows.sort_by(|a, b| {
            b.activity
                .rejection_rate_percent()
                .unwrap_or(-1.0)
                .total_cmp(&a.activity.rejection_rate_percent().unwrap_or(-1.0))
        }),
        Some("last") => rows.sort_by_key(|r| r.activity.last_received_at),
        _ => {}
    }

    let mut table = Table::new(
        "facilities",
        vec![
            lang.t("Mã CSKCB", "Code"),
            lang.t("Tên cơ sở", "Name"),
            lang.t("Loại", "Type"),
            lang.t("Xã/phường", "Commune"),
            lang.t("Huyện (đến 30/06/2025)", "District (until 2025-06-30)"),
            lang.t("Trạng thái", "Status"),
            lang.t("Nhận", "Received"),
            lang.t("Bị từ chối khi tiếp nhận", "Refused at ingest"),
            lang.t("Đã gửi BHXH", "Submitted"),
            lang.t("Chấp nhận", "Accepted"),
            lang.t("Chấp nhận một phần", "Partially approved"),
            lang.t("Từ chối", "Rejected"),
            lang.t("Tỷ lệ từ chối", "Rejection rate"),
            lang.t("Không gửi được", "Dead-lettered"),
            lang.t("Lần nhận cuối", "Last received"),
        ],
    );
    for r in &rows {
        let (f, a) = (&r.facility, &r.activity);
        let n = |v: u64, path: &str| Cell::count(lang, v).figure(format!("{}.activity.funnel.{path}", f.code));
        table.row(vec![
            Cell::text(f.code.clone()).link(facility_link(lang, &period, &f.code)),
            Cell::text(f.name.clone()),
            Cell::text(lang.facility_kind(&f.kind)),
            Cell::text(f.commune.as_deref().map(&unit_name).unwrap_or_default()),
            Cell::text(f.district.clone().unwrap_or_default()),
            Cell::text(lang.facility_status(&f.status)),
            n(a.funnel.received, "received"),
            n(a.funnel.refused_at_ingest, "refused_at_ingest"),
            n(a.funnel.submitted, "submitted"),
            n(a.funnel.accepted, "accepted"),
            n(a.funnel.partially_approved, "partially_approved"),
            n(a.funnel.rejected, "rejected"),
            Cell::percent(lang, a.rejection_rate_percent()),
            n(a.funnel.dead_lettered, "dead_lettered"),
            Cell::instant(lang, a.last_received_at),
        ]);
    }

    let kinds: Vec<(String, String)> = [
        "hospital_tier1",
        "hospital_tier2",
        "hospital_tier3",
        "health_centre",
        "polyclinic",
        "commune_station",
        "other",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), lang.facility_kind(k).to_owned()))
    .collect();
    let statuses: Vec<(String, String)> = ["onboarding", "live", "suspended"]
        .iter()
        .map(|s| ((*s).to_owned(), lang.facility_status(s).to_owned()))
        .collect();
    let district_options: Vec<(String, String)> = districts.into_iter().map(|d| (d.clone(), d)).collect();
    let commune_options: Vec<(String, String)> = communes.iter().map(|c| (c.clone(), unit_name(c))).collect();
    let sorts: Vec<(String, String)> = [
        ("received", lang.t("Nhiều hồ sơ nhất", "Most received")),
        ("rejection", lang.t("Tỷ lệ từ chối cao nhất", "Highest rejection rate")),
        ("last", lang.t("Lâu chưa gửi nhất", "Longest silent")),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let all = lang.t("Tất cả", "All");
    let extra = format!(
        "<label>{}<input type=\"search\" name=\"q\" value=\"{}\"></label>\n{}{}{}{}{}",
        lang.t("Tìm mã hoặc tên", "Code or name"),
        escape(query.q.as_deref().unwrap_or("")),
        select("kind", lang.t("Loại", "Type"), query.kind.as_deref(), &kinds, all),
        select("status", lang.t("Trạng thái", "Status"), query.status.as_deref(), &statuses, all),
        select("commune", lang.t("Xã/phường", "Commune"), query.commune.as_deref(), &commune_options, all),
        select(
            "district",
            lang.t("Huyện (đến 30/06/2025)", "District (until 2025-06-30)"),
            query.district.as_deref(),
            &district_options,
            all,
        ),
        select("sort", lang.t("Sắp xếp", "Sort"), query.sort.as_deref(), &sorts, lang.t("Theo mã", "By code")),
    );

    let mut here = period_link("/dashboard/facilities", lang, &period);
    for (name, value) in [
        ("q", &query.q),
        ("kind", &query.kind),
        ("status", &query.status),
        ("district", &query.district),
        ("commune", &query.commune),
        ("sort", &query.sort),
    ] {
        if let Some(v) = value {
            here = here.with(name, v.clone());
        }
    }
    let count = rows.len();
    Sheet {
        lang,
        form_token,
        section: Section::Facilities,
        audience: Audience::Staff,
        title: lang.t("Cơ sở khám chữa bệnh", "Facilities").into(),
        here,
        file_stem: format!("hisgate-facilities-{}-{}", period.from, period.to),
        pieces: vec![
            Piece::Html(period_form(lang, "/dashboard/facilities", &period, &extra)),
            Piece::Table {
                heading: format!("{} {}", lang.number(count as u64), lang.t("cơ sở", "facilities")),
                chart: None,
                table,
                folded: false,
            },
        ],
    }
    .respond(query.csv.as_deref())
}

/// A commune code with its name in the administrative-unit catalogue in force on `day` (the code
/// alone when the catalogue does not have it then).
fn unit_namer(reference: &ReferenceHandle, day: chrono::NaiveDate) -> impl Fn(&str) -> String {
    let reference = reference.current();
    move |code: &str| {
        let named = reference.admin_units.as_ref().and_then(|u| u.get(code, Some(day))).map(|u| u.name.clone());
        named.map_or_else(|| code.to_owned(), |name| format!("{code} · {name}"))
    }
}

fn registry_table(lang: Lang, period: &Period, f: &Facility) -> Piece {
    let mut t = Table::new("registry", vec![lang.t("Thông tin", "Field"), lang.t("Giá trị", "Value")]);
    let opt = |v: &Option<String>| Cell::text(v.clone().unwrap_or_else(|| "–".into()));
    t.row(vec![Cell::text(lang.t("Mã CSKCB", "Code")), Cell::text(f.code.clone()).figure("facility.code")]);
    t.row(vec![Cell::text(lang.t("Tên cơ sở", "Name")), Cell::text(f.name.clone())]);
    t.row(vec![Cell::text(lang.t("Loại", "Type")), Cell::text(lang.facility_kind(&f.kind))]);
    t.row(vec![Cell::text(lang.t("Trạng thái", "Status")), Cell::text(lang.facility_status(&f.status))]);
    t.row(vec![Cell::text(lang.t("Xã/phường", "Commune")), opt(&f.commune)]);
    t.row(vec![Cell::text(lang.t("Huyện (đến 30/06/2025)", "District (until 2025-06-30)")), opt(&f.district)]);
    let parent = match &f.parent_code {
        Some(code) => Cell::text(code.clone()).link(facility_link(lang, period, code)),
        None => Cell::text("–"),
    };
    t.row(vec![Cell::text(lang.t("Cơ sở cấp trên", "Parent facility")), parent]);
    t.row(vec![Cell::text(lang.t("Ngày kết nối", "Connected on")), opt(&f.connected_on)]);
    t.row(vec![Cell::text(lang.t("Liên hệ", "Contact")), opt(&f.contact)]);
    t.row(vec![Cell::text(lang.t("Chứng thư số hết hạn", "Certificate expires")), opt(&f.certificate_expires_on)]);
    Piece::Table { heading: lang.t("Thông tin đăng ký", "Registry").into(), chart: None, table: t, folded: false }
}

pub async fn facility(
    Viewer(_, form_token): Viewer,
    catalogue: web::Data<CatalogueHandle>,
    db: web::Data<Db>,
    code: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, DashboardError> {
    let (lang, period) = (query.lang(), query.period()?);
    let code = code.into_inner();
    let found = stats::facility_stats_of(&db, &code, period).await?;
    let found = found.ok_or_else(|| DashboardError::NotFound(format!("no facility {code} is registered")))?;
    let mut open_alerts = db.read(|c| alerts::list(c, false, 500)).await?;
    open_alerts.retain(|a| a.facility_code.as_deref() == Some(code.as_str()));
    let f = &found.figures;

    let mut pieces = vec![
        Piece::Html(period_form(lang, &format!("/dashboard/facilities/{code}"), &period, "")),
        cards(lang, f),
        Piece::Row(vec![registry_table(lang, &period, &found.facility), funnel(lang, &f.funnel)]),
    ];
    pieces.extend(volume(lang, &period, f));
    pieces.push(delay_and_ageing(lang, &f.delay_to_acknowledgement, &f.ageing));
    pieces.push(reasons(lang, f, &catalogue.current()));
    pieces.push(Piece::Html(format!(
        "<p>{}: {} · {}: {}</p>\n",
        lang.t("Lần nhận cuối", "Last received"),
        escape(&f.last_received_at.map_or_else(|| lang.t("chưa có", "never").to_owned(), |t| lang.instant(t))),
        lang.t("Lần BHXH nhận cuối", "Last portal receipt"),
        escape(&f.last_acknowledged_at.map_or_else(|| lang.t("chưa có", "never").to_owned(), |t| lang.instant(t))),
    )));
    pieces.push(alerts_table(lang, &period, &open_alerts));
    Sheet {
        lang,
        form_token,
        section: Section::Facilities,
        audience: Audience::Staff,
        title: format!("{} · {}", found.facility.code, found.facility.name),
        here: period_link(&format!("/dashboard/facilities/{code}"), lang, &period),
        file_stem: format!("hisgate-{code}-{}-{}", period.from, period.to),
        pieces,
    }
    .respond(query.csv.as_deref())
}
