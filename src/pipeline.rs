//! Running the stages over a corpus.
//!
//! - [`run_incremental`] (what `shiten run` and `shiten add` do): scan and plan against
//!   the store ([`crate::state`]), stream the documents to analyse from worker threads
//!   through a bounded channel to one writer that commits them in batches of parts, then
//!   publish the outputs from the committed parts;
//! - [`analyze_corpus`] + [`write_outputs`]: the whole corpus in memory, without a store
//!   (for tests, evaluation and library users).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::aggregate::{self, Product};
use crate::analyze::{Analyzer, BATCH_DOCS, DocAnalysis};
use crate::corpus::{self, Metadata, Skip};
use crate::error::{Error, Result};
use crate::output::rows::{DocumentRow, SkipRow};
use crate::output::{self, OutputOptions, Table};
use crate::state::fingerprint::Fingerprint;
use crate::state::ledger::{Commit, DocRecord, DocStatus, duplicate_reason};
use crate::state::pages::Pages;
use crate::state::plan::{self, Why, Work, WorkList};
use crate::state::publish::{self, Published};
use crate::state::{Recovery, Shard, Store, parts, test_point};
use crate::trace;

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Corpus folder.
    pub corpus: PathBuf,
    /// Files larger than this are skipped.
    pub max_file_bytes: u64,
}

/// The analysed corpus.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One analysis per document, sorted by `doc`.
    pub analyses: Vec<DocAnalysis>,
    /// Inputs not analysed (files and metadata rows), sorted.
    pub skipped: Vec<SkipRow>,
    /// Remarks about the corpus as a whole (metadata problems).
    pub warnings: Vec<String>,
    /// Bytes of input read.
    pub bytes_read: u64,
    /// Time spent analysing.
    pub elapsed: Duration,
}

fn skip_row(s: Skip) -> SkipRow {
    SkipRow {
        path: s.path,
        reason: s.reason,
    }
}

/// Reads and analyses every article of the corpus. A bad file is a skip, never an error;
/// errors are for an unreadable corpus folder.
pub fn analyze_corpus(
    analyzer: &Analyzer,
    opts: &RunOptions,
    bar: &ProgressBar,
) -> Result<Outcome> {
    let t0 = Instant::now();
    let found = corpus::discover(&opts.corpus).map_err(|e| Error::io(&opts.corpus, e))?;
    let metadata = Metadata::load(plan::metadata_root(&opts.corpus));
    bar.set_length(found.files.len() as u64);
    let results: Vec<std::result::Result<DocAnalysis, Skip>> = found
        .files
        .par_chunks(BATCH_DOCS)
        .map_init(
            || analyzer.worker(),
            |worker, files| {
                let read: Vec<std::result::Result<corpus::Document, Skip>> = files
                    .iter()
                    .flat_map(|f| match f.kind() {
                        corpus::FileKind::Export(format) => corpus::export::read_all(
                            f,
                            format,
                            &corpus::export::Columns::default(),
                            &metadata,
                            opts.max_file_bytes,
                        ),
                        _ => vec![corpus::read_document(f, &metadata, opts.max_file_bytes)],
                    })
                    .collect();
                let out = analyse_read(analyzer, worker, read);
                bar.inc(files.len() as u64);
                out
            },
        )
        .flatten_iter()
        .collect();
    let mut out = Outcome {
        warnings: metadata.warnings.clone(),
        ..Outcome::default()
    };
    out.skipped.extend(found.skipped.into_iter().map(skip_row));
    out.skipped
        .extend(metadata.skipped.iter().cloned().map(skip_row));
    for r in results {
        match r {
            Ok(a) => {
                out.bytes_read += a.document.bytes as u64;
                out.analyses.push(a);
            }
            Err(s) => out.skipped.push(skip_row(s)),
        }
    }
    out.analyses
        .sort_by(|a, b| a.document.doc.cmp(&b.document.doc));
    out.skipped.sort();
    out.elapsed = t0.elapsed();
    Ok(out)
}

