//! The fuzz targets' bodies: hisgate's three parsers of outside input, each followed by what the
//! gateway does next with a parsed episode and by a property that must hold for any input.
//!
//! Any input may be refused with an error; none may panic, and whatever is read must write back
//! to a form that reads again to the same bytes. The binaries in `fuzz_targets/` hand libFuzzer's
//! inputs to these functions; `tests/smoke.rs` runs them over generated and mutated inputs and
//! over every input kept in `regressions/` on each `cargo test`.

use hisgate::domain::Episode;
use hisgate::domain::spec::Profile;
use hisgate::formats::xml130;
use hisgate::reference::ReferenceData;
use hisgate::validation::{Catalogue, validate};
use std::sync::LazyLock;

static RULES: LazyLock<(Catalogue, ReferenceData)> = LazyLock::new(|| (Catalogue::builtin(), ReferenceData::sample()));

/// What ingest does with every parsed episode: validation and the content hash. Returns whether
/// the episode has more decimals than the wire format carries (money 2, quantities and prices 3):
/// ingest refuses it (`FIELD_DECIMAL_PLACES`, critical), and every writer rounds it.
fn ingest_checks(episode: &Episode) -> bool {
    let (catalogue, reference) = &*RULES;
    let report = validate(episode, catalogue, reference, Default::default());
    let _ = episode.content_hash();
    report.violations.iter().any(|v| v.rule == "FIELD_DECIMAL_PLACES")
}

/// A `GIAMDINHHS` file as `POST /api/v1/dossiers` and `hisgate import` read it.
pub fn xml_import(data: &[u8]) {
    let Ok(header) = xml130::scan(data) else {
        return;
    };
    let Ok(hosos) = xml130::read_hosos(data) else {
        return;
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a valid date");
    for episode in hosos.flatten() {
        ingest_checks(&episode);
        // Our own writing of what was read is a fixed point: read again and written again, the
        // same bytes.
        let written = xml130::envelope(&header.facility, day, std::slice::from_ref(&episode), Profile::default());
        let again: Vec<Episode> = xml130::read_hosos(&written)
            .expect("our own envelope is well formed")
            .collect::<Result<_, _>>()
            .expect("our own HOSO reads");
        assert_eq!(again.len(), 1);
        assert_eq!(
            xml130::envelope(&header.facility, day, &again, Profile::default()),
            written,
            "XML write → read → write changed"
        );
    }
}

/// The native JSON body of `POST /api/v1/claims`.
pub fn json_ingest(data: &[u8]) {
    let Ok(episode) = hisgate::ingest::parse_episode(data) else {
        return;
    };
    ingest_checks(&episode);
    // What the store keeps reads back to the same episode and the same content hash.
    let stored = serde_json::to_string(&episode).expect("an episode serialises");
    let again = hisgate::ingest::parse_episode(stored.as_bytes()).expect("stored JSON parses");
    assert_eq!(again, episode, "JSON store → read changed the episode");
    assert_eq!(again.content_hash(), episode.content_hash());
}

/// A FHIR R4 transaction Bundle as `POST /fhir/r4` reads it.
pub fn fhir_bundle(data: &[u8]) {
    let Ok(read) = hisgate_fhir::read_episode_bundle(data) else {
        return;
    };
    if ingest_checks(&read.episode) {
        return;
    }
    // The episode mapped back to a Bundle reads to the same episode.
    let bundle = hisgate_fhir::episode_bundle(&read.episode);
    let bytes = serde_json::to_vec(&bundle).expect("a bundle serialises");
    let again = hisgate_fhir::read_episode_bundle(&bytes).expect("our own bundle reads");
    assert_eq!(again.episode, read.episode, "FHIR read → write → read changed the episode");
}

/// Seed inputs for each target from the synthetic generator: (target, name, bytes).
pub fn seeds(count: usize) -> Vec<(&'static str, String, Vec<u8>)> {
    use hisgate::synthetic::{EpisodeGenerator, GenOptions};
    let episodes: Vec<Episode> =
        EpisodeGenerator::new(GenOptions { seed: 20261128, facility: Some("83001".to_owned()) }).take(count).collect();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a valid date");
    let mut out = Vec::new();
    for (i, e) in episodes.iter().enumerate() {
        out.push(("json_ingest", format!("episode-{i}.json"), serde_json::to_vec(e).expect("serialises")));
        let bundle = serde_json::to_vec(&hisgate_fhir::episode_bundle(e)).expect("serialises");
        out.push(("fhir_bundle", format!("bundle-{i}.json"), bundle));
        out.push((
            "xml_import",
            format!("dossier-{i}.xml"),
            xml130::envelope("83001", day, std::slice::from_ref(e), Profile::default()),
        ));
    }
    out.push((
        "xml_import",
        "dossier-many.xml".to_owned(),
        xml130::envelope("83001", day, &episodes[..count.min(5)], Profile::default()),
    ));
    out
}
