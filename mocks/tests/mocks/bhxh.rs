//! The BHXH appraisal-portal mock: login, card lookups, check-in, dossiers, errors, outcomes.

use crate::support::*;
use mocks::bhxh::{AppraisalConfig, BhxhConfig};
use mocks::registry::CardEntry;
use mocks::server::md5_upper;
use serde_json::Value;

fn config() -> BhxhConfig {
    BhxhConfig {
        appraisal: AppraisalConfig { delay_ms: 0, reject_rate: 0.0, partial_rate: 0.0, seed: 1 },
        ..BhxhConfig::default()
    }
}

#[actix_web::test]
async fn login_accepts_the_md5_of_the_password_and_refuses_the_rest() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let take = |user: &'static str, password: String| {
        let client = client.clone();
        let url = format!("{}/api/token/take", mock.url());
        async move {
            client
                .post(url)
                .form(&[("username", user), ("password", &password)])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let ok = take("83001_BV", md5_upper(PASSWORD)).await;
    assert_eq!(ok["maKetQua"], "200");
    assert_eq!(ok["APIKey"]["username"], "83001_BV");
    assert!(ok["APIKey"]["expires_in"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        take("83001_BV", md5_upper(PASSWORD).to_lowercase()).await["maKetQua"],
        "200",
        "lower-case hex accepted"
    );
    assert_eq!(take("83001_BV", md5_upper("wrong")).await["maKetQua"], "401");
    assert_eq!(take("83001_BV", PASSWORD.to_owned()).await["maKetQua"], "401", "the plain password is not the MD5");
    assert_eq!(take("nobody", md5_upper(PASSWORD)).await["maKetQua"], "401");
    let missing: Value = client
        .post(format!("{}/api/token/take", mock.url()))
        .form(&[("username", "83001_BV")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing["maKetQua"], "205");
}

#[actix_web::test]
async fn expired_and_foreign_tokens_are_refused() {
    let mock = start_bhxh(BhxhConfig { token_ttl_seconds: 0, ..config() }).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let file = b64(&envelope(FACILITY, &[tables("LK1", FACILITY, &[Line { quantity: 1, price: 1000 }])]));
    let answer = submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await;
    assert_eq!(answer["maKetQua"], "401");
    assert!(answer["thongDiep"].as_str().unwrap().contains("hết hạn"));

    let mock = start_bhxh(config()).await;
    let s = login(&client, mock.url(), "83001_BV").await;
    assert_eq!(
        submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await["maKetQua"],
        "200"
    );
    client.post(format!("{}/_admin/tokens/expire", mock.url())).send().await.unwrap();
    assert_eq!(
        submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await["maKetQua"],
        "401"
    );
    let forged = Session { access: "forged".into(), ..login(&client, mock.url(), "83001_BV").await };
    assert_eq!(
        submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &forged, "130", FACILITY, &file).await["maKetQua"],
        "401"
    );
}

#[actix_web::test]
async fn dossiers_are_counted_per_episode_with_duplicates_and_versions() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let first = tables("LK-A", FACILITY, &[Line { quantity: 2, price: 1500 }]);
    let other = tables("LK-B", FACILITY, &[Line { quantity: 1, price: 9000 }, Line { quantity: 3, price: 100 }]);
    let file = b64(&envelope(FACILITY, &[first.clone(), other]));
    let answer = submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await;
    assert_eq!(answer["maKetQua"], "200", "{answer}");
    assert!(answer["maGiaoDich"].as_str().unwrap().starts_with("GD"));
    assert_eq!(answer["thoiGianTiepNhan"].as_str().unwrap().len(), 14);
    submit(
        &client,
        mock.url(),
        "/api/qd130/guiHoSoXmlQD4750",
        &s,
        "130",
        FACILITY,
        &b64(&envelope(FACILITY, &[first])),
    )
    .await;
    let corrected = tables("LK-A", FACILITY, &[Line { quantity: 3, price: 1500 }]);
    submit(
        &client,
        mock.url(),
        "/api/qd130/guiHoSoXmlQD4750",
        &s,
        "130",
        FACILITY,
        &b64(&envelope(FACILITY, &[corrected])),
    )
    .await;
    let a = mock.state.episode("LK-A").unwrap();
    assert_eq!((a.received, a.duplicates, a.versions), (3, 1, 2));
    let b = mock.state.episode("LK-B").unwrap();
    assert_eq!((b.received, b.duplicates, b.versions), (1, 0, 1));
    let state: Value = client.get(format!("{}/_admin/state", mock.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["episodes"]["LK-A"]["duplicates"], 1);
}

#[actix_web::test]
async fn malformed_submissions_get_the_documented_answers() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let good = tables("LK1", FACILITY, &[Line { quantity: 1, price: 1000 }]);
    let send = |loai: &'static str, facility: &'static str, file: String| {
        let (client, url) = (client.clone(), mock.url().to_owned());
        let s = Session { username: s.username.clone(), access: s.access.clone(), id_token: s.id_token.clone() };
        async move { submit(&client, &url, "/api/qd130/guiHoSoXmlQD4750", &s, loai, facility, &file).await }
    };
    let code = |v: Value| v["maKetQua"].as_str().unwrap().to_owned();
    assert_eq!(code(send("130", FACILITY, "not base64 !!".into()).await), "205");
    assert_eq!(code(send("130", FACILITY, String::new()).await), "205");
    assert_eq!(code(send("130", FACILITY, b64("<GIAMDINHHS><oops></GIAMDINHHS>")).await), "123");
    assert_eq!(code(send("130", FACILITY, b64("<OTHER/>")).await), "123");
    assert_eq!(
        code(send("3", FACILITY, b64(&envelope(FACILITY, std::slice::from_ref(&good)))).await),
        "205",
        "unknown loaiHoSo"
    );
    assert_eq!(
        code(send("130", "83002", b64(&envelope("83002", std::slice::from_ref(&good)))).await),
        "403",
        "another facility's account"
    );
    assert_eq!(
        code(send("130", FACILITY, b64(&envelope("83002", std::slice::from_ref(&good)))).await),
        "123",
        "MACSKCB differs from maCSKCB"
    );
    let miscounted = envelope(FACILITY, std::slice::from_ref(&good))
        .replace("<SOLUONGHOSO>1</SOLUONGHOSO>", "<SOLUONGHOSO>2</SOLUONGHOSO>");
    assert_eq!(code(send("130", FACILITY, b64(&miscounted)).await), "123");
    let unknown_table = envelope(FACILITY, &[vec![good[0].clone(), ("XML99", good[1].1.clone())]]);
    assert_eq!(code(send("130", FACILITY, b64(&unknown_table)).await), "123");
    let no_summary = envelope(FACILITY, &[vec![good[1].clone()]]);
    assert_eq!(code(send("130", FACILITY, b64(&no_summary)).await), "123");
    let wrong_root = envelope(FACILITY, &[vec![("XML1", good[1].1.clone())]]);
    assert_eq!(code(send("130", FACILITY, b64(&wrong_root)).await), "123");
    let bom = format!("\u{feff}{}", envelope(FACILITY, &[good]));
    assert_eq!(code(send("130", FACILITY, b64(&bom)).await), "200", "a UTF-8 BOM is accepted");
    assert!(mock.state.episode("LK1").is_some_and(|e| e.received == 1), "refused files leave no state");
}

