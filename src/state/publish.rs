//! Publishing: the output folder brought to the ledger's state, switching at one point.
//!
//! # Layout
//!
//! ```text
//! OUT/mentions.parquet -> .published/current/mentions.parquet   (fixed links, one per output)
//! OUT/mentions.csv     -> .published/current/mentions.csv
//! OUT/figures.csv      -> .published/current/figures.csv
//! OUT/report.html      -> .published/current/report.html
//! OUT/manifest.json    -> .published/current/manifest.json
//! OUT/.published/current -> g00000007                            (the switch)
//! OUT/.published/g00000007/mentions.parquet/part-00000003-….parquet  (one file per batch)
//!                          mentions.csv.parts/part-00000003-….csv (one per batch, kept)
//!                          mentions.csv (the batch files joined: one file for readers)
//!                          figures.csv, figures.parquet, skipped.*, report.html, manifest.json
//! ```
//!
//! A **generation** (`gNNNNNNNN`) is a complete set of outputs for one ledger state. The
//! row tables (`documents`, `mentions`, `entities`, `facts`, `frame_hits`) are folders with
//! one Parquet file per committed batch, holding the rows of that batch's documents that
//! are still live, and one CSV file each (the per-batch CSV files, kept in
//! `TABLE.csv.parts/` to be linked into the next generation, joined by a byte copy in
//! batch order: spreadsheets and scripts open one file); the other tables (`skipped`, and the
//! aggregates' `source_frames`, `figures`) are single files, and `report.html` a file. The
//! top-level names in `OUT/` are symbolic links through `.published/current`, so
//! `pd.read_parquet("OUT/mentions.parquet")` or `OUT/figures.csv` always read the current
//! generation, and replacing the one link `current` switches every output at once.
//!
//! # Steps, and why a kill never leaves a mix
//!
//! 1. A new generation folder is filled: a batch's files whose inputs did not change
//!    (same part checksums, same live documents, same metadata columns, same options:
//!    the file name carries a hash of them, the *recipe*) are hard links to the previous
//!    generation's files; the others are written (from the parts, or the part itself for a
//!    whole batch's Parquet). The aggregates are computed from the merged summaries
//!    ([`super::summaries`]). Every new file is synced, then `manifest.json` (ledger state,
//!    options, every file with its size, BLAKE3, modification time and recipe) and the
//!    folders.
//! 2. Missing top-level links are made (a link to a table the current generation lacks
//!    dangles until the switch; nothing else changes).
//! 3. **The switch**: a new link `current.tmp -> gNNNNNNNN` is renamed over `current`
//!    (`rename(2)` is atomic) and the folder synced.
//! 4. Generations older than the one just replaced are removed (the one just replaced
//!    stays until the next publish, for readers still listing it), and links of outputs
//!    that no longer exist.
//!
//! A kill before step 3 leaves `current` on the old generation (the new folder is
//! garbage, removed by the next run); after it, on the new one. The next run compares the
//! current manifest with the ledger ([`outputs_behind`]) and publishes again if needed.
//! So a publish costs what changed: a new batch's files, the batches whose documents were
//! analysed again, the aggregates (whose size does not grow with the corpus, except
//! `figures`, one row per distinct figure), and links for the rest.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ledger::{BatchInfo, Ledger, PartFile};
use super::parts::{self, Hashing, META_COLUMN, ROW_TABLES};
use super::summaries::{self, Cache};
use super::{Store, test_point};
use crate::aggregate::{Aggregate, Product};
use crate::error::{Error, Result};
use crate::output::{self, OutputOptions, Table, Values, atomic};

/// The folder of generations inside the output folder.
pub const PUBLISHED_DIR: &str = ".published";
/// The link naming the current generation.
pub const CURRENT: &str = "current";
/// The manifest of a generation.
pub const MANIFEST: &str = "manifest.json";
/// Format of [`Manifest`].
pub const MANIFEST_FORMAT: u32 = 1;
/// Version of how batch files are made from parts (part of every recipe).
const RECIPE_VERSION: &str = "batch-files 1";

/// What a publish wrote.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The ledger state the outputs now reflect.
    pub state: i64,
    /// The generation.
    pub generation: u64,
    /// Table names written (row tables, skipped, aggregates).
    pub tables: Vec<String>,
    /// Other files written (reports).
    pub files: Vec<String>,
    /// Files written anew.
    pub written: usize,
    /// Files of the previous generation kept (linked).
    pub reused: usize,
    /// Summaries computed from rows or merged (not found in the store).
    pub summaries_computed: usize,
}

/// An output of a generation, as linked from the output folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// Its name in the output folder (`mentions.parquet`, `report.html`).
    pub name: String,
    /// The table it holds (empty for a file such as the report).
    pub table: String,
    /// A folder of files, one per batch (row tables).
    pub folder: bool,
    /// Rows (tables).
    pub rows: u64,
}

/// A file of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path inside the generation folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// BLAKE3, hex.
    pub blake3: String,
    /// Modification time (nanoseconds since the epoch) when written: a file edited since
    /// is not reused.
    pub mtime_ns: i64,
    /// Rows (tables).
    pub rows: u64,
}