/// Builds the `documents` table, with metadata variables as further columns.
pub fn documents_table(analyses: &[DocAnalysis]) -> Table {
    let mut t = Table::from_records(analyses.iter().map(|a| &a.document));
    let fixed: BTreeSet<&str> = <DocumentRow as output::Record>::columns()
        .iter()
        .map(|c| c.0)
        .collect();
    let extra: BTreeSet<&String> = analyses.iter().flat_map(|a| a.meta_extra.keys()).collect();
    for name in extra {
        if fixed.contains(name.as_str()) {
            continue;
        }
        let values = analyses
            .iter()
            .map(|a| a.meta_extra.get(name).cloned())
            .collect();
        t.add_str_column(name, values);
    }
    t
}

/// Per-source frame counts, folded over the documents in parallel (one accumulator per
/// rayon thread, merged).
pub fn frame_acc(analyses: &[DocAnalysis]) -> aggregate::FrameAcc {
    analyses
        .par_iter()
        .fold(aggregate::FrameAcc::default, |mut acc, a| {
            acc.add_doc(&a.document.source, &a.document.incidents, &a.frame_hits);
            acc
        })
        .reduce(aggregate::FrameAcc::default, aggregate::FrameAcc::merge)
}

/// Writes every table of `outcome` into `out`, each file atomically, with the
/// registered aggregates (the in-memory path, without a store).
pub fn write_outputs(
    out: &Path,
    outcome: &Outcome,
    opts: OutputOptions,
    ctx: &aggregate::Context,
) -> Result<Vec<String>> {
    output::create_output_folder(out)?;
    let a = &outcome.analyses;
    let tables = vec![
        documents_table(a),
        Table::from_records(a.iter().flat_map(|x| &x.mentions)),
        Table::from_records(a.iter().flat_map(|x| &x.entities)),
        Table::from_records(a.iter().flat_map(|x| &x.facts)),
        Table::from_records(a.iter().flat_map(|x| &x.frame_hits)),
        crate::state::parts::term_docs_table(a),
        Table::from_records(outcome.skipped.iter()),
    ];
    // Read by the aggregates (the report's KWIC lines, `copies`), not published.
    let lines = crate::state::parts::term_lines_table(a);
    let signatures = Table::from_records(a.iter().flat_map(|x| &x.signature));
    let refs: Vec<&Table> = tables.iter().chain([&lines, &signatures]).collect();
    let products = aggregate::run_in_memory(aggregate::registry(ctx), &refs)?;
    let mut names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    for t in &tables {
        output::write_table(out, t, opts)?;
    }
    for p in products {
        match p {
            Product::Table(t) => {
                output::write_table(out, &t, opts)?;
                names.push(t.name);
            }
            Product::File { name, bytes } => {
                output::atomic::write_atomic(&out.join(&name), |w| {
                    std::io::Write::write_all(w, &bytes)
                })?;
            }
        }
    }
    Ok(names)
}

// ------------------------------------------------------------------ incremental runs

/// Options of an incremental run (`shiten run`, `shiten add`).
#[derive(Debug, Clone)]
pub struct IncrementalOptions {
    /// Corpus folder to scan.
    pub corpus: PathBuf,
    /// Output folder (holds the store in `.shiten/`).
    pub out: PathBuf,
    /// Files larger than this are skipped.
    pub max_file_bytes: u64,
    /// Drop stored documents of the corpus folder whose file is gone.
    pub prune: bool,
    /// The text and id columns of export files.
    pub columns: corpus::export::Columns,
    /// The folder is added (`shiten add`): a folder not seen before gets its own label
    /// (its documents' keys start with it); `run` brings a new folder in without one.
    pub added: bool,
    /// Only this slice of the corpus.
    pub shard: Option<Shard>,
    /// Discard the store first and analyse everything again.
    pub rebuild_state: bool,
    /// Hash every file, ignoring the stat cache.
    pub rehash: bool,
    /// A batch is committed every this many documents...
    pub batch_docs: usize,
    /// ... or this many rows (all row tables together), whichever comes first.
    pub batch_rows: usize,
    /// The plan is held in pages of this many documents (see [`Pages`]).
    pub page_docs: usize,
    /// Output options.
    pub output: OutputOptions,
    /// The command line, for the lock file.
    pub command: String,
    /// What the aggregates need (frame labels, where the articles are).
    pub aggregates: aggregate::Context,
}