#[actix_web::test]
async fn content_errors_are_listed_and_the_record_is_rejected() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let mut bad = tables("LK-BAD", FACILITY, &[Line { quantity: 2, price: 1000 }]);
    bad[0].1 = bad[0].1.replace("<T_BHTT>1600.00</T_BHTT>", "<T_BHTT>1700.00</T_BHTT>");
    bad[1].1 = bad[1].1.replace("<THANH_TIEN_BV>2000.00</THANH_TIEN_BV>", "<THANH_TIEN_BV>2100.00</THANH_TIEN_BV>");
    let answer = submit(
        &client,
        mock.url(),
        "/api/qd130/guiHoSoXmlQD4750",
        &s,
        "130",
        FACILITY,
        &b64(&envelope(FACILITY, &[bad])),
    )
    .await;
    assert_eq!(answer["maKetQua"], "200");
    assert!(answer["thongDiep"].as_str().unwrap().contains("lỗi"));
    let errors = error_list(&client, mock.url(), &s, FACILITY, answer["maGiaoDich"].as_str().unwrap()).await;
    assert_eq!(errors["maKetQua"], "200");
    let codes: Vec<&str> = errors["dsLoi"].as_array().unwrap().iter().map(|e| e["maLoi"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"XML1_T_BHTT") && codes.contains(&"XML2_THANH_TIEN_BV") && codes.contains(&"XML1_T_TONGCHI_BV"),
        "{codes:?}"
    );
    let unknown = error_list(&client, mock.url(), &s, FACILITY, "GD0").await;
    assert_eq!(unknown["maKetQua"], "404");
    let outcome = mock.state.outcomes().pop().unwrap();
    assert_eq!(outcome.status, "TU_CHOI");
    assert!(outcome.approved.is_zero());
}

