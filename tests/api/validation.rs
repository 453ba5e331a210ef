//! Every rule of the catalogue is triggered through the HTTP API, with its code in the answer.

use crate::helpers::{Backend, FACILITY, episodes, spawn_app};
use hisgate::validation::Catalogue;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::str::FromStr;

/// Adds `delta` to a money field held as a decimal string.
fn bump(v: &mut Value, delta: i64) {
    let d = Decimal::from_str(v.as_str().expect("decimal string")).unwrap() + Decimal::from(delta);
    *v = json!(d.to_string());
}

struct Case {
    expect: &'static str,
    admin: bool,
    mutate: Box<dyn Fn(&mut Value)>,
}

fn case(expect: &'static str, mutate: impl Fn(&mut Value) + 'static) -> Case {
    Case { expect, admin: false, mutate: Box::new(mutate) }
}

fn as_admin(expect: &'static str, mutate: impl Fn(&mut Value) + 'static) -> Case {
    Case { expect, admin: true, mutate: Box::new(mutate) }
}

fn cases() -> Vec<Case> {
    vec![
        case("FIELD_REQUIRED", |e| drop(e["summary"].as_object_mut().unwrap().remove("HO_TEN"))),
        case("FIELD_TOO_LONG", |e| e["summary"]["MA_BN"] = json!("X".repeat(101))),
        case("FIELD_TOO_LONG", |e| e["summary"]["MA_NGHE_NGHIEP"] = json!("00000")),
        case("FIELD_SIZE_UNCERTAIN", |e| e["services"][0]["TT_THAU"] = json!("QĐ 0123456789/QĐ-SYT-83;G1;N1;2026")),
        case("FIELD_INVALID_CHARACTER", |e| e["summary"]["DIA_CHI"] = json!("Ấp 3\u{0007}")),
        case("FIELD_BIDI_CONTROL", |e| e["summary"]["HO_TEN"] = json!("Nguyễn Văn \u{202E}nA")),
        case("FIELD_NUMBER_TOO_LARGE", |e| e["summary"]["NAM_QT"] = json!(20260)),
        case("FIELD_DECIMAL_PLACES", |e| e["drugs"][0]["DON_GIA"] = json!("350.1234")),
        case("FIELD_NEGATIVE", |e| e["drugs"][0]["T_NGUONKHAC_NSNN"] = json!("-5")),
        case("FIELD_CODE_UNKNOWN", |e| e["summary"]["GIOI_TINH"] = json!(4)),
        // QĐ 3276 dropped 7.1; whether the portal still takes it is not known.
        case("FIELD_CODE_UNCERTAIN", |e| e["summary"]["MA_DOITUONG_KCB"] = json!("7.1")),
        // A stay from before QĐ 3276's transition ended to after it, with a code it dropped.
        case("FIELD_CODE_LIST_BOUNDARY", |e| {
            e["summary"]["NGAY_VAO"] = json!("202512300800");
            e["summary"]["MA_DOITUONG_KCB"] = json!("1.10");
        }),
        case("FIELD_PERCENT_RANGE", |e| e["drugs"][0]["MUC_HUONG"] = json!(120)),
        case("FIELD_DATE_FORMAT", |e| e["discharge_certificate"]["NGAY_CT"] = json!("20261340")),
        case("FIELD_DATETIME_FORMAT", |e| e["summary"]["NGAY_TTOAN"] = json!("202602301000")),
        case("FIELD_BIRTH_DATE_FORMAT", |e| e["summary"]["NGAY_SINH"] = json!("19850101")),
        case("EPISODE_KEY_MISMATCH", |e| e["drugs"][0]["MA_LK"] = json!("another-episode")),
        as_admin("FACILITY_CODE_FORMAT", |e| e["summary"]["MA_CSKCB"] = json!("8300")),
        as_admin("FACILITY_UNKNOWN", |e| {
            e["summary"]["MA_CSKCB"] = json!("83999");
            for line in e["services"].as_array_mut().unwrap() {
                if let Some(machine) = line["MA_MAY"].as_str() {
                    line["MA_MAY"] = json!(machine.replace("83001", "83999"));
                }
            }
        }),
        case("LINE_SEQ_DUPLICATE", |e| e["drugs"][1]["STT"] = e["drugs"][0]["STT"].clone()),
        case("COST_GROUP_TABLE", |e| e["drugs"][0]["MA_NHOM"] = json!(13)),
        case("CHECKIN_SINGLE_ITEM", |e| {
            let key = e["summary"]["MA_LK"].clone();
            e["check_ins"] = json!([{
                "MA_LK": key, "STT": 1, "MA_BN": "BN1", "HO_TEN": "Nguyễn Văn An", "NGAY_SINH": "198501010000",
                "GIOI_TINH": 1, "MA_DOITUONG_KCB": "1.1", "NGAY_VAO": e["summary"]["NGAY_VAO"].clone(),
                "MA_LOAI_KCB": "03", "MA_CSKCB": FACILITY, "NGAY_YL": e["summary"]["NGAY_VAO"].clone(),
                "MA_DICH_VU": "02.1896", "TEN_DICH_VU": "Khám Nội", "MA_THUOC": "40.152", "TEN_THUOC": "Paracetamol"
            }]);
        }),
        case("CARD_LENGTH", |e| e["summary"]["MA_THE_BHYT"] = json!("HS48301234567")),
        case("CARD_OBJECT_CODE", |e| e["summary"]["MA_THE_BHYT"] = json!("h54830123456789")),
        case("CARD_BENEFIT_CODE", |e| e["summary"]["MA_THE_BHYT"] = json!("HS9830123456789")),
        case("CARD_PROVINCE_CODE", |e| e["summary"]["MA_THE_BHYT"] = json!("HS4B30123456789")),
        case("CARD_SOCIAL_INSURANCE_NUMBER", |e| e["summary"]["MA_THE_BHYT"] = json!("HS48301234X6789")),
        case("CARD_LIST_MISMATCH", |e| e["summary"]["MA_DKBD"] = json!("83001;83002")),
        case("CARD_VALIDITY_ORDER", |e| e["summary"]["GT_THE_TU"] = json!("20991231")),
        case("CARD_NOT_VALID_DURING_VISIT", |e| {
            e["summary"]["GT_THE_TU"] = json!("20250101");
            e["summary"]["GT_THE_DEN"] = json!("20250131");
        }),
        case("CITIZEN_ID_FORMAT", |e| e["summary"]["SO_CCCD"] = json!("12345")),
        case("STAY_DISCHARGE_BEFORE_ADMISSION", |e| e["summary"]["NGAY_RA"] = json!("202001010000")),
        case("STAY_INPATIENT_BEFORE_ARRIVAL", |e| e["summary"]["NGAY_VAO_NOI_TRU"] = json!("202001010000")),
        case("STAY_BIRTH_AFTER_ARRIVAL", |e| e["summary"]["NGAY_SINH"] = json!("209901010000")),
        case("STAY_TREATMENT_DAYS", |e| e["summary"]["SO_NGAY_DTRI"] = json!(99)),
        case("STAY_OUTPATIENT_MULTI_DAY", |e| {
            e["summary"]["MA_LOAI_KCB"] = json!("01");
            e["summary"]["SO_NGAY_DTRI"] = json!(0);
        }),
        case("ORDER_OUTSIDE_STAY", |e| e["drugs"][0]["NGAY_YL"] = json!("202001010000")),
        case("LINE_AMOUNT_HOSPITAL", |e| bump(&mut e["drugs"][0]["THANH_TIEN_BV"], 1)),
        case("LINE_AMOUNT_INSURED", |e| bump(&mut e["drugs"][0]["THANH_TIEN_BH"], 1)),
        case("LINE_OTHER_SOURCES_SUM", |e| e["drugs"][0]["T_NGUONKHAC_CL"] = json!("5")),
        case("LINE_SPLIT", |e| bump(&mut e["services"][0]["T_BHTT"], 1)),
        case("TOTAL_T_THUOC", |e| bump(&mut e["summary"]["T_THUOC"], 1)),
        case("TOTAL_T_VTYT", |e| bump(&mut e["summary"]["T_VTYT"], 1)),
        case("TOTAL_T_TONGCHI_BV", |e| bump(&mut e["summary"]["T_TONGCHI_BV"], 1)),
        case("TOTAL_T_TONGCHI_BH", |e| bump(&mut e["summary"]["T_TONGCHI_BH"], 1)),
        case("TOTAL_T_BNTT", |e| bump(&mut e["summary"]["T_BNTT"], 1)),
        case("TOTAL_T_BNCCT", |e| bump(&mut e["summary"]["T_BNCCT"], 1)),
        case("TOTAL_T_BHTT", |e| bump(&mut e["summary"]["T_BHTT"], 1)),
        case("TOTAL_T_NGUONKHAC", |e| bump(&mut e["summary"]["T_NGUONKHAC"], 1)),
        case("TOTAL_T_BHTT_GDV", |e| bump(&mut e["summary"]["T_BHTT_GDV"], 1)),
        case("INPATIENT_WITHOUT_DISCHARGE_CERTIFICATE", |e| {
            drop(e.as_object_mut().unwrap().remove("discharge_certificate"))
        }),
        case("REFERRAL_FIELDS_MISMATCH", |e| {
            e["referral_letter"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "HO_TEN": "Người Khác" });
        }),
        case("FIELD_NOT_IN_PROFILE", |e| {
            e["referral_letter"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "TEN_THUOC": "Paracetamol" });
        }),
        case("REFERRAL_NUMBER_REQUIRED", |e| e["summary"]["MA_NOI_DI"] = json!("83002")),
        case("OFF_ROUTE_AT_OWN_FACILITY", |e| e["summary"]["MA_DOITUONG_KCB"] = json!("3.2")),
        case("SECONDARY_DIAGNOSES_TOO_MANY", |e| {
            e["summary"]["MA_BENH_KT"] = json!((1..=13).map(|i| format!("A{i:02}")).collect::<Vec<_>>().join(";"));
        }),
        case("INPATIENT_ADMISSION_FIELDS", |e| drop(e["summary"].as_object_mut().unwrap().remove("PP_DIEU_TRI"))),
        case("TENDER_INFO_FORMAT", |e| e["drugs"][0]["TT_THAU"] = json!("QĐ 5;nhóm 1")),
        case("EXECUTED_BEFORE_ORDERED", |e| e["drugs"][0]["NGAY_TH_YL"] = json!("202001010000")),
        case("SUPPLY_PACKAGE_FORMAT", |e| e["services"][0]["GOI_VTYT"] = json!("X1")),
        case("MACHINE_CODE_FORMAT", |e| {
            let i = lab(e);
            e["services"][i]["MA_MAY"] = json!("XQ.1.99999.1");
        }),
        case("SURGERY_FIELDS", |e| {
            let i = lab(e);
            e["services"][i]["MA_NHOM"] = json!(8);
        }),
        case("RESULT_OUTSIDE_STAY", |e| {
            let i = lab(e);
            e["services"][i]["NGAY_KQ"] = json!("209901010000");
        }),
        case("CEILING_EXCEEDED", |e| e["services"][0]["T_TRANTT"] = json!("1.00")),
        case("BED_NOT_ALLOWED", |e| e["summary"]["MA_LOAI_KCB"] = json!("02")),
        case("BED_CODE_FORMAT", |e| {
            let i = bed(e);
            e["services"][i]["MA_GIUONG"] = json!("X12");
        }),
        case("BED_QUANTITY", |e| {
            let i = bed(e);
            e["services"][i]["SO_LUONG"] = json!("2");
        }),
        case("BED_OVERLAP", |e| {
            let mut again = e["services"][bed(e)].clone();
            again["STT"] = json!(99);
            e["services"].as_array_mut().unwrap().push(again);
        }),
        case("BED_UNDER_4_HOURS", |e| e["summary"]["NGAY_VAO_NOI_TRU"] = json!(before_discharge(e, 120))),
        case("BED_DAYS_UNDER_24_HOURS", |e| e["summary"]["NGAY_VAO_NOI_TRU"] = json!(before_discharge(e, 600))),
        case("BED_DAYS_LAST_DAY", |e| {
            // One bed day more, in the last hours before discharge: as many bed days as calendar days.
            let mut last = e["services"][bed(e)].clone();
            last["STT"] = json!(99);
            last["NGAY_YL"] = json!(before_discharge(e, 30));
            e["services"].as_array_mut().unwrap().push(last);
        }),
        case("PROCEDURE_DUPLICATE", |e| {
            let i = lab(e);
            e["services"][i]["MA_NHOM"] = json!(18);
            let mut again = e["services"][i].clone();
            again["STT"] = json!(99);
            e["services"].as_array_mut().unwrap().push(again);
        }),
        case("SUPPLY_OUTSIDE_LIST", |e| {
            let i = e["services"].as_array().unwrap().iter().position(|l| l["MA_NHOM"] == 10).unwrap();
            e["services"][i]["MA_NHOM"] = json!(11);
        }),
        case("OFF_ROUTE_EXAM_DEPARTMENT_ORDERS", |e| {
            e["summary"]["MA_DOITUONG_KCB"] = json!("3.1");
            e["drugs"][0]["MA_KHOA"] = json!("K01");
        }),
        case("WEIGHT_IMPLAUSIBLE", |e| e["summary"]["CAN_NANG"] = json!("650")),
        case("BIRTH_CERTIFICATE_CODES", |e| {
            e["birth_certificates"] = json!([{ "MA_LK": e["summary"]["MA_LK"].clone(), "MA_THE_TAM": "TE18312345" }]);
        }),
        case("EXAM_FEES_INPATIENT", |e| {
            let mut exam = e["services"][0].clone();
            exam["STT"] = json!(99);
            e["services"].as_array_mut().unwrap().push(exam);
        }),
        case("RESULT_READER_REQUIRED", |e| {
            drop(e["paraclinical_results"][0].as_object_mut().unwrap().remove("MA_BS_DOC_KQ"))
        }),
        case("IMAGING_CONCLUSION", |e| {
            let i = lab(e);
            e["services"][i]["MA_NHOM"] = json!(2);
            e["paraclinical_results"][0]["MA_DICH_VU"] = e["services"][i]["MA_DICH_VU"].clone();
        }),
        case("NOTE_OUTSIDE_STAY", |e| e["progress_notes"][0]["THOI_DIEM_DBLS"] = json!("202001010000")),
        case("RECORD_SUMMARY_TOO_LONG", |e| {
            e["record_summary"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "TOMTAT_KQ": "x".repeat(4001) });
        }),
        case("PREGNANCY_LEAVE_TOO_LONG", |e| {
            e["pregnancy_leave"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "SO_NGAY": 181 });
        }),
        case("SICK_LEAVE_FORM", |e| {
            e["sick_leave"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "MAU_SO": "CT01" })
        }),
        case("SICK_LEAVE_DATES", |e| {
            e["sick_leave"] =
                json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "MAU_SO": "CT07", "TU_NGAY": "20991231" });
        }),
        case("ICD10_UNKNOWN", |e| e["summary"]["MA_BENH_CHINH"] = json!("Z99.9")),
        case("YHCT_CODE_UNKNOWN", |e| e["summary"]["MA_BENH_YHCT"] = json!("U50.001;U99.999")),
        case("MAIN_DIAGNOSIS_YHCT", |e| e["summary"]["MA_BENH_CHINH"] = json!("U50.001")),
        case("FACILITY_NOT_IN_CATALOGUE", |e| e["summary"]["MA_DKBD"] = json!("99999")),
        case("ADMIN_UNIT_UNKNOWN", |e| e["summary"]["MAXA_CU_TRU"] = json!("99999")),
        case("ADMIN_UNIT_NESTING", |e| {
            // Since 2025-07-01 a commune belongs to its province directly.
            e["summary"]["MATINH_CU_TRU"] = json!("79");
            e["summary"]["MAXA_CU_TRU"] = json!("28720");
        }),
        case("OCCUPATION_UNKNOWN", |e| e["summary"]["MA_NGHE_NGHIEP"] = json!("99999")),
        case("DRUG_NOT_APPROVED", |e| e["drugs"][0]["MA_THUOC"] = json!("40.9999")),
        case("DRUG_PRICE_ABOVE_APPROVED", |e| e["drugs"][0]["DON_GIA"] = json!("999999.000")),
        case("DRUG_DETAILS_MISMATCH", |e| e["drugs"][0]["HAM_LUONG"] = json!("999mg")),
        case("SERVICE_NOT_APPROVED", |e| {
            let i = lab(e);
            e["services"][i]["MA_DICH_VU"] = json!("99.9999.9999");
        }),
        case("SUPPLY_NOT_APPROVED", |e| {
            let i = e["services"].as_array().unwrap().iter().position(|l| l["MA_NHOM"] == 10).unwrap();
            e["services"][i]["MA_VAT_TU"] = json!("N99.99.999");
        }),
        case("ITEM_PRICE_ABOVE_APPROVED", |e| e["services"][0]["DON_GIA_BH"] = json!("99999999.000")),
        case("SCOPE_ARMED_FORCES_CARD", |e| e["drugs"][0]["PHAM_VI"] = json!(3)),
        case("STAFF_NOT_APPROVED", |e| e["drugs"][0]["MA_BAC_SI"] = json!("999999/BYT-CCHN")),
        case("STAFF_NOT_APPROVED", |e| e["discharge_certificate"]["MA_BS"] = json!("999999/BYT-CCHN")),
        case("REEXAM_NOT_AFTER_DISCHARGE", |e| {
            e["reexam_appointment"] = json!({ "MA_LK": e["summary"]["MA_LK"].clone(), "NGAY_HEN_KL": "20200101" });
        }),
    ]
}

