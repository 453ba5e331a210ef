//! HTML building blocks of the dashboard: escaping, the two languages, links that keep the page's
//! query, tables that render as HTML and as CSV, and the page frame with its inline style sheet.

use crate::domain::time::{vietnam_day, vietnam_minute_of_day};
use std::fmt::Write;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters stay).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The page language: Vietnamese first, English on request (`?lang=en`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn parse(code: Option<&str>) -> Lang {
        match code {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The text of this language.
    pub fn t(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// A count with the language's thousands separator (`1.234` / `1,234`).
    pub fn number(self, n: u64) -> String {
        let digits = n.to_string();
        let separator = self.t(".", ",");
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }

    /// Money in hundredths of a đồng: `1.234.500 đ` (`1,234,500 đ`), decimals only when there are any.
    pub fn money(self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let (whole, hundredths) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
        let decimals = if hundredths == 0 { String::new() } else { format!("{}{hundredths:02}", self.t(",", ".")) };
        format!("{sign}{}{decimals} đ", self.number(whole))
    }

    /// A share with one decimal (`12,5 %` / `12.5%`).
    pub fn percent(self, p: f64) -> String {
        match self {
            Lang::Vi => format!("{} %", format!("{p:.1}").replace('.', ",")),
            Lang::En => format!("{p:.1}%"),
        }
    }

    /// A duration in days, hours and minutes.
    pub fn duration(self, seconds: u64) -> String {
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60);
        let (d, h, m) = match self {
            Lang::Vi => (" ngày", " giờ", " phút"),
            Lang::En => (" d", " h", " min"),
        };
        if days > 0 {
            format!("{days}{d} {hours}{h}")
        } else if hours > 0 {
            format!("{hours}{h} {minutes}{m}")
        } else {
            format!("{minutes}{m}")
        }
    }

    /// An instant in Vietnam time.
    pub fn instant(self, at_ms: i64) -> String {
        let day = vietnam_day(at_ms);
        let minute_of_day = vietnam_minute_of_day(at_ms);
        let (hh, mm) = (minute_of_day / 60, minute_of_day % 60);
        match self {
            Lang::Vi => format!("{} {hh:02}:{mm:02}", day.format("%d/%m/%Y")),
            Lang::En => format!("{} {hh:02}:{mm:02}", day.format("%Y-%m-%d")),
        }
    }

    /// The name of a facility kind.
    pub fn facility_kind(self, kind: &str) -> &'static str {
        match kind {
            "hospital_tier1" => self.t("Bệnh viện hạng I", "Tier-1 hospital"),
            "hospital_tier2" => self.t("Bệnh viện hạng II", "Tier-2 hospital"),
            "hospital_tier3" => self.t("Bệnh viện hạng III", "Tier-3 hospital"),
            "health_centre" => self.t("Trung tâm y tế", "Health centre"),
            "polyclinic" => self.t("Phòng khám đa khoa", "Polyclinic"),
            "commune_station" => self.t("Trạm y tế xã", "Commune health station"),
            _ => self.t("Khác", "Other"),
        }
    }

    /// The name of a facility status.
    pub fn facility_status(self, status: &str) -> &'static str {
        match status {
            "onboarding" => self.t("Đang kết nối", "Onboarding"),
            "live" => self.t("Đang hoạt động", "Live"),
            "suspended" => self.t("Tạm dừng", "Suspended"),
            _ => self.t("Khác", "Other"),
        }
    }

    /// The name of an alert kind.
    pub fn alert_kind(self, kind: &str) -> &'static str {
        match kind {
            "facility_silent" => self.t("Cơ sở không gửi dữ liệu", "Facility silent"),
            "dead_letter_spike" => self.t("Tăng đột biến hồ sơ không gửi được", "Dead-letter spike"),
            "certificate_expiring" => self.t("Chứng thư số sắp hết hạn", "Certificate expiring"),
            "callbacks_failing" => self.t("Không báo được cho HIS của cơ sở", "Callbacks to the HIS failing"),
            "signature_failing" => self.t("Không ký số được hồ sơ (ký số từ xa)", "Remote signatures failing"),
            _ => self.t("Khác", "Other"),
        }
    }
}