/// `manifest.json` of a generation: what it reflects and holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// Generation number.
    pub generation: u64,
    /// The ledger state the outputs reflect.
    pub state: i64,
    /// Output options they were written with.
    pub options: String,
    /// The outputs.
    pub outputs: Vec<Output>,
    /// Every file.
    pub files: Vec<FileEntry>,
}

/// How output options are recorded (a change republishes).
pub fn options_text(o: OutputOptions) -> String {
    format!("csv_guard={}", o.csv_guard)
}

fn gen_name(generation: u64) -> String {
    format!("g{generation:08}")
}

fn mtime_ns(m: &fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// The current generation of the output folder `out`: its folder and manifest, if a
/// publish ever switched to one and its manifest is readable.
pub fn current(out: &Path) -> Option<(PathBuf, Manifest)> {
    let pubdir = out.join(PUBLISHED_DIR);
    let target = fs::read_link(pubdir.join(CURRENT)).ok()?;
    let dir = pubdir.join(target);
    let bytes = fs::read(dir.join(MANIFEST)).ok()?;
    let m: Manifest = serde_json::from_slice(&bytes).ok()?;
    (m.format == MANIFEST_FORMAT).then_some((dir, m))
}

/// The link target of an output named `name`, relative to the output folder.
fn link_target(name: &str) -> PathBuf {
    Path::new(PUBLISHED_DIR).join(CURRENT).join(name)
}

/// Whether `path` is a link of an output folder to its current outputs.
pub fn is_output_link(path: &Path) -> bool {
    fs::read_link(path).is_ok_and(|t| t.starts_with(Path::new(PUBLISHED_DIR).join(CURRENT)))
}

/// Why the output folder does not reflect the ledger, or `None` when it does. With
/// `verify`, files are checked against their BLAKE3 (otherwise their size and time).
pub fn outputs_behind(
    ledger: &Ledger,
    out: &Path,
    options: &str,
    verify: bool,
) -> Result<Option<String>> {
    if let Some(rec) = ledger.outputs()?
        && let Some((s, _, _)) = rec.pending
    {
        return Ok(Some(format!(
            "a publish of state {s} by an earlier shiten was interrupted; the next run \
             publishes again"
        )));
    }
    let Some((dir, m)) = current(out) else {
        return Ok(Some("no outputs were published yet".into()));
    };
    let state = ledger.state()?;
    if m.state != state {
        return Ok(Some(format!(
            "outputs reflect ledger state {}, the ledger is at state {state}",
            m.state
        )));
    }
    if m.options != options {
        return Ok(Some(format!(
            "outputs were written with {}, this run asks for {options}",
            m.options
        )));
    }
    for o in m.outputs.iter().map(|o| o.name.as_str()).chain([MANIFEST]) {
        let link = out.join(o);
        if fs::read_link(&link).ok().as_deref() != Some(link_target(o).as_path()) {
            return Ok(Some(format!(
                "{} is missing or is not shiten's link to the current outputs",
                link.display()
            )));
        }
    }
    for f in &m.files {
        let p = dir.join(&f.path);
        let ok = if verify {
            digest(&p).is_ok_and(|(bytes, sum)| bytes == f.bytes && sum == f.blake3)
        } else {
            fs::metadata(&p).is_ok_and(|md| md.len() == f.bytes && mtime_ns(&md) == f.mtime_ns)
        };
        if !ok {
            return Ok(Some(format!(
                "{} is missing or was modified since it was written",
                p.display()
            )));
        }
    }
    Ok(None)
}

/// Size and BLAKE3 of a file, read in pieces.
fn digest(path: &Path) -> std::io::Result<(u64, String)> {
    let f = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let bytes = std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 16, f),
        &mut hasher,
    )?;
    Ok((bytes, hasher.finalize().to_hex().to_string()))
}

/// Columns of the output row table `name` (documents: with the metadata variables).
fn output_schema(name: &str, meta_keys: &[String]) -> Vec<(String, output::ColType)> {
    let mut s = parts::part_schema(name);
    if name == "documents" {
        s.retain(|(n, _)| n != META_COLUMN);
        let fixed: HashSet<String> = s.iter().map(|c| c.0.clone()).collect();
        for k in meta_keys.iter().filter(|k| !fixed.contains(*k)) {
            s.push((k.clone(), output::ColType::Str));
        }
    }
    s
}

/// A committed batch holding rows of live documents.
pub struct LiveBatch {
    /// What the ledger records.
    pub info: BatchInfo,
    /// Its folder.
    pub dir: PathBuf,
    /// Its live documents, when some of its documents were analysed again or dropped
    /// since (`None`: all of them).
    pub live: Option<HashSet<String>>,
    /// `whole`, or the BLAKE3 of its live documents' names.
    pub digest: String,
}

impl LiveBatch {
    /// Its part of `table`, if it has one.
    pub fn part(&self, table: &str) -> Option<&PartFile> {
        self.info.parts.iter().find(|p| p.table == table)
    }

    /// The rows of `table` of its live documents (checked like every part read).
    pub fn read(&self, table: &str) -> Result<Option<Table>> {
        let Some(part) = self.part(table) else {
            return Ok(None);
        };
        let t = parts::read_part(&self.dir, part)?;
        Ok(Some(self.keep_live(t)))
    }