#[actix_web::test]
async fn each_endpoint_checks_the_referral_letter_names_of_its_amendment() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let letter = |ma_lk: &str, fields: &str| {
        let mut record = tables(ma_lk, FACILITY, &[Line { quantity: 1, price: 1000 }]);
        let document = format!("<CHI_TIEU_GIAYCHUYENTUYEN><MA_LK>{ma_lk}</MA_LK>{fields}</CHI_TIEU_GIAYCHUYENTUYEN>");
        record.push(("XML13", document));
        b64(&envelope(FACILITY, &[record]))
    };
    let of_4750 =
        "<MA_NOI_DI>83002</MA_NOI_DI><MA_NOI_DEN>79001</MA_NOI_DEN><TEN_DICH_VU/><PP_DIEU_TRI>Ổn</PP_DIEU_TRI>";
    let of_3176 =
        "<MA_CSKCB_DI>83002;83003</MA_CSKCB_DI><MA_CSKCB_DEN>79001</MA_CSKCB_DEN><TINH_TRANG_CT>Ổn</TINH_TRANG_CT>";
    let cases = [
        ("LK-A", "/api/qd130/guiHoSoXmlQD3176", of_3176, vec![]),
        ("LK-B", "/api/qd130/guiHoSoXmlQD3176", of_4750, vec!["MA_NOI_DI", "MA_NOI_DEN", "PP_DIEU_TRI", "TEN_DICH_VU"]),
        ("LK-C", "/api/qd130/guiHoSoXmlQD4750", of_4750, vec![]),
        ("LK-D", "/api/qd130/guiHoSoXmlQD4750", of_3176, vec!["MA_CSKCB_DI", "MA_CSKCB_DEN", "TINH_TRANG_CT"]),
    ];
    for (ma_lk, path, fields, foreign) in cases {
        let answer = submit(&client, mock.url(), path, &s, "130", FACILITY, &letter(ma_lk, fields)).await;
        assert_eq!(answer["maKetQua"], "200", "{ma_lk}: {answer}");
        let errors = error_list(&client, mock.url(), &s, FACILITY, answer["maGiaoDich"].as_str().unwrap()).await;
        let listed: Vec<&str> = errors["dsLoi"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["maLoi"] == "XML13_TRUONG")
            .map(|e| e["moTaLoi"].as_str().unwrap())
            .collect();
        assert_eq!(listed.len(), foreign.len(), "{ma_lk}: {listed:?}");
        for name in foreign {
            assert!(
                listed.iter().any(|m| m.contains(&format!("thẻ {name} "))),
                "{ma_lk}: {name} not listed in {listed:?}"
            );
        }
    }
}

async fn outcome_of(client: &reqwest::Client, url: &str, s: &Session, id: &str) -> Value {
    let form = [("username", s.username.as_str()), ("maTinh", "83"), ("maCSKCB", FACILITY), ("maGiaoDich", id)];
    qd130_post(client, url, "/api/qd130/layKetQuaGiamDinh", s, &form).await
}

