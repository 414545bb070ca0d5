//! Scanning a corpus folder and planning a run against the ledger: which documents are
//! new, changed, stale, unchanged, duplicates, or removed.
//!
//! A document's identity is its key (the `doc` column, see [`crate::corpus::key`]): its
//! name relative to its corpus folder, prefixed with the folder's label for a folder
//! brought in by `add`, with `#id` for a row of an export file.
//! Its analysis depends on its bytes (BLAKE3), its metadata row (hashed) and the
//! configuration fingerprint; when any of them differs from what the ledger recorded, it
//! is analysed again. A file with the same bytes and the same outlet as a document
//! already stored (or met earlier in this scan, in name order) is a duplicate of it:
//! reported, counted once. The outlet is the `source` its `metadata.csv` row (or export
//! row) names; files no row names an outlet for are compared by bytes alone. The same
//! bytes under another outlet (a wire story several papers printed) are a document of
//! that outlet, marked as a copy at publish ([`crate::copies`]).
//!
//! The plan is deterministic: files are visited in name order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;
use rayon::prelude::*;

use super::Shard;
use super::ledger::{DocRecord, DocStatus};
use super::stat_cache::{self, Entry, FileStat, StatCache};
use crate::corpus::export::{self, Columns, RowLoc, Spool};
use crate::corpus::{self, FileKind, Meta, Metadata};
use crate::error::{Error, Result};
use crate::intern::{self, TextRef, Texts};
use crate::output::rows::SkipRow;

/// One article (a file, or a row of an export file) of a scanned folder.
#[derive(Debug, Clone)]
pub struct ScannedFile {
    /// Document key.
    pub doc: String,
    /// The file's name relative to the folder, as `metadata.csv` names it.
    pub name: String,
    /// Where to read it.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 of the bytes; `None` when the file could not be read (see `problem`).
    pub hash: Option<String>,
    /// Why the file cannot be analysed (too large, unreadable).
    pub problem: Option<String>,
    /// Hash of its metadata row.
    pub meta_hash: String,
    /// Its metadata variable names (shared by the files with the same names).
    pub meta_keys: Arc<[String]>,
    /// For a row of an export file: where it is in `path`.
    pub row: Option<RowLoc>,
    /// The outlet its metadata row names (see [`DocRecord::outlet`]).
    pub outlet: Option<Arc<str>>,
}

/// A scanned corpus folder.
pub struct Scan {
    /// The folder, absolute (the ledger's `root`).
    pub root: String,
    /// Its label (the prefix of its document keys).
    pub label: String,
    /// Output folders left out of the scan.
    pub excluded: Vec<String>,
    /// Article files in this shard, sorted by name.
    pub files: Vec<ScannedFile>,
    /// Inputs that are not documents (other file types, bad metadata rows), sorted.
    pub skips: Vec<SkipRow>,
    /// The folder's metadata.
    pub metadata: Metadata,
    /// Article files left out because they belong to other shards.
    pub other_shards: usize,
    /// UTF-8 copies of its Parquet and non-UTF-8 CSV exports, which rows are read from;
    /// removed when the scan is dropped.
    pub spool: Option<Arc<Spool>>,
    /// Article files read and hashed by this scan, with their stat (for the stat cache).
    pub fresh: Vec<(String, Entry)>,
    /// Files of the stat cache no longer in the folder.
    pub gone: Vec<String>,
    /// Article files whose hash came from the stat cache (not read).
    pub cached: usize,
}

/// The absolute form of a corpus folder, as the ledger records it.
pub fn root_key(root: &Path) -> Result<String> {
    let abs = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    Ok(abs.to_string_lossy().into_owned())
}

/// Hash of what `metadata.csv` says about a document (and whether a row was missing, which
/// becomes a warning in its row).
pub fn meta_hash(meta: &Meta, warning: Option<&str>) -> String {
    let mut h = blake3::Hasher::new();
    let mut put = |s: &str| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    put(&meta.source);
    put(meta.title.as_deref().unwrap_or("\u{0}"));
    put(meta.url.as_deref().unwrap_or("\u{0}"));
    put(&meta.published.map(|d| d.to_string()).unwrap_or_default());
    for (k, v) in &meta.extra {
        put(k);
        put(v);
    }
    put(warning.unwrap_or(""));
    h.finalize().to_hex()[..32].to_string()
}

fn hash_file(path: &Path, size: u64, max_bytes: u64) -> std::result::Result<String, String> {
    if size > max_bytes {
        return Err(format!(
            "file is {size} bytes, over the limit of {max_bytes} bytes (raise it with \
             --max-file-mb)"
        ));
    }
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().to_hex().to_string())
}