impl IncrementalOptions {
    /// Default batch size in documents.
    pub const BATCH_DOCS: usize = 1000;
    /// Default batch size in rows.
    pub const BATCH_ROWS: usize = 250_000;
}

/// What an incremental run did.
#[derive(Debug, Default)]
pub struct RunReport {
    /// What opening the store repaired.
    pub recovery: Recovery,
    /// Whether the store was created by this run.
    pub created: bool,
    /// Article files scanned (in this shard).
    pub scanned: usize,
    /// Article files read and hashed by the scan.
    pub hashed: usize,
    /// Article files whose recorded hash was trusted (unchanged stat, not read).
    pub hash_cached: usize,
    /// Article files left to other shards.
    pub other_shards: usize,
    /// Documents analysed, by reason.
    pub analysed_by_why: Vec<(Why, usize)>,
    /// Unchanged files.
    pub unchanged: usize,
    /// Duplicates found (name, original).
    pub duplicates: Vec<(String, String)>,
    /// Stored documents whose file is gone.
    pub removed: Vec<String>,
    /// Of those, dropped by `--prune`.
    pub pruned: usize,
    /// Stale documents that could not be analysed again.
    pub stale_unreachable: Vec<String>,
    /// Documents analysed successfully.
    pub analysed: usize,
    /// Inputs of this corpus folder not analysed (for messages and the exit code).
    pub skipped: Vec<SkipRow>,
    /// Batches committed.
    pub batches: usize,
    /// Bytes of text analysed.
    pub bytes_read: u64,
    /// Sums over the analysed documents: sentences, tokens, mentions, entities, facts,
    /// frame hits.
    pub found: [i64; 6],
    /// Time spent analysing.
    pub analysis_time: Duration,
    /// What was published, if the outputs were behind.
    pub published: Option<Published>,
    /// Ledger state at the end.
    pub state: i64,
    /// Documents stored (analysed) at the end.
    pub stored_docs: i64,
    /// Batches removed as garbage.
    pub garbage: usize,
    /// Warnings about the corpus (metadata).
    pub warnings: Vec<String>,
    /// The folder's label (empty for the run's own corpus).
    pub label: String,
    /// Output folders left out of the scan (outputs are never inputs).
    pub excluded: Vec<String>,
}