#[actix_web::test]
async fn appraisal_is_asynchronous_and_follows_the_configured_shares() {
    let client = reqwest::Client::new();
    let lines = [Line { quantity: 2, price: 1000 }, Line { quantity: 1, price: 5000 }];
    for (reject, partial, expected) in
        [(0.0, 0.0, "CHAP_NHAN"), (1.0, 0.0, "TU_CHOI"), (0.0, 1.0, "CHAP_NHAN_MOT_PHAN")]
    {
        let appraisal = AppraisalConfig { delay_ms: 300, reject_rate: reject, partial_rate: partial, seed: 5 };
        let mock = start_bhxh(BhxhConfig { appraisal, ..config() }).await;
        let s = login(&client, mock.url(), "83001_BV").await;
        let file = b64(&envelope(FACILITY, &[tables("LK-O", FACILITY, &lines)]));
        let answer = submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await;
        let id = answer["maGiaoDich"].as_str().unwrap().to_owned();
        let pending = outcome_of(&client, mock.url(), &s, &id).await;
        assert_eq!(pending["trangThai"], "DANG_GIAM_DINH");
        assert_eq!(pending["dsHoSo"][0]["trangThai"], "CHO_GIAM_DINH");
        let done = loop {
            let v = outcome_of(&client, mock.url(), &s, &id).await;
            if v["trangThai"] == "DA_GIAM_DINH" {
                break v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let record = &done["dsHoSo"][0];
        assert_eq!(record["trangThai"], expected);
        assert_eq!(record["soTienDeNghi"], "5600.00", "claimed T_BHTT = 80% of 7000");
        let approved: rust_decimal::Decimal = record["soTienDuyet"].as_str().unwrap().parse().unwrap();
        let line_sum: rust_decimal::Decimal = record["dsChiTiet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["soTienDuyet"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        assert_eq!(approved, line_sum, "the total approved is the sum of the lines approved");
        match expected {
            "CHAP_NHAN" => assert_eq!(approved.to_string(), "5600.00"),
            "TU_CHOI" => assert!(approved.is_zero() && !record["lyDo"].as_array().unwrap().is_empty()),
            _ => assert!(
                approved == "1600.00".parse().unwrap() || approved == "4000.00".parse().unwrap(),
                "one line cut: {approved}"
            ),
        }
        assert_eq!(outcome_of(&client, mock.url(), &s, "GD-unknown").await["maKetQua"], "404");
    }
}

#[actix_web::test]
async fn check_in_is_received_and_checked() {
    let mock = start_bhxh(config()).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let ok = submit(
        &client,
        mock.url(),
        "/api/qd130/checkInKcbQd4750",
        &s,
        "0",
        FACILITY,
        &b64(&check_in_xml("LK-C", FACILITY)),
    )
    .await;
    assert_eq!(ok["maKetQua"], "200");
    assert_eq!(mock.state.episode("LK-C").unwrap().check_ins, 1);
    let two_items =
        check_in_xml("LK-C", FACILITY).replace("</TEN_DICH_VU>", "</TEN_DICH_VU><MA_THUOC>40.152</MA_THUOC>");
    assert_eq!(
        submit(&client, mock.url(), "/api/qd130/checkInKcbQd4750", &s, "0", FACILITY, &b64(&two_items)).await["maKetQua"],
        "123"
    );
    assert_eq!(
        submit(
            &client,
            mock.url(),
            "/api/qd130/checkInKcbQd4750",
            &s,
            "130",
            FACILITY,
            &b64(&check_in_xml("LK-C", FACILITY))
        )
        .await["maKetQua"],
        "205"
    );
    let province = login(&client, mock.url(), "83_SYT").await;
    let other = submit(
        &client,
        mock.url(),
        "/api/qd130/checkInKcbQd4750",
        &province,
        "0",
        "83002",
        &b64(&check_in_xml("LK-D", "83002")),
    )
    .await;
    assert_eq!(other["maKetQua"], "200", "a provincial account sends for every facility of its province");
    let outside = submit(
        &client,
        mock.url(),
        "/api/qd130/checkInKcbQd4750",
        &province,
        "0",
        "01002",
        &b64(&check_in_xml("LK-E", "01002")),
    )
    .await;
    assert_eq!(outside["maKetQua"], "403");
}

fn entry(card: &str, name: &str, birth: &str, valid_to: &str) -> CardEntry {
    CardEntry {
        card: card.to_owned(),
        name: name.to_owned(),
        birth: birth.to_owned(),
        sex: "Nữ".to_owned(),
        primary_care: "83001".to_owned(),
        valid_from: "01/01/2020".to_owned(),
        valid_to: valid_to.to_owned(),
        forced_code: None,
        citizen_id: None,
    }
}

#[actix_web::test]
async fn card_lookup_answers_every_result_code() {
    let cards = vec![
        entry("HS4830000000001", "Trần Thị Mai", "02/03/1990", "31/12/2099"),
        entry("HS4830000000002", "Trần Thị Mai", "02/03/1990", "31/12/2020"),
    ];
    let mock = start_bhxh(BhxhConfig { cards, ..config() }).await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let lookup = |card: &str, name: &str, birth: &str, officer: (&str, &str), json_body: bool| {
        let (client, url) = (client.clone(), egw(mock.url(), "/api/egw/KQNhanLichSuKCB2024", &s, ""));
        let body =
            [("maThe", card), ("hoTen", name), ("ngaySinh", birth), ("hoTenCb", officer.0), ("cccdCb", officer.1)];
        let body: Vec<(String, String)> = body.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        async move {
            let request = client.post(url);
            let request = if json_body {
                request.json(&body.into_iter().collect::<std::collections::HashMap<_, _>>())
            } else {
                request.form(&body)
            };
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let officer = ("Nguyễn Thị Lan", "083190000001");
    let code = |v: &Value| v["maKetQua"].as_str().unwrap().to_owned();
    let expect = [
        ("HS4830123456789", "Nguyễn Văn An", "01/01/1985", "000"),
        ("QN4830123456789", "Nguyễn Văn An", "01/01/1985", "001"),
        ("CA4830123456789", "Nguyễn Văn An", "1985", "002"),
        ("HS4839999990003", "Nguyễn Văn An", "01/01/1985", "003"),
        ("HS4839999990004", "Nguyễn Văn An", "01/01/1985", "004"),
        ("HS4839999990010", "Nguyễn Văn An", "01/01/1985", "010"),
        ("HS4830000000002", "Trần Thị Mai", "02/03/1990", "010"),
        ("HS4839999990050", "Nguyễn Văn An", "01/01/1985", "050"),
        ("HS48301234", "Nguyễn Văn An", "01/01/1985", "051"),
        ("HS4003012345678", "Nguyễn Văn An", "01/01/1985", "052"),
        ("HS7830123456789", "Nguyễn Văn An", "01/01/1985", "053"),
        ("HS4830000000001", "Lê Văn Bình", "02/03/1990", "060"),
        ("HS4830000000001", "Trần Văn Mai", "02/03/1990", "061"),
        ("HS4830000000001", "Trần Thị Mai", "03/03/1990", "070"),
        ("HS4830000000001", "trần  thị mai", "02/03/1990", "000"),
        ("HS4839999990100", "Nguyễn Văn An", "01/01/1985", "100"),
        ("HS4839999990101", "Nguyễn Văn An", "01/01/1985", "101"),
        ("HS4839999990110", "Nguyễn Văn An", "01/01/1985", "110"),
        ("HS4839999990120", "Nguyễn Văn An", "01/01/1985", "120"),
        ("HS4839999990121", "Nguyễn Văn An", "01/01/1985", "121"),
        ("HS4839999990122", "Nguyễn Văn An", "01/01/1985", "122"),
        ("HS4839999990123", "Nguyễn Văn An", "01/01/1985", "123"),
        ("HS4839999990124", "Nguyễn Văn An", "01/01/1985", "124"),
        ("HS4839999990130", "Nguyễn Văn An", "01/01/1985", "130"),
        ("HS4830123456789", "Nguyễn Văn An", "1985-01-01", "205"),
    ];
    for (i, (card, name, birth, expected)) in expect.iter().enumerate() {
        let answer = lookup(card, name, birth, officer, i % 2 == 0).await;
        assert_eq!(code(&answer), *expected, "{card} {name} {birth}: {answer}");
        assert!(!answer["ghiChu"].as_str().unwrap_or_default().is_empty());
    }
    let valid = lookup("HS4830123456789", "Nguyễn Văn An", "01/01/1985", officer, true).await;
    assert_eq!(valid["hoTen"], "Nguyễn Văn An");
    assert_eq!(valid["maSoBHXH"], "0123456789");
    assert!(valid["dsLichSuKCB2018"].is_array() && valid["dsLichSuKT2018"].is_array());
    let renewed = lookup("HS4839999990004", "Nguyễn Văn An", "01/01/1985", officer, true).await;
    assert_eq!(renewed["maTheCu"], "HS4839999990004");
    assert_eq!(renewed["maTheMoi"].as_str().unwrap().len(), 15);
    assert!(!renewed["gtTheDenMoi"].as_str().unwrap().is_empty());
    assert_eq!(
        code(&lookup("HS4830123456789", "Nguyễn Văn An", "1985", ("Nguyễn Thị Lan", "000000000000"), false).await),
        "054"
    );
    assert_eq!(
        code(&lookup("HS4830123456789", "Nguyễn Văn An", "1985", ("Lê Văn Tám", "083190000001"), false).await),
        "055"
    );
    let stale = Session { access: "expired".into(), username: s.username.clone(), id_token: s.id_token.clone() };
    let unauthenticated: Value = client
        .post(egw(mock.url(), "/api/egw/KQNhanLichSuKCB2024", &stale, ""))
        .json(&serde_json::json!({ "maThe": "HS4830123456789", "hoTen": "A", "ngaySinh": "1985" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&unauthenticated), "401");
    assert_eq!(mock.state.card_lookups(), expect.len() as u64 + 4, "every authenticated lookup is counted");
}

async fn receipts(client: &reqwest::Client, url: &str, s: &Session, facility: &str, keys: &str) -> Value {
    let form = [("username", s.username.as_str()), ("maTinh", &facility[..2]), ("maCSKCB", facility), ("dsMaLk", keys)];
    qd130_post(client, url, "/api/qd130/layDanhSachTiepNhan", s, &form).await
}

/// A lost answer (the file kept, the caller told 504) shows in the receipt list, with the digest
/// of the record's tables as received.
#[actix_web::test]
async fn lost_answers_leave_the_file_in_the_receipt_list() {
    let mock = start_bhxh(BhxhConfig {
        faults: mocks::faults::FaultConfig { lost_reply_rate: 1.0, hang_ms: 10, ..Default::default() },
        ..config()
    })
    .await;
    let client = reqwest::Client::new();
    let s = login(&client, mock.url(), "83001_BV").await;
    let record = tables("LK-R", FACILITY, &[Line { quantity: 2, price: 1500 }]);
    let file = b64(&envelope(FACILITY, std::slice::from_ref(&record)));
    let answer = submit(&client, mock.url(), "/api/qd130/guiHoSoXmlQD4750", &s, "130", FACILITY, &file).await;
    assert_eq!(answer["maKetQua"], "504", "the caller hears nothing useful: {answer}");
    assert_eq!(mock.state.faults.stats().lost_replies, 1);

    let listed = receipts(&client, mock.url(), &s, FACILITY, "LK-R;LK-NEVER").await;
    assert_eq!(listed["maKetQua"], "200", "{listed}");
    let rows = listed["dsTiepNhan"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the received MA_LK: {listed}");
    assert_eq!(rows[0]["maLk"], "LK-R");
    assert_eq!(rows[0]["maGiaoDich"].as_str(), mock.state.episode("LK-R").unwrap().last_transaction.as_deref());
    let mut digest = <sha2::Sha256 as sha2::Digest>::new();
    for (kind, xml) in &record {
        sha2::Digest::update(&mut digest, kind.as_bytes());
        sha2::Digest::update(&mut digest, xml.as_bytes());
    }
    assert_eq!(rows[0]["maBam"], hex::encode(sha2::Digest::finalize(digest)));

    // Another facility's account sees nothing of 83001's files; a bad list is a format error.
    let other = login(&client, mock.url(), "83002_BV").await;
    let foreign = receipts(&client, mock.url(), &other, "83002", "LK-R").await;
    assert_eq!(foreign["dsTiepNhan"].as_array().map(Vec::len), Some(0), "{foreign}");
    assert_eq!(receipts(&client, mock.url(), &s, FACILITY, "").await["maKetQua"], "205");
}
