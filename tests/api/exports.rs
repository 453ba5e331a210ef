//! `GIAMDINHHS` files shaped as real HIS export them, made here from synthetic episodes (no real
//! patient data): each is accepted with the warning that names what was read beyond the format, or
//! refused with its reason, over HTTP (`POST /api/v1/dossiers`) and on the command line
//! (`hisgate validate`, `hisgate import`); a refused file touches nothing already stored.

use crate::cli::hisgate;
use crate::helpers::{Backend, FACILITY, TestApp, dossiers_only, episodes, spawn_app};
use base64::Engine;
use hisgate::domain::spec::Profile;
use hisgate::formats::xml130;
use serde_json::Value;

/// What a shape must come to.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// Every `HOSO` accepted, with this warning (on each `HOSO`, or on the file for a file-level one).
    Accepted(Option<&'static str>),
    /// The `HOSO` at this index refused under this code, every other one accepted.
    HosoRefused(usize, &'static str, &'static str),
    /// The whole file refused, its reason holding this text.
    FileRefused(&'static str),
}

pub struct Shape {
    pub name: &'static str,
    pub file: Vec<u8>,
    pub hoso: usize,
    pub expect: Expect,
}

const BOM: &str = "\u{FEFF}";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decoded(content: &str) -> String {
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(content).unwrap()).unwrap()
}

/// `file` with each table's `NOIDUNGFILE` content replaced by `f(kind, document)`.
fn rewrite_tables(file: &str, f: impl Fn(&str, &str) -> String) -> String {
    let (mut out, mut rest) = (String::new(), file);
    while let Some(at) = rest.find("<LOAIHOSO>") {
        let kind_end = rest[at..].find("</LOAIHOSO>").unwrap() + at;
        let kind = &rest[at + "<LOAIHOSO>".len()..kind_end];
        let open = rest[kind_end..].find("<NOIDUNGFILE>").unwrap() + kind_end + "<NOIDUNGFILE>".len();
        let close = rest[open..].find("</NOIDUNGFILE>").unwrap() + open;
        out.push_str(&rest[..open]);
        out.push_str(&f(kind, &decoded(&rest[open..close])));
        rest = &rest[close..];
    }
    out + rest
}

/// `file` with one more table in every `HOSO`, written as `file_hoso` (a whole `FILEHOSO`).
fn with_extra_table(file: &str, file_hoso: &str) -> String {
    file.replace("      </HOSO>", &format!("        {file_hoso}\n      </HOSO>"))
}

/// The base64 of `text` broken into lines of 76 characters by `newline`.
fn wrapped(text: &str, newline: &str) -> String {
    let encoded = b64(text.as_bytes());
    let lines: Vec<&str> = encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("{newline}{}{newline}", lines.join(newline))
}

/// XML1 with `MA_LK` moved after every other field.
fn ma_lk_last(document: &str) -> String {
    let start = document.find("<MA_LK>").unwrap();
    let end = document.find("</MA_LK>").unwrap() + "</MA_LK>".len();
    let field = &document[start..end];
    let without = format!("{}{}", &document[..start], &document[end..]);
    without.replace("</TONG_HOP>", &format!("{field}</TONG_HOP>"))
}

/// Every `DON_GIA` written with a decimal comma.
fn decimal_commas(document: &str) -> String {
    let mut out = String::new();
    let mut parts = document.split("<DON_GIA>");
    out.push_str(parts.next().unwrap());
    for part in parts {
        out.push_str("<DON_GIA>");
        out.push_str(&part.replacen('.', ",", 1));
    }
    out
}