    fn keep_live(&self, t: Table) -> Table {
        let Some(live) = &self.live else { return t };
        let keep: Vec<bool> = match t.column("doc") {
            Some(Values::Str(v)) => v
                .iter()
                .map(|d| d.as_ref().is_some_and(|d| live.contains(d)))
                .collect(),
            _ => vec![false; t.height()],
        };
        t.filter(&keep)
    }
}

/// The committed batches holding rows of live documents, by id.
pub fn live_batches(store: &Store) -> Result<Vec<LiveBatch>> {
    let counts = store.ledger.live_counts()?;
    let mut out = Vec::new();
    for info in store.ledger.live_batches()? {
        let n = counts.get(&info.id).copied().unwrap_or(0);
        let (live, digest) = if n == info.docs {
            (None, "whole".to_string())
        } else {
            let names = store.ledger.live_docs_of(info.id)?;
            let mut h = blake3::Hasher::new();
            for d in &names {
                h.update(d.as_bytes());
                h.update(b"\0");
            }
            (
                Some(names.into_iter().collect()),
                h.finalize().to_hex().to_string(),
            )
        };
        out.push(LiveBatch {
            dir: store.batch_dir(info.id),
            info,
            live,
            digest,
        });
    }
    Ok(out)
}

/// A file written into a generation: its entry.
fn finish_file(
    gen_dir: &Path,
    rel: &str,
    w: BufWriter<File>,
    hashed: (u64, String),
    rows: u64,
) -> Result<FileEntry> {
    let path = gen_dir.join(rel);
    let f = w
        .into_inner()
        .map_err(|e| Error::io(&path, e.into_error()))?;
    f.sync_all().map_err(|e| Error::io(&path, e))?;
    let md = f.metadata().map_err(|e| Error::io(&path, e))?;
    Ok(FileEntry {
        path: rel.to_string(),
        bytes: hashed.0,
        blake3: hashed.1,
        mtime_ns: mtime_ns(&md),
        rows,
    })
}

/// Writes `t` as CSV at `rel` in the generation (synced).
fn write_csv(gen_dir: &Path, rel: &str, t: &Table, opts: OutputOptions) -> Result<FileEntry> {
    let path = gen_dir.join(rel);
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    let mut h = Hashing::new(&mut w);
    output::csv::write_csv(t, &mut h, opts.csv_guard).map_err(|e| Error::io(&path, e))?;
    let hashed = h.finish();
    finish_file(gen_dir, rel, w, hashed, t.height() as u64)
}

/// The folder of a row table's per-batch CSV files in a generation (kept to be linked
/// into the next generation; readers see the joined file `TABLE.csv`).
fn csv_parts_dir(table: &str) -> String {
    format!("{table}.csv.parts")
}

/// Writes the CSV file `rel` as the header of the first of `parts` (per-batch CSV files
/// of one table, each with the same header) followed by every part's records, in order.
fn join_csv(gen_dir: &Path, rel: &str, parts: &[&FileEntry]) -> Result<FileEntry> {
    let path = gen_dir.join(rel);
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    let mut h = Hashing::new(&mut w);
    let mut rows = 0;
    for (k, part) in parts.iter().enumerate() {
        let src = gen_dir.join(&part.path);
        let bytes = fs::read(&src).map_err(|e| Error::io(&src, e))?;
        let from = if k == 0 { 0 } else { csv_header_end(&bytes) };
        h.write_all(&bytes[from..])
            .map_err(|e| Error::io(&path, e))?;
        rows += part.rows;
    }
    let hashed = h.finish();
    finish_file(gen_dir, rel, w, hashed, rows)
}

/// The byte offset just past the header record of CSV `bytes` (a quoted name may hold a
/// line break).
fn csv_header_end(bytes: &[u8]) -> usize {
    let mut quoted = false;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Writes `t` as Parquet at `rel` in the generation (synced).
fn write_parquet(gen_dir: &Path, rel: &str, t: &Table) -> Result<FileEntry> {
    let path = gen_dir.join(rel);
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    let mut h = Hashing::new(&mut w);
    output::parquet::write_parquet(t, &mut h)?;
    let hashed = h.finish();
    finish_file(gen_dir, rel, w, hashed, t.height() as u64)
}

/// Writes `bytes` at `rel` in the generation (synced).
fn write_bytes(gen_dir: &Path, rel: &str, bytes: &[u8], rows: u64) -> Result<FileEntry> {
    let path = gen_dir.join(rel);
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    w.write_all(bytes).map_err(|e| Error::io(&path, e))?;
    let hashed = (bytes.len() as u64, blake3::hash(bytes).to_hex().to_string());
    finish_file(gen_dir, rel, w, hashed, rows)
}

/// The recipe of a batch's file of `table`: what its content depends on.
fn recipe(
    table: &str,
    b: Option<&LiveBatch>,
    meta_keys: &[String],
    format: &str,
    options: &str,
) -> String {
    let mut h = blake3::Hasher::new();
    let mut put = |s: &str| {
        h.update(s.as_bytes());
        h.update(b"\0");
    };
    put(RECIPE_VERSION);
    put(table);
    put(format);
    if format == "csv" {
        put(options);
    }
    if let Some(b) = b {
        put(&b.info.id.to_string());
        put(b.part(table).map_or("", |p| p.blake3.as_str()));
        put(&b.digest);
    }
    if table == "documents" {
        for k in meta_keys {
            put(k);
        }
    }
    // Without a batch: the empty table, whose content is its columns.
    for (c, t) in output_schema(table, meta_keys) {
        put(&c);
        put(&format!("{t:?}"));
    }
    h.finalize().to_hex()[..16].to_string()
}

/// One batch's files of one row table.
struct BatchJob<'a> {
    table: &'static str,
    batch: Option<&'a LiveBatch>,
    csv: String,
    parquet: String,
}