/// Runs the documents of `pages` through the analyzer on `threads` worker threads and
/// hands each result to `sink` (with the page's list and the item) in order, on the
/// calling thread. Results travel through a bounded channel and a worker never runs more
/// than a small window ahead of the sink, so memory does not grow with the corpus; each
/// page is freed once the sink has had all its documents. A sink error stops the workers
/// and is returned.
pub fn analyse_stream<F>(
    pages: &Pages,
    analyzer: &Analyzer,
    max_bytes: u64,
    threads: usize,
    bar: &ProgressBar,
    mut sink: F,
) -> Result<()>
where
    F: FnMut(&WorkList, &Work, std::result::Result<DocAnalysis, Skip>) -> Result<()>,
{
    let threads = threads.max(1);
    // Workers take up to BATCH_DOCS documents of one page at a time (stage by stage is
    // faster); the window lets every thread hold a batch while the sink waits for the
    // earliest one. `batches` holds (page, range in the page, first global index).
    let window = BATCH_DOCS * (threads + 1) + 16;
    let sizes = pages.sizes();
    let mut batches = Vec::new();
    let mut first = 0;
    for (k, &n) in sizes.iter().enumerate() {
        for at in (0..n).step_by(BATCH_DOCS) {
            batches.push((k, at..(at + BATCH_DOCS).min(n), first + at));
        }
        first += n;
    }
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let emitted = Mutex::new(0usize);
    let moved = Condvar::new();
    let (tx, rx) = crossbeam_channel::bounded::<(usize, std::result::Result<DocAnalysis, Skip>)>(
        2 * threads + 2,
    );
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, abort, emitted, moved) = (&next, &abort, &emitted, &moved);
            let (batches, failed) = (&batches, &failed);
            scope.spawn(move || {
                let mut worker = analyzer.worker();
                loop {
                    let b = next.fetch_add(1, Ordering::SeqCst);
                    let Some((k, range, first)) = batches.get(b).cloned() else {
                        break;
                    };
                    if abort.load(Ordering::SeqCst) {
                        break;
                    }
                    let end = first + range.len();
                    {
                        let mut e = emitted.lock().unwrap_or_else(|p| p.into_inner());
                        while end > *e + window && !abort.load(Ordering::SeqCst) {
                            e = moved.wait(e).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if abort.load(Ordering::SeqCst) {
                        break;
                    }
                    // The sink frees a page only after every result of it, so this
                    // batch's page is still there.
                    let page = pages.get(k).and_then(|p| {
                        p.ok_or_else(|| {
                            Error::State("a page of work was freed before it was analysed".into())
                        })
                    });
                    let p = match page {
                        Ok(p) => p,
                        Err(e) => {
                            *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                            abort.store(true, Ordering::SeqCst);
                            moved.notify_all();
                            break;
                        }
                    };
                    let read = p.read(range, max_bytes);
                    drop(p);
                    let results = analyse_read(analyzer, &mut worker, read);
                    for (i, r) in results.into_iter().enumerate() {
                        bar.inc(1);
                        if tx.send((first + i, r)).is_err() {
                            return;
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut done = 0usize;
        // The page being emitted: its number, its first global index, and the page.
        let (mut k, mut start, mut current) = (0usize, 0usize, None);
        let mut result = Ok(());
        'receive: for (i, r) in rx.iter() {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&done) {
                while done >= start + sizes[k] {
                    // All of page k is emitted: free it.
                    current = None;
                    pages.free(k);
                    trace::release_free_memory();
                    start += sizes[k];
                    k += 1;
                }
                if current.is_none() {
                    // A worker has read from page k, so it is in memory.
                    match pages.get(k) {
                        Ok(p) => current = p,
                        Err(e) => {
                            result = Err(e);
                            break 'receive;
                        }
                    }
                }
                let p = current.as_ref().expect("a page is freed only once emitted");
                let w = &p.work.items()[done - start];
                if let Err(e) = sink(&p.work, w, r) {
                    result = Err(e);
                    break;
                }
                done += 1;
                *emitted.lock().unwrap_or_else(|p| p.into_inner()) = done;
                moved.notify_all();
            }
            if result.is_err() {
                break;
            }
        }
        if result.is_err() {
            abort.store(true, Ordering::SeqCst);
            moved.notify_all();
            drop(rx);
        }
        result
    })?;
    match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Analyses the documents that could be read, as one batch: one result per input, a
/// read or analysis failure as a [`Skip`].
fn analyse_read<'a>(
    analyzer: &'a Analyzer,
    worker: &mut crate::analyze::Worker<'a>,
    read: Vec<std::result::Result<corpus::Document, Skip>>,
) -> Vec<std::result::Result<DocAnalysis, Skip>> {
    let docs: Vec<&corpus::Document> = read.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut analysed = analyse_guarded(analyzer, worker, &docs).into_iter();
    read.into_iter()
        .map(|r| {
            let doc = r?;
            analysed
                .next()
                .expect("one result per document")
                .map_err(|reason| Skip {
                    path: doc.doc,
                    reason,
                })
        })
        .collect()
}

/// Analyses `docs` as one batch; if the analysis panics (a bug), each document again on
/// its own, so that only the one that panics is lost. An error is the reason to record.
fn analyse_guarded<'a>(
    analyzer: &'a Analyzer,
    worker: &mut crate::analyze::Worker<'a>,
    docs: &[&corpus::Document],
) -> Vec<std::result::Result<DocAnalysis, String>> {
    let failed = |e: Error| format!("analysis failed: {e}");
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.analyze_batch(docs)));
    match run {
        Ok(rs) => rs.into_iter().map(|r| r.map_err(failed)).collect(),
        Err(panic) if docs.len() == 1 => {
            *worker = analyzer.worker();
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            vec![Err(format!(
                "internal error while analysing (a bug in shiten; please report it): {msg}"
            ))]
        }
        Err(_) => {
            *worker = analyzer.worker();
            docs.iter()
                .flat_map(|d| analyse_guarded(analyzer, worker, std::slice::from_ref(d)))
                .collect()
        }
    }
}