/// The shapes, each from its own synthetic episodes (seeds from `seed`) of `FACILITY`.
pub fn shapes(seed: u64) -> Vec<Shape> {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let file = |i: u64, n: usize| {
        let sent = dossiers_only(episodes(FACILITY, seed + i, n));
        String::from_utf8(xml130::envelope(FACILITY, day, &sent, Profile::default())).unwrap()
    };
    let inline = |_: &str, doc: &str| doc.to_owned();
    let empty_cls = "<FILEHOSO><LOAIHOSO>XML4</LOAIHOSO><NOIDUNGFILE>{}</NOIDUNGFILE></FILEHOSO>";
    let no_records = b64(b"<CHITIEU_CHITIET_DICHVUCANLAMSANG><DSACH_CHI_TIET_CLS/></CHITIEU_CHITIET_DICHVUCANLAMSANG>");
    let shape = |name, file: String, hoso, expect| Shape { name, file: file.into_bytes(), hoso, expect };
    let accepted = |rule| Expect::Accepted(Some(rule));
    vec![
        shape("inline tables", rewrite_tables(&file(0, 3), inline), 3, accepted("IMPORT_INLINE_TABLE")),
        shape(
            "base64 in LF lines",
            rewrite_tables(&file(1, 3), |_, d| wrapped(d, "\n")),
            3,
            accepted("IMPORT_BASE64_WRAPPED"),
        ),
        shape(
            "base64 in CRLF lines",
            rewrite_tables(&file(2, 3), |_, d| wrapped(d, "\r\n")),
            3,
            accepted("IMPORT_BASE64_WRAPPED"),
        ),
        shape(
            "an empty NOIDUNGFILE",
            with_extra_table(&file(3, 3), "<FILEHOSO><LOAIHOSO>XML4</LOAIHOSO><NOIDUNGFILE/></FILEHOSO>"),
            3,
            accepted("IMPORT_EMPTY_TABLE"),
        ),
        shape(
            "a NOIDUNGFILE of spaces",
            with_extra_table(&file(4, 3), &empty_cls.replace("{}", "  \n  ")),
            3,
            accepted("IMPORT_EMPTY_TABLE"),
        ),
        shape(
            "a table with no records",
            with_extra_table(&file(5, 3), &empty_cls.replace("{}", &no_records)),
            3,
            accepted("IMPORT_EMPTY_TABLE"),
        ),
        shape("a BOM on the file", format!("{BOM}{}", file(6, 3)), 3, accepted("IMPORT_BOM")),
        shape(
            "a BOM in each table",
            rewrite_tables(&file(7, 3), |_, d| b64(format!("{BOM}{d}").as_bytes())),
            3,
            accepted("IMPORT_BOM"),
        ),
        shape("CRLF line ends", file(8, 3).replace('\n', "\r\n"), 3, Expect::Accepted(None)),
        shape(
            "a standalone declaration",
            file(9, 3).replace(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
            ),
            3,
            Expect::Accepted(None),
        ),
        shape(
            "no declaration",
            file(10, 3).replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", ""),
            3,
            Expect::Accepted(None),
        ),
        shape("no CHUKYDONVI", file(11, 3).replace("<CHUKYDONVI/>", ""), 3, Expect::Accepted(None)),
        shape(
            "fields out of order",
            rewrite_tables(&file(12, 3), |k, d| b64(if k == "XML1" { ma_lk_last(d) } else { d.to_owned() }.as_bytes())),
            3,
            accepted("IMPORT_FIELD_ORDER"),
        ),
        shape(
            "decimal commas",
            rewrite_tables(&file(13, 3), |k, d| {
                b64(if k == "XML2" { decimal_commas(d) } else { d.to_owned() }.as_bytes())
            }),
            3,
            accepted("IMPORT_DECIMAL_COMMA"),
        ),
        shape("300 HOSO", file(14, 300), 300, Expect::Accepted(None)),
        shape(
            "QĐ 4210 tables",
            rewrite_tables(&file(15, 1), |k, d| {
                let d = if k == "XML1" { d.replace("MA_THE_BHYT>", "MA_THE>") } else { d.to_owned() };
                b64(d.as_bytes())
            }),
            1,
            Expect::HosoRefused(0, "HOSO_QD4210_LAYOUT", "QĐ 4210 layout, not QĐ 130"),
        ),
        shape(
            "one damaged HOSO",
            {
                let text = file(16, 3);
                let second = text
                    .match_indices("<NOIDUNGFILE>")
                    .map(|(i, _)| i)
                    .find(|i| text[..*i].matches("<HOSO>").count() == 2);
                let at = second.unwrap() + "<NOIDUNGFILE>".len();
                format!("{}!!{}", &text[..at], &text[at + 2..])
            },
            3,
            Expect::HosoRefused(1, "HOSO_BASE64_INVALID", "NOIDUNGFILE is not valid base64"),
        ),
        shape(
            "SOLUONGHOSO differs",
            file(17, 3).replace("<SOLUONGHOSO>3</SOLUONGHOSO>", "<SOLUONGHOSO>4</SOLUONGHOSO>"),
            3,
            Expect::FileRefused("SOLUONGHOSO says 4 but the file holds 3 HOSO"),
        ),
        shape(
            "not XML (CSV)",
            "MA_LK,HO_TEN\nLK1,Nguyen Van A\n".to_owned(),
            0,
            Expect::FileRefused("not an XML document"),
        ),
        shape("not XML (JSON)", "{\"summary\": {}}".to_owned(), 0, Expect::FileRefused("not an XML document")),
    ]
}

