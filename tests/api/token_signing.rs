//! Facility keys on a PKCS#11 token: a SoftHSM2 token is initialised here and a key made with
//! `openssl` is imported into it (then deleted from disk); the gateway, run as `hisgate serve` in
//! a process of its own (the token's configuration is its environment), signs dossiers with it
//! that `xmlsec1` verifies in exclusive and inclusive C14N, and a tampered byte is caught; a wrong
//! PIN stops start-up with the facility named.

use crate::cli::hisgate;
use crate::helpers::{FACILITY, OTHER_FACILITY, TEST_MASTER_KEY, episodes, missing_tool};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const MODULES: [&str; 3] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
];
const TOKEN: &str = "hisgate-test";
const KEY_LABEL: &str = "facility-key";
const PIN: &str = "246810";

fn run(program: &str, args: &[&str], dir: &Path) -> Option<()> {
    let out = match Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("SOFTHSM2_CONF", dir.join("softhsm2.conf"))
        .output()
    {
        Ok(out) => out,
        Err(_) => return missing_tool(&format!("{program} (Debian packages softhsm2, openssl)")),
    };
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Some(())
}

/// A token in `dir` holding an RSA key whose certificate is `dir/cert.pem`; the module's path.
fn token(dir: &Path) -> Option<PathBuf> {
    let Some(module) = MODULES.iter().map(PathBuf::from).find(|m| m.exists()) else {
        return missing_tool("the SoftHSM2 PKCS#11 module (Debian package softhsm2)");
    };
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = format!(
        "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
        dir.join("tokens").display()
    );
    std::fs::write(dir.join("softhsm2.conf"), conf).unwrap();
    run("softhsm2-util", &["--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13579"], dir)?;
    let subject = format!("/CN={FACILITY}/O=Benh vien Da khoa tinh");
    let new_key = ["req", "-x509", "-newkey", "rsa:2048", "-keyout", "key.pem", "-out", "cert.pem", "-days", "30"];
    run("openssl", &[&new_key[..], &["-nodes", "-subj", &subject]].concat(), dir)?;
    run("openssl", &["pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-out", "key.p8"], dir)?;
    let import = ["--import", "key.p8", "--token", TOKEN, "--label", KEY_LABEL, "--id", "01", "--pin", PIN];
    run("softhsm2-util", &import, dir)?;
    // From here on the key is on the token only.
    std::fs::remove_file(dir.join("key.pem")).unwrap();
    std::fs::remove_file(dir.join("key.p8")).unwrap();
    Some(module)
}

/// The configuration file: 83001 signs with exclusive C14N, 83002 with inclusive, both on the token.
fn config(dir: &Path, module: &Path, pin_file: &str) -> PathBuf {
    let facility = |code: &str, c14n: &str| {
        format!(
            "[signing.{code}]\npkcs11_module = \"{}\"\npkcs11_token_label = \"{TOKEN}\"\npkcs11_key_label = \"{KEY_LABEL}\"\n\
             pkcs11_pin_file = \"{}\"\ncert_pem = \"{}\"\nc14n = \"{c14n}\"\n",
            module.display(),
            dir.join(pin_file).display(),
            dir.join("cert.pem").display()
        )
    };
    let path = dir.join(format!("hisgate-{pin_file}.toml"));
    std::fs::write(&path, facility(FACILITY, "exclusive") + &facility(OTHER_FACILITY, "inclusive")).unwrap();
    path
}

/// The gateway's environment in `dir`.
fn environment(dir: &Path, config: &Path, bind: &str) -> Vec<(String, String)> {
    vec![
        ("HISGATE_CONFIG".into(), config.display().to_string()),
        ("HISGATE_DATABASE_URL".into(), format!("sqlite://{}", dir.join("gateway.db").display())),
        ("HISGATE_MASTER_KEY".into(), TEST_MASTER_KEY.into()),
        ("HISGATE_BIND".into(), bind.into()),
        ("SOFTHSM2_CONF".into(), dir.join("softhsm2.conf").display().to_string()),
    ]
}

/// A key of `role` (for `facility`), made with the command line.
fn key(dir: &Path, role: &str, facility: Option<&str>) -> String {
    let url = format!("sqlite://{}", dir.join("gateway.db").display());
    let mut args = vec!["keys", "create", "--role", role];
    args.extend(facility.map(|f| ["--facility", f]).into_iter().flatten());
    let out = hisgate(&args, &[("HISGATE_DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_owned()
}

struct Gateway(std::process::Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[actix_web::test]
async fn dossiers_signed_on_a_pkcs11_token_verify_with_xmlsec1() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let Some(module) = token(dir) else { return };
    std::fs::write(dir.join("pin"), format!("{PIN}\n")).unwrap();
    std::fs::write(dir.join("wrong-pin"), "000000\n").unwrap();
    let keys = [key(dir, "facility", Some(FACILITY)), key(dir, "facility", Some(OTHER_FACILITY))];
    let doh = key(dir, "doh", None);

    // A wrong PIN: the gateway does not start, and says which facility's token refused it.
    let refused = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("serve")
        .envs(environment(dir, &config(dir, &module, "wrong-pin"), "127.0.0.1:0"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(said.contains(FACILITY) && said.contains("login"), "{said}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("serve")
        .envs(environment(dir, &config(dir, &module, "pin"), &format!("127.0.0.1:{port}")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _gateway = Gateway(child);
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let certificates: Value =
        client.get(format!("{base}/api/v1/certificates")).bearer_auth(&doh).send().await.unwrap().json().await.unwrap();
    let listed = certificates.as_array().unwrap_or_else(|| panic!("{certificates}"));
    assert_eq!(listed.len(), 2, "{certificates}");
    assert!(listed.iter().all(|c| (28..=30).contains(&c["days_left"].as_i64().unwrap())), "{certificates}");

    for (facility, key) in [FACILITY, OTHER_FACILITY].iter().zip(&keys) {
        let episode = &episodes(facility, 61, 1)[0];
        let url = format!("{base}/api/v1/claims");
        let stored: Value = client.post(url).bearer_auth(key).json(episode).send().await.unwrap().json().await.unwrap();
        let id = stored["id"].as_str().unwrap_or_else(|| panic!("{stored}"));
        let xml = client.get(format!("{base}/api/v1/claims/{id}/xml130")).bearer_auth(key).send().await.unwrap();
        let xml = xml.text().await.unwrap();
        assert!(xml.contains("<CHUKYDONVI><Signature"), "{facility}");
        let file = dir.join(format!("{facility}.xml"));
        std::fs::write(&file, &xml).unwrap();
        let verify = |file: &Path| {
            Command::new("xmlsec1").args(["--verify", "--trusted-pem", "cert.pem"]).arg(file).current_dir(dir).output()
        };
        let Ok(ok) = verify(&file) else {
            return missing_tool::<()>("xmlsec1").unwrap_or_default();
        };
        assert!(ok.status.success(), "{facility}: {}", String::from_utf8_lossy(&ok.stderr));
        let tampered = dir.join(format!("{facility}-tampered.xml"));
        std::fs::write(
            &tampered,
            xml.replacen(&format!("<MACSKCB>{facility}</MACSKCB>"), "<MACSKCB>83999</MACSKCB>", 1),
        )
        .unwrap();
        assert!(!verify(&tampered).unwrap().status.success(), "{facility}: a tampered byte is caught");
    }
}