/// A link to `path` with query parameters; empty values are left out.
#[derive(Debug, Clone)]
pub struct Link {
    path: String,
    params: Vec<(&'static str, String)>,
}

impl Link {
    pub fn new(path: impl Into<String>) -> Link {
        Link { path: path.into(), params: Vec::new() }
    }

    /// Sets (or replaces) a parameter.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Link {
        self.params.retain(|(n, _)| *n != name);
        let value = value.into();
        if !value.is_empty() {
            self.params.push((name, value));
        }
        self
    }

    pub fn href(&self) -> String {
        let mut out = self.path.clone();
        for (i, (name, value)) in self.params.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&encode_query_value(value));
        }
        out
    }
}

/// One table cell: what the page shows, what the CSV holds, and optionally a link and the name
/// of the figure it shows (`data-figure` with the plain value in `data-value`, for whoever reads
/// the page by machine: the name is the figure's path in the stats API's answer).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    text: String,
    csv: String,
    numeric: bool,
    link: Option<String>,
    figure: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell { csv: text.clone(), text, ..Cell::default() }
    }

    /// A count: separators on the page, plain digits in the CSV.
    pub fn count(lang: Lang, n: u64) -> Cell {
        Cell { text: lang.number(n), csv: n.to_string(), numeric: true, ..Cell::default() }
    }

    pub fn percent(lang: Lang, p: Option<f64>) -> Cell {
        match p {
            Some(p) => Cell { text: lang.percent(p), csv: format!("{p:.1}"), numeric: true, ..Cell::default() },
            None => Cell::text("–"),
        }
    }

    pub fn instant(lang: Lang, at_ms: Option<i64>) -> Cell {
        match at_ms {
            Some(at) => Cell { text: lang.instant(at), csv: lang.instant(at), ..Cell::default() },
            None => Cell::text(lang.t("chưa có", "never")),
        }
    }

    /// A duration; the CSV holds seconds.
    pub fn duration(lang: Lang, seconds: Option<u64>) -> Cell {
        match seconds {
            Some(s) => Cell { text: lang.duration(s), csv: s.to_string(), numeric: true, ..Cell::default() },
            None => Cell::text("–"),
        }
    }

    /// Money in hundredths of a đồng: [`Lang::money`] on the page, `1234500.00` in the CSV.
    pub fn money(lang: Lang, cents: Option<i64>) -> Cell {
        let Some(cents) = cents else { return Cell::text("–") };
        let sign = if cents < 0 { "-" } else { "" };
        let csv = format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
        Cell { text: lang.money(cents), csv, numeric: true, ..Cell::default() }
    }

    pub fn link(mut self, href: String) -> Cell {
        self.link = Some(href);
        self
    }

    pub fn figure(mut self, name: impl Into<String>) -> Cell {
        self.figure = Some(name.into());
        self
    }

    fn html(&self) -> String {
        format!("<td{}>{}</td>", self.attributes(true), self.content())
    }

    fn attributes(&self, with_class: bool) -> String {
        let mut attrs = String::new();
        if self.numeric && with_class {
            attrs.push_str(" class=\"num\"");
        }
        if let Some(name) = &self.figure {
            let _ = write!(attrs, " data-figure=\"{}\" data-value=\"{}\"", escape(name), escape(&self.csv));
        }
        attrs
    }

    fn content(&self) -> String {
        match &self.link {
            Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(&self.text)),
            None => escape(&self.text),
        }
    }

    /// The cell as a headline figure: a label over a large value.
    pub fn card(&self, label: &str) -> String {
        format!(
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\"{}>{}</div></div>",
            escape(label),
            self.attributes(false),
            self.content()
        )
    }
}

