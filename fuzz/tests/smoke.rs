//! The fuzz targets' smoke run, cheap enough for every `cargo test`: each target's seeds, a few
//! thousand deterministic mutations of them (byte flips, truncations, splices, repeated slices),
//! and every input kept in `regressions/<target>/` (what fuzzing once found) must pass.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 3] = [
    ("xml_import", hisgate_fuzz::xml_import),
    ("json_ingest", hisgate_fuzz::json_ingest),
    ("fhir_bundle", hisgate_fuzz::fhir_bundle),
];

/// A small deterministic generator (xorshift), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    let at = rng.below(data.len());
    match rng.below(5) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
        }
        1 => data.truncate(at),
        2 => {
            let from = rng.below(other.len());
            data.splice(at..at, other[from..].iter().take(64).copied());
        }
        3 => {
            let end = (at + 1 + rng.below(200)).min(data.len());
            let slice = data[at..end].to_vec();
            for _ in 0..1 + rng.below(4) {
                data.splice(at..at, slice.iter().copied());
            }
        }
        _ => {
            const TOKENS: [&[u8]; 8] = [
                b"<",
                b"]]>",
                b"&amp;",
                b"\"",
                b"-1e999",
                b"\xEF\xBB\xBF",
                b"\\u0000",
                b"99999999999999999999999999999",
            ];
            let token = TOKENS[rng.below(TOKENS.len())];
            data.splice(at..at, token.iter().copied());
        }
    }
    data
}

#[test]
fn every_target_survives_seeds_mutations_and_kept_regressions() {
    let seeds = hisgate_fuzz::seeds(8);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (name, target) in TARGETS {
        let mine: Vec<&[u8]> = seeds.iter().filter(|(t, _, _)| *t == name).map(|(_, _, b)| b.as_slice()).collect();
        assert!(!mine.is_empty(), "{name} has seeds");
        for seed in &mine {
            target(seed);
        }
        for _ in 0..1500 {
            let (seed, other) = (mine[rng.below(mine.len())], mine[rng.below(mine.len())]);
            target(&mutate(&mut rng, seed, other));
        }
        let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions").join(name);
        for entry in std::fs::read_dir(&kept).expect("the regressions folder exists") {
            let path = entry.expect("a readable folder").path();
            if path.extension().is_some_and(|e| e == "bin") {
                target(&std::fs::read(&path).expect("a readable regression input"));
            }
        }
    }
}
