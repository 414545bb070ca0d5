//! The ledger: an SQLite database (`.shiten/ledger.sqlite`, WAL, `synchronous=FULL`) that
//! is the store's single commit point.
//!
//! Tables:
//! - `header` (key, value): `magic` = `shiten-ledger`, `format` = [`FORMAT`], the shiten
//!   build that created it, the shard it serves, and `state`, a counter raised by every
//!   commit (the outputs record which state they reflect);
//! - `batches`: one row per batch of analysed documents: id, `committed` flag, times,
//!   configuration fingerprint, and the list of its Parquet part files with their size,
//!   row count and BLAKE3 checksum;
//! - `documents`: one row per document name: corpus root, content hash, size, metadata
//!   hash, the batch holding its rows, status (`analysed`, `skipped`, `duplicate`),
//!   reason, configuration fingerprint, and the names of its metadata variables;
//! - `root_skips`: inputs of a corpus folder that are not documents (other file types,
//!   bad `metadata.csv` rows), as found by the last scan of that folder;
//! - `folders`: each corpus folder (or export file given as the corpus) ever scanned and
//!   its label, the prefix of its document keys (see [`crate::corpus::key`]): empty for
//!   a folder brought in by `run`, the folder's name for one brought in by `add`;
//! - `outputs`: which state the files in the output folder reflect, their checksums, and
//!   a publish in progress (the journal that lets an interrupted publish be completed).
//!
//! A ledger is created under a temporary name and renamed into place once its header is
//! written, so an existing `ledger.sqlite` without a valid header is always damage or a
//! foreign file, never "new".

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::stat_cache::{Entry, FileStat, StatCache};
use crate::error::{Error, Result};
use crate::output::rows::SkipRow;

/// Identifies a shiten ledger.
pub const MAGIC: &str = "shiten-ledger";
/// Ledger format this build reads and writes. Format 2 added the `folders` table (labels
/// that keep the documents of different folders apart); a format-1 ledger is upgraded in
/// place when opened for a run, its folders keeping the keys they had (no label). Format 3
/// added `documents.outlet` (the outlet a duplicate must share, see [`DocRecord::outlet`]);
/// older ledgers are upgraded the same way, their documents without an outlet.
pub const FORMAT: i64 = 3;

/// The `skipped` reason of a duplicate of `original`.
pub fn duplicate_reason(original: &str) -> String {
    format!("duplicate: same content as {original}; counted once, under {original}")
}

/// What a document row says about the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocStatus {
    /// Its rows are in the parts of its batch.
    Analysed,
    /// It could not be analysed; `reason` says why.
    Skipped,
    /// Same content as another stored document (named in `reason`); counted once.
    Duplicate,
}

impl DocStatus {
    fn as_str(self) -> &'static str {
        match self {
            DocStatus::Analysed => "analysed",
            DocStatus::Skipped => "skipped",
            DocStatus::Duplicate => "duplicate",
        }
    }

    fn parse(s: &str) -> Option<DocStatus> {
        match s {
            "analysed" => Some(DocStatus::Analysed),
            "skipped" => Some(DocStatus::Skipped),
            "duplicate" => Some(DocStatus::Duplicate),
            _ => None,
        }
    }
}

/// One document as the ledger records it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRecord {
    /// Name relative to its corpus folder (the `doc` column).
    pub doc: String,
    /// The corpus folder it was read from (absolute).
    pub root: String,
    /// BLAKE3 of its bytes (none when it was too large to read).
    pub content_hash: Option<String>,
    /// Size in bytes.
    pub size: i64,
    /// Hash of its metadata row (a metadata change re-analyses it).
    pub meta_hash: String,
    /// The batch holding its rows (analysed documents only).
    pub batch: Option<i64>,
    /// Status.
    pub status: DocStatus,
    /// Skip reason, or the document it duplicates.
    pub reason: Option<String>,
    /// Configuration fingerprint it was analysed with.
    pub fingerprint: String,
    /// Names of its metadata variables (extra `documents` columns).
    pub meta_keys: Vec<String>,
    /// The outlet `metadata.csv` (or an export row) names for it, `None` when none does:
    /// the same bytes are a duplicate only under the same outlet (another outlet's copy
    /// of a wire story is a document of that outlet).
    pub outlet: Option<String>,
}

/// One Parquet part of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartFile {
    /// Table (`documents`, `mentions`, ...).
    pub table: String,
    /// File name inside the batch folder.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows.
    pub rows: u64,
    /// BLAKE3 of the file, hex.
    pub blake3: String,
}

/// A committed batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchInfo {
    /// Id (also the folder name, zero-padded).
    pub id: i64,
    /// Documents analysed in it.
    pub docs: i64,
    /// Its part files.
    pub parts: Vec<PartFile>,
    /// When it was committed (seconds since the epoch).
    pub committed_at: Option<i64>,
}