/// The previous generation's files, to reuse when unchanged.
struct Previous {
    dir: PathBuf,
    files: HashMap<String, FileEntry>,
}

impl Previous {
    /// Links the previous generation's `rel` into `gen_dir` if it is there unchanged.
    fn reuse(&self, gen_dir: &Path, rel: &str) -> Option<FileEntry> {
        let e = self.files.get(rel)?;
        let from = self.dir.join(rel);
        let md = fs::metadata(&from).ok()?;
        if md.len() != e.bytes || mtime_ns(&md) != e.mtime_ns {
            return None;
        }
        fs::hard_link(&from, gen_dir.join(rel)).ok()?;
        Some(e.clone())
    }
}

/// Makes one batch's CSV and Parquet files of one row table (or links them).
fn batch_files(
    job: &BatchJob<'_>,
    gen_dir: &Path,
    prev: Option<&Previous>,
    meta_keys: &[String],
    opts: OutputOptions,
) -> Result<(Vec<FileEntry>, usize)> {
    let mut out = Vec::new();
    let mut need_csv = true;
    let mut need_pq = true;
    if let Some(p) = prev {
        if let Some(e) = p.reuse(gen_dir, &job.csv) {
            out.push(e);
            need_csv = false;
        }
        if let Some(e) = p.reuse(gen_dir, &job.parquet) {
            out.push(e);
            need_pq = false;
        }
    }
    let written = usize::from(need_csv) + usize::from(need_pq);
    if written == 0 {
        return Ok((out, 0));
    }
    let schema = output_schema(job.table, meta_keys);
    let Some(b) = job.batch else {
        let t = Table::empty(job.table, &schema);
        if need_csv {
            out.push(write_csv(gen_dir, &job.csv, &t, opts)?);
        }
        if need_pq {
            out.push(write_parquet(gen_dir, &job.parquet, &t)?);
        }
        return Ok((out, written));
    };
    let part = b.part(job.table).expect("a job has its part");
    let bytes = parts::verify(&b.dir, part)?;
    // A whole batch's part is already the published Parquet file of its table.
    let same_bytes = b.live.is_none() && parts::part_schema(job.table) == schema;
    if need_pq && same_bytes {
        out.push(write_bytes(gen_dir, &job.parquet, &bytes, part.rows)?);
        need_pq = false;
    }
    let mut t = b.keep_live(parts::parse_part(&b.dir, part, bytes)?);
    if job.table == "documents" {
        t = parts::expand_meta(t, meta_keys);
    }
    t.name = job.table.to_string();
    if t.schema() != schema {
        return Err(Error::State(format!(
            "batch {}: {} has columns {:?}, expected {:?}",
            b.info.id,
            part.file,
            t.column_names(),
            schema.iter().map(|c| c.0.as_str()).collect::<Vec<_>>()
        )));
    }
    if need_csv {
        out.push(write_csv(gen_dir, &job.csv, &t, opts)?);
    }
    if need_pq {
        out.push(write_parquet(gen_dir, &job.parquet, &t)?);
    }
    Ok((out, written))
}