/// How to scan a folder.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions<'a> {
    /// The folder's label (see [`crate::corpus::key`]).
    pub label: &'a str,
    /// Folders left out (canonical: the output folder).
    pub exclude: &'a [PathBuf],
    /// The text and id columns of export files.
    pub columns: Columns,
    /// Where UTF-8 copies of exports go (the store folder); a temporary folder if `None`.
    pub spool_dir: Option<&'a Path>,
    /// What the folder's files hashed to before (see [`super::stat_cache`]): a file whose
    /// stat still matches its entry is not read again. `None` hashes every file.
    pub known: Option<&'a StatCache>,
}

/// The folder whose `metadata.csv` describes the inputs of `root` (itself, or the folder
/// of an export file given as the corpus).
pub fn metadata_root(root: &Path) -> &Path {
    if root.is_file() {
        root.parent().unwrap_or(Path::new("."))
    } else {
        root
    }
}

/// Lists and hashes the article files of `root` (in parallel), with their metadata.
pub fn scan(root: &Path, max_bytes: u64, shard: Option<Shard>, bar: &ProgressBar) -> Result<Scan> {
    scan_with(root, max_bytes, shard, bar, &ScanOptions::default())
}

/// [`scan`] with a label and folders to leave out.
pub fn scan_with(
    root: &Path,
    max_bytes: u64,
    shard: Option<Shard>,
    bar: &ProgressBar,
    opts: &ScanOptions<'_>,
) -> Result<Scan> {
    let key = root_key(root)?;
    let found = corpus::discover_excluding(root, opts.exclude).map_err(|e| Error::io(root, e))?;
    let metadata = {
        let names: HashSet<&str> = found.files.iter().map(|f| f.name.as_str()).collect();
        Metadata::load_known(metadata_root(root), &|k| names.contains(k))
    };
    bar.set_length(found.files.len() as u64);
    let (articles, exports): (Vec<corpus::SourceFile>, Vec<corpus::SourceFile>) = found
        .files
        .into_iter()
        .partition(|f| !matches!(f.kind(), FileKind::Export(_)));
    let started = stat_cache::now_ns();
    let scanned: Vec<(ScannedFile, Option<Entry>, bool)> = articles
        .par_iter()
        .map(|f| {
            let doc = corpus::key::with_label(opts.label, &f.doc);
            let stat = std::fs::metadata(&f.path).ok();
            let size = stat.as_ref().map(|m| m.len()).unwrap_or(0);
            let stat = stat.as_ref().and_then(FileStat::of);
            let (hash, problem, fresh, from_cache) =
                match stat_cache::hash_or_recall(opts.known, &doc, stat, started, || {
                    hash_file(&f.path, size, max_bytes)
                }) {
                    Ok((h, fresh)) => {
                        let from_cache = fresh.is_none() && stat.is_some();
                        (Some(h), None, fresh, from_cache)
                    }
                    Err(p) => (None, Some(p), None, false),
                };
            let (meta, warning) = metadata.for_doc(&f.name);
            let outlet = metadata.listed_source(&f.name).map(Arc::from);
            bar.inc(1);
            let file = ScannedFile {
                doc,
                name: f.name.clone(),
                path: f.path.clone(),
                size,
                hash,
                problem,
                meta_hash: meta_hash(&meta, warning.as_deref()),
                meta_keys: Arc::from(meta.extra.into_keys().collect::<Vec<_>>()),
                row: None,
                outlet,
            };
            (file, fresh, from_cache)
        })
        .collect();
    let cached = scanned.iter().filter(|s| s.2).count();
    let mut fresh = Vec::new();
    let mut files = Vec::with_capacity(scanned.len());
    for (f, e, _) in scanned {
        if let Some(e) = e {
            fresh.push((f.doc.clone(), e));
        }
        files.push(f);
    }
    let gone = opts.known.map_or_else(Vec::new, |k| {
        stat_cache::gone(k, files.iter().map(|f| f.doc.as_str()))
    });
    let mut export_skips = Vec::new();
    let mut spool = None;
    for f in &exports {
        let FileKind::Export(format) = f.kind() else {
            continue;
        };
        let sp = match &spool {
            Some(s) => s,
            None => {
                let made = match opts.spool_dir {
                    Some(d) => Spool::in_dir(d),
                    None => Spool::temporary().map_err(|e| Error::io(Path::new("/tmp"), e))?,
                };
                spool.insert(Arc::new(made))
            }
        };
        let readable = match export::readable(&f.path, format, sp) {
            Ok(r) => r,
            Err(reason) => {
                bar.inc(1);
                export_skips.push(corpus::Skip {
                    path: f.name.clone(),
                    reason,
                });
                continue;
            }
        };
        let path: PathBuf = if readable.path == f.path {
            f.path.clone()
        } else {
            readable.path.clone()
        };
        // Each row becomes its scanned entry at once (a large export holds no more per
        // row than a folder holds per file).
        let scanned = export::scan_readable(
            f,
            &readable,
            &opts.columns,
            &metadata,
            max_bytes,
            |r| match r {
                Ok(row) => files.push(ScannedFile {
                    doc: corpus::key::with_label(opts.label, &row.key),
                    name: f.name.clone(),
                    path: path.clone(),
                    size: row.size,
                    hash: row.problem.is_none().then_some(row.hash),
                    problem: row.problem,
                    meta_hash: meta_hash(&row.meta, None),
                    outlet: Some(Arc::from(row.meta.source.as_str())),
                    meta_keys: Arc::from(row.meta.extra.into_keys().collect::<Vec<_>>()),
                    row: Some(row.loc),
                }),
                Err(s) => export_skips.push(s),
            },
        );
        bar.inc(1);
        if let Err(s) = scanned {
            export_skips.push(s);
        }
    }
    files.sort_by(|a, b| a.doc.cmp(&b.doc));
    // Most files share their metadata variable names: one copy of each list.
    let mut lists = HashSet::new();
    for f in &mut files {
        intern::share(&mut lists, &mut f.meta_keys);
    }
    let before = files.len();
    if let Some(s) = shard {
        files.retain(|f| match &f.hash {
            Some(h) => s.contains(h),
            None => s.contains_name(&f.doc),
        });
    }
    let other_shards = before - files.len();
    let mut skips: Vec<SkipRow> = found
        .skipped
        .into_iter()
        .chain(export_skips)
        .chain(metadata.skipped.iter().cloned())
        .map(|s| SkipRow {
            path: s.path,
            reason: s.reason,
        })
        .filter(|s| shard.is_none_or(|sh| sh.contains_name(&s.path)))
        .collect();
    skips.sort();
    Ok(Scan {
        root: key,
        label: opts.label.to_string(),
        excluded: found.excluded,
        files,
        skips,
        metadata,
        other_shards,
        spool,
        fresh,
        gone,
        cached,
    })
}

