//! Episodes per second for validation and QĐ 130 XML write/read, on one core.
//! `cargo bench --bench formats`; a typical inpatient episode has 8 drug lines, 12 service/supply
//! lines and 5 lab results (the synthetic generator's inpatient shape).

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hisgate::domain::Episode;
use hisgate::formats::xml130;
use hisgate::synthetic::{EpisodeGenerator, GenOptions};
use hisgate::validation::{Catalogue, ReferenceData, validate};
use std::hint::black_box;

fn typical(n: usize) -> Vec<Episode> {
    EpisodeGenerator::new(GenOptions { seed: 1, facility: Some("83001".into()) })
        .filter(|e| e.summary.visit_type.as_deref() == Some("03"))
        .take(n)
        .collect()
}

fn bench(c: &mut Criterion) {
    const N: usize = 200;
    let episodes = typical(N);
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let file = xml130::envelope("83001", day, &episodes);
    let catalogue = Catalogue::builtin();
    let reference = ReferenceData::sample();
    let json: Vec<Vec<u8>> = episodes.iter().map(|e| serde_json::to_vec(e).unwrap()).collect();

    let mut g = c.benchmark_group("episodes");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("xml130_write", |b| b.iter(|| black_box(xml130::envelope("83001", day, black_box(&episodes)))));
    g.bench_function("xml130_read", |b| {
        b.iter(|| {
            xml130::scan(black_box(&file)).unwrap();
            xml130::read_hosos(&file).unwrap().map(|r| r.unwrap().drugs.len()).sum::<usize>()
        })
    });
    g.bench_function("validate", |b| {
        b.iter(|| {
            episodes.iter().map(|e| validate(black_box(e), &catalogue, &reference).violations.len()).sum::<usize>()
        })
    });
    g.bench_function("json_parse", |b| {
        b.iter(|| {
            json.iter().map(|j| serde_json::from_slice::<Episode>(black_box(j)).unwrap().drugs.len()).sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
