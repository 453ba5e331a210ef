//! The command line: `gen` is deterministic and its output posts cleanly; `keys create` prints a
//! working key last; bad configuration names the variable.

use crate::helpers::{Backend, FACILITY, spawn_app};
use serde_json::Value;
use std::process::Command;

/// Runs the `hisgate` binary with `args` and the extra environment `env`.
/// Runs the `hisgate` binary with `env` over a master key of the tests.
pub fn hisgate(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(args)
        .env("HISGATE_MASTER_KEY", crate::helpers::TEST_MASTER_KEY)
        .envs(env.iter().copied())
        .output()
        .expect("run hisgate")
}

#[actix_web::test]
async fn gen_is_deterministic_and_posts_cleanly() {
    let args = ["gen", "--episodes", "40", "--seed", "42", "--facility", FACILITY];
    let first = hisgate(&args, &[]);
    let second = hisgate(&args, &[]);
    assert!(first.status.success());
    assert_eq!(first.stdout, second.stdout, "same seed, same bytes");
    let other_seed = hisgate(&["gen", "--episodes", "40", "--seed", "43", "--facility", FACILITY], &[]);
    assert_ne!(first.stdout, other_seed.stdout);

    let app = spawn_app(Backend::Sqlite, "gen_is_deterministic_and_posts_cleanly").await.unwrap();
    let text = String::from_utf8(first.stdout).unwrap();
    assert_eq!(text.lines().count(), 40);
    for line in text.lines() {
        let response = app
            .client
            .post(app.url("/api/v1/claims"))
            .bearer_auth(&app.facility_key)
            .header("content-type", "application/json")
            .body(line.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let receipt: Value = response.json().await.unwrap();
        assert_eq!(receipt["warnings"].as_array().unwrap().len(), 0, "{receipt}");
    }
    assert_eq!(app.counts().await.0, 40);
}

#[actix_web::test]
async fn keys_create_prints_a_working_key_last() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out =
        hisgate(&["keys", "create", "--role", "facility", "--facility", "83077"], &[("HISGATE_DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().unwrap();
    assert!(key.starts_with("hg_"));
    let db = hisgate::store::Db::connect(&url).unwrap();
    let principal = hisgate::auth::authenticate(&db, key).await.unwrap().expect("key works");
    assert_eq!(principal.facility.as_deref(), Some("83077"));
    let facility = db.read(|c| hisgate::store::facilities::find(c, "83077")).await.unwrap().expect("registered");
    assert_eq!(facility.status, "onboarding");

    let missing = hisgate(&["keys", "create", "--role", "facility"], &[("HISGATE_DATABASE_URL", &url)]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--facility"));

    let id = key.split('_').nth(1).unwrap();
    let revoke = |id: &str| hisgate(&["keys", "revoke", id], &[("HISGATE_DATABASE_URL", &url)]);
    let revoked = revoke(id);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert!(hisgate::auth::authenticate(&db, key).await.unwrap().is_none(), "a revoked key no longer works");
    let target = id.to_owned();
    let audit = db.read(move |c| hisgate::store::audit::for_target(c, &target)).await.unwrap();
    assert_eq!(audit.last().map(|a| a.action.as_str()), Some("key.revoke"));
    let again = revoke(id);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains(id), "names the key it did not find");
}

#[actix_web::test]
async fn bad_configuration_names_the_variable() {
    let out = hisgate(&["serve"], &[("HISGATE_BIND", "not-an-address")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HISGATE_BIND") && stderr.contains("not-an-address"), "{stderr}");
    let out = hisgate(&["migrate"], &[("HISGATE_DATABASE_URL", "mysql://localhost/x")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("HISGATE_DATABASE_URL"));
}

#[actix_web::test]
async fn demo_serves_traffic_with_the_portal_mocks() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["demo", "--bind", "127.0.0.1:0", "--database-url", &url, "--rate", "50"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the demo");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = std::collections::HashMap::new();
    let mut base = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("hisgate demo running at ") {
            base = url.to_owned();
        } else if let Some((label, value)) = line.split_once(": ") {
            printed.insert(label.trim().to_owned(), value.trim().to_owned());
        }
        if line.starts_with("Synthetic facilities send") {
            break;
        }
    }
    let admin = printed["admin key"].clone();
    let bhxh = printed["BHXH mock"].split_whitespace().next().unwrap().to_owned();
    // `<base>/bhxh   (facility CODE: username NAME, password PASSWORD)`
    let (front_door_url, account) = printed["front door"].split_once(" (").unwrap();
    let words: Vec<&str> =
        account.split(|c: char| c.is_whitespace() || ",():".contains(c)).filter(|w| !w.is_empty()).collect();
    let (front_facility, username, password) = (words[1], words[3], words[5]);
    let client = reqwest::Client::new();
    let claims = |query: String| {
        let (client, base, admin) = (client.clone(), base.clone(), admin.clone());
        async move {
            let page: Value = client
                .get(format!("{base}/api/v1/claims{query}"))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    // `facility CODE → URL   (…)`
    let callbacks_url = printed["callbacks"].split_whitespace().nth(3).unwrap().to_owned();
    let callbacks = || {
        let (client, url) = (client.clone(), callbacks_url.clone());
        async move { client.get(url).send().await.unwrap().json::<Vec<Value>>().await.unwrap() }
    };
    let (mut seen, mut through_front_door, mut told) = (0, 0, Vec::new());
    for _ in 0..300 {
        seen = claims(String::new()).await;
        through_front_door = claims(format!("?facility={front_facility}")).await;
        told = callbacks().await;
        if seen >= 3 && through_front_door >= 1 && !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let md5 = crate::front_door::md5_hex(password);
    let (login, _) = crate::front_door::log_in(front_door_url.trim(), username, &md5).await;
    let mock_state = client.get(format!("{bhxh}/_admin/state")).send().await.unwrap().status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen >= 3, "the demo's synthetic facilities send episodes");
    assert!(through_front_door >= 1, "facility {front_facility} sends through the front door");
    assert_eq!(login["maKetQua"], "200", "the printed account logs in: {login}");
    assert_eq!(mock_state, 200, "the BHXH mock runs beside the demo");
    assert!(!told.is_empty(), "the demo's HIS takes signed callbacks (it keeps only those that verify)");
}

#[actix_web::test]
async fn xml130_files_are_generated_validated_and_imported() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["gen", "--episodes", "25", "--seed", "8", "--format", "xml130", "--facility", FACILITY];
    let file = hisgate(&args, &[]);
    assert!(file.status.success());
    assert_eq!(file.stdout, hisgate(&args, &[]).stdout, "deterministic for a seed");
    let path = dir.path().join("dossier.xml");
    std::fs::write(&path, &file.stdout).unwrap();
    let header = hisgate::formats::xml130::scan(&file.stdout).unwrap();
    assert_eq!((header.facility.as_str(), header.count), (FACILITY, 25));

    let checked = hisgate(&["validate", path.to_str().unwrap()], &[]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("25 HOSO: 25 accepted, 0 refused, 0 unreadable"));

    let text = String::from_utf8(file.stdout.clone()).unwrap();
    let broken_path = dir.path().join("broken.xml");
    std::fs::write(&broken_path, text.replace("<SOLUONGHOSO>25</SOLUONGHOSO>", "<SOLUONGHOSO>26</SOLUONGHOSO>"))
        .unwrap();
    let refused = hisgate(&["validate", broken_path.to_str().unwrap()], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stdout).contains("the file is refused: SOLUONGHOSO says 26"));
    let mut bad = hisgate::formats::xml130::read_hosos(&file.stdout).unwrap().next().unwrap().unwrap();
    bad.summary.sex = Some(9);
    let bad_path = dir.path().join("bad.xml");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    std::fs::write(
        &bad_path,
        hisgate::formats::xml130::envelope(FACILITY, day, &[bad], hisgate::domain::spec::Profile::default()),
    )
    .unwrap();
    let critical = hisgate(&["validate", bad_path.to_str().unwrap()], &[]);
    assert!(!critical.status.success());
    assert!(String::from_utf8_lossy(&critical.stdout).contains("FIELD_CODE_UNKNOWN summary.GIOI_TINH"));

    let url = format!("sqlite://{}", dir.path().join("import.db").display());
    let env = [("HISGATE_DATABASE_URL", url.as_str())];
    assert!(hisgate(&["keys", "create", "--role", "facility", "--facility", FACILITY], &env).status.success());
    let imported = hisgate(&["import", path.to_str().unwrap()], &env);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    assert!(String::from_utf8_lossy(&imported.stdout).contains("25 HOSO: 25 accepted, 0 refused, 0 unreadable"));
    let db = hisgate::store::Db::connect(&url).unwrap();
    assert_eq!(db.read(hisgate::store::claims::counts).await.unwrap(), (25, 25, 50));
    let rejected = hisgate(&["import", bad_path.to_str().unwrap()], &env);
    assert!(!rejected.status.success(), "a rejected HOSO fails the import");
    assert!(String::from_utf8_lossy(&rejected.stdout).contains("FIELD_CODE_UNKNOWN"));
}

#[actix_web::test]
async fn catalogue_load_list_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let env = [("HISGATE_DATABASE_URL", url.as_str())];
    let staff = dir.path().join("staff.csv");
    std::fs::write(&staff, "code,name\n000101/BYT-CCHN,BS. Lê Văn Tâm\n000102/BYT-CCHN,BS. Trần Thị Hoa\n").unwrap();
    let staff = staff.to_str().unwrap();

    let unknown = hisgate(&["catalogue", "load", "staff", staff, "--facility", FACILITY], &env);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not in the registry"));
    assert!(hisgate(&["keys", "create", "--role", "facility", "--facility", FACILITY], &env).status.success());
    let loaded = hisgate(&["catalogue", "load", "staff", staff, "--facility", FACILITY], &env);
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("staff: 2 entries loaded"));

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name\nA09,x\nA09,y\n").unwrap();
    let refused = hisgate(&["catalogue", "load", "icd10", bad.to_str().unwrap()], &env);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("row 3: code A09 repeats row 2"));

    let list = hisgate(&["catalogue", "list"], &env);
    let printed = String::from_utf8(list.stdout).unwrap();
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(printed.starts_with("staff") && printed.contains(FACILITY) && printed.contains("2 entries"), "{printed}");
    let db = hisgate::store::Db::connect(&url).unwrap();
    let data = db.read(hisgate::reference::load_all).await.unwrap();
    assert!(data.approved_for(FACILITY).staff.is_some_and(|s| s.contains("000102/BYT-CCHN", None)));
    assert!(data.approved_for("83002").staff.is_none(), "no shared staff list");

    assert!(hisgate(&["catalogue", "remove", "staff", "--facility", FACILITY], &env).status.success());
    assert!(!hisgate(&["catalogue", "remove", "staff", "--facility", FACILITY], &env).status.success());
    assert!(db.read(hisgate::store::reference::lists).await.unwrap().is_empty());
}
