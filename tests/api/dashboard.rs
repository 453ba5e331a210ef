//! The web dashboard: sign-in, every figure on the pages against the stats API, CSV downloads,
//! languages, escaping; and the same pages driven in headless Chromium through WebDriver, with
//! screenshots under `target/` (`dashboard-overview.png`, `-facilities.png`, `-facility.png`,
//! `-results.png`) for a person to look at.

use crate::dispatch::{fast, send, settle};
use crate::helpers::{
    Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, missing_tool, send_refused, spawn_app_with,
};
use crate::on_both_backends;
use hisgate::domain::Episode;
use mocks::bhxh::{AppraisalConfig, BhxhConfig, BhxhMock};
use mocks::moh::{MohConfig, MohMock};
use reqwest::header;
use serde_json::{Value, json};
use std::time::Duration;

/// A province in miniature: 83001 sends 8 (2 refused at ingest), 83002 sends 3, a live 83003
/// whose name needs escaping sends nothing; BHXH rejects or cuts some of them.
async fn province(backend: Backend, test: &str) -> Option<(TestApp, BhxhMock, MohMock)> {
    let appraisal = AppraisalConfig { delay_ms: 0, reject_rate: 0.3, partial_rate: 0.2, seed: 11 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = spawn_app_with(backend, test, |s| fast(s, &bhxh, &moh)).await?;
    let (_, mut ids) = send(&app, 300, 6).await;
    send_refused(&app, 301, 2).await;
    for e in episodes(OTHER_FACILITY, 302, 3) {
        let r: Value = app.post_claim(&app.other_facility_key, &e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let silent = json!({ "code": "83003", "name": "<b>Trạm Y tế</b> & \"xã\"", "kind": "commune_station",
                         "status": "live", "district": "Châu Thành" });
    assert_eq!(app.post_json("/api/v1/facilities", &app.admin_key, &silent).await.status(), 201);
    settle(&app, &ids).await;
    Some((app, bhxh, moh))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the form; returns the `Cookie` header value to send.
async fn sign_in(app: &TestApp, key: &str) -> reqwest::Response {
    crate::helpers::dashboard_sign_in(app, &[("key", key), ("next", "/dashboard/facilities?kind=commune_station")], &[])
        .await
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    no_redirects().get(app.url(path)).header(header::COOKIE, cookie).send().await.unwrap()
}

async fn html(app: &TestApp, cookie: &str, path: &str) -> String {
    let r = page(app, cookie, path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(r.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
    r.text().await.unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// Every `data-figure` on a page: (name, plain value, the text a person sees).
fn figures(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-figure=\"") {
        rest = &rest[at + 13..];
        let name_end = rest.find('"').unwrap();
        let name = rest[..name_end].to_owned();
        let value_at = rest.find("data-value=\"").unwrap() + 12;
        let value_end = value_at + rest[value_at..].find('"').unwrap();
        let value = unescape(&rest[value_at..value_end]);
        let mut text_at = value_end + rest[value_end..].find('>').unwrap() + 1;
        if rest[text_at..].starts_with("<a ") {
            text_at += rest[text_at..].find('>').unwrap() + 1;
        }
        let text = unescape(&rest[text_at..text_at + rest[text_at..].find('<').unwrap()]);
        out.push((name, value, text));
    }
    out
}

/// The API's value at a figure's name (`a.b.0.c` → `/a/b/0/c`).
fn at<'a>(api: &'a Value, name: &str) -> &'a Value {
    api.pointer(&format!("/{}", name.replace('.', "/"))).unwrap_or(&Value::Null)
}

/// A figure equals the API's value, both as its plain value and as the text a person reads.
fn check_figure(api: &Value, name: &str, value: &str, text: &str) {
    match at(api, name) {
        Value::Number(n) if n.is_u64() => {
            assert_eq!(value, n.to_string(), "{name}");
            if !name.ends_with("_seconds") {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                assert_eq!(digits, n.to_string(), "{name}: the page shows `{text}`");
            }
        }
        Value::Number(n) => {
            let expected = n.as_f64().unwrap();
            assert!((value.parse::<f64>().unwrap() - expected).abs() < 0.05, "{name}: {value} vs {expected}");
            let shown: f64 = text.trim_end_matches('%').trim().replace(',', ".").parse().unwrap();
            assert!((shown - expected).abs() < 0.05, "{name}: the page shows `{text}`");
        }
        Value::String(s) => assert_eq!((value, text), (s.as_str(), s.as_str()), "{name}"),
        Value::Null if name.ends_with("_seconds") || name.ends_with("rate_percent") => {
            assert_eq!(text, "–", "{name}")
        }
        // A day without episodes is not listed by the API; the page shows it as 0.
        Value::Null if name.starts_with("figures.per_day.") => assert_eq!(value, "0", "{name}"),
        other => panic!("{name}: the page shows `{text}`, the API has {other}"),
    }
}

fn cookie_of(r: &reqwest::Response) -> String {
    let set = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/dashboard"), "{set}");
    set.split(';').next().unwrap().to_owned()
}

on_both_backends!(the_dashboard_shows_the_figures_of_the_api);

async fn the_dashboard_shows_the_figures_of_the_api(backend: Backend) {
    let Some((app, _bhxh, _moh)) = province(backend, "the_dashboard_shows_the_figures_of_the_api").await else {
        return;
    };

    // Signing in: a page asks for it, DoH, admin and facility keys get in (a facility's staff to
    // their worklist only), and the page asked for first follows.
    let r = page(&app, "", "/dashboard/facilities?lang=en").await;
    assert_eq!(r.status(), 401);
    let form = r.text().await.unwrap();
    assert!(form.contains("name=\"key\"") && form.contains("type=\"password\"") && form.contains("Sign in"), "{form}");
    assert!(form.contains("name=\"next\" value=\"/dashboard/facilities?lang=en\""), "{form}");
    let form = no_redirects().get(app.url("/dashboard/login")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Đăng nhập"));
    let facility = sign_in(&app, &app.facility_key).await;
    assert_eq!(facility.status(), 303);
    let sent_to = page(&app, &cookie_of(&facility), "/dashboard/facilities?kind=commune_station").await;
    assert_eq!(sent_to.status(), 303);
    assert_eq!(sent_to.headers()[header::LOCATION], "/dashboard/worklist");
    assert_eq!(sign_in(&app, &app.eligibility_key).await.status(), 403);
    assert_eq!(sign_in(&app, "hg_nothere_nothere").await.status(), 401);
    let r = sign_in(&app, &app.doh_key).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[header::LOCATION], "/dashboard/facilities?kind=commune_station&lang=vi");
    let cookie = cookie_of(&r);

    // The overview against the summary API, figure by figure.
    let api: Value = app.get("/api/v1/stats/summary", &app.doh_key).await.json().await.unwrap();
    assert_eq!(api["figures"]["funnel"]["received"], 11, "{api}");
    assert!(api["figures"]["funnel"]["rejected"].as_u64().unwrap() > 0, "the data set has rejections: {api}");
    let overview = html(&app, &cookie, "/dashboard").await;
    assert!(overview.contains("<html lang=\"vi\">") && overview.contains("Tổng quan toàn tỉnh"));
    let shown = figures(&overview);
    for (name, value, text) in &shown {
        check_figure(&api, name, value, text);
    }
    for must in ["figures.funnel.received", "figures.funnel.rejected", "facilities.by_status.live", "facilities.total"]
    {
        assert!(shown.iter().any(|(n, ..)| n == must), "{must} is on the overview");
    }
    assert!(shown.iter().any(|(n, ..)| n == "figures.top_validation_rules.0.code"));
    assert!(shown.iter().any(|(n, ..)| n == "figures.top_portal_reasons.0.count"));
    assert!(shown.len() >= 40, "{} figures", shown.len());
    assert_eq!(overview.matches("<svg").count(), 7, "charts: status, kind, per day, funnel, ageing, 2 Pareto");
    assert!(overview.contains("&lt;b&gt;Trạm Y tế&lt;/b&gt; &amp; &quot;xã&quot;"), "the silent station, escaped");
    assert!(!overview.contains("<b>Trạm"));

    // Every table of the page downloads as CSV with the rows of the page.
    let marker = "<p class=\"csv\"><a href=\"";
    let links: Vec<String> = overview
        .match_indices(marker)
        .map(|(i, _)| {
            let start = i + marker.len();
            unescape(&overview[start..start + overview[start..].find('"').unwrap()])
        })
        .collect();
    assert_eq!(links.len(), 12, "{links:?}");
    for link in &links {
        let r = page(&app, &cookie, link).await;
        assert_eq!(r.status(), 200, "{link}");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(
            r.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"hisgate-overview-")
        );
        let csv = String::from_utf8(r.bytes().await.unwrap().to_vec()).unwrap();
        let csv = csv.strip_prefix('\u{feff}').unwrap_or_else(|| panic!("{link}: a byte-order mark first"));
        let id = link.rsplit("csv=").next().unwrap();
        let section = &overview[overview.find(&format!("id=\"table-{id}\"")).unwrap()..];
        let rows = section[..section.find("</tbody>").unwrap()].matches("<tr>").count() - 1;
        let empty = section[..section.find("</tbody>").unwrap()].contains("class=\"empty\"");
        assert_eq!(csv.lines().count() - 1, if empty { 0 } else { rows }, "{link}: {csv}");
    }
    let funnel = page(&app, &cookie, "/dashboard?csv=funnel").await.text().await.unwrap();
    let f = &api["figures"]["funnel"];
    assert!(
        funnel.contains(&format!("Nhận,{}\n", f["received"]))
            && funnel.contains(&format!("Từ chối,{}\n", f["rejected"])),
        "{funnel}"
    );
    assert_eq!(page(&app, &cookie, "/dashboard?csv=nothing").await.status(), 404);
    assert_eq!(page(&app, &cookie, "/dashboard?from=2026-02-30").await.status(), 400);

    // One facility's page against its stats API.
    let api: Value = app.get(&format!("/api/v1/facilities/{FACILITY}/stats"), &app.doh_key).await.json().await.unwrap();
    let detail = html(&app, &cookie, &format!("/dashboard/facilities/{FACILITY}?lang=en")).await;
    assert!(detail.contains("<html lang=\"en\">") && detail.contains("Funnel"));
    let shown = figures(&detail);
    assert!(shown.iter().any(|(n, v, _)| n == "facility.code" && v == FACILITY));
    assert!(shown.iter().any(|(n, ..)| n == "figures.funnel.refused_at_ingest"));
    for (name, value, text) in &shown {
        check_figure(&api, name, value, text);
    }
    assert_eq!(page(&app, &cookie, "/dashboard/facilities/83999").await.status(), 404);

    // The facility list against its API, with filters and search.
    let api: Value = app.get("/api/v1/stats/facilities", &app.doh_key).await.json().await.unwrap();
    let by_code: Value = api["facilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["facility"]["code"].as_str().unwrap().to_owned(), row.clone()))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let list = html(&app, &cookie, "/dashboard/facilities").await;
    let shown = figures(&list);
    assert_eq!(shown.len(), 3 * 7, "seven counts for each of the three facilities");
    for (name, value, text) in &shown {
        check_figure(&by_code, name, value, text);
    }
    let stations = html(&app, &cookie, "/dashboard/facilities?kind=commune_station").await;
    assert!(stations.contains(">83003<") && !stations.contains(">83001<"));
    let found = html(&app, &cookie, "/dashboard/facilities?q=tr%E1%BA%A1m").await;
    assert!(found.contains(">83003<") && !found.contains(">83002<"));
    let csv = page(&app, &cookie, "/dashboard/facilities?csv=facilities&lang=en").await.text().await.unwrap();
    assert!(csv.starts_with("Code,Name,Type,Commune,District (until 2025-06-30),Status,Received,"), "{csv}");
    assert!(csv.contains("\"<b>Trạm Y tế</b> & \"\"xã\"\"\""), "{csv}");

    // A sign-out posted from elsewhere (no token, or another site's Origin) is refused.
    let token = crate::helpers::form_token(&html(&app, &cookie, "/dashboard").await);
    let logout = |token: &str, origin: &str| {
        let form = [("csrf", token.to_owned())];
        no_redirects()
            .post(app.url("/dashboard/logout"))
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, origin)
            .form(&form)
            .send()
    };
    let own = app.url("").trim_end_matches('/').to_owned();
    assert_eq!(logout("", &own).await.unwrap().status(), 403);
    assert_eq!(logout(&token, "https://evil.example").await.unwrap().status(), 403);
    assert_eq!(page(&app, &cookie, "/dashboard").await.status(), 200, "still signed in");
    // Signing out ends the session on the server, whatever the browser keeps.
    let r = logout(&token, &own).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(page(&app, &cookie, "/dashboard").await.status(), 401);
}

/// A WebDriver session on a chromedriver this test started.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: std::process::Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        let chromedriver = std::env::var("HISGATE_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = match std::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(_) => return missing_tool("chromedriver (Debian packages chromium and chromium-driver)"),
        };
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{root}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                           "--disable-dev-shm-usage", "--window-size=1366,900"] });
        if std::path::Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let caps =
            json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": options } } });
        let created: Value =
            http.post(format!("{root}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no browser session: {created}"));
        Some(Browser { base: format!("{root}/session/{id}"), http, driver })
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            request = request.json(&b);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {path}: {answer}");
        }
        answer["value"].clone()
    }

    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_owned()
    }

    pub async fn click(&self, element: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    /// Types `text` into `element` (for a file input: the path of the file to send).
    pub async fn type_into(&self, element: &str, text: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Fills in the sign-in form with `key` and gives the overview up to 10 s to arrive.
    pub async fn sign_in(&self, app: &TestApp, key: &str) -> String {
        self.go(&app.url("/dashboard")).await;
        self.type_into(&self.find("#key").await, key).await;
        let button = self.find("#sign-in").await;
        self.click_to(&button, |u| u.ends_with("/dashboard?lang=vi")).await
    }

    /// The first element matching `css`, given up to 10 s to appear (a form's answer on a busy machine).
    pub async fn wait_for(&self, css: &str) -> String {
        for _ in 0..100 {
            if let Some(found) = self.find_all(css).await.into_iter().next() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element `{css}` after 10 s");
    }

    /// Clicks `element` and gives the page it leads to up to 10 s to arrive (a click can return
    /// before the navigation it starts is done, on a busy machine); returns the URL then.
    pub async fn click_to(&self, element: &str, arrived: impl Fn(&str) -> bool) -> String {
        self.click(element).await;
        for _ in 0..100 {
            let url = self.url().await;
            if arrived(&url) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.url().await
    }

    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let found =
            self.call(reqwest::Method::POST, "/elements", Some(json!({ "using": "css selector", "value": css })));
        found
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn find(&self, css: &str) -> String {
        self.find_all(css).await.into_iter().next().unwrap_or_else(|| panic!("no element `{css}`"))
    }

    pub async fn text(&self, element: &str) -> String {
        self.call(reqwest::Method::GET, &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    pub async fn attribute(&self, element: &str, name: &str) -> String {
        let v = self.call(reqwest::Method::GET, &format!("/element/{element}/attribute/{name}"), None).await;
        v.as_str().unwrap_or("").to_owned()
    }

    /// Every `data-figure` as the browser renders it: (name, plain value, visible text).
    pub async fn figures(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for e in self.find_all("[data-figure]").await {
            out.push((
                self.attribute(&e, "data-figure").await,
                self.attribute(&e, "data-value").await,
                self.text(&e).await,
            ));
        }
        out
    }

    /// Unfolds the long tables, whose text a browser does not report while they are hidden.
    pub async fn open_folded_tables(&self) {
        let script =
            json!({ "script": "document.querySelectorAll('details').forEach(d => d.open = true)", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).await;
    }

    /// A picture of the whole page (the window is stretched to the page's height first).
    pub async fn screenshot(&self, file: &str) {
        let height = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
            "script": "return document.documentElement.scrollHeight", "args": [] })),
            )
            .await;
        let height = height.as_u64().unwrap_or(900).clamp(900, 8000);
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({ "width": 1366, "height": height }))).await;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        let dir = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_owned());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{file}"), bytes).unwrap();
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({ "width": 1366, "height": 900 }))).await;
    }
}

