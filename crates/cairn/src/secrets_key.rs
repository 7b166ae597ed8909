//! The key that seals config secrets (see `cairn_config::seal`), and `cairn secrets rotate`. The key
//! comes from `CAIRN_SECRETS_KEY` (base64), else the file `CAIRN_SECRETS_KEY_FILE` names, else a
//! systemd credential `$CREDENTIALS_DIRECTORY/cairn-secrets-key`, else `<data dir>/secrets.key`, made
//! (mode 0600) on first start. A key file holds 32 random bytes in base64. Beside a key file,
//! `<file>.old` (the key before the last rotation, for config backups) and `<file>.new` (a rotation
//! cut short) also open sealed values.
use anyhow::{Context, bail};
use base64::Engine as _;
use cairn_config::seal::Sealer;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "secrets.key";

/// Where the current key lives.
enum Origin {
    Env,
    File(PathBuf),
}

pub struct Keys {
    current: [u8; 32],
    older: Vec<[u8; 32]>,
    origin: Origin,
}

impl Keys {
    pub fn sealer(&self) -> Sealer {
        Sealer::new(&self.current, &self.older)
    }
}

fn decode(text: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .with_context(|| format!("{what} is not base64"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| anyhow::anyhow!("{what} holds {} bytes; a key is 32", b.len()))
}

fn read_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the secrets key {}", path.display()))?;
    decode(&text, &format!("the secrets key {}", path.display()))
}

fn random_key() -> anyhow::Result<[u8; 32]> {
    let mut k = [0u8; 32];
    getrandom::getrandom(&mut k).map_err(|e| anyhow::anyhow!("random number generator: {e}"))?;
    Ok(k)
}

/// Writes a key file atomically with mode 0600.
fn write_key(path: &Path, key: &[u8; 32]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    writeln!(
        f,
        "{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// The key file in use: named by the environment, a systemd credential, or the data dir's.
fn key_file(data_dir: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("CAIRN_SECRETS_KEY_FILE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        let cred = Path::new(&dir).join("cairn-secrets-key");
        if cred.exists() {
            return cred;
        }
    }
    data_dir.join(KEY_FILE)
}

/// The keys, making the data dir's key file when there is none.
pub fn load(data_dir: &Path) -> anyhow::Result<Keys> {
    if let Ok(text) = std::env::var("CAIRN_SECRETS_KEY") {
        return Ok(Keys {
            current: decode(&text, "CAIRN_SECRETS_KEY")?,
            older: Vec::new(),
            origin: Origin::Env,
        });
    }
    let path = key_file(data_dir);
    if !path.exists() && path == data_dir.join(KEY_FILE) {
        write_key(&path, &random_key()?)?;
        tracing::info!(key = %path.display(), "made a new key for sealing config secrets; back it up with the config");
    }
    let current = read_key(&path)?;
    let older = [".new", ".old"]
        .iter()
        .map(|s| sibling(&path, s))
        .filter(|p| p.exists())
        .map(|p| read_key(&p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Keys {
        current,
        older,
        origin: Origin::File(path),
    })
}

/// `cairn secrets rotate`: a new key seals every secret again. The old key is kept as `<file>.old`
/// (config backups were sealed with it); at every moment a key that opens the config exists.
pub fn rotate(config: &Path, data_dir: &Path) -> anyhow::Result<()> {
    // Holding the operation log's lock keeps a server off the data dir while the config changes.
    if !config.exists() {
        bail!("no config at {}; pass --config", config.display());
    }
    let _lock = cairn_oplog::OpLog::open(data_dir.join("oplog.sqlite"))
        .context("stop cairn serve before rotating the key")?;
    let keys = load(data_dir)?;
    let Origin::File(path) = &keys.origin else {
        bail!(
            "the key comes from CAIRN_SECRETS_KEY; rotate it by sealing with a key file instead (unset it and set CAIRN_SECRETS_KEY_FILE)"
        );
    };
    let env = cairn_config::MigrationEnv::from_process();
    let store = cairn_config::ConfigStore::open_sealed(
        config,
        &env,
        cairn_proto::v1::Config::default,
        Some(keys.sealer()),
    )
    .with_context(|| format!("loading {}", config.display()))?;
    let plain = store.get();
    drop(store);
    let new = random_key()?;
    let pending = sibling(path, ".new");
    write_key(&pending, &new)?;
    let mut older = vec![keys.current];
    older.extend(keys.older.iter().copied());
    let resealed = cairn_config::ConfigStore::open_sealed(
        config,
        &env,
        cairn_proto::v1::Config::default,
        Some(Sealer::new(&new, &older)),
    )?;
    resealed.modify(|_| Ok::<(), cairn_config::ConfigError>(()))?;
    write_key(&sibling(path, ".old"), &keys.current)?;
    std::fs::rename(&pending, path).with_context(|| format!("installing {}", path.display()))?;
    let sealing = plain.cairn.as_option().is_some_and(|c| c.seal_secrets);
    println!(
        "rotated the secrets key {} (the previous one is kept as {}.old){}",
        path.display(),
        path.display(),
        if sealing {
            ""
        } else {
            "; note: sealing is off in this config (cairn.sealSecrets), so nothing in it is sealed"
        }
    );
    Ok(())
}