/// Why a document is analysed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Why {
    /// Not stored yet.
    New,
    /// Its bytes changed.
    Changed,
    /// Its metadata row changed.
    MetadataChanged,
    /// Analysed under another configuration (dictionaries, lexicons, shiten build).
    Stale,
    /// Skipped before under another configuration; tried again.
    Retry,
    /// It was a duplicate of a document that is gone or changed.
    Promoted,
}

/// One document to analyse. Kept small (a run may plan hundreds of thousands): the hashes
/// as bytes, the folder and the metadata variable names shared, the path only when it
/// does not end with the name.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Work {
    /// Name, in [`WorkList`]'s texts.
    doc: TextRef,
    /// Its corpus folder (ledger `root`).
    pub root: Arc<str>,
    /// Where to read it, when that is not where its key says (see [`WorkList::path`]).
    path: Option<Box<Path>>,
    /// Why.
    pub why: Why,
    /// Hash of its metadata row.
    meta_hash: u128,
    /// Its metadata variable names.
    pub meta_keys: Arc<[String]>,
    /// BLAKE3 of its bytes when planned.
    hash: Option<[u8; 32]>,
    /// Whether the store holds an analysis of an earlier version (kept if this one
    /// cannot be analysed).
    pub had_analysis: bool,
    /// Size when planned.
    pub size: u64,
    /// For a row of an export file: where it is.
    pub row: Option<RowLoc>,
    /// The outlet its metadata row names (recorded in the ledger).
    #[serde(default)]
    pub outlet: Option<Arc<str>>,
}

impl Work {
    /// A work item (named, and placed, when added to a [`WorkList`]).
    fn new(
        root: &Arc<str>,
        why: Why,
        meta_hash: &str,
        meta_keys: &Arc<[String]>,
        hash: Option<&str>,
    ) -> Work {
        Work {
            doc: TextRef::default(),
            root: root.clone(),
            path: None,
            why,
            // A hash this build did not write (not 32 hex digits) reads as 0: the document
            // is then analysed again, never wrongly kept.
            meta_hash: u128::from_str_radix(meta_hash, 16).unwrap_or(0),
            meta_keys: meta_keys.clone(),
            hash: hash
                .and_then(|h| blake3::Hash::from_hex(h).ok())
                .map(|h| *h.as_bytes()),
            had_analysis: false,
            size: 0,
            row: None,
            outlet: None,
        }
    }

    /// Hash of its metadata row, as the ledger records it.
    pub fn meta_hash(&self) -> String {
        format!("{:032x}", self.meta_hash)
    }

    /// BLAKE3 of its bytes when planned, as the ledger records it.
    pub fn hash(&self) -> Option<String> {
        self.hash
            .map(|h| blake3::Hash::from(h).to_hex().to_string())
    }
}