#[actix_web::test]
async fn the_dashboard_works_in_headless_chromium() {
    let Some((app, _bhxh, _moh)) = province(Backend::Sqlite, "the_dashboard_works_in_headless_chromium").await else {
        return;
    };
    let Some(browser) = Browser::start().await else { return };

    // The browser is sent to the sign-in form, fills it in, and lands on the overview.
    let url = browser.sign_in(&app, &app.doh_key).await;
    assert!(url.ends_with("/dashboard?lang=vi"), "{url}");
    let h1 = browser.find("h1").await;
    assert_eq!(browser.text(&h1).await, "Tổng quan toàn tỉnh");

    // What the browser shows is what the API says.
    browser.screenshot("dashboard-overview.png").await;
    browser.open_folded_tables().await;
    let api: Value = app.get("/api/v1/stats/summary", &app.doh_key).await.json().await.unwrap();
    let shown = browser.figures().await;
    assert!(shown.len() >= 40, "{} figures", shown.len());
    for (name, value, text) in &shown {
        check_figure(&api, name, value, text);
    }

    // The English switch, then a facility page from the list's link.
    let switch = browser.find("#lang-switch").await;
    let url = browser.click_to(&switch, |u| u.contains("lang=en")).await;
    assert!(url.contains("lang=en"), "{url}");
    let h1 = browser.find("h1").await;
    assert_eq!(browser.text(&h1).await, "Province overview");
    browser.go(&app.url("/dashboard/facilities?lang=en")).await;
    browser.screenshot("dashboard-facilities.png").await;
    let link = browser.find(&format!("#table-facilities a[href^=\"/dashboard/facilities/{FACILITY}\"]")).await;
    let page = format!("/dashboard/facilities/{FACILITY}?");
    let url = browser.click_to(&link, |u| u.contains(&page)).await;
    assert!(url.contains(&page), "{url}");
    browser.screenshot("dashboard-facility.png").await;
    browser.open_folded_tables().await;
    let api: Value = app.get(&format!("/api/v1/facilities/{FACILITY}/stats"), &app.doh_key).await.json().await.unwrap();
    let shown = browser.figures().await;
    assert!(shown.iter().any(|(n, ..)| n == "figures.funnel.received"));
    for (name, value, text) in &shown {
        check_figure(&api, name, value, text);
    }
    let _ = browser.call(reqwest::Method::DELETE, "", None).await;
}