/// A table of the page; every table can also be downloaded as CSV (`?csv=<id>`).
#[derive(Debug, Clone)]
pub struct Table {
    /// Names the table in the CSV link and the file name.
    pub id: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(id: &'static str, columns: Vec<&'static str>) -> Table {
        Table { id, columns, rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn html(&self, lang: Lang, csv: &Link) -> String {
        let mut out = format!("<table id=\"table-{}\">\n<thead><tr>", self.id);
        for c in &self.columns {
            let _ = write!(out, "<th>{}</th>", escape(c));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        if self.rows.is_empty() {
            let _ = writeln!(
                out,
                "<tr><td colspan=\"{}\" class=\"empty\">{}</td></tr>",
                self.columns.len(),
                lang.t("Không có dữ liệu", "No data")
            );
        }
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                out.push_str(&cell.html());
            }
            out.push_str("</tr>\n");
        }
        let _ = write!(
            out,
            "</tbody></table>\n<p class=\"csv\"><a href=\"{}\" download>{}</a></p>\n",
            escape(&csv.clone().with("csv", self.id).href()),
            lang.t("Tải CSV", "Download CSV")
        );
        out
    }

    /// The table as CSV (UTF-8 with a byte-order mark, so that spreadsheets read the Vietnamese
    /// letters right).
    pub fn csv(&self) -> Vec<u8> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        {
            let mut writer = csv::Writer::from_writer(&mut out);
            let _ = writer.write_record(&self.columns);
            for row in &self.rows {
                let _ = writer.write_record(row.iter().map(|c| crate::http::spreadsheet_cell(&c.csv).into_owned()));
            }
            let _ = writer.flush();
        }
        out
    }
}

/// The navigation entries of every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Facilities,
    Worklist,
    Results,
    Audit,
}

/// Who a page is for: the navigation shows a facility's staff their worklist only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Facility,
}

/// A whole page: the frame (title, navigation, language switch, sign-out) around `body`.
/// `form_token`: the session's token, which every form posts back (`session::FormToken`).
pub fn page(
    lang: Lang,
    (section, audience): (Section, Audience),
    title: &str,
    here: &Link,
    body: &str,
    form_token: &str,
) -> String {
    let nav = |target: Section, path: &str, label: &str| {
        let class = if target == section { " class=\"active\"" } else { "" };
        format!(
            "<a{class} href=\"{}\">{}</a>",
            escape(&Link::new(path).with("lang", lang.code()).href()),
            escape(label)
        )
    };
    let other = match lang {
        Lang::Vi => ("en", "English"),
        Lang::En => ("vi", "Tiếng Việt"),
    };
    document(
        lang,
        title,
        &format!(
            "<header>\n<strong>hisgate</strong>\n<nav>{links}</nav>\n\
<span class=\"right\"><a id=\"lang-switch\" href=\"{switch}\" lang=\"{other_code}\">{other_name}</a>\n\
<form method=\"post\" action=\"/dashboard/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
<button type=\"submit\">{sign_out}</button></form></span>\n\
</header>\n<main>\n<h1>{title}</h1>\n{body}</main>\n",
            title = escape(title),
            links = match audience {
                Audience::Staff => [
                    nav(Section::Overview, "/dashboard", lang.t("Tổng quan", "Overview")),
                    nav(Section::Facilities, "/dashboard/facilities", lang.t("Cơ sở KCB", "Facilities")),
                    nav(Section::Worklist, "/dashboard/worklist", lang.t("Việc cần xử lý", "Worklist")),
                    nav(Section::Results, "/dashboard/results", lang.t("Kết quả giám định", "Appraisal results")),
                    nav(Section::Audit, "/dashboard/audit", lang.t("Nhật ký truy cập", "Audit log")),
                ]
                .concat(),
                Audience::Facility =>
                    nav(Section::Worklist, "/dashboard/worklist", lang.t("Việc cần xử lý", "Worklist")),
            },
            switch = escape(&here.clone().with("lang", other.0).href()),
            other_code = other.0,
            other_name = other.1,
            sign_out = lang.t("Đăng xuất", "Sign out"),
            token = escape(form_token),
        ),
    )
}