/// A file of the output folder, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// File name in the output folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// BLAKE3, hex.
    pub blake3: String,
}

/// What the output folder reflects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutputsRecord {
    /// Ledger state the published files reflect (-1: unknown, republish).
    pub state: i64,
    /// Output options they were written with.
    pub options: String,
    /// The published files.
    pub files: Vec<OutputFile>,
    /// When (seconds since the epoch).
    pub written_at: i64,
    /// A publish that was interrupted: its state, options and files.
    pub pending: Option<(i64, String, Vec<OutputFile>)>,
}

/// One atomic change to the ledger.
#[derive(Debug, Default)]
pub struct Commit {
    /// A batch whose parts are written and synced: marked committed.
    pub batch: Option<(i64, Vec<PartFile>)>,
    /// Document rows to insert or replace.
    pub upserts: Vec<DocRecord>,
    /// Document names to drop (`--prune`).
    pub deletes: Vec<String>,
    /// A corpus folder's non-document inputs, replacing what was recorded for it.
    pub root_skips: Option<(String, Vec<SkipRow>)>,
}

impl Commit {
    /// Whether the commit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.batch.is_none()
            && self.upserts.is_empty()
            && self.deletes.is_empty()
            && self.root_skips.is_none()
    }
}

/// Counts for `status`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Documents analysed.
    pub analysed: i64,
    /// Documents skipped.
    pub skipped: i64,
    /// Duplicates.
    pub duplicates: i64,
    /// Committed batches still referenced.
    pub live_batches: i64,
    /// Batches started but never committed (a killed run; removed by the next run).
    pub abandoned_batches: i64,
    /// The last commit (seconds since the epoch).
    pub last_commit: Option<i64>,
    /// Corpus folders documents came from.
    pub roots: Vec<String>,
}

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    /// Whether `documents` has the `outlet` column (not in an older ledger opened to read).
    has_outlet: bool,
}