/// A multipart form of one CSV file, as a browser sends the upload form.
fn upload_body(csv: &str, token: &str) -> (String, Vec<u8>) {
    let boundary = "hisgate-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ket-qua.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"facility\"\r\n\r\n\
         {FACILITY}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

/// Three claims at BHXH awaiting an outcome, with no appraisal API to give one: what a result file
/// settles. Returns the gateway, its mocks, the episodes and their claim ids.
async fn awaiting_appraisal(test: &str, seed: u64) -> (TestApp, BhxhMock, MohMock, Vec<Episode>, Vec<String>) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal_api: false, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = spawn_app_with(Backend::Sqlite, test, |s| {
        fast(s, &bhxh, &moh);
        s.bhxh_protocol.appraisal_api = hisgate::config::AppraisalApi::None;
    })
    .await
    .unwrap();
    let (sent, ids) = send(&app, seed, 3).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    for id in &ids {
        while app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json::<Value>().await.unwrap()["status"]
            != "submitted"
        {
            assert!(std::time::Instant::now() < deadline, "claim {id} never reached BHXH");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    (app, bhxh, moh, sent, ids)
}

/// A result file approving each episode's whole claim.
fn approving_csv(sent: &[Episode]) -> String {
    let mut csv = "MA_LK,SO_TIEN_DUYET\n".to_owned();
    for e in sent {
        csv += &format!("{},{}\n", e.episode_key(), e.summary.fund_pays.unwrap());
    }
    csv
}

async fn assert_settled_and_audited(app: &TestApp, ids: &[String]) {
    for id in ids {
        let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json().await.unwrap();
        assert_eq!(claim["status"], "accepted", "{claim}");
    }
    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, FACILITY)).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "reconciliation.import"), "the import is audited");
}