/// A page outside the signed-in frame (sign-in, errors).
pub fn bare_page(lang: Lang, title: &str, body: &str) -> String {
    document(lang, title, &format!("<main class=\"narrow\">\n<h1>{}</h1>\n{body}</main>\n", escape(title)))
}

/// The HTML document around a page's `<body>` content, with the inline style sheet.
fn document(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} · hisgate</title>\n\
<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        lang.code(),
        escape(title)
    )
}

/// Self-contained: the dashboard must work without any outside asset.
const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#1d2733;background:#f4f6f8}
header{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#0b4f6c;color:#fff}
header a{color:#fff;text-decoration:none;padding:4px 8px;border-radius:4px}
header a.active,header a:hover{background:rgba(255,255,255,.18)}
header nav{display:flex;gap:8px}
header .right{margin-left:auto;display:flex;gap:12px;align-items:center}
header form{margin:0}
header button{background:none;border:1px solid rgba(255,255,255,.5);color:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
main{max-width:1280px;margin:0 auto;padding:16px 24px 48px}
main.narrow{max-width:480px;margin-top:48px;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:22px;margin:8px 0 16px}
h2{font-size:17px;margin:0 0 10px}
section{background:#fff;border-radius:8px;padding:14px 16px;margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px}
.grid section{margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{color:#5b6875;font-size:12px}
.card .value{font-size:22px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e8ed;vertical-align:top}
th{font-size:12px;color:#5b6875;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.empty{color:#8a96a3;font-style:italic}
p.csv{margin:6px 0 0;font-size:12px}
a{color:#0b6e99}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin-bottom:16px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#5b6875}
input,select,button{font:inherit;padding:4px 6px}
.error{color:#a4262c;font-weight:600}
details summary{cursor:pointer;color:#0b6e99;margin:8px 0}
svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#1d2733}
.status-live{color:#1e7a3c}.status-suspended{color:#a4262c}.status-onboarding{color:#8a6d00}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_follow_the_language() {
        assert_eq!(Lang::Vi.number(1_234_567), "1.234.567");
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::Vi.percent(12.5), "12,5 %");
        assert_eq!(Lang::En.duration(90_061), "1 d 1 h");
        assert_eq!(Lang::Vi.duration(3_720), "1 giờ 2 phút");
        // 2026-11-27T17:30Z is 00:30 of the 28th in Vietnam.
        assert_eq!(Lang::En.instant(1_795_800_600_000), "2026-11-28 00:30");
    }

    #[test]
    fn markup_and_links_are_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let link = Link::new("/dashboard/facilities").with("q", "Trạm y tế & co").with("kind", "").with("lang", "en");
        assert_eq!(link.href(), "/dashboard/facilities?q=Tr%E1%BA%A1m%20y%20t%E1%BA%BF%20%26%20co&lang=en");
        assert_eq!(link.with("lang", "vi").href().matches("lang=").count(), 1);
    }

    #[test]
    fn tables_give_the_same_rows_as_csv() {
        let mut t = Table::new("funnel", vec!["Stage", "Count"]);
        t.row(vec![Cell::text("a, \"b\""), Cell::count(Lang::Vi, 12_345)]);
        let csv = String::from_utf8(t.csv()).expect("utf-8");
        assert_eq!(csv, "\u{feff}Stage,Count\n\"a, \"\"b\"\"\",12345\n");
        let html = t.html(Lang::Vi, &Link::new("/dashboard"));
        assert!(html.contains("<td class=\"num\">12.345</td>"), "{html}");
        assert!(html.contains("href=\"/dashboard?csv=funnel\""), "{html}");
    }
}