/// `f` of every item, in order, on as many threads as rayon's pool has, each taking the
/// next item when done with its last: at most that many items are in hand at once.
///
/// Not a rayon parallel iterator: reading and writing Parquet runs on polars' own thread
/// pool, and a rayon worker that waits for another pool steals more work of its own in the
/// meantime, so `par_iter` started a new batch's table each time polars was busy: the 200
/// MB corpus held hundreds of tables at once (910 MB of heap at the peak, against 210 MB
/// for nine batches).
fn each_on_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let threads = rayon::current_num_threads().clamp(1, items.len().max(1));
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(k) else { break };
                        mine.push((k, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Brings the output folder to the ledger's current state: a new generation, then the
/// switch (see the module documentation).
pub fn publish(
    store: &mut Store,
    opts: OutputOptions,
    aggregates: &[Box<dyn Aggregate>],
) -> Result<Published> {
    let state = store.ledger.state()?;
    let options = options_text(opts);
    let out = store.out.clone();
    let pubdir = out.join(PUBLISHED_DIR);
    fs::create_dir_all(&pubdir).map_err(|e| Error::io(&pubdir, e))?;
    if current(&out).is_none() {
        adopt_legacy_outputs(store)?;
    }
    let previous = current(&out);
    let generation = previous.as_ref().map_or(0, |(_, m)| m.generation) + 1;
    let gen_dir = pubdir.join(gen_name(generation));
    remove_path(&gen_dir)?;
    fs::create_dir_all(&gen_dir).map_err(|e| Error::io(&gen_dir, e))?;
    let prev = previous.as_ref().map(|(dir, m)| Previous {
        dir: dir.clone(),
        files: m
            .files
            .iter()
            .map(|f| (f.path.clone(), f.clone()))
            .collect(),
    });
    let meta_keys = store.ledger.meta_keys()?;
    let batches = live_batches(store)?;
    crate::trace::lap("publish: plan");

    // 1. The row tables: one file per batch and format.
    let mut outputs = Vec::new();
    let mut jobs = Vec::new();
    for table in ROW_TABLES {
        for d in [csv_parts_dir(table), format!("{table}.parquet")] {
            let d = gen_dir.join(d);
            fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
        }
        let mut any = false;
        for b in batches.iter().filter(|b| b.part(table).is_some()) {
            any = true;
            jobs.push(job(table, Some(b), &meta_keys, &options));
        }
        if !any {
            jobs.push(job(table, None, &meta_keys, &options));
        }
    }
    let made: Vec<(Vec<FileEntry>, usize)> = each_on_threads(&jobs, |j| {
        let made = batch_files(j, &gen_dir, prev.as_ref(), &meta_keys, opts);
        // A batch's table is many small strings; glibc keeps what they freed: hand it
        // back before the next.
        crate::trace::release_free_memory();
        made
    })
    .into_iter()
    .collect::<Result<_>>()?;
    let mut files: Vec<FileEntry> = Vec::new();
    let mut written = 0;
    for (f, w) in made {
        files.extend(f);
        written += w;
    }
    // A row table's CSV is one file (what spreadsheets, scripts and the scorers open):
    // its batch files joined in batch order, a byte copy.
    let mut joined = Vec::new();
    for table in ROW_TABLES {
        let parts_dir = format!("{}/", csv_parts_dir(table));
        let mut parts: Vec<&FileEntry> = files
            .iter()
            .filter(|f| f.path.starts_with(&parts_dir))
            .collect();
        parts.sort_by(|a, b| a.path.cmp(&b.path));
        let entry = join_csv(&gen_dir, &format!("{table}.csv"), &parts)?;
        written += 1;
        outputs.push(Output {
            name: format!("{table}.csv"),
            table: table.to_string(),
            folder: false,
            rows: entry.rows,
        });
        joined.push(entry);
        let name = format!("{table}.parquet");
        let rows = files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{name}/")))
            .map(|f| f.rows)
            .sum();
        outputs.push(Output {
            name,
            table: table.to_string(),
            folder: true,
            rows,
        });
    }
    files.extend(joined);
    test_point("publish: row tables written");
    crate::trace::lap("publish: row tables");

    // 2. `skipped` and the aggregates, single files.
    let mut tables: Vec<String> = ROW_TABLES.iter().map(|s| s.to_string()).collect();
    let mut other_files = Vec::new();
    let skipped = Table::from_records(store.ledger.skipped_rows()?.iter());
    let mut singles = vec![Product::Table(skipped)];
    let cache = Cache::new(&store.dir);
    let mut products: Vec<Product> = Vec::new();
    for a in aggregates {
        let merged = summaries::merged(&cache, a.as_ref(), &batches)?;
        let mut p = a.finish(merged, &products)?;
        crate::trace::lap(&format!("publish: aggregate {}", a.name()));
        products.append(&mut p);
    }
    singles.extend(products);
    for p in &singles {
        match p {
            Product::Table(t) => {
                for (ext, entry) in [
                    (
                        "csv",
                        write_csv(&gen_dir, &format!("{}.csv", t.name), t, opts)?,
                    ),
                    (
                        "parquet",
                        write_parquet(&gen_dir, &format!("{}.parquet", t.name), t)?,
                    ),
                ] {
                    outputs.push(Output {
                        name: format!("{}.{ext}", t.name),
                        table: t.name.clone(),
                        folder: false,
                        rows: t.height() as u64,
                    });
                    files.push(entry);
                    written += 1;
                }
                tables.push(t.name.clone());
            }
            Product::File { name, bytes } => {
                files.push(write_bytes(&gen_dir, name, bytes, 0)?);
                written += 1;
                outputs.push(Output {
                    name: name.clone(),
                    table: String::new(),
                    folder: false,
                    rows: 0,
                });
                other_files.push(name.clone());
            }
        }
    }
    drop(singles);
    test_point("publish: aggregates written");
    crate::trace::lap("publish: skipped and aggregates");

    // 3. The manifest; everything synced.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        generation,
        state,
        options: options.clone(),
        outputs,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::State(format!("cannot write the manifest: {e}")))?;
    write_bytes(&gen_dir, MANIFEST, &json, 0)?;
    for o in manifest.outputs.iter().filter(|o| o.folder) {
        atomic::sync_dir(&gen_dir.join(&o.name));
    }
    atomic::sync_dir(&gen_dir);
    atomic::sync_dir(&pubdir);
    test_point("publish: generation complete");

    // 4. Links for outputs that are new, then the switch.
    let names: Vec<(&str, bool)> = manifest
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), o.folder))
        .chain([(MANIFEST, false)])
        .collect();
    for (name, folder) in &names {
        ensure_link(&out, name, *folder)?;
    }
    atomic::sync_dir(&out);
    test_point("publish: switching");
    switch(&pubdir, &gen_name(generation))?;
    test_point("publish: switched");

    // 5. What the new generation no longer has.
    if let Some((_, m)) = &previous {
        let now: HashSet<&str> = names.iter().map(|n| n.0).collect();
        for o in &m.outputs {
            if !now.contains(o.name.as_str()) {
                remove_link(&out, &o.name);
            }
        }
    }
    let keep: Vec<String> = std::iter::once(gen_name(generation))
        .chain(
            previous
                .as_ref()
                .and_then(|(d, _)| d.file_name().map(|n| n.to_string_lossy().into_owned())),
        )
        .collect();
    remove_generations(&pubdir, &keep);
    cache.collect_garbage();
    if let Some(rec) = store.ledger.outputs()?
        && rec.pending.is_some()
    {
        store.ledger.abandon_publish()?;
    }
    Ok(Published {
        state,
        generation,
        tables,
        files: other_files,
        written,
        reused: manifest.files.len() - written,
        summaries_computed: cache.computed.load(std::sync::atomic::Ordering::Relaxed),
    })
}

