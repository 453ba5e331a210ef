use super::read::NOTES_PER_RULE;
use super::*;
use crate::domain::Episode;
use crate::domain::records::{Record, Table};
use crate::domain::spec::{self, FieldKind, Profile};
use crate::synthetic::{EpisodeGenerator, GenOptions};
use crate::testing::tool;
use base64::Engine;
use chrono::NaiveDate;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Synthetic episodes without their check-ins: a `GIAMDINHHS` file carries no XML0 (check-ins
/// travel alone, `check_in_document`), so a file read back holds none.
fn generated(seed: u64, facility: Option<&str>, n: usize) -> Vec<Episode> {
    EpisodeGenerator::new(GenOptions { seed, facility: facility.map(str::to_owned) })
        .take(n)
        .map(|mut e| {
            e.check_ins.clear();
            e
        })
        .collect()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

fn read_all(xml: &[u8]) -> Vec<Result<Episode, HosoError>> {
    scan(xml).expect("the envelope is sound");
    read_hosos(xml).unwrap().collect()
}

/// Text with what XML writers get wrong: markup characters, a CDATA terminator, Vietnamese letters.
fn random_text(rng: &mut ChaCha8Rng, max: usize) -> String {
    const PIECES: &[&str] = &["a", "Ỹ", "ệ", "đ", " ", "<", ">", "&", "]]>", "\"", "'", "1", "Z", "\n", ";", "Nguyễn"];
    let len = rng.random_range(1..=max.clamp(1, 12));
    let mut s: String = (0..len).map(|_| PIECES[rng.random_range(0..PIECES.len())]).collect();
    s = s.trim().to_owned();
    let mut chars: Vec<char> = s.chars().collect();
    chars.truncate(max);
    let s: String = chars.into_iter().collect::<String>().trim().to_owned();
    if s.is_empty() { "x".to_owned() } else { s }
}

/// A record of `table` with a random subset of its fields set to random values of the right kind.
fn random_record<R: Record + Default>(rng: &mut ChaCha8Rng, table: Table) -> R {
    let mut r = R::default();
    for (i, f) in spec::fields(table).iter().enumerate() {
        if rng.random_bool(0.3) {
            continue;
        }
        let digits = f.max_len.unwrap_or(9).min(9) as u32;
        let text = match f.kind() {
            FieldKind::Text => random_text(rng, f.max_len.unwrap_or(40)),
            FieldKind::Int => rng.random_range(0..10u32.pow(digits.min(9))).to_string(),
            FieldKind::Money => format!("{}.{:02}", rng.random_range(0..10_000_000u64), rng.random_range(0..100)),
            FieldKind::Price => format!("{}.{:03}", rng.random_range(0..100_000u64), rng.random_range(0..1000)),
            FieldKind::Number => format!("{}.{}", rng.random_range(0..100), rng.random_range(0..10)),
        };
        r.assign(i, &text).unwrap();
    }
    r
}

fn random_episode(seed: u64) -> Episode {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let list = |rng: &mut ChaCha8Rng| rng.random_range(0..3);
    Episode {
        check_ins: Vec::new(),
        summary: random_record(&mut rng, Table::Xml1),
        drugs: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml2)).collect(),
        services: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml3)).collect(),
        paraclinical_results: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml4)).collect(),
        progress_notes: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml5)).collect(),
        hiv_care: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml6)).collect(),
        discharge_certificate: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml7)),
        record_summary: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml8)),
        birth_certificates: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml9)).collect(),
        pregnancy_leave: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml10)),
        sick_leave: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml11)),
        referral_letter: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml13)),
        reexam_appointment: rng.random_bool(0.5).then(|| random_record(&mut rng, Table::Xml14)),
        tuberculosis: (0..list(&mut rng)).map(|_| random_record(&mut rng, Table::Xml15)).collect(),
    }
}