/// The documents a run analyses, sorted by name. The names are kept in one string: a run
/// may plan hundreds of thousands, and a small allocation per name would pin pages of
/// the scan's freed memory.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WorkList {
    items: Vec<Work>,
    names: Texts,
}

impl WorkList {
    /// Adds `w`, the document `doc` read from `path`. The path is kept only when it is
    /// not where the key says (the folder joined with the key's file name, the folder being
    /// the canonical form of the one walked; or the export file given as the corpus).
    fn push(&mut self, doc: &str, path: &Path, mut w: Work) {
        let (_, rel, _) = corpus::key::split(doc);
        let rel = corpus::key::key_path(rel);
        if !path.ends_with(&rel) {
            w.path = Some(path.into());
        }
        w.doc = self.names.push(doc);
        self.items.push(w);
    }

    fn sort(&mut self) {
        let names = &self.names;
        self.items
            .sort_by(|a, b| names.get(a.doc).cmp(names.get(b.doc)));
        self.items.shrink_to_fit();
        self.names.shrink_to_fit();
    }

    /// The list cut into lists of `size` items (the last may be shorter), in order, each
    /// with its own names: one can be freed while the others are still needed.
    pub fn into_pages(self, size: usize) -> Vec<WorkList> {
        let size = size.max(1);
        let mut pages = Vec::with_capacity(self.items.len().div_ceil(size));
        let mut items = self.items.into_iter().peekable();
        while items.peek().is_some() {
            let mut page = WorkList {
                items: Vec::with_capacity(size.min(items.len())),
                names: Texts::default(),
            };
            for mut w in items.by_ref().take(size) {
                w.doc = page.names.push(self.names.get(w.doc));
                page.items.push(w);
            }
            page.names.shrink_to_fit();
            pages.push(page);
        }
        pages
    }