/// The first lab, imaging or function-test line of the generated episode.
fn lab(e: &Value) -> usize {
    e["services"].as_array().unwrap().iter().position(|l| [1, 2, 3].contains(&l["MA_NHOM"].as_u64().unwrap())).unwrap()
}

/// `minutes` before the episode's NGAY_RA, as `yyyyMMddHHmm`.
fn before_discharge(e: &Value, minutes: i64) -> String {
    let format = "%Y%m%d%H%M";
    let discharge = chrono::NaiveDateTime::parse_from_str(e["summary"]["NGAY_RA"].as_str().unwrap(), format).unwrap();
    (discharge - chrono::Duration::minutes(minutes)).format(format).to_string()
}

/// The first bed-day line.
fn bed(e: &Value) -> usize {
    e["services"].as_array().unwrap().iter().position(|l| l["MA_NHOM"] == 15).unwrap()
}

#[actix_web::test]
async fn every_catalogue_rule_is_reported_over_http() {
    // BHXH answers the background card check, the one rule found after acceptance.
    let bhxh = mocks::bhxh::start(mocks::bhxh::BhxhConfig::default(), "127.0.0.1:0").unwrap();
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "every_catalogue_rule_is_reported_over_http", |s| {
        s.dispatch.enabled = false;
        s.bhxh = hisgate::config::PortalSettings {
            url: Some(bhxh.url().to_owned()),
            username: "83_SYT".to_owned(),
            password: hisgate::config::Secret::new("hisgate-demo"),
            ..Default::default()
        };
        s.eligibility.officer =
            Some(hisgate::config::LookupOfficer { name: "Nguyễn Thị Lan".into(), cccd: "083190000001".into() });
    })
    .await
    .expect("sqlite always runs");
    // An inpatient episode: it has a discharge certificate, progress notes and an inpatient admission.
    let base = episodes(FACILITY, 11, 20)
        .into_iter()
        .find(|e| e.summary.visit_type.as_deref() == Some("03"))
        .expect("the generator makes inpatient stays");
    let base = serde_json::to_value(&base).unwrap();
    let mut seen = BTreeSet::new();
    for (i, case) in cases().into_iter().enumerate() {
        let mut episode = base.clone();
        rekey(&mut episode, &format!("rule-{i}"));
        (case.mutate)(&mut episode);
        let key = if case.admin { &app.admin_key } else { &app.facility_key };
        let response = app.post_claim(key, &episode).await;
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        let found = match status {
            422 => {
                assert_eq!(content_type, "application/problem+json");
                &body["violations"]
            }
            202 => &body["warnings"],
            other => panic!("{}: unexpected status {other}: {body}", case.expect),
        };
        let rules: Vec<&str> = found.as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap()).collect();
        assert!(rules.contains(&case.expect), "{} not reported; got {rules:?}", case.expect);
        let v = found.as_array().unwrap().iter().find(|v| v["rule"] == case.expect).unwrap();
        assert!(!v["path"].as_str().unwrap().is_empty() && !v["message"].as_str().unwrap().is_empty());
        seen.extend(rules.into_iter().map(str::to_owned));
    }
    // A rule only a whole file can break: a HOSO of another facility inside the file.
    let mut foreign = episodes(crate::helpers::OTHER_FACILITY, 13, 1).remove(0);
    foreign.summary.episode_key = Some("foreign".into());
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let file = hisgate::formats::xml130::envelope(FACILITY, day, &[foreign], hisgate::domain::spec::Profile::default());
    let report: Value = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&app.admin_key)
        .header("content-type", "application/xml")
        .body(file)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rules = report["items"][0]["error"]["violations"].as_array().unwrap();
    assert_eq!(rules[0]["rule"], "ENVELOPE_FACILITY_MISMATCH");
    seen.insert("ENVELOPE_FACILITY_MISMATCH".to_owned());

    // The background card check: an accepted claim whose card BHXH reports expired.
    let mut expired = episodes(FACILITY, 14, 1).remove(0);
    expired.summary.card_numbers = Some("HS4839999990010".to_owned());
    let accepted: Value = app.post_claim(&app.facility_key, &expired).await.json().await.unwrap();
    crate::jobs::run(&app, "card_check").await;
    let claim: Value = app
        .get(&format!("/api/v1/claims/{}", accepted["id"].as_str().unwrap()), &app.doh_key)
        .await
        .json()
        .await
        .unwrap();
    seen.extend(claim["warnings"].as_array().unwrap().iter().map(|w| w["rule"].as_str().unwrap().to_owned()));

    // What reading a file beyond the format notes: the export shapes real HIS produce.
    for shape in crate::exports::shapes(900) {
        let r = app.client.post(app.url("/api/v1/dossiers")).bearer_auth(&app.admin_key);
        let r = r.header("content-type", "application/xml").body(shape.file).send().await.unwrap();
        let Ok(report) = r.json::<Value>().await else { continue };
        let items = report["items"].as_array().into_iter().flatten();
        let warnings = report["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(items.flat_map(|i| i["receipt"]["warnings"].as_array().into_iter().flatten()));
        seen.extend(warnings.map(|w| w["rule"].as_str().unwrap().to_owned()));
    }

    let catalogue: BTreeSet<String> = Catalogue::builtin().rules().map(|r| r.code.clone()).collect();
    let missing: Vec<_> = catalogue.difference(&seen).collect();
    assert!(missing.is_empty(), "rules never triggered by a test: {missing:?}");
}