fn job<'a>(
    table: &'static str,
    batch: Option<&'a LiveBatch>,
    meta_keys: &[String],
    options: &str,
) -> BatchJob<'a> {
    let stem = match batch {
        Some(b) => format!("part-{:08}", b.info.id),
        None => "part-empty".to_string(),
    };
    let file = |ext: &str| {
        let dir = match ext {
            "csv" => csv_parts_dir(table),
            _ => format!("{table}.{ext}"),
        };
        format!(
            "{dir}/{stem}-{}.{ext}",
            recipe(table, batch, meta_keys, ext, options)
        )
    };
    BatchJob {
        table,
        batch,
        csv: file("csv"),
        parquet: file("parquet"),
    }
}

/// Points `pubdir/current` at `generation`, atomically.
fn switch(pubdir: &Path, generation: &str) -> Result<()> {
    let tmp = pubdir.join(format!(".{CURRENT}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    symlink(Path::new(generation), &tmp, true).map_err(|e| Error::io(&tmp, e))?;
    let cur = pubdir.join(CURRENT);
    if fs::symlink_metadata(&cur).is_ok_and(|m| m.is_dir()) {
        // A folder, not our link (a copy of the output folder that followed links).
        let aside = pubdir.join(format!(".replaced-{CURRENT}.tmp-{}", std::process::id()));
        fs::rename(&cur, &aside).map_err(|e| Error::io(&cur, e))?;
    }
    fs::rename(&tmp, &cur).map_err(|e| Error::io(&cur, e))?;
    atomic::sync_dir(pubdir);
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path, _folder: bool) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path, folder: bool) -> std::io::Result<()> {
    if folder {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        std::os::windows::fs::symlink_file(target, link)
    }
}

/// Makes `out/name` the link to `.published/current/name` (atomically when it replaces a
/// file or another link; a folder in the way is moved aside first).
fn ensure_link(out: &Path, name: &str, folder: bool) -> Result<()> {
    let link = out.join(name);
    let target = link_target(name);
    match fs::symlink_metadata(&link) {
        Ok(m)
            if m.file_type().is_symlink()
                && fs::read_link(&link).ok().as_deref() == Some(target.as_path()) =>
        {
            return Ok(());
        }
        Ok(m) if m.is_dir() => {
            // Not ours (a copy that followed the links, or the user's): moved into the
            // generations folder, whose leftovers the next run removes.
            let aside = out
                .join(PUBLISHED_DIR)
                .join(format!(".replaced-{name}.tmp-{}", std::process::id()));
            fs::rename(&link, &aside).map_err(|e| Error::io(&link, e))?;
        }
        _ => {}
    }
    let tmp = out.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    symlink(&target, &tmp, folder).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, &link).map_err(|e| Error::io(&link, e))?;
    Ok(())
}

/// Removes `out/name` if it is one of our links.
fn remove_link(out: &Path, name: &str) {
    let link = out.join(name);
    if fs::read_link(&link).ok().as_deref() == Some(link_target(name).as_path()) {
        let _ = fs::remove_file(&link);
    }
}

fn remove_path(p: &Path) -> Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p).map_err(|e| Error::io(p, e)),
        Ok(_) => fs::remove_file(p).map_err(|e| Error::io(p, e)),
        Err(_) => Ok(()),
    }
}

/// Removes every generation and leftover in `pubdir` but `keep` (and `current`).
fn remove_generations(pubdir: &Path, keep: &[String]) {
    let Ok(entries) = fs::read_dir(pubdir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == CURRENT || keep.contains(&name) {
            continue;
        }
        let _ = remove_path(&e.path());
    }
}

/// Removes what a killed publish left in the output folder: generations newer than the
/// current one (and older than the one before it), temporary links. Returns how many.
pub fn clean_leftovers(out: &Path) -> usize {
    let pubdir = out.join(PUBLISHED_DIR);
    let mut n = 0;
    if let Some((dir, m)) = current(out) {
        let cur = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The generation before the current one may still be read.
        let older = fs::read_dir(&pubdir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('g') && *n < cur)
            .max();
        let keep: Vec<String> = std::iter::once(cur).chain(older).collect();
        let before = fs::read_dir(&pubdir).map_or(0, |d| d.count());
        remove_generations(&pubdir, &keep);
        n += before.saturating_sub(fs::read_dir(&pubdir).map_or(0, |d| d.count()));
        let _ = m;
    }
    if let Ok(entries) = fs::read_dir(out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
            if is_link && name.starts_with('.') && name.contains(".tmp-") {
                let _ = fs::remove_file(e.path());
                n += 1;
            }
        }
    }
    n
}