/// The rules an answer or report names: on the file, and on each `HOSO` (warnings or violations).
fn rules(warnings: &Value) -> Vec<String> {
    warnings.as_array().map(|a| a.iter().map(|v| v["rule"].as_str().unwrap().to_owned()).collect()).unwrap_or_default()
}

async fn post(app: &TestApp, file: &[u8]) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&app.facility_key)
        .header("content-type", "application/xml")
        .body(file.to_owned())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// What an answer or a report said of a file.
#[derive(Debug, Default)]
struct Seen {
    /// Why the file was refused.
    refusal: Option<String>,
    /// The file's own warnings.
    file_rules: Vec<String>,
    /// Each `HOSO`: accepted, and the rules named.
    items: Vec<(bool, Vec<String>)>,
}

/// Checks what was said of a file against its shape.
fn check(shape: &Shape, seen: &Seen) {
    let Seen { refusal, file_rules, items } = seen;
    let name = shape.name;
    match shape.expect {
        Expect::FileRefused(reason) => {
            let refusal = refusal.as_deref().unwrap_or_else(|| panic!("{name}: not refused"));
            assert!(refusal.contains(reason), "{name}: {refusal}");
        }
        Expect::Accepted(rule) => {
            assert!(refusal.is_none(), "{name}: {refusal:?}");
            assert_eq!(items.len(), shape.hoso, "{name}");
            assert!(items.iter().all(|(ok, _)| *ok), "{name}: {items:?}");
            if let Some(rule) = rule {
                let on_each = items.iter().all(|(_, rules)| rules.iter().any(|r| r == rule));
                assert!(on_each || file_rules.iter().any(|r| r == rule), "{name}: {rule} not named: {items:?}");
            }
        }
        Expect::HosoRefused(index, code, _) => {
            assert_eq!(items.len(), shape.hoso, "{name}");
            for (i, (ok, rules)) in items.iter().enumerate() {
                assert_eq!(*ok, i != index, "{name}: HOSO {i}: {rules:?}");
                if i == index {
                    assert!(rules.iter().any(|r| r == code), "{name}: {rules:?}");
                }
            }
        }
    }
}