#[actix_web::test]
async fn rejection_lists_every_violation_with_field_and_value() {
    let app = spawn_app(Backend::Sqlite, "rejection_lists_every_violation_with_field_and_value").await.unwrap();
    let mut episode = serde_json::to_value(&episodes(FACILITY, 12, 1)[0]).unwrap();
    episode["summary"]["GIOI_TINH"] = json!(7);
    episode["summary"]["MA_THE_BHYT"] = json!("HS9830123456789");
    drop(episode["summary"].as_object_mut().unwrap().remove("MA_BENH_CHINH"));
    let response = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/validation");
    assert_eq!(problem["status"], 422);
    let violations = problem["violations"].as_array().unwrap();
    let find = |rule: &str| {
        violations.iter().find(|v| v["rule"] == rule).unwrap_or_else(|| panic!("{rule} in {violations:?}"))
    };
    assert_eq!(find("FIELD_CODE_UNKNOWN")["path"], "summary.GIOI_TINH");
    assert_eq!(find("FIELD_CODE_UNKNOWN")["value"], "7");
    assert_eq!(find("FIELD_REQUIRED")["path"], "summary.MA_BENH_CHINH");
    let card = find("CARD_BENEFIT_CODE");
    assert_eq!(card["path"], "summary.MA_THE_BHYT[0]");
    assert_eq!(card["severity"], "critical");
    assert!(card["message"].as_str().unwrap().contains("character 3"));
    assert_eq!(card["value"], "HS98*******6789", "card numbers are masked in answers");
    assert_eq!(app.counts().await, (0, 0, 0), "nothing stored");
}