    /// Makes the items with equal folders, and equal metadata variable names, share one
    /// copy of each (a list read back from a file has a copy per item).
    pub fn share_common(&mut self) {
        let (mut roots, mut keys) = (HashSet::new(), HashSet::new());
        for w in &mut self.items {
            intern::share(&mut roots, &mut w.root);
            intern::share(&mut keys, &mut w.meta_keys);
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The work items, in name order.
    pub fn items(&self) -> &[Work] {
        &self.items
    }

    /// The name of `w`.
    pub fn doc(&self, w: &Work) -> &str {
        self.names.get(w.doc)
    }

    /// Where to read `w`.
    pub fn path(&self, w: &Work) -> PathBuf {
        match &w.path {
            Some(p) => p.to_path_buf(),
            None => usual_path(&w.root, self.doc(w)),
        }
    }
}

/// Where the document `doc` of the corpus folder (or export file) `root` is read.
pub fn usual_path(root: &str, doc: &str) -> PathBuf {
    let root = Path::new(root);
    let (_, rel, _) = corpus::key::split(doc);
    let rel = corpus::key::key_path(rel);
    if root.ends_with(&rel) && !root.is_dir() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// What a run will do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Documents to analyse, sorted by name.
    pub work: WorkList,
    /// Rows to record without analysis (duplicates, unreadable files).
    pub records: Vec<DocRecord>,
    /// Analysed documents of the scanned folder whose file is gone (or left the shard).
    pub removed: Vec<String>,
    /// Document records this run drops: removed ones with `--prune`, and the records of
    /// gone skipped files and duplicates.
    pub deletes: Vec<String>,
    /// Stale documents of other folders that cannot be analysed again (file gone).
    pub stale_unreachable: Vec<String>,
    /// What the folder's `root_skips` should record: its non-document inputs, and the
    /// documents whose current file cannot be read while an earlier analysis is kept.
    pub root_skips: Vec<SkipRow>,
    /// Files of the scan that need nothing.
    pub unchanged: usize,
    /// Duplicates in the scanned folder (recorded now or before).
    pub duplicates: Vec<(String, String)>,
    /// Files of the scan that cannot be analysed (recorded now or before).
    pub unreadable: Vec<SkipRow>,
    /// Rows of export files of other folders to analyse again, not yet found in their
    /// file (see [`locate_rows`]).
    pub unlocated: Vec<(DocRecord, Why)>,
}

impl Plan {
    /// How many documents are analysed for `why`.
    pub fn count(&self, why: Why) -> usize {
        self.work.items().iter().filter(|w| w.why == why).count()
    }

    /// Whether the run changes nothing in the ledger.
    pub fn is_noop(&self) -> bool {
        self.work.is_empty() && self.records.is_empty() && self.deletes.is_empty()
    }
}

/// Content already counted: by BLAKE3, the outlets (see [`DocRecord::outlet`]) that hold
/// it and the document holding it for each. A document whose metadata names an outlet
/// duplicates only a document of that outlet; one whose metadata names none (its outlet
/// is unknown) duplicates the first holder of its bytes, whatever the outlet.
#[derive(Default)]
struct Claims(HashMap<String, Vec<(Option<String>, String)>>);

impl Claims {
    fn get(&self, hash: &str, outlet: Option<&str>) -> Option<&String> {
        let holders = self.0.get(hash)?;
        match outlet {
            None => holders.first(),
            Some(o) => holders.iter().find(|h| h.0.as_deref() == Some(o)),
        }
        .map(|h| &h.1)
    }

    fn insert(&mut self, hash: &str, outlet: Option<&str>, doc: &str) {
        let holders = self.0.entry(hash.to_string()).or_default();
        match holders.iter_mut().find(|h| h.0.as_deref() == outlet) {
            Some(h) => h.1 = doc.to_string(),
            None => holders.push((outlet.map(str::to_string), doc.to_string())),
        }
    }

    fn remove(&mut self, hash: &str, outlet: Option<&str>) {
        if let Some(holders) = self.0.get_mut(hash) {
            holders.retain(|h| h.0.as_deref() != outlet);
        }
    }
}

/// Plans a run of `scan` against the stored documents `stored` and the current
/// configuration fingerprint `fingerprint`. `other_roots_stale` also schedules stale
/// documents of other folders (read at their recorded place).
pub fn plan(
    scan: &Scan,
    stored: &[DocRecord],
    fingerprint: &str,
    prune: bool,
    other_roots_stale: bool,
) -> Plan {
    let mut p = Plan::default();
    let by_name: HashMap<&str, &DocRecord> = stored.iter().map(|d| (d.doc.as_str(), d)).collect();
    let in_scan: HashSet<&str> = scan.files.iter().map(|f| f.doc.as_str()).collect();
    // Gone files: analysed ones stay until --prune (their rows are data); the records of
    // skipped files and duplicates hold no data and simply go.
    for d in stored
        .iter()
        .filter(|d| d.root == scan.root && !in_scan.contains(d.doc.as_str()))
    {
        if d.status == DocStatus::Analysed {
            p.removed.push(d.doc.clone());
            if prune {
                p.deletes.push(d.doc.clone());
            }
        } else {
            p.deletes.push(d.doc.clone());
        }
    }
    let deleted: HashSet<&str> = p.deletes.iter().map(String::as_str).collect();
    // Content already counted: analysed documents that stay, except those whose bytes
    // this scan finds changed.
    let mut claimed = Claims::default();
    for d in stored {
        if d.status != DocStatus::Analysed || deleted.contains(d.doc.as_str()) {
            continue;
        }
        if let Some(h) = &d.content_hash {
            claimed.insert(h, d.outlet.as_deref(), &d.doc);
        }
    }
    for f in &scan.files {
        if let Some(s) = by_name.get(f.doc.as_str())
            && s.status == DocStatus::Analysed
            && s.content_hash != f.hash
            && let Some(h) = &s.content_hash
            && claimed.get(h, s.outlet.as_deref()) == Some(&s.doc)
        {
            claimed.remove(h, s.outlet.as_deref());
        }
    }
    let root: Arc<str> = Arc::from(scan.root.as_str());
    let record = |f: &ScannedFile, status: DocStatus, reason: String| DocRecord {
        doc: f.doc.clone(),
        root: scan.root.clone(),
        content_hash: f.hash.clone(),
        size: f.size as i64,
        meta_hash: f.meta_hash.clone(),
        batch: None,
        status,
        reason: Some(reason),
        fingerprint: fingerprint.to_string(),
        meta_keys: f.meta_keys.to_vec(),
        outlet: f.outlet.as_deref().map(str::to_string),
    };
    for f in &scan.files {
        let stored = by_name.get(f.doc.as_str()).copied();
        let work = |why: Why| Work {
            size: f.size,
            row: f.row,
            outlet: f.outlet.clone(),
            had_analysis: stored.is_some_and(|s| s.status == DocStatus::Analysed),
            ..Work::new(&root, why, &f.meta_hash, &f.meta_keys, f.hash.as_deref())
        };
        let Some(h) = &f.hash else {
            let reason = f.problem.clone().unwrap_or_else(|| "cannot read".into());
            p.unreadable.push(SkipRow {
                path: f.doc.clone(),
                reason: reason.clone(),
            });
            match stored {
                Some(s) if s.status == DocStatus::Analysed => p.root_skips.push(SkipRow {
                    path: f.doc.clone(),
                    reason: kept_reason(&reason),
                }),
                Some(s)
                    if s.status == DocStatus::Skipped
                        && s.reason.as_deref() == Some(reason.as_str())
                        && s.size == f.size as i64
                        && s.root == scan.root =>
                {
                    p.unchanged += 1
                }
                _ => p.records.push(record(f, DocStatus::Skipped, reason)),
            }
            continue;
        };
        let mine = f.outlet.as_deref();
        let same_input = stored
            .is_some_and(|s| s.content_hash.as_ref() == Some(h) && s.meta_hash == f.meta_hash);
        if let Some(s) = stored.filter(|s| same_input && s.root != scan.root) {
            // The same document, now found in this folder: only its place changes.
            p.records.push(DocRecord {
                root: scan.root.clone(),
                ..s.clone()
            });
        }
        match stored {
            Some(s) if same_input => match s.status {
                DocStatus::Analysed if s.fingerprint == fingerprint => p.unchanged += 1,
                DocStatus::Analysed => {
                    claimed.insert(h, mine, &f.doc);
                    p.work.push(&f.doc, &f.path, work(Why::Stale));
                }
                DocStatus::Skipped if s.fingerprint == fingerprint => {
                    p.unchanged += 1;
                    p.unreadable.push(SkipRow {
                        path: f.doc.clone(),
                        reason: s.reason.clone().unwrap_or_default(),
                    });
                }
                DocStatus::Skipped => p.work.push(&f.doc, &f.path, work(Why::Retry)),
                DocStatus::Duplicate => {
                    let orig = s.reason.clone().unwrap_or_default();
                    match claimed.get(h, mine).cloned() {
                        Some(o) if *o == orig => {
                            p.unchanged += 1;
                            p.duplicates.push((f.doc.clone(), orig));
                        }
                        Some(o) => {
                            p.duplicates.push((f.doc.clone(), o.clone()));
                            p.records.push(record(f, DocStatus::Duplicate, o.clone()));
                        }
                        None => {
                            claimed.insert(h, mine, &f.doc);
                            p.work.push(&f.doc, &f.path, work(Why::Promoted));
                        }
                    }
                }
            },
            _ => {
                if let Some(o) = claimed.get(h, mine).filter(|o| **o != f.doc).cloned() {
                    p.duplicates.push((f.doc.clone(), o.clone()));
                    p.records.push(record(f, DocStatus::Duplicate, o.clone()));
                    continue;
                }
                claimed.insert(h, mine, &f.doc);
                let why = match stored {
                    None => Why::New,
                    Some(s) if s.content_hash.as_ref() != Some(h) => Why::Changed,
                    Some(_) => Why::MetadataChanged,
                };
                p.work.push(&f.doc, &f.path, work(why));
            }
        }
    }
    if other_roots_stale {
        for d in stored {
            if d.root == scan.root || deleted.contains(d.doc.as_str()) {
                continue;
            }
            let path = usual_path(&d.root, &d.doc);
            let due = match d.status {
                DocStatus::Analysed => d.fingerprint != fingerprint,
                DocStatus::Duplicate => d
                    .content_hash
                    .as_ref()
                    .is_some_and(|h| claimed.get(h, d.outlet.as_deref()).is_none()),
                DocStatus::Skipped => false,
            };
            if !due {
                continue;
            }
            if !path.is_file() {
                p.stale_unreachable.push(d.doc.clone());
                continue;
            }
            if d.status == DocStatus::Duplicate
                && let Some(h) = &d.content_hash
            {
                claimed.insert(h, d.outlet.as_deref(), &d.doc);
            }
            let why = if d.status == DocStatus::Analysed {
                Why::Stale
            } else {
                Why::Promoted
            };
            if corpus::key::split(&d.doc).2.is_some() {
                p.unlocated.push((d.clone(), why));
                continue;
            }
            p.work.push(
                &d.doc,
                &path,
                Work {
                    size: d.size.max(0) as u64,
                    outlet: d.outlet.as_deref().map(Arc::from),
                    had_analysis: d.status == DocStatus::Analysed,
                    ..Work::new(
                        &Arc::from(d.root.as_str()),
                        why,
                        &d.meta_hash,
                        &Arc::from(d.meta_keys.as_slice()),
                        d.content_hash.as_deref(),
                    )
                },
            );
        }
    }
    // Stale documents of this folder that are gone cannot be analysed again.
    for d in stored {
        if d.root == scan.root
            && d.status == DocStatus::Analysed
            && d.fingerprint != fingerprint
            && !in_scan.contains(d.doc.as_str())
            && !deleted.contains(d.doc.as_str())
        {
            p.stale_unreachable.push(d.doc.clone());
        }
    }
    p.work.sort();
    p.stale_unreachable.sort();
    p.root_skips.extend(scan.skips.iter().cloned());
    p.root_skips.sort();
    p
}

/// Finds the rows of [`Plan::unlocated`] in their export files (each file read once) and
/// adds them to the work; a row no longer in its file cannot be analysed again.
pub fn locate_rows(p: &mut Plan, columns: &Columns, max_bytes: u64, spool: &Spool) {
    let mut by_file: BTreeMap<(String, String), Vec<(DocRecord, Why)>> = BTreeMap::new();
    for (d, why) in std::mem::take(&mut p.unlocated) {
        let (label, rel, _) = corpus::key::split(&d.doc);
        let file = corpus::key::with_label(label, rel);
        by_file
            .entry((d.root.clone(), file))
            .or_default()
            .push((d, why));
    }
    for ((root, file), rows) in by_file {
        let path = usual_path(&root, &file);
        let (label, rel, _) = corpus::key::split(&file);
        let source = corpus::SourceFile {
            doc: rel.to_string(),
            name: corpus::key::display_name(rel),
            path: path.clone(),
        };
        let md = Metadata::load(metadata_root(Path::new(&root)));
        let mut found: HashMap<String, RowLoc> = HashMap::new();
        let readable = match source.kind() {
            FileKind::Export(format) => {
                export::scan_rows(&source, format, columns, &md, max_bytes, spool, |r| {
                    if let Ok(r) = r {
                        found.insert(corpus::key::with_label(label, &r.key), r.loc);
                    }
                })
                .ok()
            }
            _ => None,
        };
        for (d, why) in rows {
            let (Some(r), Some(&loc)) = (&readable, found.get(&d.doc)) else {
                p.stale_unreachable.push(d.doc.clone());
                continue;
            };
            p.work.push(
                &d.doc,
                &r.path,
                Work {
                    size: d.size.max(0) as u64,
                    had_analysis: d.status == DocStatus::Analysed,
                    row: Some(loc),
                    ..Work::new(
                        &Arc::from(d.root.as_str()),
                        why,
                        &d.meta_hash,
                        &Arc::from(d.meta_keys.as_slice()),
                        d.content_hash.as_deref(),
                    )
                },
            );
        }
    }
    p.work.sort();
    p.stale_unreachable.sort();
}

/// The `skipped` reason of a document whose current file cannot be analysed while the
/// analysis of an earlier version stays in the tables.
pub fn kept_reason(reason: &str) -> String {
    format!("{reason}; the analysis of its earlier version is kept")
}

/// Loads the metadata of the corpus folders, other than `scanned`, that work items come
/// from.
pub fn other_metadata(scanned: &str, work: &WorkList) -> BTreeMap<String, Metadata> {
    let mut map = BTreeMap::new();
    for w in work.items() {
        if &*w.root != scanned && !map.contains_key(&*w.root) {
            map.insert(
                w.root.to_string(),
                Metadata::load(metadata_root(Path::new(&*w.root))),
            );
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(doc: &str, content: &str) -> ScannedFile {
        ScannedFile {
            doc: doc.into(),
            name: doc.into(),
            path: PathBuf::from(doc),
            size: content.len() as u64,
            hash: Some(blake3::hash(content.as_bytes()).to_hex().to_string()),
            problem: None,
            meta_hash: "m".into(),
            meta_keys: Arc::from([]),
            row: None,
            outlet: None,
        }
    }

    fn scan_of(files: Vec<ScannedFile>) -> Scan {
        Scan {
            root: "/c".into(),
            label: String::new(),
            excluded: vec![],
            files,
            skips: vec![],
            metadata: Metadata::default(),
            other_shards: 0,
            spool: None,
            fresh: vec![],
            gone: vec![],
            cached: 0,
        }
    }

    fn analysed(f: &ScannedFile, fp: &str) -> DocRecord {
        DocRecord {
            doc: f.doc.clone(),
            root: "/c".into(),
            content_hash: f.hash.clone(),
            size: f.size as i64,
            meta_hash: f.meta_hash.clone(),
            batch: Some(1),
            status: DocStatus::Analysed,
            reason: None,
            fingerprint: fp.into(),
            meta_keys: vec![],
            outlet: None,
        }
    }

    #[test]
    fn work_keeps_what_the_ledger_records() {
        let hash = blake3::hash(b"x").to_hex().to_string();
        let meta = meta_hash(&Meta::default(), None);
        let root: Arc<str> = Arc::from("/c");
        let item = |hash: Option<&str>| Work::new(&root, Why::New, &meta, &Arc::from([]), hash);
        let mut list = WorkList::default();
        // Walked from a relative folder name: read at the canonical folder.
        list.push("a/b.txt", Path::new("corpus/a/b.txt"), item(Some(&hash)));
        // A path that does not end with the name is kept as it is.
        list.push("b.txt", Path::new("/c/B.TXT"), item(None));
        list.sort();
        let [w, odd] = list.items() else {
            panic!("two items")
        };
        assert_eq!(w.hash().as_deref(), Some(hash.as_str()));
        assert_eq!(w.meta_hash(), meta);
        assert_eq!(
            (list.doc(w), list.path(w)),
            ("a/b.txt", "/c/a/b.txt".into())
        );
        assert!(w.path.is_none(), "the usual path is not stored");
        assert_eq!(
            (list.doc(odd), list.path(odd)),
            ("b.txt", "/c/B.TXT".into())
        );
        assert_eq!(odd.hash(), None);
    }

    #[test]
    fn pages_keep_the_order_names_and_paths() {
        let root: Arc<str> = Arc::from("/c");
        let mut list = WorkList::default();
        for k in (0..7).rev() {
            let item = Work::new(&root, Why::New, "0", &Arc::from([]), None);
            let path = if k == 3 {
                PathBuf::from("/c/ODD")
            } else {
                PathBuf::from(format!("/c/{k}.txt"))
            };
            list.push(&format!("{k}.txt"), &path, item);
        }
        list.sort();
        let whole: Vec<(String, PathBuf)> = list
            .items()
            .iter()
            .map(|w| (list.doc(w).to_string(), list.path(w)))
            .collect();
        let pages = list.into_pages(3);
        assert_eq!(
            pages.iter().map(WorkList::len).collect::<Vec<_>>(),
            [3, 3, 1]
        );
        let paged: Vec<(String, PathBuf)> = pages
            .iter()
            .flat_map(|p| p.items().iter().map(|w| (p.doc(w).to_string(), p.path(w))))
            .collect();
        assert_eq!(paged, whole);
        assert_eq!(paged[3].1, PathBuf::from("/c/ODD"));
        assert!(WorkList::default().into_pages(3).is_empty());
    }

    #[test]
    fn classifies_every_case() {
        let a = file("a.txt", "A");
        let b = file("b.txt", "B");
        let stored = vec![
            analysed(&a, "f"),
            analysed(&b, "f"),
            analysed(&file("gone.txt", "G"), "f"),
        ];
        let mut meta_changed = file("b.txt", "B");
        meta_changed.meta_hash = "m2".into();
        let scan = scan_of(vec![
            file("a.txt", "A"),
            meta_changed,
            file("c.txt", "C"),
            file("copy-of-a.txt", "A"),
            file("d.txt", "C"),
        ]);
        let p = plan(&scan, &stored, "f", false, true);
        let whys: Vec<(&str, Why)> = p
            .work
            .items()
            .iter()
            .map(|w| (p.work.doc(w), w.why))
            .collect();
        assert_eq!(whys, [("b.txt", Why::MetadataChanged), ("c.txt", Why::New)]);
        assert_eq!(p.unchanged, 1);
        assert_eq!(
            p.duplicates,
            [
                ("copy-of-a.txt".to_string(), "a.txt".to_string()),
                ("d.txt".to_string(), "c.txt".to_string())
            ]
        );
        assert_eq!(p.removed, ["gone.txt"]);
        assert!(p.deletes.is_empty());
        // A new configuration makes every analysed document stale; prune drops gone.txt.
        let p = plan(
            &scan_of(vec![a.clone(), b.clone()]),
            &stored,
            "g",
            true,
            true,
        );
        assert_eq!(p.count(Why::Stale), 2);
        assert_eq!(p.deletes, ["gone.txt"]);
        // A changed file whose new bytes equal another document's becomes a duplicate,
        // and its old content is free again for a renamed copy.
        let p = plan(
            &scan_of(vec![
                file("a.txt", "B"),
                file("b.txt", "B"),
                file("z.txt", "A"),
            ]),
            &stored,
            "f",
            false,
            true,
        );
        assert_eq!(p.duplicates, [("a.txt".to_string(), "b.txt".to_string())]);
        assert_eq!(p.work.len(), 1);
        let w = &p.work.items()[0];
        assert_eq!((p.work.doc(w), w.why), ("z.txt", Why::New));
    }

    #[test]
    fn the_same_bytes_are_a_duplicate_only_under_the_same_outlet() {
        let from = |doc: &str, outlet: Option<&str>| ScannedFile {
            outlet: outlet.map(Arc::from),
            ..file(doc, "wire story")
        };
        let p = plan(
            &scan_of(vec![
                from("a.txt", Some("岩手日報")),
                from("b.txt", Some("東京新聞")),
                from("c.txt", Some("岩手日報")),
                from("d.txt", None),
            ]),
            &[],
            "f",
            false,
            true,
        );
        // Another outlet's copy is its own document; the same outlet's, or one of no
        // known outlet, is a duplicate of the first holder.
        let work: Vec<&str> = p.work.items().iter().map(|w| p.work.doc(w)).collect();
        assert_eq!(work, ["a.txt", "b.txt"]);
        assert_eq!(
            p.duplicates,
            [
                ("c.txt".to_string(), "a.txt".to_string()),
                ("d.txt".to_string(), "a.txt".to_string())
            ]
        );
        assert_eq!(p.work.items()[1].outlet.as_deref(), Some("東京新聞"));
    }
}
