//! Mutual TLS for HIS clients: certificates made here with `openssl` (a CA, the gateway's
//! certificate for 127.0.0.1, a client certificate per facility, one from a CA the gateway does
//! not trust); a facility key goes only with its own facility's certificate.

use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, missing_tool, spawn_app_with};
use crate::on_both_backends;
use std::path::Path;

on_both_backends!(a_facility_key_is_accepted_only_with_its_facility_s_certificate);

fn openssl(dir: &Path, args: &[&str]) -> Option<()> {
    match std::process::Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) => {
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            Some(())
        }
        Err(_) => missing_tool("openssl"),
    }
}

/// A P-256 key and a certificate for `subject` signed by the CA `ca` (its `ca.pem`, `ca.key`),
/// with `extensions`: `NAME.key`, `NAME.pem`.
fn issue(dir: &Path, ca: &str, name: &str, subject: &str, extensions: &str) -> Option<()> {
    let (key, csr, pem, ext) =
        (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
    std::fs::write(dir.join(&ext), extensions).unwrap();
    openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key])?;
    openssl(dir, &["req", "-new", "-key", &key, "-subj", subject, "-out", &csr])?;
    let (ca_pem, ca_key) = (format!("{ca}.pem"), format!("{ca}.key"));
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ],
    )
}

fn new_ca(dir: &Path, name: &str) -> Option<()> {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            &format!("/CN=hisgate test {name}"),
        ],
    )
}

/// The certificates of the test, in `dir`.
fn certificates(dir: &Path) -> Option<()> {
    new_ca(dir, "ca")?;
    new_ca(dir, "foreign")?;
    issue(dir, "ca", "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")?;
    for (name, ca, cn) in [("own", "ca", FACILITY), ("other", "ca", OTHER_FACILITY), ("stranger", "foreign", FACILITY)]
    {
        issue(dir, ca, name, &format!("/CN={cn}"), "extendedKeyUsage=clientAuth\n")?;
    }
    Some(())
}

/// A client trusting the test CA, presenting certificate `name` if given.
fn client(dir: &Path, name: Option<&str>) -> reqwest::Client {
    client_from(reqwest::Client::builder(), dir, name)
}

/// [`client`], from `builder`.
fn client_from(builder: reqwest::ClientBuilder, dir: &Path, name: Option<&str>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let mut builder = builder.tls_certs_only([ca]);
    if let Some(name) = name {
        let mut pem = std::fs::read(dir.join(format!("{name}.pem"))).unwrap();
        pem.extend(std::fs::read(dir.join(format!("{name}.key"))).unwrap());
        builder = builder.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    builder.build().unwrap()
}

/// The gateway over HTTPS with the certificates of `dir`, facility keys needing theirs.
async fn mutual_tls(backend: Backend, test: &str, dir: &Path) -> Option<TestApp> {
    spawn_app_with(backend, test, |s| {
        s.tls_cert_file = Some(dir.join("server.pem"));
        s.tls_key_file = Some(dir.join("server.key"));
        s.tls_client_ca_file = Some(dir.join("ca.pem"));
        s.tls_require_client_certificate = true;
    })
    .await
}

async fn post(app: &TestApp, client: &reqwest::Client, key: &str) -> Result<u16, reqwest::Error> {
    let url = app.url("/api/v1/claims").replacen("http://", "https://", 1);
    let episode = &episodes(FACILITY, 88, 1)[0];
    Ok(client.post(url).bearer_auth(key).json(episode).send().await?.status().as_u16())
}

async fn a_facility_key_is_accepted_only_with_its_facility_s_certificate(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if certificates(dir).is_none() {
        return;
    }
    let test = "a_facility_key_is_accepted_only_with_its_facility_s_certificate";
    let Some(app) = mutual_tls(backend, test, dir).await else { return };
    let key = app.facility_key.clone();
    assert_eq!(post(&app, &client(dir, Some("own")), &key).await.unwrap(), 202, "its own certificate");
    assert_eq!(post(&app, &client(dir, Some("other")), &key).await.unwrap(), 403, "another facility's certificate");
    assert_eq!(post(&app, &client(dir, None), &key).await.unwrap(), 403, "no certificate, and one is required");
    assert!(post(&app, &client(dir, Some("stranger")), &key).await.is_err(), "a certificate of a CA not trusted");
    // Staff keys need no certificate; plain HTTP is not served.
    let claims = app.url("/api/v1/claims").replacen("http://", "https://", 1);
    let staff = client(dir, None).get(&claims).bearer_auth(&app.doh_key).send().await.unwrap();
    assert_eq!(staff.status(), 200);
    assert!(app.client.get(app.url("/healthz")).send().await.is_err(), "no plain HTTP on the TLS port");
    let refused = client(dir, Some("other")).post(&claims).bearer_auth(&key).json(&episodes(FACILITY, 89, 1)[0]);
    let problem: serde_json::Value = refused.send().await.unwrap().json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(OTHER_FACILITY) && detail.contains(FACILITY), "{detail}");
}

/// Signs in to the dashboard over `client` (HTTPS); the answer's status and session cookie.
async fn dashboard_sign_in(app: &TestApp, client: &reqwest::Client, key: &str) -> (u16, Option<String>) {
    let login = app.url("/dashboard/login").replacen("http://", "https://", 1);
    let form = client.get(&login).send().await.unwrap();
    let cookie = form.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = crate::helpers::form_token(&form.text().await.unwrap());
    let answer = client
        .post(&login)
        .header(reqwest::header::COOKIE, cookie)
        .form(&[("key", key), ("csrf", &token), ("next", "/dashboard/worklist")])
        .send()
        .await
        .unwrap();
    let session = answer.headers().get(reqwest::header::SET_COOKIE).map(|c| {
        let c = c.to_str().unwrap();
        c.split(';').next().unwrap().to_owned()
    });
    (answer.status().as_u16(), session)
}

#[actix_web::test]
async fn a_facility_s_dashboard_session_needs_its_certificate_too() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if certificates(dir).is_none() {
        return;
    }
    let Some(app) = mutual_tls(Backend::Sqlite, "dashboard_needs_the_certificate", dir).await else { return };
    let no_redirects =
        |name| client_from(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()), dir, name);
    let (own, bare) = (no_redirects(Some("own")), no_redirects(None));
    assert_eq!(dashboard_sign_in(&app, &bare, &app.facility_key).await.0, 403, "no certificate");
    assert_eq!(dashboard_sign_in(&app, &no_redirects(Some("other")), &app.facility_key).await.0, 403);
    let (status, session) = dashboard_sign_in(&app, &own, &app.facility_key).await;
    assert_eq!(status, 303);
    let worklist = app.url("/dashboard/worklist").replacen("http://", "https://", 1);
    let with = |client: &reqwest::Client| {
        client.get(&worklist).header(reqwest::header::COOKIE, session.clone().unwrap()).send()
    };
    assert_eq!(with(&own).await.unwrap().status(), 200);
    assert_eq!(with(&bare).await.unwrap().status(), 403, "the session cookie alone, from a connection without it");
    assert_eq!(dashboard_sign_in(&app, &bare, &app.doh_key).await.0, 303, "staff keys need no certificate");
}
