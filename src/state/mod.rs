//! The incremental store: what has been analysed, the per-document results, and the
//! commit protocol that keeps the output folder consistent across kills.
//!
//! # Layout
//!
//! ```text
//! OUT/NAME.csv, NAME.parquet, report.html, manifest.json
//!                               links into OUT/.published/current (see publish.rs)
//! OUT/.published/current        -> gNNNNNNNN: the current generation of outputs
//! OUT/.shiten/lock              run lock (OS file lock; holder pid, host, start, command)
//! OUT/.shiten/ledger.sqlite     the ledger: the single commit point (see ledger.rs)
//! OUT/.shiten/parts/00000042/   batch 42's results: documents.parquet, mentions.parquet,
//!                               entities.parquet, facts.parquet, frame_hits.parquet
//!                               (tables without rows have no file), and summary.NAME,
//!                               each aggregate's summary of them (immutable)
//! OUT/.shiten/summaries/        merged summaries of groups of batches (a cache)
//! ```
//!
//! # Protocol and guarantees
//!
//! 1. **Scan and plan** (under the lock): hash every article of the corpus folder
//!    (BLAKE3 of its bytes) and compare with the ledger: new, changed (bytes or
//!    metadata row), stale (analysed under another configuration fingerprint), unchanged,
//!    duplicate (same bytes as a stored document under another name), removed.
//! 2. **Analyse and write parts**: documents stream from the worker threads through a
//!    bounded channel to one writer, in plan order. Every N documents (or M rows) the
//!    writer starts a batch in the ledger (`committed = 0`), writes its Parquet parts and
//!    the aggregates' summaries of them, syncs them and the folder, and commits.
//! 3. **Commit**: one SQLite transaction marks the batch committed with the size and
//!    BLAKE3 of each part, points each document's row at the batch (which supersedes the
//!    rows of its earlier analysis), and raises the ledger's state counter. A batch is
//!    visible only after this; a kill before it leaves an uncommitted batch that the next
//!    run deletes.
//! 4. **Publish** ([`publish`]): a new generation of outputs is written beside the current
//!    one — per-batch files of the row tables (only for batches that are new or whose
//!    documents changed; the others are hard links to the current generation's files),
//!    the aggregates from the merged summaries ([`summaries`]), a manifest — synced, and
//!    then one link, `OUT/.published/current`, is replaced (atomically) to point at it.
//!    A kill before that leaves the old outputs, after it the new; never a mix.
//! 5. **Collect garbage**: part folders of uncommitted batches or of batches no
//!    document refers to any more are deleted, after the commit that made them garbage;
//!    generations older than the previous one, and cached summaries no publish used.
//!
//! So at any moment every output (each table, the aggregates, the report) reflects one
//! committed ledger state, the same for all, and every committed document is counted
//! exactly once. `shiten status` tells which state the outputs reflect and whether they
//! are behind the ledger.
//!
//! Everything in `.shiten/` is checked before it is used: the ledger by SQLite's
//! integrity check, its magic and format; each part by its recorded size and BLAKE3 (and
//! its columns). A damaged or foreign file stops the run with an error naming it and
//! the way out (`--rebuild-state`, which analyses the corpus again from scratch).
//!
//! # Testing hooks
//!
//! `SHITEN_TEST_PAUSE_MS=N` (for the crash tests only) makes the writer print
//! `shiten-test: <point>` on stderr and sleep N ms at each step of the protocol (part
//! written, before and after each commit, each stage of writing a generation, just before
//! and just after the switch), so a test can kill the process at every step.

pub mod fingerprint;
pub mod ledger;
pub mod lock;
pub mod pages;
pub mod parts;
pub mod plan;
pub mod publish;
pub mod stat_cache;
pub mod summaries;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use self::ledger::Ledger;
pub use self::lock::RunLock;
use crate::error::{Error, Result};

/// Name of the store folder inside the output folder.
pub const STORE_DIR: &str = ".shiten";

