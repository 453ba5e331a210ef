//! The BHXH portal as it really behaves: the QĐ 3176 and QĐ 4750 endpoints, no appraisal API
//! (outcomes from error lists), and the answers `1001` (too large for the hour) and `701`
//! (outside the settlement window).

use crate::dispatch::{clean_appraisal, fast, send, settle};
use crate::helpers::{Backend, FACILITY, TestApp, episodes, spawn_app_with};
use crate::on_both_backends;
use chrono::Datelike;
use hisgate::config::{AppraisalApi, BhxhProtocol};
use hisgate::domain::Episode;
use hisgate::domain::spec::Profile;
use hisgate::store::outbox;
use mocks::bhxh::{AppraisalConfig, BhxhConfig, BhxhMock};
use mocks::moh::{MohConfig, MohMock};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_backends!(
    the_3176_profile_sends_one_hoso_per_file_to_its_endpoints,
    without_the_appraisal_api_error_lists_give_the_outcomes_the_modelled_query_gives,
    imported_result_files_give_the_outcomes_and_sums_the_modelled_query_gives,
);

const DOSSIER_3176: &str = "/api/qd130/guiHoSoXmlQD3176";
const DOSSIER_4750: &str = "/api/qd130/guiHoSoXmlQD4750";
const APPRAISAL: &str = "/api/qd130/layKetQuaGiamDinh";

fn mocks_with(config: BhxhConfig) -> (BhxhMock, MohMock) {
    let bhxh = mocks::bhxh::start(config, "127.0.0.1:0").unwrap();
    (bhxh, mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap())
}

async fn the_3176_profile_sends_one_hoso_per_file_to_its_endpoints(backend: Backend) {
    let (bhxh, moh) =
        mocks_with(BhxhConfig { appraisal: clean_appraisal(), one_hoso_per_file_3176: true, ..BhxhConfig::default() });
    let Some(app) = spawn_app_with(backend, "the_3176_profile_sends_one_hoso_per_file", |s| {
        fast(s, &bhxh, &moh);
        s.bhxh_protocol.hoso_per_file = None;
    })
    .await
    else {
        return;
    };
    let queue = |action: &str| app.client.post(app.url(&format!("/api/v1/queue/{action}"))).bearer_auth(&app.admin_key);
    assert_eq!(queue("pause").send().await.unwrap().status(), 200);
    let (sent, ids) = send(&app, 91, 6).await;
    assert_eq!(queue("resume").send().await.unwrap().status(), 200);
    let claims = settle(&app, &ids).await;
    for (e, c) in sent.iter().zip(&claims) {
        assert_eq!(c["status"], "accepted", "{c}");
        let b = bhxh.state.episode(e.episode_key()).expect("BHXH received it");
        assert_eq!((b.received, b.duplicates), (1, 0));
    }
    assert_eq!(bhxh.state.calls(DOSSIER_3176), 6, "one file per HOSO");
    assert_eq!(bhxh.state.calls(DOSSIER_4750), 0);
}

#[actix_web::test]
async fn the_4750_profile_keeps_its_endpoints_and_files_of_several_hoso() {
    let (bhxh, moh) = mocks_with(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() });
    let app = spawn_app_with(Backend::Sqlite, "the_4750_profile_keeps_its_endpoints", |s| {
        fast(s, &bhxh, &moh);
        s.bhxh_protocol.profile = Profile::Qd4750;
        s.bhxh_protocol.hoso_per_file = None;
    })
    .await
    .unwrap();
    // Queued while paused, so that one lease finds all six.
    let queue = |action: &str| app.client.post(app.url(&format!("/api/v1/queue/{action}"))).bearer_auth(&app.admin_key);
    assert_eq!(queue("pause").send().await.unwrap().status(), 200);
    let (_, ids) = send(&app, 92, 6).await;
    assert_eq!(queue("resume").send().await.unwrap().status(), 200);
    for c in settle(&app, &ids).await {
        assert_eq!(c["status"], "accepted", "{c}");
    }
    let files = bhxh.state.calls(DOSSIER_4750);
    assert!((1..6).contains(&files), "{files} files for 6 HOSO: several HOSO a file");
    assert_eq!(bhxh.state.calls(DOSSIER_3176), 0);
}