#[actix_web::test]
async fn an_administrator_changes_a_rules_severity_and_it_persists() {
    let mut app = spawn_app(Backend::Sqlite, "an_administrator_changes_a_rules_severity").await.unwrap();
    let mut episode = serde_json::to_value(&episodes(FACILITY, 14, 1)[0]).unwrap();
    episode["summary"]["SO_CCCD"] = json!("12345");
    let first = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(first.status(), 202, "CITIZEN_ID_FORMAT is a warning as shipped");

    let set = |key: String, code: &'static str, severity: &'static str| {
        let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/rules/{code}")));
        async move { client.put(url).bearer_auth(key).json(&json!({ "severity": severity })).send().await.unwrap() }
    };
    assert_eq!(set(app.doh_key.clone(), "CITIZEN_ID_FORMAT", "critical").await.status(), 403);
    assert_eq!(set(app.admin_key.clone(), "NO_SUCH_RULE", "critical").await.status(), 404);
    assert_eq!(set(app.admin_key.clone(), "FACILITY_UNKNOWN", "warning").await.status(), 409);
    let changed: Value = set(app.admin_key.clone(), "CITIZEN_ID_FORMAT", "critical").await.json().await.unwrap();
    assert_eq!(changed["severity"], "critical");

    rekey(&mut episode, "second");
    assert_eq!(app.post_claim(&app.facility_key, &episode).await.status(), 422, "now it blocks");

    app.restart().await;
    let rules: Vec<Value> = app.get("/api/v1/rules", &app.facility_key).await.json().await.unwrap();
    let rule = rules.iter().find(|r| r["code"] == "CITIZEN_ID_FORMAT").unwrap();
    assert_eq!(rule["severity"], "critical", "the change survives a restart");
    rekey(&mut episode, "third");
    let refused: Value = app.post_claim(&app.admin_key, &episode).await.json().await.unwrap();
    let rules: Vec<&str> =
        refused["violations"].as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["CITIZEN_ID_FORMAT"]);
    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, "CITIZEN_ID_FORMAT")).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "rule.severity");
}

/// Gives the episode another MA_LK, in every table that carries it.
pub fn rekey(episode: &mut Value, key: &str) {
    episode["summary"]["MA_LK"] = json!(key);
    for section in ["drugs", "services", "paraclinical_results", "progress_notes", "check_ins"] {
        for line in episode.get_mut(section).and_then(Value::as_array_mut).into_iter().flatten() {
            line["MA_LK"] = json!(key);
        }
    }
    if let Some(certificate) = episode.get_mut("discharge_certificate") {
        certificate["MA_LK"] = json!(key);
    }
}