/// Collects analysed documents and commits them in batches: parts first, then the
/// ledger transaction that makes them visible.
struct BatchWriter<'a> {
    store: &'a mut Store,
    aggregates: &'a [Box<dyn aggregate::Aggregate>],
    fingerprint: &'a str,
    max_docs: usize,
    max_rows: usize,
    docs: Vec<(DocAnalysis, DocRecord)>,
    rows: usize,
    records: Vec<DocRecord>,
    kept: Vec<SkipRow>,
    batches: usize,
}

impl BatchWriter<'_> {
    fn push(
        &mut self,
        doc: &str,
        w: &Work,
        r: std::result::Result<DocAnalysis, Skip>,
    ) -> Result<()> {
        match r {
            Ok(a) => {
                self.rows += 1
                    + a.mentions.len()
                    + a.entities.len()
                    + a.facts.len()
                    + a.frame_hits.len()
                    + a.terms.len();
                let rec = DocRecord {
                    doc: doc.to_string(),
                    root: w.root.to_string(),
                    content_hash: Some(a.document.content_hash.clone()),
                    size: a.document.bytes,
                    meta_hash: w.meta_hash(),
                    batch: None,
                    status: DocStatus::Analysed,
                    reason: None,
                    fingerprint: self.fingerprint.to_string(),
                    meta_keys: a.meta_extra.keys().cloned().collect(),
                    outlet: w.outlet.as_deref().map(str::to_string),
                };
                self.docs.push((a, rec));
            }
            Err(s) if w.had_analysis => self.kept.push(SkipRow {
                path: doc.to_string(),
                reason: plan::kept_reason(&s.reason),
            }),
            Err(s) => self.records.push(DocRecord {
                doc: doc.to_string(),
                root: w.root.to_string(),
                content_hash: w.hash(),
                size: w.size as i64,
                meta_hash: w.meta_hash(),
                batch: None,
                status: DocStatus::Skipped,
                reason: Some(s.reason),
                fingerprint: self.fingerprint.to_string(),
                meta_keys: w.meta_keys.to_vec(),
                outlet: w.outlet.as_deref().map(str::to_string),
            }),
        }
        if self.docs.len() >= self.max_docs || self.rows >= self.max_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.docs.is_empty() && self.records.is_empty() {
            return Ok(());
        }
        let mut commit = Commit::default();
        if !self.docs.is_empty() {
            let id = self.store.ledger.begin_batch(self.fingerprint)?;
            test_point(&format!("batch {id} started"));
            let (analyses, mut recs): (Vec<DocAnalysis>, Vec<DocRecord>) =
                std::mem::take(&mut self.docs).into_iter().unzip();
            let files = parts::write_batch(
                &self.store.batch_dir(id),
                parts::part_tables(&analyses),
                self.aggregates,
            )?;
            for r in &mut recs {
                r.batch = Some(id);
            }
            commit.batch = Some((id, files));
            commit.upserts = recs;
            self.batches += 1;
        }
        commit.upserts.append(&mut self.records);
        self.rows = 0;
        test_point("commit begins");
        self.store.ledger.commit(&commit)?;
        test_point("committed");
        Ok(())
    }
}

