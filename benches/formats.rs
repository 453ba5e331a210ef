//! Episodes per second for validation and QĐ 130 XML write/read, on one core.
//! `cargo bench --bench formats`; a typical inpatient episode has 8 drug lines, 12 service/supply
//! lines and 5 lab results (the synthetic generator's inpatient shape).
//!
//! Each figure has a `*_limit` beside it: the least any implementation must do with the same
//! bytes (base64 and copying for the writer, tokenising and base64 for the reader, syntax only
//! for JSON, reading every field once for validation), so the figure reads as a ratio. The vault's
//! sealing and opening of the same episodes' JSON (zstd and AES-256-GCM, on every ingest and every
//! dispatch) have none: what they do is the least, and they are read before and after a change.

use base64::Engine;
use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hisgate::domain::Episode;
use hisgate::domain::records::Record;
use hisgate::domain::spec::Profile;
use hisgate::formats::xml130;
use hisgate::reference::ReferenceData;
use hisgate::synthetic::{EpisodeGenerator, GenOptions};
use hisgate::validation::{Catalogue, validate};
use std::hint::black_box;

fn typical(n: usize) -> Vec<Episode> {
    EpisodeGenerator::new(GenOptions { seed: 1, facility: Some("83001".into()) })
        .filter(|e| e.summary.visit_type.as_deref() == Some("03"))
        .take(n)
        .collect()
}

/// The decoded table documents of a `GIAMDINHHS` file, in file order.
fn table_documents(file: &[u8]) -> Vec<Vec<u8>> {
    let text = std::str::from_utf8(file).unwrap();
    text.split("<NOIDUNGFILE>")
        .skip(1)
        .map(|rest| {
            base64::engine::general_purpose::STANDARD.decode(rest.split("</NOIDUNGFILE>").next().unwrap()).unwrap()
        })
        .collect()
}

/// Every XML event of `bytes`, none kept; the number of events.
fn tokenise(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buffer = Vec::new();
    let mut events = 0;
    loop {
        match reader.read_event_into(&mut buffer).unwrap() {
            quick_xml::events::Event::Eof => return events,
            _ => events += 1,
        }
        buffer.clear();
    }
}

/// How many of `documents` are JSON, reading their syntax only.
fn json_syntax(documents: &[Vec<u8>]) -> usize {
    documents.iter().map(|j| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(j)).is_ok() as usize).sum()
}

/// Reads every field of every record of an episode once; the number present.
fn visit_all(e: &Episode) -> usize {
    let mut present = 0;
    let mut count = |r: &dyn Record| r.visit(&mut |v| present += usize::from(!v.is_absent()));
    count(&e.summary);
    e.drugs.iter().for_each(|r| count(r));
    e.services.iter().for_each(|r| count(r));
    e.paraclinical_results.iter().for_each(|r| count(r));
    e.progress_notes.iter().for_each(|r| count(r));
    e.discharge_certificate.iter().for_each(|r| count(r));
    present
}

fn bench(c: &mut Criterion) {
    const N: usize = 200;
    let episodes = typical(N);
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let file = xml130::envelope("83001", day, &episodes, Profile::default());
    let catalogue = Catalogue::builtin();
    let reference = ReferenceData::sample();
    let json: Vec<Vec<u8>> = episodes.iter().map(|e| serde_json::to_vec(e).unwrap()).collect();
    let documents = table_documents(&file);

    let mut g = c.benchmark_group("episodes");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("xml130_write", |b| {
        b.iter(|| black_box(xml130::envelope("83001", day, black_box(&episodes), Profile::default())))
    });
    g.bench_function("xml130_write_limit", |b| {
        let mut out = String::with_capacity(file.len());
        b.iter(|| {
            out.clear();
            for document in black_box(&documents) {
                out.push_str("<FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>");
                base64::engine::general_purpose::STANDARD.encode_string(document, &mut out);
                out.push_str("</NOIDUNGFILE></FILEHOSO>");
            }
            out.len()
        })
    });
    g.bench_function("xml130_read_limit", |b| {
        b.iter(|| tokenise(black_box(&file)) + table_documents(&file).iter().map(|d| tokenise(d)).sum::<usize>())
    });
    g.bench_function("xml130_read", |b| {
        b.iter(|| {
            xml130::scan(black_box(&file)).unwrap();
            xml130::read_hosos(&file).unwrap().map(|r| r.unwrap().drugs.len()).sum::<usize>()
        })
    });
    g.bench_function("validate", |b| {
        b.iter(|| {
            episodes
                .iter()
                .map(|e| validate(black_box(e), &catalogue, &reference, Default::default()).violations.len())
                .sum::<usize>()
        })
    });
    g.bench_function("validate_limit", |b| b.iter(|| episodes.iter().map(|e| visit_all(black_box(e))).sum::<usize>()));
    g.bench_function("json_parse_limit", |b| b.iter(|| json_syntax(&json)));
    let bundles: Vec<Vec<u8>> =
        episodes.iter().map(|e| serde_json::to_vec(&hisgate_fhir::episode_bundle(e)).unwrap()).collect();
    g.bench_function("fhir_read", |b| {
        b.iter(|| {
            bundles
                .iter()
                .map(|j| hisgate_fhir::read_episode_bundle(black_box(j)).unwrap().episode.drugs.len())
                .sum::<usize>()
        })
    });
    g.bench_function("fhir_read_limit", |b| b.iter(|| json_syntax(&bundles)));
    g.bench_function("json_parse", |b| {
        b.iter(|| {
            json.iter().map(|j| serde_json::from_slice::<Episode>(black_box(j)).unwrap().drugs.len()).sum::<usize>()
        })
    });
    g.finish();

    let vault = hisgate::vault::Vault::from_text(&hisgate::vault::generate_key()).unwrap();
    let texts: Vec<&str> = json.iter().map(|j| std::str::from_utf8(j).unwrap()).collect();
    let sealed: Vec<_> = texts.iter().enumerate().map(|(i, t)| vault.seal(t, &i.to_string())).collect();
    let mut g = c.benchmark_group("vault");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("seal", |b| {
        b.iter(|| {
            texts.iter().enumerate().map(|(i, t)| vault.seal(black_box(t), &i.to_string()).text.len()).sum::<usize>()
        })
    });
    g.bench_function("open", |b| {
        b.iter(|| {
            sealed
                .iter()
                .enumerate()
                .map(|(i, s)| vault.open(black_box(&s.text), s.key.as_deref(), &i.to_string()).unwrap().len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