#[actix_web::test]
async fn each_export_shape_is_read_or_refused_by_name_over_http() {
    let app = spawn_app(Backend::Sqlite, "each_export_shape_is_read_or_refused_by_name").await.unwrap();
    let before = episodes(FACILITY, 480, 1).remove(0);
    let stored: Value = app.post_claim(&app.facility_key, &before).await.json().await.unwrap();
    for shape in shapes(500) {
        let counts = app.counts().await;
        let (status, body) = post(&app, &shape.file).await;
        match shape.expect {
            Expect::FileRefused(_) => {
                assert_eq!(status, 400, "{}: {body}", shape.name);
                check(&shape, &Seen { refusal: body["detail"].as_str().map(str::to_owned), ..Seen::default() });
                assert_eq!(app.counts().await, counts, "{}: a refused file stores nothing", shape.name);
                continue;
            }
            _ => assert_eq!(status, 200, "{}: {body}", shape.name),
        }
        let items: Vec<(bool, Vec<String>)> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| match i["status"] == 202 {
                true => (true, rules(&i["receipt"]["warnings"])),
                false => (false, rules(&i["error"]["violations"])),
            })
            .collect();
        check(&shape, &Seen { refusal: None, file_rules: rules(&body["warnings"]), items });
        if let Expect::HosoRefused(index, _, reason) = shape.expect {
            let detail = body["items"][index]["error"]["detail"].as_str().unwrap();
            assert!(detail.contains(reason), "{}: {detail}", shape.name);
        }
    }
    let claim: Value = app
        .get(&format!("/api/v1/claims/{}", stored["id"].as_str().unwrap()), &app.doh_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(claim["versions"].as_array().unwrap().len(), 1, "the claim stored first is untouched");
}

#[actix_web::test]
async fn a_file_with_decimal_commas_stores_the_same_episode_as_the_clean_file() {
    let app = spawn_app(Backend::Sqlite, "decimal_commas_store_the_same_episode").await.unwrap();
    let shape = shapes(600).into_iter().find(|s| s.name == "decimal commas").unwrap();
    let (_, commas) = post(&app, &shape.file).await;
    let clean = dossiers_only(episodes(FACILITY, 613, 3));
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let (_, again) = post(&app, &xml130::envelope(FACILITY, day, &clean, Profile::default())).await;
    for (a, b) in commas["items"].as_array().unwrap().iter().zip(again["items"].as_array().unwrap()) {
        assert_eq!(a["receipt"]["id"], b["receipt"]["id"]);
        assert_eq!(b["receipt"]["outcome"], "unchanged", "the same content: {b}");
    }
}

/// What the JSON report of `hisgate validate|import --format json` says.
fn report_of(out: &std::process::Output) -> Seen {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no report: {stdout}"));
    let report: Value = serde_json::from_str(line).unwrap();
    let items = report["hoso"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["outcome"] == "accepted", rules(&h["violations"])))
        .collect();
    Seen { refusal: report["refused"].as_str().map(str::to_owned), file_rules: rules(&report["warnings"]), items }
}

#[actix_web::test]
async fn each_export_shape_is_read_or_refused_by_name_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("import.db").display());
    let env = [("HISGATE_DATABASE_URL", url.as_str())];
    assert!(hisgate(&["keys", "create", "--role", "facility", "--facility", FACILITY], &env).status.success());
    for shape in shapes(700) {
        let path = dir.path().join("export.xml");
        std::fs::write(&path, &shape.file).unwrap();
        let path = path.to_str().unwrap();
        let accepted = matches!(shape.expect, Expect::Accepted(_));
        for command in ["validate", "import"] {
            let out = hisgate(&[command, path, "--format", "json"], &env);
            assert_eq!(
                out.status.success(),
                accepted,
                "{} {command}: {}",
                shape.name,
                String::from_utf8_lossy(&out.stderr)
            );
            check(&shape, &report_of(&out));
        }
        // People read the same: each violation on its line, then the table by rule.
        let text = String::from_utf8(hisgate(&["validate", path], &env).stdout).unwrap();
        if let Expect::HosoRefused(index, code, reason) = shape.expect {
            assert!(text.contains(&format!("HOSO {index} (MA_LK ")), "{text}");
            assert!(text.contains(&format!("critical {code} ")) && text.contains(reason), "{text}");
            assert!(text.lines().any(|l| l.starts_with(code) && l.trim_end().ends_with(" 1")), "{text}");
        }
        if let Expect::Accepted(Some(rule)) = shape.expect {
            assert!(text.contains(&format!("warning {rule} ")), "{}: {text}", shape.name);
            assert!(text.lines().any(|l| l.starts_with("rule") && l.contains("severity")), "{text}");
        }
    }
}