/// Analyses what is new, changed or stale in `opts.corpus`, commits it to the store of
/// `opts.out`, and republishes the outputs when they are behind the ledger.
///
/// `fingerprint` is the current configuration fingerprint; `load` loads the analyzer
/// (only called when there is something to analyse); `bar` makes a progress bar.
pub fn run_incremental(
    opts: &IncrementalOptions,
    fingerprint: &Fingerprint,
    load: &dyn Fn() -> Result<Analyzer>,
    bar: &dyn Fn(&str) -> ProgressBar,
) -> Result<RunReport> {
    output::create_output_folder(&opts.out)?;
    trace::start();
    let mut store = Store::open(&opts.out, &opts.command, opts.rebuild_state, opts.shard)?;
    let mut report = RunReport {
        created: store.created,
        recovery: store.recover()?,
        ..RunReport::default()
    };
    // Every committed part is checked (size and BLAKE3) before any work, so a damaged
    // store stops the run before it analyses anything.
    store.verify_parts()?;
    trace::lap("open, recover, verify parts");
    // Everything per file (the scan, metadata.csv, the plan) lives in `analyse_corpus` and
    // is freed before publishing, which needs none of it.
    let aggregates = aggregate::registry(&opts.aggregates);
    let last = analyse_corpus(
        opts,
        fingerprint,
        &mut store,
        &mut report,
        &aggregates,
        load,
        bar,
    )?;
    if !last.is_empty() {
        test_point("final commit begins");
        store.ledger.commit(&last)?;
        test_point("final commit done");
    }
    drop(last);
    trace::release_free_memory();
    trace::lap("final commit");
    let options = publish::options_text(opts.output);
    if publish::outputs_behind(&store.ledger, &store.out, &options, false)?.is_some() {
        report.published = Some(publish::publish(&mut store, opts.output, &aggregates)?);
    }
    trace::lap("publish");
    report.garbage = store.collect_garbage()?;
    report.state = store.ledger.state()?;
    report.stored_docs = store.ledger.summary()?.analysed;
    report.skipped.sort();
    report.skipped.dedup();
    trace::lap("collect garbage");
    Ok(report)
}

/// Scans `opts.corpus`, plans the run against the ledger, analyses and commits the work
/// in batches, and returns the run's last commit (records without analysis, deletes, the
/// folder's skips). Fills in `report`.
fn analyse_corpus(
    opts: &IncrementalOptions,
    fingerprint: &Fingerprint,
    store: &mut Store,
    report: &mut RunReport,
    aggregates: &[Box<dyn aggregate::Aggregate>],
    load: &dyn Fn() -> Result<Analyzer>,
    bar: &dyn Fn(&str) -> ProgressBar,
) -> Result<Commit> {
    let scan_bar = bar("scan");
    let root_key = plan::root_key(&opts.corpus)?;
    let label = store.ledger.folder_label(&root_key, opts.added)?;
    // Outputs are never inputs: the output folder is left out wherever it is.
    let exclude: Vec<PathBuf> = std::fs::canonicalize(&opts.out).into_iter().collect();
    let known = if opts.rehash {
        None
    } else {
        Some(store.ledger.stat_cache(&root_key)?)
    };
    let mut scanned = plan::scan_with(
        &opts.corpus,
        opts.max_file_bytes,
        opts.shard,
        &scan_bar,
        &plan::ScanOptions {
            label: &label,
            exclude: &exclude,
            columns: opts.columns.clone(),
            spool_dir: Some(&store.dir),
            known: known.as_ref(),
        },
    )?;
    drop(known);
    store
        .ledger
        .update_stat_cache(&scanned.root, &scanned.fresh, &scanned.gone)?;
    report.hashed = scanned.fresh.len();
    report.hash_cached = scanned.cached;
    scanned.fresh = Vec::new();
    report.label = label;
    report.excluded = std::mem::take(&mut scanned.excluded);
    scan_bar.finish_and_clear();
    let stored = store.ledger.documents()?;
    let stored_skips = store.ledger.root_skips(&scanned.root)?;
    let mut p = plan::plan(&scanned, &stored, &fingerprint.hash, opts.prune, true);
    drop(stored);
    // Rows of other folders' exports to analyse again: found in their files.
    let other_spool;
    if !p.unlocated.is_empty() {
        other_spool = corpus::export::Spool::in_dir(&store.dir);
        plan::locate_rows(&mut p, &opts.columns, opts.max_file_bytes, &other_spool);
    }
    report.scanned = scanned.files.len();
    // The plan holds what analysis needs of each file; the scan's list can go.
    scanned.files = Vec::new();
    trace::release_free_memory();
    report.other_shards = scanned.other_shards;
    report.warnings = scanned.metadata.warnings.clone();
    report_plan(&p, opts.prune, report);
    trace::lap("scan and plan");
    let root = scanned.root;
    if !p.work.is_empty() {
        let mut metadata = plan::other_metadata(&root, &p.work)
            .into_iter()
            .collect::<HashMap<_, _>>();
        metadata.insert(root.clone(), scanned.metadata);
        // The work and the metadata rows in pages, each freed once analysed.
        let pages = Pages::new(
            std::mem::take(&mut p.work),
            &metadata,
            &opts.columns,
            opts.page_docs,
            &store.dir,
        )?;
        drop(metadata);
        trace::release_free_memory();
        trace::lap("pages of work");
        let mut kept = analyse_work(
            opts,
            fingerprint,
            store,
            report,
            aggregates,
            pages,
            load,
            bar,
        )?;
        p.root_skips.append(&mut kept);
    }
    p.root_skips.sort();
    let root_skips = (p.root_skips != stored_skips).then_some((root, p.root_skips));
    trace::lap("analyse and commit batches");
    Ok(Commit {
        batch: None,
        upserts: p.records,
        deletes: p.deletes,
        root_skips,
    })
}