/// The `root` under which the stat cache records the store's own parts (corpus folders
/// are absolute paths, so this cannot collide).
pub const STORE_STATS_ROOT: &str = "<store parts>";
/// The ledger file.
pub const LEDGER_FILE: &str = "ledger.sqlite";
/// The lock file.
pub const LOCK_FILE: &str = "lock";
/// The parts folder.
pub const PARTS_DIR: &str = "parts";
/// The staging folder of a publish by shiten before generations (removed when found).
pub const STAGING_DIR: &str = "staging";

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
pub fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = crate::calendar::Date::from_day_number(days)
        .map_or_else(|| "????-??-??".into(), |d| d.to_string());
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The output folder a store file belongs to (the parent of `.shiten`).
fn out_dir_of(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == STORE_DIR))
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("OUT"), Path::to_path_buf)
}

/// What to tell the user when a store file is damaged.
pub fn damage_advice(path: &Path) -> String {
    let out = out_dir_of(path);
    format!(
        "shiten will not use a damaged store; your corpus and the output tables in {} are \
         untouched. To analyse again from scratch, run `shiten run CORPUS --out {} \
         --rebuild-state` (documents added from other folders must then be added again), \
         or move {} away",
        out.display(),
        out.display(),
        out.join(STORE_DIR).display()
    )
}

/// A test hook: with `SHITEN_TEST_PAUSE_MS` set, announce `point` on stderr and pause.
pub fn test_point(point: &str) {
    static PAUSE: OnceLock<Option<u64>> = OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("SHITEN_TEST_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(ms) = pause {
        eprintln!("shiten-test: {point}");
        std::thread::sleep(std::time::Duration::from_millis(*ms));
    }
}

/// A deterministic slice of the corpus: the documents whose content hash is `index`
/// modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with `0 <= I < N`.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard {s:?}: expected I/N, e.g. 3/16"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("shard {s:?}: {i:?} is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard {s:?}: {n:?} is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {s:?}: need 0 <= I < N (shards are numbered from 0)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The slice a hex hash falls in (its first 64 bits, modulo `count`).
    pub fn slice_of(hex: &str, count: u64) -> u64 {
        let head = hex.get(..16).unwrap_or(hex);
        u64::from_str_radix(head, 16).unwrap_or_else(|_| {
            let h = blake3::hash(hex.as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&h.as_bytes()[..8]);
            u64::from_be_bytes(b)
        }) % count
    }

    /// Whether a document with this content hash belongs to the shard.
    pub fn contains(&self, hex: &str) -> bool {
        Shard::slice_of(hex, self.count) == self.index
    }

    /// Whether a name without content (a skipped input) belongs to the shard: by the
    /// hash of its name, so exactly one shard reports it.
    pub fn contains_name(&self, name: &str) -> bool {
        self.contains(&blake3::hash(name.as_bytes()).to_hex())
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The store of an output folder, opened for a run: locked, ledger open and checked.
pub struct Store {
    /// The output folder.
    pub out: PathBuf,
    /// `OUT/.shiten`.
    pub dir: PathBuf,
    /// The ledger.
    pub ledger: Ledger,
    /// Whether this open created the store.
    pub created: bool,
    _lock: RunLock,
}

/// What opening found and repaired.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recovery {
    /// Uncommitted batches of a killed run that were removed.
    pub removed_batches: usize,
    /// Leftover temporary files removed.
    pub removed_temp_files: usize,
    /// Files in the store that shiten does not know (left alone).
    pub foreign: Vec<PathBuf>,
}