const SCHEMA: &str = "
CREATE TABLE header (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    committed INTEGER NOT NULL DEFAULT 0 CHECK (committed IN (0, 1)),
    started_at INTEGER NOT NULL,
    committed_at INTEGER,
    fingerprint TEXT NOT NULL,
    docs INTEGER NOT NULL DEFAULT 0,
    parts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE documents (
    doc TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    content_hash TEXT,
    size INTEGER NOT NULL,
    meta_hash TEXT NOT NULL,
    batch INTEGER REFERENCES batches(id),
    status TEXT NOT NULL CHECK (status IN ('analysed', 'skipped', 'duplicate')),
    reason TEXT,
    fingerprint TEXT NOT NULL,
    meta_keys TEXT NOT NULL DEFAULT '[]',
    outlet TEXT,
    CHECK ((status = 'analysed') = (batch IS NOT NULL))
);
CREATE INDEX documents_by_hash ON documents(content_hash);
CREATE INDEX documents_by_batch ON documents(batch);
CREATE TABLE root_skips (
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX root_skips_by_root ON root_skips(root);
CREATE TABLE folders (root TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE outputs (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state INTEGER NOT NULL,
    options TEXT NOT NULL,
    files TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    pending_state INTEGER,
    pending_options TEXT,
    pending_files TEXT
);
";

/// The stat cache (see [`super::stat_cache`]): one row per scanned article file.
const FILE_STATS: &str = "
CREATE TABLE IF NOT EXISTS file_stats (
    doc TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    hash TEXT NOT NULL,
    seen_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS file_stats_by_root ON file_stats(root);
";

/// Format 1 -> 2: adds `folders`, recording every folder documents came from with an
/// empty label (their keys were names without a folder, and stay so).
fn upgrade_from_1(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS folders (root TEXT PRIMARY KEY, label TEXT NOT NULL);
         INSERT OR IGNORE INTO folders (root, label) SELECT DISTINCT root, '' FROM documents;
         UPDATE header SET value = '2' WHERE key = 'format';
         COMMIT;",
    )
}

/// Format 2 -> 3: adds `documents.outlet` (empty: documents recorded before keep the
/// content-only duplicate rule until they are analysed again).
fn upgrade_from_2(conn: &Connection) -> rusqlite::Result<()> {
    let has = conn.prepare("SELECT outlet FROM documents LIMIT 0").is_ok();
    let add = if has {
        ""
    } else {
        "ALTER TABLE documents ADD COLUMN outlet TEXT;"
    };
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         {add}
         UPDATE header SET value = '3' WHERE key = 'format';
         COMMIT;"
    ))
}

fn sql_err(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::StateFile {
        path: path.to_path_buf(),
        problem: format!("{what}: {e}"),
        advice: super::damage_advice(path),
    }
}

impl Ledger {
    /// Creates a new, empty ledger at `path` (which must not exist) for `shard`.
    pub fn create(path: &Path, shard: Option<&str>) -> Result<Ledger> {
        let tmp = path.with_file_name(format!(
            ".{}.new-{}",
            path.file_name()
                .map_or("ledger".into(), |n| n.to_string_lossy()),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&tmp);
        {
            let conn = Connection::open(&tmp).map_err(|e| sql_err(&tmp, "cannot create", e))?;
            conn.execute_batch(SCHEMA)
                .map_err(|e| sql_err(&tmp, "cannot create", e))?;
            let now = super::now_secs().to_string();
            let build = super::fingerprint::build_id();
            let header = [
                ("magic", MAGIC.to_string()),
                ("format", FORMAT.to_string()),
                ("created_by", build),
                ("created_at", now),
                ("shard", shard.unwrap_or("").to_string()),
                ("state", "0".to_string()),
            ];
            for (k, v) in header {
                conn.execute(
                    "INSERT INTO header (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(|e| sql_err(&tmp, "cannot create", e))?;
            }
            // Switch to WAL while nobody else can see the file.
            let _: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(|e| sql_err(&tmp, "cannot create", e))?;
            conn.close()
                .map_err(|(_, e)| sql_err(&tmp, "cannot create", e))?;
        }
        let f = std::fs::File::open(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        if let Some(dir) = path.parent() {
            crate::output::atomic::sync_dir(dir);
        }
        Ledger::open(path, false)
    }

    /// Opens and validates an existing ledger: SQLite's own integrity check, then the
    /// magic and format. Anything wrong is an error naming the file.
    pub fn open(path: &Path, read_only: bool) -> Result<Ledger> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let problem = |problem: String| Error::StateFile {
            path: path.to_path_buf(),
            problem,
            advice: super::damage_advice(path),
        };
        if meta.len() == 0 {
            return Err(problem(
                "the ledger is empty (0 bytes): truncated or not written by shiten".into(),
            ));
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| problem(format!("cannot open the ledger: {e}")))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| problem(e.to_string()))?;
        let check: std::result::Result<Vec<String>, rusqlite::Error> = (|| {
            let mut st = conn.prepare("PRAGMA quick_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })();
        match check {
            Ok(v) if v == ["ok"] => {}
            Ok(v) => {
                return Err(problem(format!(
                    "the ledger is damaged (SQLite integrity check: {})",
                    v.join("; ")
                )));
            }
            Err(e) => {
                return Err(problem(format!(
                    "the ledger is damaged or not a database: {e}"
                )));
            }
        }
        let has_header: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'header'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| problem(format!("cannot read the ledger: {e}")))?;
        if !has_header {
            return Err(problem(
                "this is an SQLite database but not a shiten ledger (no header table)".into(),
            ));
        }
        let get = |k: &str| -> Option<String> {
            conn.query_row("SELECT value FROM header WHERE key = ?1", [k], |r| r.get(0))
                .optional()
                .ok()
                .flatten()
        };
        match get("magic") {
            Some(m) if m == MAGIC => {}
            other => {
                return Err(problem(format!(
                    "not a shiten ledger (magic is {:?}, expected {MAGIC:?})",
                    other.unwrap_or_default()
                )));
            }
        }
        let format = get("format").unwrap_or_default();
        match format.parse::<i64>() {
            Ok(FORMAT) => {}
            Ok(f @ (1 | 2)) if !read_only => {
                let up = |conn: &Connection| {
                    if f == 1 {
                        upgrade_from_1(conn)?;
                    }
                    upgrade_from_2(conn)
                };
                up(&conn).map_err(|e| problem(format!("cannot upgrade: {e}")))?
            }
            Ok(1 | 2) => {}
            Ok(f) if f > FORMAT => {
                return Err(Error::StateFile {
                    path: path.to_path_buf(),
                    problem: format!(
                        "the ledger has format {f}, written by a newer shiten ({}); this \
                         shiten reads format {FORMAT}",
                        get("created_by").unwrap_or_default()
                    ),
                    advice: "Use the newer shiten, or analyse again from scratch with \
                             --rebuild-state"
                        .into(),
                });
            }
            _ => {
                return Err(problem(format!(
                    "unknown ledger format {format:?} (this shiten reads format {FORMAT})"
                )));
            }
        }
        let tables: &[&str] = if format == "1" && read_only {
            &["batches", "documents", "root_skips", "outputs"]
        } else {
            &["batches", "documents", "root_skips", "outputs", "folders"]
        };
        for &table in tables {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .map_err(|e| problem(e.to_string()))?;
            if n == 0 {
                return Err(problem(format!("the ledger has no {table} table")));
            }
        }
        if !read_only {
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(|e| problem(e.to_string()))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(problem(format!(
                    "cannot switch the ledger to WAL (got {mode})"
                )));
            }
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(|e| problem(e.to_string()))?;
            // The stat cache (a cache: ledgers written before it simply start without).
            conn.execute_batch(FILE_STATS)
                .map_err(|e| problem(e.to_string()))?;
        }
        let has_outlet = conn.prepare("SELECT outlet FROM documents LIMIT 0").is_ok();
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            has_outlet,
        })
    }

    fn err(&self, what: &str, e: rusqlite::Error) -> Error {
        sql_err(&self.path, what, e)
    }

    fn header(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM header WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err("cannot read the header", e))
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state counter (raised by every commit).
    pub fn state(&self) -> Result<i64> {
        let s = self.header("state")?.unwrap_or_default();
        s.parse().map_err(|_| Error::StateFile {
            path: self.path.clone(),
            problem: format!("the header's state {s:?} is not a number"),
            advice: super::damage_advice(&self.path),
        })
    }

    /// The label of the corpus folder `root` (its canonical path): the one recorded, or,
    /// for a folder not seen before, a new one (empty for `run`, the folder's name made
    /// unique for `add`), recorded now.
    pub fn folder_label(&mut self, root: &str, added: bool) -> Result<String> {
        if let Some(l) = self.label_of(root)? {
            return Ok(l);
        }
        let label = if added {
            let taken = self.labels()?;
            // An export file given as the corpus is labelled by its folder
            // (`2019-07-05:feed.jsonl#a1`).
            let p = std::path::Path::new(root);
            let named = if p.is_file() { p.parent() } else { Some(p) };
            let name = named
                .and_then(|p| p.file_name())
                .unwrap_or_default()
                .to_os_string();
            crate::corpus::key::new_label(&name, taken.iter().map(String::as_str))
        } else {
            String::new()
        };
        self.conn
            .execute(
                "INSERT INTO folders (root, label) VALUES (?1, ?2)",
                params![root, label],
            )
            .map_err(|e| self.err("cannot record the folder", e))?;
        Ok(label)
    }

    /// The label recorded for `root`, if any.
    pub fn label_of(&self, root: &str) -> Result<Option<String>> {
        if !self.has_folders()? {
            return Ok(Some(String::new()));
        }
        self.conn
            .query_row("SELECT label FROM folders WHERE root = ?1", [root], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err("cannot read folders", e))
    }

    /// Every recorded folder and its label, by folder.
    pub fn folders(&self) -> Result<Vec<(String, String)>> {
        if !self.has_folders()? {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn
            .prepare("SELECT root, label FROM folders ORDER BY root")
            .map_err(|e| self.err("cannot read folders", e))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err("cannot read folders", e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err("cannot read folders", e))
    }

    fn labels(&self) -> Result<Vec<String>> {
        Ok(self.folders()?.into_iter().map(|f| f.1).collect())
    }

    /// Whether the ledger has a `folders` table (a format-1 ledger opened read-only has
    /// not).
    /// The stat cache of the corpus folder `root` (empty when the ledger has none yet).
    pub fn stat_cache(&self, root: &str) -> Result<StatCache> {
        let e = |e| self.err("cannot read the stat cache", e);
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'file_stats'",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if n == 0 {
            return Ok(StatCache::new());
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT doc, size, mtime_ns, ctime_ns, ino, hash, seen_ns FROM file_stats \
                 WHERE root = ?1",
            )
            .map_err(e)?;
        let rows = st
            .query_map([root], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Entry {
                        stat: FileStat {
                            size: r.get::<_, i64>(1)? as u64,
                            mtime_ns: r.get(2)?,
                            ctime_ns: r.get(3)?,
                            ino: r.get::<_, i64>(4)? as u64,
                        },
                        hash: r.get(5)?,
                        seen_ns: r.get(6)?,
                    },
                ))
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<StatCache>>().map_err(e)
    }

    /// Records freshly hashed files of `root` in the stat cache and forgets `gone` (files
    /// no longer in the folder), in one transaction.
    pub fn update_stat_cache(
        &mut self,
        root: &str,
        fresh: &[(String, Entry)],
        gone: &[String],
    ) -> Result<()> {
        if fresh.is_empty() && gone.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |e| sql_err(&path, "cannot update the stat cache", e);
        let tx = self.conn.transaction().map_err(e)?;
        {
            let mut del = tx
                .prepare("DELETE FROM file_stats WHERE doc = ?1")
                .map_err(e)?;
            for d in gone {
                del.execute([d]).map_err(e)?;
            }
            let mut put = tx
                .prepare(
                    "INSERT OR REPLACE INTO file_stats \
                     (doc, root, size, mtime_ns, ctime_ns, ino, hash, seen_ns) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(e)?;
            for (doc, en) in fresh {
                put.execute(params![
                    doc,
                    root,
                    en.stat.size as i64,
                    en.stat.mtime_ns,
                    en.stat.ctime_ns,
                    en.stat.ino as i64,
                    en.hash,
                    en.seen_ns
                ])
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn has_folders(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'folders'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.err("read", e))
    }

    /// The shard this store serves (`I/N`), if any.
    pub fn shard(&self) -> Result<Option<String>> {
        Ok(self.header("shard")?.filter(|s| !s.is_empty()))
    }

    /// The build that created the ledger.
    pub fn created_by(&self) -> Result<String> {
        Ok(self.header("created_by")?.unwrap_or_default())
    }

    /// Every document row.
    pub fn documents(&self) -> Result<Vec<DocRecord>> {
        let mut st = self
            .conn
            .prepare(if self.has_outlet {
                "SELECT doc, root, content_hash, size, meta_hash, batch, status, reason, \
                 fingerprint, meta_keys, outlet FROM documents ORDER BY doc"
            } else {
                "SELECT doc, root, content_hash, size, meta_hash, batch, status, reason, \
                 fingerprint, meta_keys, NULL FROM documents ORDER BY doc"
            })
            .map_err(|e| self.err("cannot read documents", e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .map_err(|e| self.err("cannot read documents", e))?;
        let mut out = Vec::new();
        for row in rows {
            let (doc, root, content_hash, size, meta_hash, batch, status, reason, fp, keys, outlet) =
                row.map_err(|e| self.err("cannot read documents", e))?;
            let bad = |what: String| Error::StateFile {
                path: self.path.clone(),
                problem: format!("document {doc:?}: {what}"),
                advice: super::damage_advice(&self.path),
            };
            let status =
                DocStatus::parse(&status).ok_or_else(|| bad(format!("status {status:?}")))?;
            let meta_keys = serde_json::from_str(&keys).map_err(|e| bad(e.to_string()))?;
            out.push(DocRecord {
                doc,
                root,
                content_hash,
                size,
                meta_hash,
                batch,
                status,
                reason,
                fingerprint: fp,
                meta_keys,
                outlet,
            });
        }
        Ok(out)
    }

    /// Starts a batch (recorded as not committed) and returns its id.
    ///
    /// Not synced to disk by itself (`synchronous=NORMAL`): losing this row to a power
    /// failure only leaves a part folder no batch owns, which the next run removes; the
    /// commit that makes the batch visible is fully synced.
    pub fn begin_batch(&mut self, fingerprint: &str) -> Result<i64> {
        let id = self.relaxed(|c| {
            c.execute(
                "INSERT INTO batches (committed, started_at, fingerprint) VALUES (0, ?1, ?2)",
                params![super::now_secs(), fingerprint],
            )?;
            Ok(c.last_insert_rowid())
        });
        id.map_err(|e| self.err("cannot start a batch", e))
    }

    /// Runs `f` with `synchronous=NORMAL` (its transaction is not synced on its own; the
    /// next synced commit makes it durable), then restores `FULL`.
    fn relaxed<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let r = f(&self.conn);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        r
    }

    /// Applies `c` in one transaction and raises the state counter; returns the new state.
    /// Nothing is visible to the next run until this returns.
    pub fn commit(&mut self, c: &Commit) -> Result<i64> {
        let path = self.path.clone();
        let e = |e: rusqlite::Error| sql_err(&path, "commit failed", e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        if let Some((id, parts)) = &c.batch {
            let docs = c.upserts.iter().filter(|d| d.batch == Some(*id)).count() as i64;
            let json = serde_json::to_string(parts).unwrap_or_else(|_| "[]".into());
            let n = tx
                .execute(
                    "UPDATE batches SET committed = 1, committed_at = ?2, docs = ?3, parts = ?4 \
                     WHERE id = ?1 AND committed = 0",
                    params![id, super::now_secs(), docs, json],
                )
                .map_err(e)?;
            if n != 1 {
                return Err(Error::State(format!(
                    "batch {id} is not an open batch of {}",
                    path.display()
                )));
            }
        }
        {
            let mut up = tx
                .prepare(
                    "INSERT OR REPLACE INTO documents (doc, root, content_hash, size, meta_hash, \
                     batch, status, reason, fingerprint, meta_keys, outlet) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(e)?;
            for d in &c.upserts {
                let keys = serde_json::to_string(&d.meta_keys).unwrap_or_else(|_| "[]".into());
                up.execute(params![
                    d.doc,
                    d.root,
                    d.content_hash,
                    d.size,
                    d.meta_hash,
                    d.batch,
                    d.status.as_str(),
                    d.reason,
                    d.fingerprint,
                    keys,
                    d.outlet
                ])
                .map_err(e)?;
            }
            let mut del = tx
                .prepare("DELETE FROM documents WHERE doc = ?1")
                .map_err(e)?;
            for d in &c.deletes {
                del.execute([d]).map_err(e)?;
            }
        }
        // Folders no document comes from any more (moved or emptied) keep no skips.
        tx.execute(
            "DELETE FROM root_skips WHERE root NOT IN (SELECT root FROM documents) AND root != ?1",
            [c.root_skips.as_ref().map_or("", |r| r.0.as_str())],
        )
        .map_err(e)?;
        if let Some((root, skips)) = &c.root_skips {
            tx.execute("DELETE FROM root_skips WHERE root = ?1", [root])
                .map_err(e)?;
            let mut ins = tx
                .prepare("INSERT INTO root_skips (root, path, reason) VALUES (?1, ?2, ?3)")
                .map_err(e)?;
            for s in skips {
                ins.execute(params![root, s.path, s.reason]).map_err(e)?;
            }
        }
        let state: i64 = tx
            .query_row("SELECT value FROM header WHERE key = 'state'", [], |r| {
                r.get::<_, String>(0)
            })
            .map_err(e)?
            .parse::<i64>()
            .unwrap_or(0)
            + 1;
        tx.execute(
            "UPDATE header SET value = ?1 WHERE key = 'state'",
            [state.to_string()],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(state)
    }

    /// Batches started but not committed (left by a killed run).
    pub fn abandoned_batches(&self) -> Result<Vec<i64>> {
        self.ids("SELECT id FROM batches WHERE committed = 0 ORDER BY id")
    }

    /// Committed batches no document refers to any more.
    pub fn dead_batches(&self) -> Result<Vec<i64>> {
        self.ids(
            "SELECT id FROM batches WHERE committed = 1 AND id NOT IN \
             (SELECT batch FROM documents WHERE batch IS NOT NULL) ORDER BY id",
        )
    }

    fn ids(&self, sql: &str) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare(sql).map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err("read", e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err("read", e))
    }

    /// Forgets batches (their folders must already be gone or be about to be removed).
    pub fn forget_batches(&mut self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |e| sql_err(&path, "cannot forget batches", e);
        let tx = self.conn.transaction().map_err(e)?;
        {
            let mut st = tx
                .prepare(
                    "DELETE FROM batches WHERE id = ?1 AND id NOT IN \
                     (SELECT batch FROM documents WHERE batch IS NOT NULL)",
                )
                .map_err(e)?;
            for id in ids {
                st.execute([id]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Committed batches that hold rows of at least one document, in id order.
    pub fn live_batches(&self) -> Result<Vec<BatchInfo>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, docs, parts, committed_at FROM batches WHERE committed = 1 AND id IN \
                 (SELECT batch FROM documents WHERE batch IS NOT NULL) ORDER BY id",
            )
            .map_err(|e| self.err("cannot read batches", e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })
            .map_err(|e| self.err("cannot read batches", e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, docs, parts, committed_at) =
                row.map_err(|e| self.err("cannot read batches", e))?;
            let parts = serde_json::from_str(&parts).map_err(|e| Error::StateFile {
                path: self.path.clone(),
                problem: format!("batch {id}: unreadable list of parts: {e}"),
                advice: super::damage_advice(&self.path),
            })?;
            out.push(BatchInfo {
                id,
                docs,
                parts,
                committed_at,
            });
        }
        Ok(out)
    }

    /// How many analysed documents each batch holds rows of (batches holding none are
    /// left out).
    pub fn live_counts(&self) -> Result<std::collections::HashMap<i64, i64>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT batch, count(*) FROM documents WHERE batch IS NOT NULL \
                 AND status = 'analysed' GROUP BY batch",
            )
            .map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.err("read", e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err("read", e))
    }

    /// Names of the analysed documents whose rows live in batch `id`.
    pub fn live_docs_of(&self, id: i64) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT doc FROM documents WHERE batch = ?1 AND status = 'analysed' ORDER BY doc",
            )
            .map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([id], |r| r.get::<_, String>(0))
            .map_err(|e| self.err("read", e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err("read", e))
    }

    /// The union of the metadata variable names of the analysed documents, sorted.
    pub fn meta_keys(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT meta_keys FROM documents WHERE status = 'analysed'")
            .map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err("read", e))?;
        let mut keys = std::collections::BTreeSet::new();
        for r in rows {
            let r = r.map_err(|e| self.err("read", e))?;
            let v: Vec<String> = serde_json::from_str(&r).unwrap_or_default();
            keys.extend(v);
        }
        Ok(keys.into_iter().collect())
    }

    /// Rows of the `skipped` table: non-document inputs of every corpus folder, skipped
    /// documents and duplicates; sorted.
    pub fn skipped_rows(&self) -> Result<Vec<SkipRow>> {
        let mut out = Vec::new();
        let mut st = self
            .conn
            .prepare(
                "SELECT path, reason, 'root' FROM root_skips UNION ALL \
                 SELECT doc, coalesce(reason, ''), status FROM documents \
                 WHERE status != 'analysed'",
            )
            .map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.err("read", e))?;
        for r in rows {
            let (path, reason, kind) = r.map_err(|e| self.err("read", e))?;
            let reason = if kind == "duplicate" {
                duplicate_reason(&reason)
            } else {
                reason
            };
            out.push(SkipRow { path, reason });
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The non-document inputs recorded for `root`, sorted.
    pub fn root_skips(&self, root: &str) -> Result<Vec<SkipRow>> {
        let mut st = self
            .conn
            .prepare("SELECT path, reason FROM root_skips WHERE root = ?1")
            .map_err(|e| self.err("read", e))?;
        let rows = st
            .query_map([root], |r| {
                Ok(SkipRow {
                    path: r.get(0)?,
                    reason: r.get(1)?,
                })
            })
            .map_err(|e| self.err("read", e))?;
        let mut out: Vec<SkipRow> = rows
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err("read", e))?;
        out.sort();
        Ok(out)
    }

    /// What the output folder reflects, if anything was ever published.
    pub fn outputs(&self) -> Result<Option<OutputsRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT state, options, files, written_at, pending_state, pending_options, \
                 pending_files FROM outputs WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err("cannot read the outputs record", e))?;
        let Some((state, options, files, written_at, ps, po, pf)) = row else {
            return Ok(None);
        };
        let parse = |s: &str| -> Result<Vec<OutputFile>> {
            serde_json::from_str(s).map_err(|e| Error::StateFile {
                path: self.path.clone(),
                problem: format!("unreadable outputs record: {e}"),
                advice: super::damage_advice(&self.path),
            })
        };
        let pending = match (ps, po, pf) {
            (Some(s), Some(o), Some(f)) => Some((s, o, parse(&f)?)),
            _ => None,
        };
        Ok(Some(OutputsRecord {
            state,
            options,
            files: parse(&files)?,
            written_at,
            pending,
        }))
    }

    /// Records a publish about to replace the output files (the journal of shiten before
    /// generations; publishing no longer writes it, but stores written then are read, and
    /// tests write one).
    pub fn begin_publish(&mut self, state: i64, options: &str, files: &[OutputFile]) -> Result<()> {
        let json = serde_json::to_string(files).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT INTO outputs (id, state, options, files, written_at, pending_state, \
                 pending_options, pending_files) VALUES (1, -1, '', '[]', 0, ?1, ?2, ?3) \
                 ON CONFLICT(id) DO UPDATE SET pending_state = ?1, pending_options = ?2, \
                 pending_files = ?3",
                params![state, options, json],
            )
            .map_err(|e| self.err("cannot record the publish", e))?;
        Ok(())
    }

    /// Marks the pending publish as done: the output folder now reflects its state.
    ///
    /// Not synced on its own: if a power failure loses it, the journal is still pending,
    /// and completing it finds every file already in place.
    pub fn finish_publish(&mut self) -> Result<()> {
        let n = self
            .relaxed(|c| {
                c.execute(
                    "UPDATE outputs SET state = pending_state, options = pending_options, \
                     files = pending_files, written_at = ?1, pending_state = NULL, \
                     pending_options = NULL, pending_files = NULL \
                     WHERE id = 1 AND pending_state IS NOT NULL",
                    [super::now_secs()],
                )
            })
            .map_err(|e| self.err("cannot record the publish", e))?;
        if n != 1 {
            return Err(Error::State("no publish in progress to finish".into()));
        }
        Ok(())
    }

    /// Gives up a pending publish that cannot be completed: the output folder's state is
    /// unknown, so the next run publishes everything again.
    pub fn abandon_publish(&mut self) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outputs SET state = -1, pending_state = NULL, pending_options = NULL, \
                 pending_files = NULL WHERE id = 1",
                [],
            )
            .map_err(|e| self.err("cannot record the publish", e))?;
        Ok(())
    }

    /// Counts for `status`.
    pub fn summary(&self) -> Result<Summary> {
        let q = |sql: &str| -> Result<i64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map_err(|e| self.err("read", e))
        };
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT root FROM documents ORDER BY root")
            .map_err(|e| self.err("read", e))?;
        let roots = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err("read", e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err("read", e))?;
        let last_commit = self
            .conn
            .query_row(
                "SELECT max(committed_at) FROM batches WHERE committed = 1",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(|e| self.err("read", e))?;
        Ok(Summary {
            analysed: q("SELECT count(*) FROM documents WHERE status = 'analysed'")?,
            skipped: q("SELECT count(*) FROM documents WHERE status = 'skipped'")?,
            duplicates: q("SELECT count(*) FROM documents WHERE status = 'duplicate'")?,
            live_batches: q("SELECT count(DISTINCT batch) FROM documents WHERE batch IS NOT NULL")?,
            abandoned_batches: q("SELECT count(*) FROM batches WHERE committed = 0")?,
            last_commit,
            roots,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(doc: &str, batch: Option<i64>) -> DocRecord {
        DocRecord {
            doc: doc.into(),
            root: "/c".into(),
            content_hash: Some(format!("h-{doc}")),
            size: 3,
            meta_hash: "m".into(),
            batch,
            status: if batch.is_some() {
                DocStatus::Analysed
            } else {
                DocStatus::Skipped
            },
            reason: batch.is_none().then(|| "bad".into()),
            fingerprint: "f".into(),
            meta_keys: vec!["author".into()],
            outlet: None,
        }
    }

    #[test]
    fn folders_keep_their_labels_and_a_format_1_ledger_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ledger.sqlite");
        let mut l = Ledger::create(&p, None).unwrap();
        assert_eq!(l.folder_label("/data/corpus", false).unwrap(), "");
        assert_eq!(l.folder_label("/data/today", true).unwrap(), "today");
        assert_eq!(l.folder_label("/other/today", true).unwrap(), "today~2");
        // A folder keeps its label, whichever command brings it again.
        assert_eq!(l.folder_label("/data/today", false).unwrap(), "today");
        assert_eq!(l.folder_label("/data/corpus", true).unwrap(), "");
        l.commit(&Commit {
            upserts: vec![rec("a", None)],
            ..Commit::default()
        })
        .unwrap();
        drop(l);
        // What an earlier shiten wrote: format 1, no folders table.
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "DROP TABLE folders; ALTER TABLE documents DROP COLUMN outlet; \
             UPDATE header SET value = '1' WHERE key = 'format';",
        )
        .unwrap();
        drop(c);
        let ro = Ledger::open(&p, true).unwrap();
        assert_eq!(ro.label_of("/c").unwrap().as_deref(), Some(""));
        assert_eq!(ro.documents().unwrap()[0].outlet, None);
        drop(ro);
        let mut l = Ledger::open(&p, false).unwrap();
        assert_eq!(l.folders().unwrap(), [("/c".to_string(), String::new())]);
        assert_eq!(l.header("format").unwrap().as_deref(), Some("3"));
        // Format 3 records the outlet a duplicate must share.
        l.commit(&Commit {
            upserts: vec![DocRecord {
                outlet: Some("岩手日報".into()),
                ..rec("a", None)
            }],
            ..Commit::default()
        })
        .unwrap();
        assert_eq!(
            l.documents().unwrap()[0].outlet.as_deref(),
            Some("岩手日報")
        );
    }

    #[test]
    fn commits_supersede_and_count_states() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ledger.sqlite");
        let mut l = Ledger::create(&p, None).unwrap();
        assert_eq!(l.state().unwrap(), 0);
        let b1 = l.begin_batch("f").unwrap();
        assert_eq!(l.abandoned_batches().unwrap(), [b1]);
        let s = l
            .commit(&Commit {
                batch: Some((b1, vec![])),
                upserts: vec![rec("a", Some(b1)), rec("b", Some(b1)), rec("x", None)],
                ..Commit::default()
            })
            .unwrap();
        assert_eq!(s, 1);
        let b2 = l.begin_batch("f").unwrap();
        l.commit(&Commit {
            batch: Some((b2, vec![])),
            upserts: vec![rec("b", Some(b2))],
            ..Commit::default()
        })
        .unwrap();
        assert_eq!(l.live_docs_of(b1).unwrap(), ["a"]);
        assert_eq!(l.live_docs_of(b2).unwrap(), ["b"]);
        l.commit(&Commit {
            deletes: vec!["a".into()],
            ..Commit::default()
        })
        .unwrap();
        assert_eq!(l.dead_batches().unwrap(), [b1]);
        assert_eq!(l.state().unwrap(), 3);
        assert_eq!(l.meta_keys().unwrap(), ["author"]);
        assert_eq!(l.skipped_rows().unwrap()[0].path, "x");
        drop(l);
        // Reopens, and a foreign SQLite file is refused.
        Ledger::open(&p, true).unwrap();
        let foreign = dir.path().join("other.sqlite");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = Ledger::open(&foreign, false).err().unwrap().to_string();
        assert!(err.contains("not a shiten ledger"), "{err}");
    }
}