/// An output folder written by an earlier shiten holds the files themselves: they become
/// generation 0 (hard links, so nothing is copied) and their names links to it, so a
/// reader sees the same files before and after; the publish that follows then switches
/// to the new outputs at one point like any other.
fn adopt_legacy_outputs(store: &Store) -> Result<()> {
    let Some(rec) = store.ledger.outputs()? else {
        return Ok(());
    };
    let out = &store.out;
    let names: Vec<String> = rec
        .files
        .iter()
        .map(|f| f.name.clone())
        .filter(|n| fs::symlink_metadata(out.join(n)).is_ok_and(|m| m.is_file()))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let pubdir = out.join(PUBLISHED_DIR);
    let gen_dir = pubdir.join(gen_name(0));
    remove_path(&gen_dir)?;
    fs::create_dir_all(&gen_dir).map_err(|e| Error::io(&gen_dir, e))?;
    let mut outputs = Vec::new();
    for n in &names {
        let to = gen_dir.join(n);
        fs::hard_link(out.join(n), &to).map_err(|e| Error::io(&to, e))?;
        outputs.push(Output {
            name: n.clone(),
            table: n.rsplit_once('.').map_or(n.as_str(), |x| x.0).to_string(),
            folder: false,
            rows: 0,
        });
    }
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        generation: 0,
        // Unknown: the next publish replaces everything.
        state: -1,
        options: rec.options.clone(),
        outputs,
        files: Vec::new(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::State(format!("cannot write the manifest: {e}")))?;
    write_bytes(&gen_dir, MANIFEST, &json, 0)?;
    atomic::sync_dir(&gen_dir);
    switch(&pubdir, &gen_name(0))?;
    for n in &names {
        ensure_link(out, n, false)?;
    }
    atomic::sync_dir(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{self, Context};
    use crate::analyze::DocAnalysis;
    use crate::output::rows::{FrameHitRow, MentionRow};
    use crate::state::ledger::{Commit, DocRecord, DocStatus};

    fn analysis(doc: &str, mentions: &[&str], author: Option<&str>) -> DocAnalysis {
        let mut a = DocAnalysis::default();
        a.document.doc = doc.into();
        a.document.source = "s".into();
        if let Some(x) = author {
            a.meta_extra.insert("author".into(), x.into());
        }
        for m in mentions {
            a.mentions.push(MentionRow {
                doc: doc.into(),
                text: m.to_string(),
                ..MentionRow::default()
            });
        }
        a.frame_hits.push(FrameHitRow {
            doc: doc.into(),
            source: "s".into(),
            frame: "two_factor_auth".into(),
            stance: "asserted".into(),
            sentence_text: format!("{doc}の文"),
            ..FrameHitRow::default()
        });
        a
    }

    fn commit(store: &mut Store, batch: &[DocAnalysis], aggs: &[Box<dyn Aggregate>]) {
        let id = store.ledger.begin_batch("f").unwrap();
        let files =
            parts::write_batch(&store.batch_dir(id), parts::part_tables(batch), aggs).unwrap();
        let upserts = batch
            .iter()
            .map(|a| DocRecord {
                doc: a.document.doc.clone(),
                root: "/r".into(),
                content_hash: Some(a.document.doc.clone()),
                size: 1,
                meta_hash: String::new(),
                batch: Some(id),
                status: DocStatus::Analysed,
                reason: None,
                fingerprint: "f".into(),
                meta_keys: a.meta_extra.keys().cloned().collect(),
                outlet: None,
            })
            .collect();
        store
            .ledger
            .commit(&Commit {
                batch: Some((id, files)),
                upserts,
                ..Commit::default()
            })
            .unwrap();
    }

    fn texts(out: &Path) -> Vec<String> {
        let t = output::parquet::read_parquet(&out.join("mentions.parquet"), "m").unwrap();
        let mut v: Vec<String> = (0..t.height())
            .map(|i| t.column("text").unwrap().cell(i))
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    fn inode(p: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap())
    }

    #[test]
    fn publishes_live_rows_switches_at_one_link_and_reuses_unchanged_batches() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let aggs = aggregate::registry(&Context::default());
        let mut store = Store::open(&out, "test", false, None).unwrap();
        let options = options_text(OutputOptions::default());
        commit(
            &mut store,
            &[
                analysis("a.txt", &["a1", "a2"], Some("森田")),
                analysis("b.txt", &["b-old"], None),
            ],
            &aggs,
        );
        let p1 = publish(&mut store, OutputOptions::default(), &aggs).unwrap();
        assert_eq!(p1.generation, 1);
        assert_eq!(texts(&out), ["a1", "a2", "b-old"]);
        let (gen1, m1) = current(&out).unwrap();
        assert_eq!(
            fs::read_link(out.join(PUBLISHED_DIR).join(CURRENT)).unwrap(),
            Path::new("g00000001")
        );
        assert_eq!(m1.state, store.ledger.state().unwrap());
        assert_eq!(
            outputs_behind(&store.ledger, &out, &options, true).unwrap(),
            None
        );

        // A second batch supersedes b.txt and adds c.txt: batch 1 is rewritten without
        // b.txt's rows, batch 2 is new; the tables' other files are the same files.
        commit(
            &mut store,
            &[
                analysis("b.txt", &["b-new"], Some("大橋")),
                analysis("c.txt", &["c1"], None),
            ],
            &aggs,
        );
        assert!(
            outputs_behind(&store.ledger, &out, &options, false)
                .unwrap()
                .is_some()
        );
        let p2 = publish(&mut store, OutputOptions::default(), &aggs).unwrap();
        assert_eq!(p2.generation, 2);
        assert_eq!(
            texts(&out),
            ["a1", "a2", "b-new", "c1"],
            "superseded rows are gone"
        );
        // The CSV is one file: one header, then every live batch's rows.
        let csv = fs::read_to_string(out.join("mentions.csv")).unwrap();
        assert!(out.join("mentions.csv").is_file());
        // One byte order mark, at the start: the later batches' files are joined without
        // their header (and mark).
        assert!(csv.starts_with("\u{feff}doc,"), "{csv}");
        assert_eq!(csv.matches('\u{feff}').count(), 1, "{csv}");
        assert_eq!(csv.lines().filter(|l| l.contains("doc,")).count(), 1);
        assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
        let docs = output::parquet::read_parquet(&out.join("documents.parquet"), "d").unwrap();
        assert_eq!(docs.height(), 3);
        assert!(docs.column("author").is_some() && docs.column(META_COLUMN).is_none());
        let sf = output::parquet::read_parquet(&out.join("source_frames.parquet"), "sf").unwrap();
        assert_eq!(sf.column("docs").unwrap().cell(0), "3", "aggregates follow");
        let report = fs::read_to_string(out.join("report.html")).unwrap();
        assert!(report.contains("c.txtの文") && !report.contains("b-old"));
        // The previous generation stays, untouched, until the next publish.
        assert!(gen1.join(MANIFEST).is_file());
        assert_eq!(current(&out).unwrap().1.generation, 2);

        // Nothing changed: a third publish links every batch file of the second.
        let (gen2, m2) = current(&out).unwrap();
        let p3 = publish(&mut store, OutputOptions::default(), &aggs).unwrap();
        let (gen3, m3) = current(&out).unwrap();
        let batch_files: Vec<&FileEntry> = m2
            .files
            .iter()
            .filter(|f| f.path.contains("/part-"))
            .collect();
        assert!(batch_files.len() >= 10);
        for f in &batch_files {
            #[cfg(unix)]
            assert_eq!(
                inode(&gen2.join(&f.path)),
                inode(&gen3.join(&f.path)),
                "{}",
                f.path
            );
            assert!(m3.files.contains(f));
        }
        assert_eq!(p3.reused, batch_files.len());
        assert!(
            !gen1.exists(),
            "generations older than the previous one are removed"
        );
        // A file edited by hand is not reused, and makes the outputs behind.
        let victim = gen3.join(&batch_files[0].path);
        fs::write(&victim, "x").unwrap();
        assert!(
            outputs_behind(&store.ledger, &out, &options, false)
                .unwrap()
                .unwrap()
                .contains("modified")
        );
        publish(&mut store, OutputOptions::default(), &aggs).unwrap();
        assert_eq!(
            outputs_behind(&store.ledger, &out, &options, true).unwrap(),
            None
        );
        assert_eq!(texts(&out), ["a1", "a2", "b-new", "c1"]);
    }

    #[test]
    fn outputs_of_an_earlier_shiten_become_links_to_the_same_files_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let aggs = aggregate::registry(&Context::default());
        let mut store = Store::open(&out, "test", false, None).unwrap();
        commit(&mut store, &[analysis("a.txt", &["a1"], None)], &aggs);
        // What an earlier shiten left: files in the output folder, named in the ledger.
        fs::write(out.join("mentions.csv"), "doc,text\na.txt,old\n").unwrap();
        fs::write(out.join("report.html"), "old report").unwrap();
        let old: Vec<super::super::ledger::OutputFile> = ["mentions.csv", "report.html"]
            .iter()
            .map(|n| super::super::ledger::OutputFile {
                name: n.to_string(),
                bytes: 0,
                blake3: String::new(),
            })
            .collect();
        store
            .ledger
            .begin_publish(3, "csv_guard=true", &old)
            .unwrap();
        store.ledger.finish_publish().unwrap();
        adopt_legacy_outputs(&store).unwrap();
        assert!(is_output_link(&out.join("mentions.csv")));
        assert_eq!(
            fs::read_to_string(out.join("report.html")).unwrap(),
            "old report"
        );
        assert_eq!(current(&out).unwrap().1.state, -1);
        publish(&mut store, OutputOptions::default(), &aggs).unwrap();
        assert_eq!(texts(&out), ["a1"]);
        assert!(out.join("mentions.parquet").is_dir());
        assert!(out.join("mentions.csv").is_file());
        assert_eq!(
            fs::read_to_string(out.join("mentions.csv"))
                .unwrap()
                .matches("doc,")
                .count(),
            1
        );
        assert!(
            fs::read_to_string(out.join("report.html"))
                .unwrap()
                .contains("<html")
        );
    }
}