impl Store {
    /// Locks and opens the store of `out`, creating it if there is none. `rebuild`
    /// discards an existing store first. `shard` must match the store's.
    pub fn open(out: &Path, command: &str, rebuild: bool, shard: Option<Shard>) -> Result<Store> {
        let dir = out.join(STORE_DIR);
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock = RunLock::acquire(&dir.join(LOCK_FILE), command)?;
        let ledger_path = dir.join(LEDGER_FILE);
        if rebuild {
            for e in fs::read_dir(&dir)
                .map_err(|e| Error::io(&dir, e))?
                .flatten()
            {
                if e.file_name() == LOCK_FILE {
                    continue;
                }
                let p = e.path();
                let r = if p.is_dir() {
                    fs::remove_dir_all(&p)
                } else {
                    fs::remove_file(&p)
                };
                r.map_err(|e| Error::io(&p, e))?;
            }
            crate::output::atomic::sync_dir(&dir);
        }
        let shard_text = shard.map(|s| s.to_string());
        let (ledger, created) = if ledger_path.exists() {
            (Ledger::open(&ledger_path, false)?, false)
        } else {
            if dir.join(PARTS_DIR).is_dir() {
                return Err(Error::StateFile {
                    path: ledger_path.clone(),
                    problem: "the ledger is missing but parts are present".into(),
                    advice: damage_advice(&ledger_path),
                });
            }
            (Ledger::create(&ledger_path, shard_text.as_deref())?, true)
        };
        let stored = ledger.shard()?;
        if stored != shard_text {
            let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "the whole corpus".into());
            return Err(Error::State(format!(
                "{} holds {} (shard {}), but this run asks for {}; use another --out folder \
                 per shard",
                out.display(),
                show(&stored),
                show(&stored),
                show(&shard_text)
            )));
        }
        Ok(Store {
            out: out.to_path_buf(),
            dir,
            ledger,
            created,
            _lock: lock,
        })
    }

    /// Checks every committed part before any work: its size, and its BLAKE3 unless the
    /// part's stat is unchanged (and settled) since the last time it was hashed, which the
    /// stat cache records under [`STORE_STATS_ROOT`]. A part damaged in place without a
    /// write (no new times) is still caught where it is read: every reader checks the
    /// BLAKE3 (see [`parts::verify`]); `shiten status` hashes every part.
    pub fn verify_parts(&mut self) -> Result<()> {
        let known = self.ledger.stat_cache(STORE_STATS_ROOT)?;
        let started = stat_cache::now_ns();
        let mut fresh = Vec::new();
        let mut here = Vec::new();
        for b in self.ledger.live_batches()? {
            let dir = self.batch_dir(b.id);
            for p in &b.parts {
                let key = format!("{:08}/{}", b.id, p.file);
                let stat = fs::metadata(dir.join(&p.file))
                    .ok()
                    .and_then(|m| stat_cache::FileStat::of(&m))
                    .filter(|st| st.size == p.bytes);
                let (hash, entry) =
                    stat_cache::hash_or_recall(Some(&known), &key, stat, started, || {
                        parts::verify(&dir, p).map(|_| p.blake3.clone())
                    })?;
                if hash != p.blake3 {
                    // Recorded for other bytes than the ledger's: check them now.
                    parts::verify(&dir, p)?;
                }
                fresh.extend(entry.map(|e| (key.clone(), e)));
                here.push(key);
            }
        }
        let gone = stat_cache::gone(&known, here.iter().map(String::as_str));
        self.ledger
            .update_stat_cache(STORE_STATS_ROOT, &fresh, &gone)
    }

    /// The folder of batch `id`.
    pub fn batch_dir(&self, id: i64) -> PathBuf {
        batch_dir(&self.dir, id)
    }

    /// Completes or abandons an interrupted publish, and removes what a killed run left
    /// behind (uncommitted batches, temporary files).
    pub fn recover(&mut self) -> Result<Recovery> {
        let mut rec = Recovery {
            removed_temp_files: publish::clean_leftovers(&self.out),
            ..Recovery::default()
        };
        // The staging folder of an earlier shiten's publish (its journal is abandoned by
        // the next publish, which replaces every output).
        let staging = self.dir.join(STAGING_DIR);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        let abandoned = self.ledger.abandoned_batches()?;
        for id in &abandoned {
            remove_dir_if_exists(&self.batch_dir(*id))?;
        }
        self.ledger.forget_batches(&abandoned)?;
        rec.removed_batches = abandoned.len();
        let (temps, foreign) = self.sweep()?;
        rec.removed_temp_files += temps;
        rec.foreign = foreign;
        Ok(rec)
    }

    /// Removes part folders no committed batch owns, temporary files, and the output
    /// folder's leftover temporary files; lists files it does not know.
    fn sweep(&mut self) -> Result<(usize, Vec<PathBuf>)> {
        let mut temps = 0;
        let mut foreign = Vec::new();
        let live: std::collections::HashSet<i64> =
            self.ledger.live_batches()?.iter().map(|b| b.id).collect();
        let parts = self.dir.join(PARTS_DIR);
        if parts.is_dir() {
            for e in fs::read_dir(&parts)
                .map_err(|e| Error::io(&parts, e))?
                .flatten()
            {
                let name = e.file_name().to_string_lossy().into_owned();
                let p = e.path();
                match name.parse::<i64>() {
                    Ok(id) if name.len() == 8 && p.is_dir() => {
                        if !live.contains(&id) {
                            remove_dir_if_exists(&p)?;
                            temps += 1;
                            continue;
                        }
                        for f in fs::read_dir(&p).map_err(|e| Error::io(&p, e))?.flatten() {
                            if is_temp_name(&f.file_name().to_string_lossy()) {
                                let _ = fs::remove_file(f.path());
                                temps += 1;
                            }
                        }
                    }
                    _ if is_temp_name(&name) => {
                        let _ = fs::remove_file(&p);
                        temps += 1;
                    }
                    _ => foreign.push(p),
                }
            }
        }
        for base in [&self.dir, &self.out] {
            for e in fs::read_dir(base)
                .map_err(|e| Error::io(base, e))?
                .flatten()
            {
                let name = e.file_name().to_string_lossy().into_owned();
                if is_temp_name(&name) && e.path().is_file() {
                    let _ = fs::remove_file(e.path());
                    temps += 1;
                }
            }
        }
        for e in fs::read_dir(&self.dir)
            .map_err(|e| Error::io(&self.dir, e))?
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            let known = [
                LEDGER_FILE,
                LOCK_FILE,
                PARTS_DIR,
                STAGING_DIR,
                summaries::SUMMARIES_DIR,
            ]
            .iter()
            .any(|k| name == *k)
                || name.starts_with(&format!("{LEDGER_FILE}-"));
            if !known && !is_temp_name(&name) {
                foreign.push(e.path());
            }
        }
        foreign.sort();
        Ok((temps, foreign))
    }

    /// Deletes the folders of batches that no document refers to any more, then forgets
    /// them. Returns how many.
    pub fn collect_garbage(&mut self) -> Result<usize> {
        let dead = self.ledger.dead_batches()?;
        for id in &dead {
            remove_dir_if_exists(&self.batch_dir(*id))?;
        }
        self.ledger.forget_batches(&dead)?;
        Ok(dead.len())
    }
}

/// The folder of batch `id` in the store folder `store`.
pub fn batch_dir(store: &Path, id: i64) -> PathBuf {
    store.join(PARTS_DIR).join(format!("{id:08}"))
}

/// Temporary names written by [`crate::output::atomic`] and by the ledger's creation.
fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && (name.contains(".tmp-") || name.contains(".new-"))
}

fn remove_dir_if_exists(p: &Path) -> Result<()> {
    match fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(p, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_hashes() {
        assert_eq!(
            Shard::parse("3/16").unwrap(),
            Shard {
                index: 3,
                count: 16
            }
        );
        assert!(Shard::parse("16/16").is_err());
        assert!(Shard::parse("x").is_err());
        let shards: Vec<Shard> = (0..4).map(|i| Shard { index: i, count: 4 }).collect();
        for i in 0..200u32 {
            let h = blake3::hash(&i.to_le_bytes()).to_hex().to_string();
            assert_eq!(shards.iter().filter(|s| s.contains(&h)).count(), 1);
        }
    }

    #[test]
    fn timestamps_are_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_562_198_400 + 3661), "2019-07-04T01:01:01Z");
    }
}
