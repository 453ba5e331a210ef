//! The facility registry: admins write (one by one or by CSV), DoH reads everything, a facility
//! reads itself; a suspended facility's records are refused.

use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, spawn_app};
use crate::on_both_backends;
use serde_json::{Value, json};

on_both_backends!(
    admins_keep_the_registry_and_everyone_reads_what_they_may,
    a_csv_import_is_checked_whole_before_it_is_saved
);

async fn send(app: &TestApp, method: reqwest::Method, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let response = app.client.request(method, app.url(path)).bearer_auth(key).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn admins_keep_the_registry_and_everyone_reads_what_they_may(backend: Backend) {
    let Some(app) = spawn_app(backend, "admins_keep_the_registry_and_everyone_reads_what_they_may").await else {
        return;
    };
    let station = json!({
        "code": "83105", "name": "Trạm Y tế xã số 6", "kind": "commune_station", "status": "onboarding",
        "district": "831", "commune": "28896", "parent_code": FACILITY, "connected_on": "2026-11-01",
        "contact": "0291 3800 105", "certificate_expires_on": "2027-01-15",
    });
    let (status, created) = send(&app, reqwest::Method::POST, "/api/v1/facilities", &app.admin_key, &station).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["parent_code"].as_str(), created["status"].as_str()), (Some(FACILITY), Some("onboarding")));
    let (status, _) = send(&app, reqwest::Method::POST, "/api/v1/facilities", &app.admin_key, &station).await;
    assert_eq!(status, 409, "a code is registered once");
    let (status, _) = send(&app, reqwest::Method::POST, "/api/v1/facilities", &app.doh_key, &station).await;
    assert_eq!(status, 403, "DoH keys read, admins write");

    let bad = json!({
        "code": "83-1", "name": " ", "kind": "hospital", "status": "open", "parent_code": "99999",
        "connected_on": "01/11/2026",
    });
    let (status, problem) = send(&app, reqwest::Method::POST, "/api/v1/facilities", &app.admin_key, &bad).await;
    assert_eq!(status, 400);
    let rules: Vec<&str> =
        problem["violations"].as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap()).collect();
    assert_eq!(
        rules,
        ["FACILITY_CODE", "FACILITY_NAME", "FACILITY_KIND", "FACILITY_STATUS", "FACILITY_PARENT", "FACILITY_DATE"]
    );

    // Suspending a facility stops its records at the door.
    let mut suspended = station.clone();
    suspended["status"] = json!("suspended");
    let (status, changed) =
        send(&app, reqwest::Method::PUT, "/api/v1/facilities/83105", &app.admin_key, &suspended).await;
    assert_eq!((status, changed["status"].as_str()), (200, Some("suspended")));
    let mut unknown = suspended.clone();
    unknown.as_object_mut().unwrap().remove("code");
    let (status, _) = send(&app, reqwest::Method::PUT, "/api/v1/facilities/83999", &app.admin_key, &unknown).await;
    assert_eq!(status, 404);
    let (status, _) = send(&app, reqwest::Method::PUT, "/api/v1/facilities/83999", &app.admin_key, &suspended).await;
    assert_eq!(status, 400, "the body's code must be the path's");
    let mut registry_row = station.clone();
    registry_row["code"] = json!(OTHER_FACILITY);
    registry_row["kind"] = json!("hospital_tier2");
    registry_row["status"] = json!("suspended");
    registry_row["parent_code"] = Value::Null;
    send(&app, reqwest::Method::PUT, &format!("/api/v1/facilities/{OTHER_FACILITY}"), &app.admin_key, &registry_row)
        .await;
    let episode = episodes(OTHER_FACILITY, 95, 1).remove(0);
    let refused = app.post_claim(&app.other_facility_key, &episode).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("suspended"));

    let all: Value = app.get("/api/v1/facilities", &app.doh_key).await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    // Facilities are found by the unit in force (the commune) as by the district that was.
    let codes = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
    };
    let in_commune: Value = app.get("/api/v1/facilities?commune=28896", &app.doh_key).await.json().await.unwrap();
    assert_eq!(codes(&in_commune), ["83002", "83105"]);
    let figures: Value = app.get("/api/v1/stats/facilities?commune=28896", &app.doh_key).await.json().await.unwrap();
    let figured: Vec<&str> =
        figures["facilities"].as_array().unwrap().iter().map(|r| r["facility"]["code"].as_str().unwrap()).collect();
    assert_eq!(figured, ["83002", "83105"]);
    let live: Value = app.get("/api/v1/facilities?status=live", &app.doh_key).await.json().await.unwrap();
    assert_eq!(live.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect::<Vec<_>>(), [FACILITY]);
    let own: Value = app.get("/api/v1/facilities", &app.facility_key).await.json().await.unwrap();
    assert_eq!(own.as_array().unwrap().len(), 1, "a facility key sees itself only");
    assert_eq!(app.get("/api/v1/facilities/83105", &app.facility_key).await.status(), 403);
    assert_eq!(app.get(&format!("/api/v1/facilities/{FACILITY}"), &app.facility_key).await.status(), 200);
    assert_eq!(app.get("/api/v1/facilities", &app.eligibility_key).await.status(), 403);

    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, "83105")).await.unwrap();
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["facility.create", "facility.update"]);
}

async fn a_csv_import_is_checked_whole_before_it_is_saved(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_csv_import_is_checked_whole_before_it_is_saved").await else { return };
    let import = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/facilities/import"))
            .bearer_auth(&app.admin_key)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    // A station whose parent comes later in the same file.
    let good = "code,name,kind,status,district,commune,parent_code,connected_on,contact,certificate_expires_on\n\
                83120,Trạm Y tế xã số 21,commune_station,live,832,28900,83004,2026-10-01,,2027-03-01\n\
                83004,Trung tâm Y tế thành phố,health_centre,live,832,,,2026-09-01,0291 3820 004,\n\
                83001,Bệnh viện Đa khoa tỉnh,hospital_tier2,live,831,,,2026-08-01,,2026-12-20\n";
    let response = import(good).await.unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(2), Some(1)));
    let station: Value = app.get("/api/v1/facilities/83120", &app.doh_key).await.json().await.unwrap();
    assert_eq!(station["parent_code"], "83004");

    let bad = "code,name,kind,status\n83121,Trạm Y tế xã số 22,commune_station,live\n83122,,clinic,live\n";
    let response = import(bad).await.unwrap();
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    let paths: Vec<&str> =
        problem["violations"].as_array().unwrap().iter().map(|v| v["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["rows[3].name", "rows[3].kind"], "problems named by spreadsheet row");
    assert_eq!(app.get("/api/v1/facilities/83121", &app.doh_key).await.status(), 404, "nothing saved");

    let csv = app
        .client
        .get(app.url("/api/v1/facilities?kind=commune_station"))
        .bearer_auth(&app.doh_key)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("code,name,kind,status,district,commune,parent_code,connected_on,contact,certificate_expires_on")
    );
    assert_eq!(
        lines.next(),
        Some("83120,Trạm Y tế xã số 21,commune_station,live,832,28900,83004,2026-10-01,,2027-03-01")
    );
    assert_eq!(lines.next(), None);
}