#[actix_web::test]
async fn the_3176_field_sizes_apply_under_its_profile_only() {
    let mut episode = serde_json::to_value(&episodes(FACILITY, 93, 1)[0]).unwrap();
    episode["summary"]["MA_NGHE_NGHIEP"] = json!("00000");
    for (profile, status) in [(Profile::Qd3176, 422), (Profile::Qd4750, 202)] {
        let app = spawn_app_with(Backend::Sqlite, &format!("the_3176_field_sizes_{}", profile.as_str()), |s| {
            s.bhxh_protocol.profile = profile;
            s.reference_dir = None;
        })
        .await
        .unwrap();
        let r = app.post_claim(&app.facility_key, &episode).await;
        assert_eq!(r.status(), status, "{profile:?}");
        if status == 422 {
            let body: Value = r.json().await.unwrap();
            let v = &body["violations"][0];
            assert_eq!(
                (v["rule"].as_str(), v["path"].as_str()),
                (Some("FIELD_TOO_LONG"), Some("summary.MA_NGHE_NGHIEP"))
            );
            assert!(v["message"].as_str().unwrap().contains("QĐ 3176"), "{v}");
        }
    }
}

/// A referral letter (XML13) for `episode`, agreeing with its summary, with the names `profile`
/// gives its renamed fields.
fn referral_letter(episode: &Value, profile: Profile) -> Value {
    let s = &episode["summary"];
    let mut letter = json!({
        "MA_LK": s["MA_LK"], "SO_HOSO": "HS-1", "SO_CHUYENTUYEN": "CT-1", "GIAY_CHUYEN_TUYEN": "GCT-1",
        "MA_CSKCB": s["MA_CSKCB"], "HO_TEN": s["HO_TEN"], "NGAY_SINH": s["NGAY_SINH"], "GIOI_TINH": s["GIOI_TINH"],
        "NGAY_VAO": s["NGAY_VAO"], "DAU_HIEU_LS": "Sốt cao", "QT_BENHLY": "Sốt 3 ngày", "TOMTAT_KQ": "Bạch cầu tăng",
        "MA_BENH_CHINH": s["MA_BENH_CHINH"], "MA_LYDO_CT": 1, "HUONG_DIEU_TRI": "Chuyển tuyến trên",
        "PHUONGTIEN_VC": "Xe cứu thương", "MA_BAC_SI": episode["services"][0]["MA_BAC_SI"], "MA_TTDV": s["MA_TTDV"],
    });
    let fields = match profile {
        Profile::Qd3176 => json!({ "MA_CSKCB_DEN": "79001", "TINH_TRANG_CT": "Tỉnh, mạch ổn" }),
        Profile::Qd4750 => json!({ "MA_NOI_DEN": "79001", "PP_DIEU_TRI": "Tỉnh, mạch ổn", "TEN_DICH_VU": "Khám bệnh" }),
    };
    letter.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    letter
}

#[actix_web::test]
async fn each_profile_sends_the_referral_letter_with_its_own_names() {
    for profile in [Profile::Qd3176, Profile::Qd4750] {
        let (bhxh, moh) = mocks_with(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() });
        let test = format!("referral_letter_names_{}", profile.as_str());
        let app = spawn_app_with(Backend::Sqlite, &test, |s| {
            fast(s, &bhxh, &moh);
            s.bhxh_protocol.profile = profile;
        })
        .await
        .unwrap();
        let mut episode = serde_json::to_value(&episodes(FACILITY, 94, 1)[0]).unwrap();
        episode["referral_letter"] = referral_letter(&episode, profile);
        let r = app.post_claim(&app.facility_key, &episode).await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["outcome"], "created", "{profile:?}: {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let claim = settle(&app, std::slice::from_ref(&id)).await.remove(0);
        // The mock lists a referral letter with the other amendment's names as an error (XML13_TRUONG),
        // which would reject the claim.
        assert_eq!(claim["status"], "accepted", "{profile:?}: {claim}");
        let ma_lk = episode["summary"]["MA_LK"].as_str().unwrap();
        assert!(bhxh.state.outcomes().iter().any(|o| o.ma_lk == ma_lk && o.reasons.is_empty()), "{profile:?}");
        let xml = app.get(&format!("/api/v1/claims/{id}/xml130"), &app.facility_key).await.text().await.unwrap();
        let hoso = hisgate::formats::xml130::read_hosos(xml.as_bytes()).unwrap().next().unwrap().unwrap();
        let letter = hoso.referral_letter.expect("the letter is in the file");
        assert_eq!(letter.referred_to.as_deref(), Some("79001"));
        assert_eq!(letter.condition_at_transfer.as_deref(), Some("Tỉnh, mạch ổn"));
        assert_eq!(letter.service_name.is_some(), profile == Profile::Qd4750, "TEN_DICH_VU only under 4750");
    }
}