#[actix_web::test]
async fn staff_upload_a_result_file_and_its_records_are_settled() {
    let (app, _bhxh, _moh, sent, ids) = awaiting_appraisal("staff_upload_a_result_file", 310).await;
    let cookie = cookie_of(&sign_in(&app, &app.doh_key).await);
    let form = html(&app, &cookie, "/dashboard/results").await;
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("name=\"file\""), "{form}");
    let token = crate::helpers::form_token(&form);

    let upload_with = |csv: String, token: String| {
        let (content_type, body) = upload_body(&csv, &token);
        no_redirects()
            .post(app.url("/dashboard/results?lang=en"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let upload = |csv: String| upload_with(csv, token.clone());
    let forged = upload_with(approving_csv(&sent), "forged".to_owned()).await.unwrap();
    assert_eq!(forged.status(), 403, "a post without the page's token changes nothing");
    let r = upload("MA_LK,SO_TIEN_DUYET\nLK1,abc\n".to_owned()).await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"import-error\"") && page.contains("row 2, column `SO_TIEN_DUYET`"), "{page}");

    let r = upload(approving_csv(&sent)).await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Records: 3 · Settled: <strong>3</strong>"), "{page}");
    assert_settled_and_audited(&app, &ids).await;
}

#[actix_web::test]
async fn staff_upload_a_result_file_in_headless_chromium() {
    let (app, _bhxh, _moh, sent, ids) = awaiting_appraisal("staff_upload_a_result_file_in_chromium", 311).await;
    let Some(browser) = Browser::start().await else { return };
    let url = browser.sign_in(&app, &app.doh_key).await;
    assert!(url.ends_with("/dashboard?lang=vi"), "{url}");

    // From the menu to the upload page; a file chosen as a person would, then sent.
    let menu = browser.find("nav a[href^=\"/dashboard/results\"]").await;
    let url = browser.click_to(&menu, |u| u.contains("/dashboard/results")).await;
    assert!(url.contains("/dashboard/results"), "{url}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ket-qua-sai.csv");
    std::fs::write(&bad, "MA_LK,SO_TIEN_DUYET\nLK1,abc\n").unwrap();
    browser.type_into(&browser.find("input[name=file]").await, &bad.display().to_string()).await;
    browser.click(&browser.find("main form button").await).await;
    let error = browser.text(&browser.wait_for("#import-error").await).await;
    assert!(error.contains("row 2") && error.contains("SO_TIEN_DUYET"), "{error}");
    assert_eq!(
        app.get(&format!("/api/v1/claims/{}", ids[0]), &app.doh_key).await.json::<Value>().await.unwrap()["status"],
        "submitted"
    );

    // The form is offered again under the refusal: the right file this time, for one facility.
    let good = dir.path().join("ket-qua.csv");
    std::fs::write(&good, approving_csv(&sent)).unwrap();
    browser.type_into(&browser.find("input[name=file]").await, &good.display().to_string()).await;
    browser.type_into(&browser.find("input[name=facility]").await, FACILITY).await;
    browser.click(&browser.find("main form button").await).await;
    let summary = browser.text(&browser.wait_for("#import-summary").await).await;
    assert!(summary.ends_with("Đã đối soát: 3"), "{summary}");
    browser.screenshot("dashboard-results.png").await;
    assert_settled_and_audited(&app, &ids).await;
    let _ = browser.call(reqwest::Method::DELETE, "", None).await;
}

