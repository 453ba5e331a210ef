//! `hisgate keys new-master | rotate-master | master-status | retire-master`: the master keys
//! that seal stored episodes and check-ins (see `src/vault`).
//!
//! Rotation without downtime: `rotate-master` puts a new key first in the key file and keeps the
//! old ones; every running gateway reads the file again within a minute (the `rewrap` job), seals
//! new records under the new key and re-wraps the stored ones in the background. Once
//! `master-status` shows no record under an old key, `retire-master` takes it out of the file.

use crate::config::Settings;
use crate::store::Db;
use crate::vault::{Keyring, generate_key};
use std::path::Path;

/// Writes `text` to `path` through a file beside it, readable by its owner only, then renames it
/// into place: a gateway reading the file sees the old keys or the new ones, never half.
fn write_key_file(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temporary = dir.join(format!(".{}.new", path.file_name().and_then(|n| n.to_str()).unwrap_or("master.key")));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(|e| anyhow::anyhow!("{}: {e}", temporary.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(())
}

/// How long after a rotation every running gateway has read the key file (the `rewrap` job runs
/// every minute).
const SETTLE: std::time::Duration = std::time::Duration::from_secs(120);

const HEADER: &str = "# hisgate master keys: the first seals new records, the others are still read.\n";

/// `keys new-master FILE`: a key file with one new key; refuses to replace a file.
pub fn new_master(file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(!file.exists(), "{} exists; `hisgate keys rotate-master` adds a key to it", file.display());
    let key = generate_key();
    write_key_file(file, &format!("{HEADER}{key}\n"))?;
    let id = &Keyring::parse(&key)?.ids()[0];
    println!("master key {id} written to {}; set HISGATE_MASTER_KEY_FILE={}", file.display(), file.display());
    println!("keep a copy of this file apart from the database: without it the stored records cannot be read");
    Ok(())
}

fn configured_file(settings: &Settings) -> anyhow::Result<&Path> {
    settings.master_key_file.as_deref().ok_or_else(|| {
        anyhow::anyhow!(
            "HISGATE_MASTER_KEY_FILE is not set (keys given in HISGATE_MASTER_KEY are rotated by putting a new \
             key first in it and restarting)"
        )
    })
}

/// The keys of the file, as lines, the current one first.
fn key_lines(file: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Keyring::parse(&text)?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect())
}

/// `keys rotate-master`: a new current key, the old ones kept for reading.
pub fn rotate_master(settings: &Settings) -> anyhow::Result<()> {
    let file = configured_file(settings)?;
    let mut lines = key_lines(file)?;
    let key = generate_key();
    lines.insert(0, key.clone());
    write_key_file(file, &format!("{HEADER}{}\n", lines.join("\n")))?;
    let id = &Keyring::parse(&key)?.ids()[0];
    println!("master key {id} is now current in {}", file.display());
    println!(
        "running gateways read the file again within a minute and re-wrap the stored records in the background \
         (job `rewrap`); `hisgate keys master-status` shows how many remain under older keys"
    );
    Ok(())
}

/// `keys master-status`: how many stored records each key seals.
pub async fn master_status(settings: Settings) -> anyhow::Result<()> {
    let ring = match (&settings.master_key_file, &settings.master_key) {
        (Some(file), _) => Keyring::read_file(file)?,
        (None, Some(keys)) => Keyring::parse(keys.expose())?,
        (None, None) => Keyring::default(),
    };
    let ids = ring.ids();
    let url = settings.database_url.clone();
    let db = tokio::task::spawn_blocking(move || Db::connect(&url)).await??;
    let counts = db.read(crate::store::payload::count_by_key).await?;
    for id in &ids {
        let n = counts.iter().find(|(k, _)| k == id.as_str()).map_or(0, |(_, n)| *n);
        let role = if Some(id) == ids.first() { "current" } else { "older" };
        println!("{id}  {role:<8} {n} records");
    }
    for (key, n) in counts.iter().filter(|(k, _)| !ids.iter().any(|id| id.as_str() == k)) {
        match key.as_str() {
            "" => println!("(clear)           {n} records stored without a key; the rewrap job seals them"),
            other => println!("{other}  MISSING  {n} records sealed with a key not in the configuration"),
        }
    }
    Ok(())
}

/// `keys retire-master ID`: takes an older key out of the file once no record needs it.
pub async fn retire_master(settings: Settings, id: &str) -> anyhow::Result<()> {
    let file = configured_file(&settings)?.to_owned();
    let lines = key_lines(&file)?;
    let position = lines
        .iter()
        .position(|line| Keyring::parse(line).is_ok_and(|r| r.ids()[0].as_str() == id))
        .ok_or_else(|| anyhow::anyhow!("no key {id} in {}", file.display()))?;
    anyhow::ensure!(position > 0, "{id} is the current key; rotate first");
    // A gateway that has not read the file since the rotation still seals with the old key.
    let age = std::fs::metadata(&file)?.modified()?.elapsed().unwrap_or_default();
    anyhow::ensure!(
        age >= SETTLE,
        "the key file changed {} s ago: wait {} s, until every gateway has read it",
        age.as_secs(),
        SETTLE.as_secs()
    );
    let url = settings.database_url.clone();
    let db = tokio::task::spawn_blocking(move || Db::connect(&url)).await??;
    let counts = db.read(crate::store::payload::count_by_key).await?;
    let used = counts.iter().find(|(k, _)| k == id).map_or(0, |(_, n)| *n);
    anyhow::ensure!(used == 0, "{used} stored records are still sealed with {id}; wait for the rewrap job");
    let kept: Vec<&String> = lines.iter().enumerate().filter(|(i, _)| *i != position).map(|(_, l)| l).collect();
    let kept: Vec<&str> = kept.into_iter().map(String::as_str).collect();
    write_key_file(&file, &format!("{HEADER}{}\n", kept.join("\n")))?;
    println!("master key {id} removed from {}", file.display());
    Ok(())
}