/// What a file written under `profile` keeps of an episode: QĐ 3176 removed XML13's TEN_DICH_VU
/// and TEN_THUOC.
fn as_written(mut e: Episode, profile: Profile) -> Episode {
    if profile == Profile::Qd3176
        && let Some(letter) = &mut e.referral_letter
    {
        (letter.service_name, letter.drug_name) = (None, None);
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    /// canonical → XML → canonical is lossless (but for the fields the profile has not), and our
    /// XML → canonical → XML is byte-identical, under either profile.
    #[test]
    fn round_trips_are_exact(seed in any::<u64>(), count in 1usize..4, qd3176 in any::<bool>()) {
        let profile = if qd3176 { Profile::Qd3176 } else { Profile::Qd4750 };
        let episodes: Vec<Episode> = (0..count as u64).map(|i| random_episode(seed.wrapping_add(i))).collect();
        let xml = envelope("83001", day(), &episodes, profile);
        let back: Vec<Episode> = read_all(&xml).into_iter().collect::<Result<_, _>>().unwrap();
        let kept: Vec<Episode> = episodes.into_iter().map(|e| as_written(e, profile)).collect();
        prop_assert_eq!(&back, &kept);
        prop_assert_eq!(envelope("83001", day(), &back, profile), xml);
    }
}

#[test]
fn the_referral_letter_has_the_names_of_each_profile_and_either_reads_back() {
    let mut e = generated(5, Some("83001"), 1).remove(0);
    e.referral_letter = Some(crate::domain::records::ReferralLetter {
        episode_key: e.summary.episode_key.clone(),
        referred_from: Some("83002;83003".into()),
        referred_to: Some("79001".into()),
        service_name: Some("Chụp CT".into()),
        drug_name: Some("Paracetamol".into()),
        condition_at_transfer: Some("Tỉnh, mạch ổn".into()),
        ..Default::default()
    });
    let letter = |profile| table_document(Table::Xml13, &[e.referral_letter.as_ref().unwrap() as &dyn Record], profile);
    let (old, new) = (letter(Profile::Qd4750), letter(Profile::Qd3176));
    for name in ["MA_NOI_DI", "MA_NOI_DEN", "PP_DIEU_TRI", "TEN_DICH_VU", "TEN_THUOC"] {
        assert!(old.contains(&format!("<{name}>")) && !new.contains(&format!("<{name}")), "{name}");
    }
    assert!(new.contains("<MA_CSKCB_DI>83002;83003</MA_CSKCB_DI><MA_CSKCB_DEN>79001</MA_CSKCB_DEN>"), "{new}");
    assert!(
        new.contains("<MA_BENH_YHCT/><TINH_TRANG_CT><![CDATA[Tỉnh, mạch ổn]]></TINH_TRANG_CT><MA_LOAI_RV/>"),
        "{new}"
    );
    for profile in [Profile::Qd4750, Profile::Qd3176] {
        let back = read_all(&envelope("83001", day(), std::slice::from_ref(&e), profile)).remove(0).unwrap();
        assert_eq!(back, as_written(e.clone(), profile), "{profile:?}");
    }
}

#[test]
fn generated_episodes_round_trip() {
    let episodes: Vec<Episode> = generated(9, Some("83001"), 50);
    let xml = envelope("83001", day(), &episodes, Profile::default());
    let header = scan(&xml).unwrap();
    let expected = Header { facility: "83001".into(), created_on: "20260301".into(), count: 50, notes: Vec::new() };
    assert_eq!(header, expected);
    let back: Vec<Episode> = read_all(&xml).into_iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(back, episodes);
}

#[test]
fn documents_follow_the_official_shape() {
    let e = generated(2, Some("83001"), 1).remove(0);
    let xml = String::from_utf8(envelope("83001", day(), std::slice::from_ref(&e), Profile::default())).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GIAMDINHHS xmlns:xsd="));
    assert!(xml.contains("<MACSKCB>83001</MACSKCB>") && xml.contains("<NGAYLAP>20260301</NGAYLAP>"));
    assert!(xml.contains("<SOLUONGHOSO>1</SOLUONGHOSO>") && xml.contains("<CHUKYDONVI/>"));
    let drugs =
        table_document(Table::Xml2, &e.drugs.iter().map(|d| d as &dyn Record).collect::<Vec<_>>(), Profile::default());
    assert!(drugs.starts_with("<CHITIEU_CHITIET_THUOC xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""));
    assert!(drugs.contains("<DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC><MA_LK>"));
    assert!(drugs.contains("<TEN_THUOC><![CDATA["), "free text is CDATA");
    assert!(
        drugs.contains(".000</SO_LUONG>") && drugs.contains(".000</DON_GIA>"),
        "quantities and prices have 3 decimals"
    );
    assert!(drugs.contains(".00</THANH_TIEN_BV>"), "money has 2 decimals");
    assert!(drugs.contains("<VET_THUONG_TP/>"), "absent fields are empty elements");
    let position = |name: &str| drugs.find(&format!("<{name}>")).unwrap();
    assert!(position("NGAY_YL") < position("MA_PTTT"), "appendix order");
    let check_in = check_in_document(&[]);
    assert!(check_in.contains("<CHI_TIEU_TRANG_THAI_KCB") && check_in.contains("<CHUKYDONVI/>"));
}

fn hand_written(hosos: &str, count: &str) -> Vec<u8> {
    format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<GIAMDINHHS>\r\n\t<THONGTINDONVI>\r\n\t\t<MACSKCB>83001</MACSKCB>\r\n\t</THONGTINDONVI>\r\n\
         \t<THONGTINHOSO>\r\n\t\t<NGAYLAP>20260301</NGAYLAP>\r\n\t\t<SOLUONGHOSO>{count}</SOLUONGHOSO>\r\n\t\t<DANHSACHHOSO>{hosos}</DANHSACHHOSO>\r\n\
         \t</THONGTINHOSO>\r\n\t<CHUKYDONVI></CHUKYDONVI>\r\n</GIAMDINHHS>"
    )
    .into_bytes()
}

fn file(kind: &str, doc: &str) -> String {
    format!("<FILEHOSO><LOAIHOSO>{kind}</LOAIHOSO><NOIDUNGFILE>\r\n{}\r\n</NOIDUNGFILE></FILEHOSO>", b64(doc))
}

fn b64(doc: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(doc)
}

#[test]
fn irregular_but_valid_files_are_read() {
    // Escaped text instead of CDATA, indentation inside the table, a BOM, CRLF, tables in another
    // order, optional tables and fields missing, a namespace prefix on the root.
    let xml2 = "<CHITIEU_CHITIET_THUOC>\n  <DSACH_CHI_TIET_THUOC>\n    <CHI_TIET_THUOC>\n      <MA_LK>A1</MA_LK>\n      <STT>1</STT>\n      \
                <TEN_THUOC>Thuốc &amp; dịch &#x1EA1;</TEN_THUOC>\n      <SO_LUONG>2</SO_LUONG>\n    </CHI_TIET_THUOC>\n  </DSACH_CHI_TIET_THUOC>\n</CHITIEU_CHITIET_THUOC>";
    let xml1 = "<x:TONG_HOP xmlns:x=\"urn:x\"><MA_LK>A1</MA_LK><HO_TEN><![CDATA[Lê Thị <Hoa>]]></HO_TEN><T_BHTT>150000</T_BHTT><MA_CSKCB>83001</MA_CSKCB></x:TONG_HOP>";
    let xml = hand_written(
        &format!("<HOSO>{}{}</HOSO><HOSO>{}</HOSO>", file("XML2", xml2), file("XML1", xml1), file("XML1", xml1)),
        "2",
    );
    let results = read_all(&xml);
    let e = results[0].as_ref().unwrap();
    assert_eq!(e.episode_key(), "A1");
    assert_eq!(e.summary.full_name.as_deref(), Some("Lê Thị <Hoa>"));
    assert_eq!(e.summary.fund_pays.map(|d| d.to_string()).as_deref(), Some("150000"));
    assert_eq!(e.drugs.len(), 1);
    assert_eq!(e.drugs[0].drug_name.as_deref(), Some("Thuốc & dịch ạ"));
    assert_eq!(e.drugs[0].quantity.map(|d| d.to_string()).as_deref(), Some("2"));
    assert!(results[1].is_ok());
}

#[test]
fn broken_envelopes_are_refused_precisely() {
    let xml1 = "<TONG_HOP><MA_LK>A1</MA_LK></TONG_HOP>";
    let one = format!("<HOSO>{}</HOSO>", file("XML1", xml1));
    assert_eq!(scan(&hand_written(&one, "2")), Err(DossierError::CountMismatch { declared: 2, actual: 1 }));
    assert_eq!(scan(&hand_written(&one, "one")), Err(DossierError::BadCount("one".into())));
    assert_eq!(scan(&hand_written("", "0")), Err(DossierError::Empty));
    assert_eq!(scan(b"<TONG_HOP/>"), Err(DossierError::WrongRoot("TONG_HOP".into())));
    assert_eq!(scan(b"<GIAMDINHHS/>"), Err(DossierError::MissingFacility));
    assert!(matches!(scan(b"<GIAMDINHHS><THONGTINDONVI>"), Err(DossierError::Malformed { .. })));
    assert_eq!(scan(b"\xff\xfe<GIAMDINHHS/>"), Err(DossierError::NotUtf8(0)));
    let empty = scan(b"  \n");
    assert!(matches!(&empty, Err(DossierError::Malformed { message, .. }) if message.contains("no root")), "{empty:?}");
    let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><GIAMDINHHS>&lol2;</GIAMDINHHS>";
    assert_eq!(scan(bomb), Err(DossierError::Doctype));
    let deep = format!("<GIAMDINHHS>{}{}</GIAMDINHHS>", "<a>".repeat(40), "</a>".repeat(40));
    assert_eq!(scan(deep.as_bytes()), Err(DossierError::TooDeep(16)));
    let no_facility = String::from_utf8(hand_written(&one, "1")).unwrap().replace("<MACSKCB>83001</MACSKCB>", "");
    assert_eq!(scan(no_facility.as_bytes()), Err(DossierError::MissingFacility));
}

#[test]
fn broken_hoso_get_their_own_error_and_the_others_are_read() {
    let good = format!("<HOSO>{}</HOSO>", file("XML1", "<TONG_HOP><MA_LK>OK</MA_LK></TONG_HOP>"));
    type Expectation = fn(&HosoProblem) -> bool;
    let cases: Vec<(String, Expectation)> = vec![
        ("<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>***</NOIDUNGFILE></FILEHOSO></HOSO>".into(), |p| {
            matches!(p, HosoProblem::BadBase64(_))
        }),
        (
            format!("<HOSO>{}</HOSO>", file("XML99", "<X/>")),
            |p| matches!(p, HosoProblem::UnknownKind(k) if k == "XML99"),
        ),
        (format!("<HOSO>{}</HOSO>", file("XML12", "<X/>")), |p| matches!(p, HosoProblem::UnknownKind(_))),
        (
            format!(
                "<HOSO>{}</HOSO>",
                file("XML2", "<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC/></CHITIEU_CHITIET_THUOC>")
            ),
            |p| *p == HosoProblem::MissingSummary,
        ),
        (
            format!(
                "<HOSO>{}</HOSO>",
                file("XML1", "<TONG_HOP><MA_LK>B</MA_LK><NOT_A_FIELD>1</NOT_A_FIELD></TONG_HOP>")
            ),
            |p| matches!(p, HosoProblem::UnknownField { field, .. } if field == "NOT_A_FIELD"),
        ),
        (
            format!("<HOSO>{}</HOSO>", file("XML1", "<TONG_HOP><MA_LK>B</MA_LK><GIOI_TINH>nam</GIOI_TINH></TONG_HOP>")),
            |p| matches!(p, HosoProblem::BadValue { field, .. } if field == "GIOI_TINH"),
        ),
        (format!("<HOSO>{}</HOSO>", file("XML1", "<CHITIEU_CHITIET_THUOC/>")), |p| {
            matches!(p, HosoProblem::Table { .. })
        }),
        (format!("<HOSO>{}{}</HOSO>", file("XML1", "<TONG_HOP/>"), file("XML1", "<TONG_HOP/>")), |p| {
            matches!(p, HosoProblem::DuplicateTable(_))
        }),
        ("<HOSO><FILEHOSO><NOIDUNGFILE>eA==</NOIDUNGFILE></FILEHOSO></HOSO>".into(), |p| {
            *p == HosoProblem::MissingKind
        }),
        // An empty table is left out (noted); without its summary the HOSO has none.
        ("<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE/></FILEHOSO></HOSO>".into(), |p| {
            *p == HosoProblem::MissingSummary
        }),
        (
            format!(
                "<HOSO>{}</HOSO>",
                file("XML1", "<TONG_HOP><MA_LK>B</MA_LK><MA_THE>HS4830123456789</MA_THE></TONG_HOP>")
            ),
            |p| matches!(p, HosoProblem::Qd4210Layout { field, .. } if field == "MA_THE"),
        ),
    ];
    for (broken, expected) in cases {
        let xml = hand_written(&format!("{good}{broken}{good}"), "3");
        let results = read_all(&xml);
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[2].is_ok(), "{broken}");
        let err = results[1].as_ref().unwrap_err();
        assert_eq!(err.index, 1);
        assert!(expected(&err.problem), "{broken}: got {err}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn the_writer_streams_and_checks_its_count() {
    let episodes: Vec<Episode> = generated(4, Some("83001"), 3);
    let mut w = EnvelopeWriter::start(Vec::new(), "83001", day(), 3, Profile::default()).unwrap();
    for e in &episodes {
        w.write(e).unwrap();
    }
    assert_eq!(w.finish().unwrap(), envelope("83001", day(), &episodes, Profile::default()));
    let mut short = EnvelopeWriter::start(Vec::new(), "83001", day(), 3, Profile::default()).unwrap();
    short.write(&episodes[0]).unwrap();
    assert!(short.finish().is_err());
}

/// `schemas/*.xsd` are generated from the CSV; they must not drift from it.
#[test]
fn xsd_files_match_the_field_specification() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let update = std::env::var("UPDATE_SCHEMAS").is_ok_and(|v| v == "1");
    for (name, content) in xsd::all() {
        let path = dir.join(&name);
        if update {
            std::fs::write(&path, &content).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(on_disk == content, "{name} differs from what the CSV generates; run UPDATE_SCHEMAS=1 cargo test xsd");
    }
}

/// Runs `xmllint --schema` through [`tool`].
fn xmllint(schema: &std::path::Path, files: &[std::path::PathBuf]) -> Option<std::process::Output> {
    let mut args = vec!["--noout".to_owned(), "--schema".to_owned(), schema.display().to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tool("xmllint", &args, std::path::Path::new("."))
}

#[test]
fn written_documents_validate_against_the_schemas() {
    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let dir = tempfile::tempdir().unwrap();
    let episodes: Vec<Episode> = generated(21, None, 40)
        .into_iter()
        .map(|mut e| {
            e.summary.facility_code = Some("83001".into());
            e
        })
        .collect();
    let envelope_path = dir.path().join("envelope.xml");
    // The schemas hold QĐ 4750's names and sizes.
    std::fs::write(&envelope_path, envelope("83001", day(), &episodes, Profile::Qd4750)).unwrap();
    let Some(out) = xmllint(&schemas.join("GIAMDINHHS.xsd"), std::slice::from_ref(&envelope_path)) else { return };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut by_table: std::collections::BTreeMap<&str, Vec<std::path::PathBuf>> = Default::default();
    for (i, e) in episodes.iter().enumerate() {
        let mut tables: Vec<(Table, Vec<&dyn Record>)> = vec![(Table::Xml1, vec![&e.summary as &dyn Record])];
        tables.push((Table::Xml2, e.drugs.iter().map(|r| r as &dyn Record).collect()));
        tables.push((Table::Xml3, e.services.iter().map(|r| r as &dyn Record).collect()));
        tables.push((Table::Xml4, e.paraclinical_results.iter().map(|r| r as &dyn Record).collect()));
        tables.push((Table::Xml5, e.progress_notes.iter().map(|r| r as &dyn Record).collect()));
        tables.push((Table::Xml7, e.discharge_certificate.iter().map(|r| r as &dyn Record).collect()));
        for (table, records) in tables {
            if table != Table::Xml1 && records.is_empty() {
                continue;
            }
            let path = dir.path().join(format!("{}-{i}.xml", table.spec_name()));
            std::fs::write(&path, table_document(table, &records, Profile::Qd4750)).unwrap();
            by_table.entry(table.spec_name()).or_default().push(path);
        }
    }
    let check_ins = dir.path().join("checkin.xml");
    std::fs::write(&check_ins, check_in_document(&[])).unwrap();
    by_table.entry("CHECKIN").or_default().push(check_ins);
    assert!(by_table.len() >= 7);
    for (kind, files) in by_table {
        let out = xmllint(&schemas.join(format!("{kind}.xsd")), &files).unwrap();
        assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // And the schemas do reject: a drug line without its required MA_THUOC.
    let bad = dir.path().join("bad.xml");
    let mut line = episodes[0].drugs[0].clone();
    line.drug_code = None;
    std::fs::write(&bad, table_document(Table::Xml2, &[&line as &dyn Record], Profile::Qd4750)).unwrap();
    let out = xmllint(&schemas.join("XML2.xsd"), &[bad]).unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MA_THUOC"));
}

/// bergshamra's own signing of a whole document in memory (its DOM, the common enveloped
/// template in `CHUKYDONVI`): the reference the streaming signer must match byte for byte.
fn dom_signed(key_pem: &[u8], cert_pem: &[u8], c14n: sign::Canonicalisation, unsigned: &[u8]) -> Vec<u8> {
    let mut key = bergshamra::keys::loader::load_rsa_private_pem(key_pem).unwrap();
    key.x509_chain = bergshamra::keys::loader::load_x509_cert_pem(cert_pem).unwrap().x509_chain;
    let mut manager = bergshamra::KeysManager::new();
    manager.add_key(key);
    let c14n = c14n.uri();
    let template = format!(
        "<CHUKYDONVI><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>\
         <CanonicalizationMethod Algorithm=\"{c14n}\"/>\
         <SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         <Reference URI=\"\"><Transforms>\
         <Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <Transform Algorithm=\"{c14n}\"/></Transforms>\
         <DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue></DigestValue>\
         </Reference></SignedInfo><SignatureValue></SignatureValue>\
         <KeyInfo><X509Data><X509Certificate></X509Certificate></X509Data></KeyInfo></Signature></CHUKYDONVI>"
    );
    let document = std::str::from_utf8(unsigned).unwrap().replacen("<CHUKYDONVI/>", &template, 1);
    bergshamra::sign(&bergshamra::DsigContext::new(manager), &document).unwrap().into_bytes()
}

#[test]
fn signed_files_verify_with_xmlsec1_and_tampering_is_caught() {
    use sign::{Canonicalisation, FacilitySigner};
    let dir = tempfile::tempdir().unwrap();
    let Some(out) = tool(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-nodes",
            "-subj",
            "/CN=83001/O=Benh vien Da khoa tinh",
        ],
        dir.path(),
    ) else {
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = std::fs::read(dir.path().join("key.pem")).unwrap();
    let cert = std::fs::read(dir.path().join("cert.pem")).unwrap();
    let episodes: Vec<Episode> = generated(31, Some("83001"), 5);
    let unsigned = envelope("83001", day(), &episodes, Profile::default());
    for c14n in [Canonicalisation::Exclusive, Canonicalisation::Inclusive] {
        let signer = FacilitySigner::from_pem(&key, &cert, c14n).unwrap();
        assert!(signer.subject.contains("83001"));
        let days_left = (signer.not_after - chrono::Utc::now()).num_days();
        assert!((28..=30).contains(&days_left), "certificate expiry is read: {days_left} days");
        let signed = signed_envelope("83001", day(), &episodes, Some(&signer), None, Profile::default()).unwrap();
        // The streamed signature is the one bergshamra computes over the whole document in memory.
        assert_eq!(signed, dom_signed(&key, &cert, c14n, &unsigned), "{c14n:?}");
        let text = String::from_utf8(signed.clone()).unwrap();
        assert!(text.contains("<CHUKYDONVI><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"));
        assert!(!text.contains("<DigestValue></DigestValue>") && text.contains("<X509Certificate>MII"));
        // The signed file is still our file.
        let back: Vec<Episode> = read_all(&signed).into_iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(back, episodes);
        remote_signer_signs_the_same_file(&key, &cert, c14n, &episodes, &signed);
        std::fs::write(dir.path().join("signed.xml"), &signed).unwrap();
        let Some(ok) = tool("xmlsec1", &["--verify", "--trusted-pem", "cert.pem", "signed.xml"], dir.path()) else {
            return;
        };
        assert!(ok.status.success(), "{c14n:?}: {}", String::from_utf8_lossy(&ok.stderr));
        let tampered = text.replacen("<MACSKCB>83001</MACSKCB>", "<MACSKCB>83002</MACSKCB>", 1);
        std::fs::write(dir.path().join("tampered.xml"), tampered).unwrap();
        let bad = tool("xmlsec1", &["--verify", "--trusted-pem", "cert.pem", "tampered.xml"], dir.path()).unwrap();
        assert!(!bad.status.success(), "a tampered file must fail verification");

        // A larger file streamed to disk, never whole in memory, verifies as well.
        let many: Vec<Episode> = generated(32, Some("83001"), 300);
        let file = std::fs::File::create(dir.path().join("large.xml")).unwrap();
        let mut writer =
            EnvelopeWriter::start_signed(file, "83001", day(), many.len(), &signer, Profile::default()).unwrap();
        for e in &many {
            writer.write(e).unwrap();
        }
        writer.finish().unwrap();
        let ok = tool("xmlsec1", &["--verify", "--trusted-pem", "cert.pem", "large.xml"], dir.path()).unwrap();
        assert!(ok.status.success(), "{c14n:?} large: {}", String::from_utf8_lossy(&ok.stderr));
    }
    assert!(FacilitySigner::from_pem(b"not a key", &cert, Canonicalisation::Exclusive).is_err());
}

#[test]
fn notes_are_said_once_per_table_rule_and_field_notes_are_bounded() {
    let e = generated(3, Some("83001"), 5).into_iter().find(|e| e.drugs.len() > NOTES_PER_RULE).unwrap();
    let xml = String::from_utf8(envelope("83001", day(), std::slice::from_ref(&e), Profile::default())).unwrap();
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(open) = rest.find("<NOIDUNGFILE>") {
        let (head, tail) = rest.split_at(open + "<NOIDUNGFILE>".len());
        let close = tail.find("</NOIDUNGFILE>").unwrap();
        let document = String::from_utf8(engine.decode(&tail[..close]).unwrap()).unwrap();
        let commas = document.replace(".000</DON_GIA>", ",000</DON_GIA>");
        let encoded = engine.encode(commas);
        out.push_str(head);
        out.push_str(&encoded[..10]);
        out.push('\n');
        out.push_str(&encoded[10..]);
        rest = &tail[close..];
    }
    out.push_str(rest);
    let hoso = read_hosos_with_notes(out.as_bytes()).unwrap().next().unwrap().unwrap();
    assert_eq!(hoso.episode, e, "read as the clean file");
    let of = |rule: &str| hoso.notes.iter().filter(|n| n.rule == rule).collect::<Vec<_>>();
    let wrapped = of("IMPORT_BASE64_WRAPPED");
    assert_eq!(wrapped.len(), 1);
    assert!(wrapped[0].path.starts_with("XML1, XML2, XML3"), "{:?}", wrapped[0]);
    let commas = of("IMPORT_DECIMAL_COMMA");
    assert_eq!(commas.len(), NOTES_PER_RULE + 1, "{commas:?}");
    assert_eq!(commas[0].path, "XML2[0].DON_GIA");
    let more = e.drugs.len() - NOTES_PER_RULE;
    assert_eq!(commas[NOTES_PER_RULE].message, format!("and {more} more fields of this HOSO alike"));
}

/// Through a remote signer the writer first answers what is to be signed, then, given the
/// service's signature, writes the same file a key file's signature makes (PKCS#1 v1.5 is
/// deterministic); a signature of another file, or another day's file, is not put in.
fn remote_signer_signs_the_same_file(
    key: &[u8],
    cert: &[u8],
    c14n: sign::Canonicalisation,
    episodes: &[Episode],
    signed: &[u8],
) {
    use super::remote_signature_verifies;
    use sign::{RemoteSignature, SignError};
    let remote = sign::FacilitySigner::from_remote(cert, c14n).unwrap();
    let write = |on, signature| signed_envelope("83001", on, episodes, Some(&remote), signature, Profile::default());
    let Err(SignError::AwaitingRemote(pending)) = write(day(), None) else { panic!("a remote signer's file waits") };
    let service = mocks::signer::Credential::from_pem("83001", std::str::from_utf8(key).unwrap()).unwrap();
    let value = service.sign_hash(&pending.signed_info_sha256).unwrap();
    assert!(remote_signature_verifies(&remote, &pending.document_digest, &value));
    let other = service.sign_hash(&[7; 32]).unwrap();
    assert!(!remote_signature_verifies(&remote, &pending.document_digest, &other), "another hash's signature");
    let signature = RemoteSignature { document_digest: &pending.document_digest, value: &value };
    assert_eq!(write(day(), Some(signature)).unwrap(), signed, "{c14n:?}");
    let next_day = day().succ_opt().unwrap();
    assert!(matches!(write(next_day, Some(signature)), Err(SignError::AwaitingRemote(p)) if p != pending));
}
