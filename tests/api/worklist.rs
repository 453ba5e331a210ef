//! The facility worklist: on one known data set the API and the dashboard's page agree figure by
//! figure; a facility key sees its own facility only; a facility's staff send a dead letter again
//! from the claim page in headless Chromium.

use crate::dashboard::Browser;
use crate::dispatch::{fast, send, settle};
use crate::helpers::{
    Backend, FACILITY, OTHER_FACILITY, TestApp, dashboard_sign_in, episodes, refused_episodes, spawn_app_with,
};
use crate::on_both_backends;
use mocks::bhxh::{AppraisalConfig, BhxhConfig, BhxhMock};
use mocks::faults::FaultConfig;
use mocks::moh::{MohConfig, MohMock};
use reqwest::header;
use serde_json::Value;

/// 83001 sends 6 episodes and 3 refused ones, then the corrected version of one of those; 83002
/// sends 2. BHXH accepts, rejects or cuts them; the Ministry's portal refuses everything, so each
/// claim's copy for it is dead-lettered after two attempts.
async fn known_set(backend: Backend, test: &str) -> Option<(TestApp, BhxhMock, MohMock, String)> {
    let appraisal = AppraisalConfig { delay_ms: 0, reject_rate: 0.3, partial_rate: 0.4, seed: 17 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let faults = FaultConfig { error_rate: 1.0, ..FaultConfig::default() };
    let moh = mocks::moh::start(MohConfig { faults, ..MohConfig::default() }, "127.0.0.1:0").unwrap();
    let app = spawn_app_with(backend, test, |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.max_attempts = 2;
    })
    .await?;
    let (_, mut ids) = send(&app, 400, 6).await;
    for e in refused_episodes(401, 3) {
        assert_eq!(app.post_claim(&app.facility_key, &e).await.status(), 422);
    }
    let corrected = episodes(FACILITY, 401, 1).remove(0);
    let stored: Value = app.post_claim(&app.facility_key, &corrected).await.json().await.unwrap();
    ids.push(stored["id"].as_str().unwrap().to_owned());
    for e in episodes(OTHER_FACILITY, 402, 2) {
        let r: Value = app.post_claim(&app.other_facility_key, &e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    settle(&app, &ids).await;
    Some((app, bhxh, moh, corrected.episode_key().to_owned()))
}

async fn worklist(app: &TestApp, key: &str, query: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/worklist{query}"), key).await
}

fn cookie_of(r: &reqwest::Response) -> String {
    r.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.get(app.url(path)).header(header::COOKIE, cookie).send().await.unwrap()
}

/// `data-figure` name → `data-value` of a page.
fn figures(html: &str) -> Vec<(String, String)> {
    html.split("data-figure=\"")
        .skip(1)
        .map(|rest| {
            let name = rest.split('"').next().unwrap().to_owned();
            let value = rest.split("data-value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
            (name, value)
        })
        .collect()
}

on_both_backends!(the_worklist_page_and_api_agree_and_a_facility_sees_its_own);

async fn the_worklist_page_and_api_agree_and_a_facility_sees_its_own(backend: Backend) {
    let Some((app, _bhxh, _moh, corrected)) = known_set(backend, "worklist_agrees").await else { return };
    let api: Value = worklist(&app, &app.facility_key, "").await.json().await.unwrap();
    let counts = &api["counts"];
    assert_eq!(counts["refused"], 2, "three refused, one corrected since: {api}");
    let settled = ["rejected", "partially_approved", "dead_lettered"].map(|k| counts[k].as_u64().unwrap());
    assert_eq!(settled.iter().sum::<u64>(), 7, "every stored claim has something to act on: {counts}");
    assert!(settled.iter().all(|n| *n > 0), "the seed gives each kind: {counts}");
    assert_eq!(counts["portal_errors"], 0);
    assert_eq!(api["matching"], 9);
    let items = api["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["facility_code"] == FACILITY));
    let at: Vec<i64> = items.iter().map(|i| i["at"].as_i64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for refused in items.iter().filter(|i| i["kind"] == "refused") {
        assert_ne!(refused["MA_LK"], corrected.as_str());
        assert!(refused["claim_id"].is_null());
        let card = refused["problems"].as_array().unwrap().iter().find(|p| p["code"] == "CARD_LENGTH").unwrap();
        assert!(card["field"].as_str().unwrap().contains("MA_THE_BHYT"), "{card}");
        assert!(card["description_vi"].as_str().unwrap().contains("15 ký tự"), "{card}");
        assert!(!card["fix_vi"].as_str().unwrap().is_empty(), "{card}");
    }
    for partial in items.iter().filter(|i| i["kind"] == "partially_approved") {
        let cut = partial["cut_lines"].as_array().unwrap();
        assert!(!cut.is_empty(), "{partial}");
        assert!(cut.iter().all(|l| l["approved_cents"].as_i64() < l["claimed_cents"].as_i64()));
        assert!(partial["approved_cents"].as_i64() < partial["claimed_cents"].as_i64());
    }
    assert!(items.iter().filter(|i| i["kind"] == "dead_lettered").all(|i| i["resendable"] == true));

    // The page, signed in with the facility's key, shows the API's figures and table.
    let cookie = cookie_of(&dashboard_sign_in(&app, &[("key", &app.facility_key)], &[]).await);
    let html = page(&app, &cookie, "/dashboard/worklist").await.text().await.unwrap();
    let shown = figures(&html);
    for (kind, n) in counts.as_object().unwrap() {
        let value = shown.iter().find(|(name, _)| *name == format!("counts.{kind}")).map(|(_, v)| v.as_str());
        assert_eq!(value, Some(n.to_string().as_str()), "{kind}");
    }
    assert!(html.contains("Số thẻ trong MA_THE_BHYT không đủ 15 ký tự") && html.contains("Cách sửa:"));
    assert!(!html.contains("href=\"/dashboard/facilities"), "a facility's staff see their worklist only");
    let csv = page(&app, &cookie, "/dashboard/worklist?csv=worklist").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 9, "a header and one row per item");
    let refused_only = page(&app, &cookie, "/dashboard/worklist?kind=refused").await.text().await.unwrap();
    assert!(figures(&refused_only).contains(&("matching".to_owned(), "2".to_owned())));
    let by_key: Value = worklist(&app, &app.facility_key, &format!("?q={corrected}")).await.json().await.unwrap();
    assert_eq!(by_key["matching"], 1, "the corrected episode is stored, and so on the list once at most");

    // A claim's page: its sendings, errors, appraised lines, versions and timeline.
    let partial = items.iter().find(|i| i["kind"] == "partially_approved").unwrap();
    let claim_page = format!("/dashboard/claims/{}", partial["claim_id"].as_str().unwrap());
    let claim_html = page(&app, &cookie, &claim_page).await.text().await.unwrap();
    for table in ["table-errors", "table-lines", "table-sendings", "table-versions", "table-timeline"] {
        assert!(claim_html.contains(table), "{table}");
    }
    let lines = claim_html.split("id=\"table-lines\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(lines.matches("<tr>").count() > 1 && !lines.contains("class=\"empty\""), "the appraised lines are listed");

    // Another facility sees none of it; the Department of Health sees both.
    let other: Value = worklist(&app, &app.other_facility_key, "").await.json().await.unwrap();
    assert!(other["items"].as_array().unwrap().iter().all(|i| i["facility_code"] == OTHER_FACILITY), "{other}");
    assert_eq!(worklist(&app, &app.other_facility_key, &format!("?facility={FACILITY}")).await.status(), 403);
    let other_cookie = cookie_of(&dashboard_sign_in(&app, &[("key", &app.other_facility_key)], &[]).await);
    assert_eq!(page(&app, &other_cookie, &format!("/dashboard/worklist?facility={FACILITY}")).await.status(), 403);
    assert_eq!(page(&app, &other_cookie, &claim_page).await.status(), 403);
    let province: Value = worklist(&app, &app.doh_key, "").await.json().await.unwrap();
    assert_eq!(
        province["matching"].as_u64().unwrap(),
        api["matching"].as_u64().unwrap() + other["matching"].as_u64().unwrap()
    );
}

#[actix_web::test]
async fn a_facility_resends_a_dead_letter_from_its_worklist_in_headless_chromium() {
    let Some((app, _bhxh, _moh, _)) = known_set(Backend::Sqlite, "worklist_in_chromium").await else { return };
    let Some(browser) = Browser::start().await else { return };
    browser.go(&app.url("/dashboard")).await;
    browser.type_into(&browser.find("#key").await, &app.facility_key).await;
    let button = browser.find("#sign-in").await;
    let url = browser.click_to(&button, |u| u.contains("/dashboard/worklist")).await;
    assert!(url.contains("/dashboard/worklist"), "a facility's staff land on their worklist: {url}");
    assert_eq!(browser.find_all("nav a").await.len(), 1, "and see nothing else");

    let api: Value = worklist(&app, &app.facility_key, "").await.json().await.unwrap();
    for (name, value, _) in browser.figures().await {
        let expected = match name.strip_prefix("counts.") {
            Some(kind) => api["counts"][kind].to_string(),
            None => api["matching"].to_string(),
        };
        assert_eq!(value, expected, "{name}");
    }
    browser.screenshot("dashboard-worklist.png").await;

    let resend = browser.find("a[href*='#resend']").await;
    let claim_url = browser.click_to(&resend, |u| u.contains("/dashboard/claims/")).await;
    let claim_id = claim_url.split("/dashboard/claims/").nth(1).unwrap().split(['?', '#']).next().unwrap().to_owned();
    let button = browser.find("#resend button").await;
    let after = browser.click_to(&button, |u| u.contains("resent=")).await;
    assert!(after.contains("resent=1"), "{after}");
    assert!(browser.text(&browser.wait_for("#resent").await).await.contains("1"));

    let claim: Value = app.get(&format!("/api/v1/claims/{claim_id}"), &app.facility_key).await.json().await.unwrap();
    let to_moh = claim["submissions"].as_array().unwrap().iter().filter(|s| s["destination"] == "moh").count();
    assert_eq!(to_moh, 2, "the dead letter and its replay: {claim}");
    let audit: Value = app.get("/api/v1/audit?action=submission.replay", &app.admin_key).await.json().await.unwrap();
    assert!(audit.to_string().contains(&claim_id), "the resend is audited: {audit}");
}