/// Every cell of a CSV text.
fn cells(csv: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect()
}

#[actix_web::test]
async fn exports_open_as_text_and_a_next_with_line_breaks_is_not_followed() {
    let app = crate::helpers::spawn_app(Backend::Sqlite, "exports_open_as_text").await.unwrap();
    let formula = "=HYPERLINK(\"http://evil.example\",\"Trạm\")";
    let station = json!({ "code": "83004", "name": formula, "kind": "commune_station", "status": "live",
                          "district": "@SUM(A1)" });
    assert_eq!(app.post_json("/api/v1/facilities", &app.admin_key, &station).await.status(), 201);
    let registry = app.client.get(app.url("/api/v1/facilities")).bearer_auth(&app.doh_key);
    let registry = registry.header(header::ACCEPT, "text/csv").send().await.unwrap().text().await.unwrap();
    let registry = cells(&registry);
    assert!(registry.contains(&format!("'{formula}")) && registry.contains(&"'@SUM(A1)".to_owned()), "{registry:?}");

    // A `next` that would split the redirect's header is not followed; nothing fails.
    let next = "/dashboard/facilities\r\nSet-Cookie: x=1";
    let r = crate::helpers::dashboard_sign_in(&app, &[("key", app.doh_key.as_str()), ("next", next)], &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[header::LOCATION], "/dashboard?lang=vi");
    let cookie = cookie_of(&r);
    let table = page(&app, &cookie, "/dashboard/facilities?csv=facilities").await.text().await.unwrap();
    let table = cells(table.trim_start_matches('\u{feff}'));
    assert!(table.iter().any(|c| c.starts_with("'=HYPERLINK")), "{table:?}");
    assert!(!table.iter().chain(&registry).any(|c| c.starts_with(['=', '@', '+'])), "a cell opens as a formula");
}