/// What the plan says about the folder, into `report`.
fn report_plan(p: &plan::Plan, prune: bool, report: &mut RunReport) {
    report.unchanged = p.unchanged;
    report.duplicates = p.duplicates.clone();
    report.removed = p.removed.clone();
    report.pruned = if prune { p.removed.len() } else { 0 };
    report.stale_unreachable = p.stale_unreachable.clone();
    for why in [
        Why::New,
        Why::Changed,
        Why::MetadataChanged,
        Why::Stale,
        Why::Retry,
        Why::Promoted,
    ] {
        let n = p.count(why);
        if n > 0 {
            report.analysed_by_why.push((why, n));
        }
    }
    report.skipped.extend(p.root_skips.iter().cloned());
    report.skipped.extend(p.unreadable.iter().cloned());
    for (d, o) in &p.duplicates {
        report.skipped.push(SkipRow {
            path: d.clone(),
            reason: duplicate_reason(o),
        });
    }
}

/// Analyses `work` and commits it in batches; returns the `skipped` rows of documents
/// whose new version could not be analysed while their earlier analysis is kept.
#[allow(clippy::too_many_arguments)]
fn analyse_work(
    opts: &IncrementalOptions,
    fingerprint: &Fingerprint,
    store: &mut Store,
    report: &mut RunReport,
    aggregates: &[Box<dyn aggregate::Aggregate>],
    pages: Pages,
    load: &dyn Fn() -> Result<Analyzer>,
    bar: &dyn Fn(&str) -> ProgressBar,
) -> Result<Vec<SkipRow>> {
    let analyzer = load()?;
    trace::lap("load analyzer");
    let t0 = Instant::now();
    let abar = bar("analyse");
    abar.set_length(pages.sizes().iter().sum::<usize>() as u64);
    let mut writer = BatchWriter {
        store,
        aggregates,
        fingerprint: &fingerprint.hash,
        max_docs: opts.batch_docs.max(1),
        max_rows: opts.batch_rows.max(1),
        docs: Vec::new(),
        rows: 0,
        records: Vec::new(),
        kept: Vec::new(),
        batches: 0,
    };
    let mut found = [0i64; 6];
    let mut bytes = 0u64;
    let mut analysed = 0usize;
    let mut skipped = Vec::new();
    analyse_stream(
        &pages,
        &analyzer,
        opts.max_file_bytes,
        rayon::current_num_threads(),
        &abar,
        |list, w, r| {
            match &r {
                Ok(a) => {
                    analysed += 1;
                    bytes += a.document.bytes.max(0) as u64;
                    for (k, v) in [
                        a.document.sentences,
                        a.document.tokens,
                        a.mentions.len() as i64,
                        a.entities.len() as i64,
                        a.facts.len() as i64,
                        a.frame_hits.len() as i64,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        found[k] += v;
                    }
                }
                Err(s) => skipped.push(SkipRow {
                    path: s.path.clone(),
                    reason: s.reason.clone(),
                }),
            }
            writer.push(list.doc(w), w, r)
        },
    )?;
    writer.flush()?;
    abar.finish_and_clear();
    report.batches = writer.batches;
    report.analysed = analysed;
    report.found = found;
    report.bytes_read = bytes;
    report.analysis_time = t0.elapsed();
    report.skipped.extend(skipped);
    Ok(writer.kept)
}