#[actix_web::test]
async fn a_field_qd3176_removed_is_a_warning_and_is_left_out_of_the_file() {
    let app = spawn_app_with(Backend::Sqlite, "a_field_qd3176_removed", |s| s.reference_dir = None).await.unwrap();
    let mut episode = serde_json::to_value(&episodes(FACILITY, 95, 1)[0]).unwrap();
    episode["referral_letter"] = referral_letter(&episode, Profile::Qd3176);
    episode["referral_letter"]["TEN_THUOC"] = json!("Paracetamol");
    let r = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    let warning = body["warnings"].as_array().unwrap().iter().find(|w| w["rule"] == "FIELD_NOT_IN_PROFILE");
    let warning = warning.unwrap_or_else(|| panic!("{body}"));
    assert_eq!(warning["path"], "referral_letter.TEN_THUOC");
    let id = body["id"].as_str().unwrap();
    let xml = app.get(&format!("/api/v1/claims/{id}/xml130"), &app.facility_key).await.text().await.unwrap();
    let hoso = hisgate::formats::xml130::read_hosos(xml.as_bytes()).unwrap().next().unwrap().unwrap();
    assert_eq!(hoso.referral_letter.unwrap().drug_name, None);
    let stored = app.get(&format!("/api/v1/claims/{id}"), &app.facility_key).await.json::<Value>().await.unwrap();
    assert_eq!(stored["episode"]["referral_letter"]["TEN_THUOC"], "Paracetamol", "kept as received");
}

/// Posts `episode`, first making every rule it breaks a warning (an administrator's choice), so
/// that the gateway accepts what the portal will find wrong.
pub async fn accept_as_is(app: &TestApp, episode: &Value) -> String {
    for _ in 0..5 {
        let r = app.post_claim(&app.facility_key, episode).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        if status == 202 {
            return body["id"].as_str().unwrap().to_owned();
        }
        assert_eq!(status, 422, "{body}");
        for v in body["violations"].as_array().unwrap() {
            let url = app.url(&format!("/api/v1/rules/{}", v["rule"].as_str().unwrap()));
            let r = app.client.put(url).bearer_auth(&app.admin_key).json(&json!({ "severity": "warning" })).send();
            assert_eq!(r.await.unwrap().status(), 200, "{v}");
        }
    }
    panic!("the episode was never accepted");
}

/// A claim's BHXH outcome as stored: status, amounts, reasons, and the errors listed.
type Decided = (String, Option<(String, i64, i64, Vec<String>)>, Vec<(String, String)>);

