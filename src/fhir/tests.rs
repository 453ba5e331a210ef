use crate::domain::Episode;
use crate::synthetic::{EpisodeGenerator, GenOptions};
use crate::testing::{skipped, tool};
use hisgate_fhir::{Adjudication, EligibilityView, LineAdjudication, OutcomeIssue};
use proptest::prelude::*;
use serde_json::{Value, json};

fn episode(seed: u64) -> Episode {
    EpisodeGenerator::new(GenOptions { seed, facility: None }).next_episode()
}

fn round_trip(e: &Episode) -> Episode {
    let bytes = serde_json::to_vec(&hisgate_fhir::episode_bundle(e)).unwrap();
    hisgate_fhir::read_episode_bundle(&bytes).unwrap_or_else(|issues| panic!("{issues:?}")).episode
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// canonical → FHIR → canonical gives back every field.
    #[test]
    fn episodes_survive_the_fhir_round_trip(seed in any::<u64>()) {
        let e = episode(seed);
        prop_assert_eq!(round_trip(&e), e);
    }
}

#[test]
fn a_bundle_without_our_extensions_still_reads_its_mapped_fields() {
    let e = episode(5);
    let mut bundle = hisgate_fhir::episode_bundle(&e);
    // What a HIS would send: native elements only.
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("extension");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut bundle);
    let back = hisgate_fhir::read_episode_bundle(&serde_json::to_vec(&bundle).unwrap()).unwrap().episode;
    assert_eq!(back.summary.episode_key, e.summary.episode_key);
    assert_eq!(back.summary.full_name, e.summary.full_name);
    assert_eq!(back.summary.card_numbers, e.summary.card_numbers);
    assert_eq!(back.summary.admitted_at, e.summary.admitted_at);
    assert_eq!(back.summary.main_icd10, e.summary.main_icd10);
    assert_eq!(back.drugs.len(), e.drugs.len());
    assert_eq!(back.drugs[0].drug_code, e.drugs[0].drug_code);
    assert_eq!(back.drugs[0].quantity, e.drugs[0].quantity);
    assert_eq!(back.services.len(), e.services.len());
    assert_eq!(back.paraclinical_results.len(), e.paraclinical_results.len());
}

#[test]
fn malformed_bundles_are_refused_with_a_location() {
    let good = hisgate_fhir::episode_bundle(&episode(6));
    let mut wrong_type = good.clone();
    wrong_type["type"] = json!("collection");
    let mut no_claim = good.clone();
    no_claim["entry"].as_array_mut().unwrap().retain(|e| e["resource"]["resourceType"] != "Claim");
    let mut bad_date = good.clone();
    for e in bad_date["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Patient" {
            e["resource"]["birthDate"] = json!("01/02/1985");
        }
    }
    let mut multibyte_period = good.clone();
    for e in multibyte_period["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Coverage" {
            e["resource"]["period"]["start"] = json!("2026-01-0ệ");
        }
    }
    let mut bad_gender = good.clone();
    for e in bad_gender["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Patient" {
            e["resource"]["gender"] = json!("nam");
        }
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"resourceType\": ".to_vec()),
        ("a Patient", br#"{"resourceType":"Patient"}"#.to_vec()),
        ("collection", serde_json::to_vec(&wrong_type).unwrap()),
        ("no Claim", serde_json::to_vec(&no_claim).unwrap()),
        ("birth date", serde_json::to_vec(&bad_date).unwrap()),
        ("gender code", serde_json::to_vec(&bad_gender).unwrap()),
        ("multibyte period", serde_json::to_vec(&multibyte_period).unwrap()),
    ];
    for (what, bytes) in cases {
        let Err(issues) = hisgate_fhir::read_episode_bundle(&bytes) else { panic!("{what} was accepted") };
        assert!(!issues.is_empty() && !issues[0].message.is_empty(), "{what}: {issues:?}");
        assert!(!issues[0].path.is_empty(), "{what}: a location");
    }
}

/// Every kind of resource the gateway emits, for the validators.
fn emitted() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for seed in 0..40 {
        let e = episode(seed);
        out.push((format!("bundle-{seed}"), hisgate_fhir::episode_bundle(&e)));
        out.push((format!("claim-{seed}"), hisgate_fhir::standalone_claim(&e, &format!("c{seed}"))));
    }
    out.push(("capability".into(), hisgate_fhir::capability_statement("0.1.0", "2026-11-28T00:00:00Z")));
    out.push((
        "outcome".into(),
        hisgate_fhir::operation_outcome(&[OutcomeIssue {
            severity: "error",
            code: "business-rule",
            rule: Some("CARD_LENGTH"),
            message: "card number must have 15 characters",
            location: Some("summary.MA_THE_BHYT"),
        }]),
    ));
    out.push((
        "claim-response".into(),
        hisgate_fhir::claim_response(&Adjudication {
            claim_reference: "Claim/c1",
            patient: json!({ "identifier": { "system": "urn:hisgate:fhir:sid:ma-bn:83001", "value": "BN1" } }),
            facility: "83001",
            episode_key: "LK1",
            outcome: "partial",
            disposition: "partially approved by the BHXH appraisal",
            created: "2026-11-28T00:00:00Z",
            claimed_total: Some("150000.00".into()),
            approved_total: Some("120000.00".into()),
            lines: vec![LineAdjudication {
                sequence: 1,
                claimed: Some("30000.00".into()),
                approved: Some("0.00".into()),
                reason: Some("outside the approved list".into()),
            }],
            errors: vec![("XML2_01".into(), "LK1: MA_THUOC not approved".into())],
        }),
    ));
    for (eligible, code) in [("yes", "000"), ("no", "010"), ("check_documents", "001")] {
        out.push((
            format!("eligibility-{code}"),
            hisgate_fhir::coverage_eligibility_response(&EligibilityView {
                card_number: "HS4830123456789",
                eligible,
                code,
                meaning: "Thông tin thẻ chính xác",
                valid_from: Some("2026-01-01".into()),
                valid_to: Some("2026-12-31".into()),
                primary_care_facility: Some("83001"),
                created: "2026-11-28T00:00:00Z",
                request: json!({ "patient": { "reference": "#p" } }),
            }),
        ));
    }
    out
}

#[test]
fn every_emitted_resource_fits_the_r4b_model() {
    for (name, resource) in emitted() {
        hisgate_fhir::check_resource(&resource).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// An independent FHIR implementation (Python `fhir.resources`, R4B models) accepts them too.
#[test]
fn every_emitted_resource_passes_an_independent_validator() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, resource) in emitted() {
        let file = format!("{name}.json");
        std::fs::write(dir.path().join(&file), resource.to_string()).unwrap();
        files.push(file);
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/fhir_validate.py");
    let mut args = vec![script];
    args.extend(files.iter().map(String::as_str));
    let Some(out) = tool("python3", &args, dir.path()) else { return };
    if out.status.code() == Some(3) {
        skipped::<()>("the Python package fhir.resources");
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
