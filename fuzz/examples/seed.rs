//! Writes the seed corpus for `cargo fuzz` from the synthetic generator:
//! `cargo run -p hisgate-fuzz --example seed -- fuzz/corpus` (then `fuzz/corpus/<target>/…`).

fn main() -> std::io::Result<()> {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".to_owned()));
    let seeds = hisgate_fuzz::seeds(40);
    for (target, name, bytes) in &seeds {
        let folder = root.join(target);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(name), bytes)?;
    }
    println!("{} seeds written under {}", seeds.len(), root.display());
    Ok(())
}