/// Sends the same episodes (every third one with a wrong `T_BHTT` total the portal lists as an
/// error) through a gateway configured with `api`; returns each claim's outcome once its rejected
/// ones are decided and the error lists were asked for the rest again.
async fn outcomes_with(
    backend: Backend,
    api: AppraisalApi,
    appraisal: AppraisalConfig,
) -> Option<(Vec<Decided>, BhxhMock, TestApp, Vec<String>)> {
    let (bhxh, moh) = mocks_with(BhxhConfig { appraisal, ..BhxhConfig::default() });
    let test = format!("error_lists_{api:?}_{}", uuid_like()).to_lowercase();
    let app = spawn_app_with(backend, &test, |s| {
        fast(s, &bhxh, &moh);
        s.bhxh_protocol = BhxhProtocol { appraisal_api: api, hoso_per_file: Some(1), ..BhxhProtocol::default() };
    })
    .await?;
    let mut ids = Vec::new();
    for (i, e) in episodes(FACILITY, 94, 9).iter().enumerate() {
        let mut e = serde_json::to_value(e).unwrap();
        if i % 3 == 0 {
            let total: rust_decimal::Decimal = e["summary"]["T_BHTT"].as_str().unwrap().parse().unwrap();
            e["summary"]["T_BHTT"] = json!((total + rust_decimal::Decimal::ONE).to_string());
        }
        ids.push(accept_as_is(&app, &e).await);
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut claims = Vec::new();
        for id in &ids {
            claims.push(app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json::<Value>().await.unwrap());
        }
        let rejected = claims.iter().filter(|c| c["status"] == "rejected").count();
        let settled = claims.iter().filter(|c| c["status"] != "queued" && c["status"] != "submitted").count();
        let done = match api {
            AppraisalApi::Modelled => settled == ids.len(),
            AppraisalApi::None => rejected == 3 && bhxh.state.calls("/api/egw/nhanChiTietLoiHS") >= 12,
        };
        if done {
            let decided = decided(&app, &ids).await;
            return Some((decided, bhxh, app, ids));
        }
        assert!(
            Instant::now() < deadline,
            "not decided: {:?}",
            claims.iter().map(|c| &c["status"]).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each claim's status and stored BHXH outcome.
async fn decided(app: &TestApp, ids: &[String]) -> Vec<Decided> {
    let mut decided = Vec::new();
    for id in ids {
        let c = app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json::<Value>().await.unwrap();
        let submission = c["submissions"][0]["id"].as_i64().unwrap();
        let (outcome, errors) = app.db.read(move |conn| outbox::outcome_of(conn, submission)).await.unwrap();
        let outcome = outcome.map(|o| (o.status.as_str().to_owned(), o.claimed_cents, o.approved_cents, o.reasons));
        decided.push((c["status"].as_str().unwrap().to_owned(), outcome, errors));
    }
    decided
}

/// A name part that keeps two gateways of one test apart.
fn uuid_like() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn without_the_appraisal_api_error_lists_give_the_outcomes_the_modelled_query_gives(backend: Backend) {
    let Some((modelled, ..)) = outcomes_with(backend, AppraisalApi::Modelled, clean_appraisal()).await else {
        return;
    };
    let Some((listed, bhxh, ..)) = outcomes_with(backend, AppraisalApi::None, clean_appraisal()).await else {
        return;
    };
    assert_eq!(bhxh.state.calls(APPRAISAL), 0, "the appraisal query is never asked");
    for (i, (m, l)) in modelled.iter().zip(&listed).enumerate() {
        if i % 3 == 0 {
            assert_eq!(l.0, "rejected", "{l:?}");
            assert_eq!(m, l, "the same outcome and errors from the error list");
            let reasons = &l.1.as_ref().unwrap().3;
            assert!(reasons[0].starts_with("XML1_T_BHTT: "), "{reasons:?}");
            assert_eq!(l.1.as_ref().unwrap().2, 0, "nothing approved");
        } else {
            assert_eq!(m.0, "accepted");
            assert_eq!(l, &("submitted".to_owned(), None, Vec::new()), "no outcome yet: it comes with a result file");
        }
    }
}

/// The result file staff download from the portal for these outcomes, as CSV: a title row, the
/// report's own `STT`, Vietnamese headings, `;` between fields and decimal commas.
fn result_csv(outcomes: &[&mocks::bhxh::Outcome]) -> String {
    let mut csv = "KẾT QUẢ GIÁM ĐỊNH HỒ SƠ XML;;;;\nSTT;Mã LK;Số tiền đề nghị;Số tiền duyệt;Lý do\n".to_owned();
    for (i, o) in outcomes.iter().enumerate() {
        let comma = |d: rust_decimal::Decimal| d.to_string().replace('.', ",");
        csv += &format!("{};{};{};{};{}\n", i + 1, o.ma_lk, comma(o.claimed), comma(o.approved), o.reasons.join(" | "));
    }
    csv
}

/// The same as XLSX, appendix headings, with a row per line under each record's row.
fn result_xlsx(outcomes: &[&mocks::bhxh::Outcome]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["MA_LK", "BANG", "STT_CHI_TIET", "SO_TIEN_DE_NGHI", "SO_TIEN_DUYET", "LY_DO"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let mut row = 1;
    let money = |d: rust_decimal::Decimal| d.to_string().parse::<f64>().unwrap();
    for o in outcomes {
        sheet.write_string(row, 0, &o.ma_lk).unwrap();
        sheet.write_number(row, 3, money(o.claimed)).unwrap();
        sheet.write_number(row, 4, money(o.approved)).unwrap();
        sheet.write_string(row, 5, o.reasons.join(" | ")).unwrap();
        row += 1;
        for l in &o.lines {
            sheet.write_string(row, 0, &o.ma_lk).unwrap();
            sheet.write_string(row, 1, &l.table).unwrap();
            sheet.write_string(row, 2, &l.stt).unwrap();
            sheet.write_number(row, 3, money(l.claimed)).unwrap();
            sheet.write_number(row, 4, money(l.approved)).unwrap();
            row += 1;
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let url = app.url("/api/v1/reconciliation/import");
    let r = app.client.post(url).bearer_auth(&app.facility_key).body(body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The settlement view of every month the episodes settle in.
async fn settlements(app: &TestApp, sent: &[Episode]) -> Vec<Value> {
    let mut months: Vec<(u32, u32)> =
        sent.iter().map(|e| (e.summary.settlement_year.unwrap(), e.summary.settlement_month.unwrap())).collect();
    months.sort_unstable();
    months.dedup();
    let mut views = Vec::new();
    for (year, month) in months {
        let path = format!("/api/v1/reconciliation?facility={FACILITY}&year={year}&month={month}");
        views.push(app.get(&path, &app.doh_key).await.json::<Value>().await.unwrap()["total"].clone());
    }
    views
}

async fn imported_result_files_give_the_outcomes_and_sums_the_modelled_query_gives(backend: Backend) {
    // Some partial approvals beside the records the error lists reject.
    let appraisal = AppraisalConfig { partial_rate: 0.5, seed: 11, ..clean_appraisal() };
    let Some((modelled, _, modelled_app, _)) = outcomes_with(backend, AppraisalApi::Modelled, appraisal.clone()).await
    else {
        return;
    };
    let Some((_, bhxh, app, ids)) = outcomes_with(backend, AppraisalApi::None, appraisal).await else { return };
    let outcomes = bhxh.state.outcomes();
    let outcomes: Vec<&mocks::bhxh::Outcome> = outcomes.iter().collect();
    assert!(outcomes.iter().any(|o| o.status == "CHAP_NHAN_MOT_PHAN"), "some partial approvals");

    // One bad row refuses the file, naming it; nothing is settled.
    let mut lines: Vec<String> = result_csv(&outcomes).lines().map(str::to_owned).collect();
    let mut cells: Vec<&str> = lines[2].split(';').collect();
    cells[2] = "1.234.567";
    lines[2] = cells.join(";");
    let bad = lines.join("\n");
    let (status, problem) = import(&app, bad.into_bytes()).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("row 3, column `Số tiền đề nghị`"), "{problem}");
    assert!(decided(&app, &ids).await.iter().all(|d| d.0 == "rejected" || d.0 == "submitted"));

    // The first half as CSV (with an MA_LK the gateway never saw), the second as XLSX with lines.
    let (first, second) = outcomes.split_at(outcomes.len() / 2);
    let mut csv = result_csv(first);
    csv += "99;LK-KHONG-CO;100;100;\n";
    let (status, report) = import(&app, csv.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["unknown"]["episode_keys"], json!(["LK-KHONG-CO"]), "{report}");
    let (status, report) = import(&app, result_xlsx(second)).await;
    assert_eq!(status, 200, "{report}");
    let (_, again) = import(&app, result_xlsx(second)).await;
    assert_eq!(
        (again["settled"].as_u64(), again["already_decided"]["count"].as_u64()),
        (Some(0), Some(second.len() as u64))
    );

    let imported = decided(&app, &ids).await;
    for (m, i) in modelled.iter().zip(&imported) {
        let (m_outcome, i_outcome) = (m.1.as_ref().unwrap(), i.1.as_ref().unwrap());
        assert_eq!(
            (&m.0, m_outcome.0.as_str(), m_outcome.1, m_outcome.2),
            (&i.0, i_outcome.0.as_str(), i_outcome.1, i_outcome.2)
        );
        if m.0 == "partially_approved" {
            assert_eq!(m_outcome.3, i_outcome.3, "the portal's reason");
        }
    }
    let sent = episodes(FACILITY, 94, 9);
    assert_eq!(settlements(&modelled_app, &sent).await, settlements(&app, &sent).await, "the same settlement sums");
}

/// The size of the `GIAMDINHHS` file of `episodes`, as the dispatcher writes it (unsigned).
fn file_size(episodes: &[hisgate::domain::Episode]) -> usize {
    hisgate::formats::xml130::envelope(
        FACILITY,
        chrono::Utc::now().date_naive(),
        episodes,
        hisgate::domain::spec::Profile::default(),
    )
    .len()
}

#[actix_web::test]
async fn a_file_too_large_for_the_hour_is_split_and_never_dead_lettered() {
    // Six episodes of one size (one episode under six MA_LK): a file of one fits, of two does not.
    let one = serde_json::to_value(&episodes(FACILITY, 96, 1)[0]).unwrap();
    let sent: Vec<hisgate::domain::Episode> = (0..6)
        .map(|i| {
            let mut e = one.clone();
            crate::validation::rekey(&mut e, &format!("LK-TOO-LARGE-{i}"));
            serde_json::from_value(e).unwrap()
        })
        .collect();
    let largest = sent.iter().map(|e| file_size(std::slice::from_ref(e))).max().unwrap();
    assert!(file_size(&sent[..2]) > largest + 2_000, "the test needs it");
    let (bhxh, moh) = mocks_with(BhxhConfig {
        appraisal: clean_appraisal(),
        max_file_bytes: Some(largest + 1_000),
        ..BhxhConfig::default()
    });
    let app = spawn_app_with(Backend::Sqlite, "a_file_too_large_for_the_hour_is_split", |s| fast(s, &bhxh, &moh))
        .await
        .unwrap();
    let queue = |action: &str| app.client.post(app.url(&format!("/api/v1/queue/{action}"))).bearer_auth(&app.admin_key);
    assert_eq!(queue("pause").send().await.unwrap().status(), 200);
    let mut ids = Vec::new();
    for e in &sent {
        ids.push(
            app.post_claim(&app.facility_key, e).await.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(queue("resume").send().await.unwrap().status(), 200);
    for (e, c) in sent.iter().zip(settle(&app, &ids).await) {
        assert_eq!(c["status"], "accepted", "{c}");
        let b = bhxh.state.episode(e.episode_key()).unwrap();
        assert_eq!((b.received, b.duplicates), (1, 0));
    }
    assert!(bhxh.state.calls(DOSSIER_3176) > 6, "the 6-HOSO file was refused, then sent in parts");
}

#[actix_web::test]
async fn a_dossier_outside_the_settlement_window_is_dead_lettered_with_the_reason() {
    let (bhxh, moh) =
        mocks_with(BhxhConfig { appraisal: clean_appraisal(), settlement_window: true, ..BhxhConfig::default() });
    let app = spawn_app_with(Backend::Sqlite, "a_dossier_outside_the_settlement_window", |s| fast(s, &bhxh, &moh))
        .await
        .unwrap();
    let now = chrono::Utc::now() + chrono::Duration::hours(7);
    let mut ids = Vec::new();
    for (i, e) in episodes(FACILITY, 97, 2).iter().enumerate() {
        let mut e = serde_json::to_value(e).unwrap();
        // The first is of this month; the second of a month closed long ago.
        let (year, month) = if i == 0 { (now.year(), now.month()) } else { (now.year() - 1, now.month()) };
        e["summary"]["NAM_QT"] = json!(year);
        e["summary"]["THANG_QT"] = json!(month);
        ids.push(accept_as_is(&app, &e).await);
    }
    let claims = settle(&app, &ids).await;
    assert_eq!(claims[0]["status"], "accepted", "{}", claims[0]);
    assert_eq!(claims[1]["status"], "dead_letter", "{}", claims[1]);
    let error = claims[1]["submissions"][0]["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("701: ") && error.contains("settlement window") && error.contains("quyết toán"),
        "{error}"
    );
    assert_eq!(claims[1]["submissions"][0]["attempts"], 1, "not retried");
}

#[actix_web::test]
async fn a_missing_appraisal_api_is_asked_once_and_the_doh_is_told() {
    let (bhxh, moh) = mocks_with(BhxhConfig { appraisal_api: false, ..BhxhConfig::default() });
    let app = spawn_app_with(Backend::Sqlite, "a_missing_appraisal_api_is_asked_once", |s| fast(s, &bhxh, &moh))
        .await
        .unwrap();
    let (_, _ids) = send(&app, 95, 8).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while bhxh.state.calls("/api/egw/nhanChiTietLoiHS") < 10 {
        assert!(Instant::now() < deadline, "error lists were not asked for");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bhxh.state.calls(APPRAISAL), 1, "asked once, answered 404, never again");
    let alerts: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    let missing: Vec<&Value> =
        alerts.as_array().unwrap().iter().filter(|a| a["kind"] == "appraisal_api_missing").collect();
    assert_eq!(missing.len(), 1, "{alerts}");
}
