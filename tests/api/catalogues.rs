//! The reference catalogues in the database: seeded from `catalogues/`, read back as loaded,
//! replaced by administrators (whole or not at all), a facility's own approved list used for that
//! facility only, and picked up by instances that did not make the change.

use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, spawn_app, test_database};
use crate::on_both_backends;
use hisgate::reference::{ListKind, ReferenceHandle};
use serde_json::Value;

on_both_backends!(
    lists_are_seeded_and_read_back_as_loaded,
    a_facility_list_applies_to_that_facility_only,
    an_entry_that_ended_and_its_successor_judge_each_side_of_the_date
);

async fn put_list(app: &TestApp, path: &str, key: &str, csv: &str) -> (u16, Value) {
    let response =
        app.client.put(app.url(path)).bearer_auth(key).header("content-type", "text/csv").body(csv.to_owned()).send();
    let response = response.await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_text(app: &TestApp, path: &str, key: &str) -> (u16, String) {
    let response = app.get(path, key).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The rules an episode of `facility` (`seed`) is answered with: violations or warnings.
async fn rules_for(app: &TestApp, key: &str, seed: u64) -> Vec<String> {
    let episode = episodes(FACILITY, seed, 1).remove(0);
    let response = app.post_claim(key, &episode).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    let found = match status {
        422 => &body["violations"],
        202 => &body["warnings"],
        other => panic!("unexpected status {other}: {body}"),
    };
    found.as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap().to_owned()).collect()
}

async fn lists_are_seeded_and_read_back_as_loaded(backend: Backend) {
    let Some(app) = spawn_app(backend, "lists_are_seeded_and_read_back_as_loaded").await else { return };
    let lists: Value = app.get("/api/v1/catalogues", &app.facility_key).await.json().await.unwrap();
    let names: Vec<&str> = lists.as_array().unwrap().iter().map(|l| l["list"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = ListKind::ALL.iter().map(|k| k.name()).collect();
    expected.sort();
    assert_eq!(names, expected, "every shipped list is seeded, once");
    assert!(lists.as_array().unwrap().iter().all(|l| l["facility"] == "" && l["loaded_by"] == "seed"));

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogues");
    for kind in ListKind::ALL {
        let (status, text) = get_text(&app, &format!("/api/v1/catalogues/{}", kind.name()), &app.facility_key).await;
        assert_eq!(status, 200, "{}", kind.name());
        let shipped = std::fs::read_to_string(root.join(format!("{}.csv", kind.name()))).unwrap();
        let mut shipped = hisgate::reference::parse(kind, &shipped).unwrap();
        shipped.sort_by(|a, b| (&a.field, &a.code, a.valid.from).cmp(&(&b.field, &b.code, b.valid.from)));
        assert_eq!(hisgate::reference::parse(kind, &text).unwrap(), shipped, "{} as stored", kind.name());
    }
}

async fn a_facility_list_applies_to_that_facility_only(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_facility_list_applies_to_that_facility_only").await else { return };
    assert!(!rules_for(&app, &app.facility_key, 21).await.contains(&"SERVICE_NOT_APPROVED".to_owned()));
    let own = "code,name,max_price\nZZ.0001,Dịch vụ khác,1000\n";
    let path = format!("/api/v1/catalogues/services?facility={OTHER_FACILITY}");
    let (status, info) = put_list(&app, &path, &app.admin_key, own).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["list"].as_str(), info["facility"].as_str(), info["entries"].as_i64()),
        (Some("services"), Some(OTHER_FACILITY), Some(1))
    );
    assert!(
        !rules_for(&app, &app.facility_key, 22).await.contains(&"SERVICE_NOT_APPROVED".to_owned()),
        "83002's own list does not apply to 83001"
    );

    let path = format!("/api/v1/catalogues/services?facility={FACILITY}");
    assert_eq!(put_list(&app, &path, &app.admin_key, own).await.0, 200);
    assert!(rules_for(&app, &app.facility_key, 23).await.contains(&"SERVICE_NOT_APPROVED".to_owned()));
    let (status, text) = get_text(&app, &path, &app.facility_key).await;
    assert_eq!((status, text.as_str()), (200, own), "a facility reads its own list");
    assert_eq!(get_text(&app, &path, &app.other_facility_key).await.0, 403, "not another facility's");

    let deleted = app.client.delete(app.url(&path)).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(
        !rules_for(&app, &app.facility_key, 24).await.contains(&"SERVICE_NOT_APPROVED".to_owned()),
        "without its own list the shared one applies again"
    );
    let again = app.client.delete(app.url(&path)).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(again.status(), 404);
}

/// `episode` as JSON with every `MA_DOITUONG_KCB` (summary and check-ins) set to `route`.
fn with_route(episode: &hisgate::domain::Episode, route: &str) -> Value {
    fn set(value: &mut Value, route: &str) {
        match value {
            Value::Object(fields) => {
                for (name, v) in fields.iter_mut() {
                    if name == "MA_DOITUONG_KCB" {
                        *v = Value::from(route);
                    } else {
                        set(v, route);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| set(v, route)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(episode).unwrap();
    set(&mut value, route);
    value
}

async fn an_entry_that_ended_and_its_successor_judge_each_side_of_the_date(backend: Backend) {
    let test = "an_entry_that_ended_and_its_successor_judge_each_side_of_the_date";
    let Some(app) = spawn_app(backend, test).await else { return };
    // Two episodes that ended on different days; the list changes between them.
    let mut batch = episodes(FACILITY, 31, 20);
    let day = |e: &hisgate::domain::Episode| e.summary.discharged_at.clone().unwrap()[..8].to_owned();
    batch.sort_by_key(day);
    let (early, late) = (batch.first().unwrap().clone(), batch.last().unwrap().clone());
    let ended = chrono::NaiveDate::parse_from_str(&day(&early), "%Y%m%d").unwrap();
    assert!(day(&late) > day(&early));
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogues").join("code_lists.csv"),
    )
    .unwrap();
    let successor_from = ended.succ_opt().unwrap();
    let csv: String = shipped
        .lines()
        .map(|line| match line.strip_prefix("MA_DOITUONG_KCB,1.1,") {
            Some(rest) => format!(
                "MA_DOITUONG_KCB,1.1,{},,,{ended}\nMA_DOITUONG_KCB,1.19,Mã kế nhiệm (test),,{successor_from},\n",
                rest.trim_end_matches(',')
            ),
            None => format!("{line}\n"),
        })
        .collect();
    let (status, info) = put_list(&app, "/api/v1/catalogues/code_lists", &app.admin_key, &csv).await;
    assert_eq!(status, 200, "{info}");
    let routes: Vec<&Value> =
        info["versions"].as_array().unwrap().iter().filter(|v| v["field"] == "MA_DOITUONG_KCB").collect();
    let change = routes.iter().position(|v| v["valid_to"] == ended.to_string()).expect("a version ends on the day");
    assert_eq!(routes[change + 1]["valid_from"], successor_from.to_string(), "{routes:?}");
    let listed: Value = app.get("/api/v1/catalogues", &app.facility_key).await.json().await.unwrap();
    let stored = listed.as_array().unwrap().iter().find(|l| l["list"] == "code_lists").unwrap();
    assert_eq!(stored["versions"], info["versions"], "GET /api/v1/catalogues shows the versions");

    let answer = |episode: Value| {
        let app = &app;
        async move {
            let response = app.post_claim(&app.facility_key, &episode).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            let route_findings: Vec<String> = body["violations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["path"].as_str().unwrap().ends_with("MA_DOITUONG_KCB"))
                .map(|v| format!("{} {}", v["rule"], v["message"]))
                .collect();
            (status, route_findings)
        }
    };
    let (status, found) = answer(with_route(&early, "1.19")).await;
    assert_eq!(status, 422, "the successor is not in force yet");
    assert!(found.iter().all(|f| f.contains("FIELD_CODE_UNKNOWN") && f.contains("from")), "{found:?}");
    assert_eq!(answer(with_route(&early, "1.1")).await, (202, vec![]), "the old entry is in force on its last day");
    let (status, found) = answer(with_route(&late, "1.1")).await;
    assert_eq!(status, 422, "the old entry has ended");
    assert!(found[0].contains(&format!("in force only until {ended}")), "{found:?}");
    assert_eq!(answer(with_route(&late, "1.19")).await, (202, vec![]), "the successor is in force");
}

#[actix_web::test]
async fn a_bad_list_is_refused_whole_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite, "a_bad_list_is_refused_whole_and_changes_nothing").await.unwrap();
    let (_, before) = get_text(&app, "/api/v1/catalogues/services", &app.admin_key).await;
    let cases = [
        ("/api/v1/catalogues/services", "code,name,max_price\nA,Một,10\nB,Hai,mười\n", 400, "row 3: max_price `mười`"),
        (
            "/api/v1/catalogues/services",
            "code,name,max_price\nA,Một,10\nA,Một,11\n",
            400,
            "row 3: code A repeats row 2",
        ),
        ("/api/v1/catalogues/services", "code,name\nA,Một\n", 400, "a services list has `code,name,max_price`"),
        ("/api/v1/catalogues/icd10?facility=83001", "code,name\nA09,x\n", 400, "icd10 is a national list"),
        ("/api/v1/catalogues/drug", "code,name\n", 404, "no list `drug`"),
        ("/api/v1/catalogues/staff?facility=83999", "code,name\nX,Y\n", 404, "facility 83999 is not in the registry"),
    ];
    for (path, csv, status, detail) in cases {
        let (got, problem) = put_list(&app, path, &app.admin_key, csv).await;
        assert_eq!(got, status, "{path}: {problem}");
        assert!(problem["detail"].as_str().unwrap().contains(detail), "{path}: {problem}");
    }
    let (status, _) = put_list(&app, "/api/v1/catalogues/services", &app.facility_key, "code,name,max_price\n").await;
    assert_eq!(status, 403, "only an admin loads lists");
    assert_eq!(get_text(&app, "/api/v1/catalogues/services", &app.admin_key).await.1, before, "nothing changed");

    let (status, _) =
        put_list(&app, "/api/v1/catalogues/staff", &app.admin_key, "code,name\n000101/BYT-CCHN,BS\n").await;
    assert_eq!(status, 200);
    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, "staff")).await.unwrap();
    assert_eq!(audit.last().map(|a| a.action.as_str()), Some("catalogue.load"));
}

#[actix_web::test]
async fn an_instance_picks_up_a_list_another_loaded() {
    let database = test_database(Backend::Sqlite, "an_instance_picks_up_a_list_another_loaded").await.unwrap();
    let db = hisgate::store::Db::connect(&database.url).unwrap();
    let handle = ReferenceHandle::default();
    handle.refresh(&db).await.unwrap();
    assert!(handle.current().icd10.is_none(), "nothing loaded, nothing checked");

    let elsewhere = hisgate::store::Db::connect(&database.url).unwrap();
    hisgate::reference::load_csv(&elsewhere, "icd10", None, b"code,name\nA09,x\n", "cli", "admin").await.unwrap();
    handle.refresh(&db).await.unwrap();
    assert!(handle.current().icd10.as_ref().is_some_and(|c| c.contains("A09", None)));
    hisgate::reference::load_csv(&elsewhere, "icd10", None, b"code,name\nJ18.9,y\n", "cli", "admin").await.unwrap();
    handle.refresh(&db).await.unwrap();
    assert!(handle.current().icd10.as_ref().is_some_and(|c| c.contains("J18.9", None) && !c.contains("A09", None)));
}
