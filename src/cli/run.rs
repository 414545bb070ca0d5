//! `shiten run CORPUS --out DIR` and `shiten add FOLDER --out DIR`: analyse what is new,
//! changed or stale, commit it to the store in `DIR/.shiten`, and bring every table in
//! `DIR` up to date.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{AnalyzerArgs, Progress, Status};
use crate::output::OutputOptions;
use crate::pipeline::{self, IncrementalOptions, RunReport};
use crate::state::Shard;
use crate::state::plan::Why;

/// Options shared by `run` and `add`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Output folder; its `.shiten/` folder holds what was analysed (the store).
    #[arg(long, short, default_value = "outputs", value_name = "DIR")]
    pub out: PathBuf,
    /// Skip files larger than this many MiB.
    #[arg(long, default_value_t = crate::corpus::DEFAULT_MAX_FILE_MB, value_name = "MIB")]
    pub max_file_mb: u64,
    /// Do not guard CSV cells that start with = + - @ against spreadsheet formulas.
    #[arg(long)]
    pub no_csv_guard: bool,
    /// Process only slice I of N (0-based) of the corpus, chosen by content hash, e.g.
    /// 3/16; each shard needs its own --out folder.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Discard the stored state in DIR/.shiten and analyse everything again (the way out
    /// of a damaged store).
    #[arg(long)]
    pub rebuild_state: bool,
    /// Read and hash every file, even those whose size, times and inode are unchanged
    /// since they were last hashed (by default their recorded hash is trusted).
    #[arg(long)]
    pub rehash: bool,
    /// Commit a batch every N documents (tuning and tests).
    #[arg(long, hide = true, default_value_t = IncrementalOptions::BATCH_DOCS)]
    pub batch_docs: usize,
    /// Commit a batch every N rows (tuning and tests).
    #[arg(long, hide = true, default_value_t = IncrementalOptions::BATCH_ROWS)]
    pub batch_rows: usize,
    /// The column of export files (.jsonl, .csv, .parquet) that holds the article text
    /// (default: text, then body, then content).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The column of export files that holds the article id (default: id; without one,
    /// rows are keyed by their line number).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Language of report.html: ja (default) or en.
    #[arg(long, default_value = "ja", value_name = "LANG")]
    pub lang: crate::report::Lang,
    /// Hold the plan in pages of N documents (tuning and tests).
    #[arg(long, hide = true, default_value_t = crate::state::pages::PAGE_DOCS)]
    pub page_docs: usize,
    /// Dictionary and thread options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Arguments of `shiten run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Corpus folder: .txt/.html articles plus metadata.csv.
    pub corpus: PathBuf,
    /// Drop stored documents of this folder whose file is gone (otherwise they stay in
    /// the tables and are reported).
    #[arg(long)]
    pub prune: bool,
    /// Output and store options.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `shiten add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Folder of new articles (plus its metadata.csv).
    pub folder: PathBuf,
    /// Output and store options.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs `shiten run`.
pub fn run(a: RunArgs, progress: &Progress) -> anyhow::Result<Status> {
    let command = format!("shiten run {}", a.corpus.display());
    execute(&a.corpus, a.prune, false, &a.store, &command, progress)
}

/// Runs `shiten add`.
pub fn add(a: AddArgs, progress: &Progress) -> anyhow::Result<Status> {
    let command = format!("shiten add {}", a.folder.display());
    execute(&a.folder, false, true, &a.store, &command, progress)
}

fn execute(
    corpus: &std::path::Path,
    prune: bool,
    added: bool,
    s: &StoreArgs,
    command: &str,
    progress: &Progress,
) -> anyhow::Result<Status> {
    super::init_threads(s.analyzer.threads)?;
    anyhow::ensure!(
        corpus.is_dir()
            || (corpus.is_file()
                && matches!(
                    crate::corpus::file_kind(corpus),
                    crate::corpus::FileKind::Export(_)
                )),
        "corpus {} does not exist or is not a folder (or an export file: .jsonl, .csv, .parquet)",
        corpus.display()
    );
    let shard = s
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let t0 = std::time::Instant::now();
    let (dict, dictionaries) = super::resolve_dictionaries(&s.analyzer, progress)?;
    crate::analyze::check_dictionaries(&dictionaries)?;
    let fingerprint = crate::state::fingerprint::compute(&dictionaries, &dict)
        .context("cannot fingerprint the configuration")?;
    let opts = IncrementalOptions {
        corpus: corpus.to_path_buf(),
        out: s.out.clone(),
        max_file_bytes: s.max_file_mb.saturating_mul(1024 * 1024),
        prune,
        added,
        columns: crate::corpus::export::Columns {
            text: s.text_column.clone(),
            id: s.id_column.clone(),
        },
        shard,
        rebuild_state: s.rebuild_state,
        rehash: s.rehash,
        batch_docs: s.batch_docs,
        batch_rows: s.batch_rows,
        page_docs: s.page_docs,
        output: OutputOptions {
            csv_guard: !s.no_csv_guard,
        },
        command: command.to_string(),
        aggregates: {
            let lexicon = crate::frame::Lexicon::load(&dictionaries)?;
            let labels = crate::report::Labels::new(
                s.lang,
                &lexicon,
                &crate::facts::Measures::load(&dictionaries)?,
                &crate::incident::Incidents::load(&dictionaries)?,
            );
            crate::aggregate::Context::new(&lexicon, &s.out, corpus).with_labels(labels)
        },
    };
    let load = || {
        let a = crate::analyze::Analyzer::load(&dict, &dictionaries).map_err(|e| {
            crate::Error::Config(format!(
                "cannot load the dictionary {} with {}: {e}",
                dict.display(),
                dictionaries.display()
            ))
        })?;
        if a.measures.measures.is_empty() {
            progress.warn(&format!(
                "{} lists no measure: no figure is bound, the facts and figures tables stay \
                 empty",
                dictionaries.join(crate::facts::MEASURES_FILE).display()
            ));
        }
        Ok(a)
    };
    let bar = |what: &str| progress.bar(what, 0);
    let report = pipeline::run_incremental(&opts, &fingerprint, &load, &bar)
        .with_context(|| format!("{command} --out {}", s.out.display()))?;
    let r = &report.recovery;
    if r.removed_batches > 0 {
        progress.note(&format!(
            "removed {} uncommitted batch(es) left by an interrupted run",
            r.removed_batches
        ));
    }
    for f in &r.foreign {
        progress.warn(&format!(
            "{} is not a file shiten knows; left alone and not used",
            f.display()
        ));
    }
    for w in &report.warnings {
        progress.warn(w);
    }
    if !report.excluded.is_empty() {
        progress.note(&format!(
            "left out of the corpus (shiten's own outputs): {}",
            preview(&report.excluded)
        ));
    }
    if !report.label.is_empty() && report.analysed > 0 {
        progress.note(&format!(
            "documents of {} are keyed '{}:NAME' in the tables (another folder may hold \
             the same names)",
            corpus.display(),
            report.label
        ));
    }
    for x in &report.skipped {
        progress.warn(&format!("skipped {}: {}", x.path, x.reason));
    }
    if !report.removed.is_empty() && report.pruned == 0 {
        progress.warn(&format!(
            "{} stored document(s) of {} are gone ({}); they stay in the tables until \
             `shiten run {} --out {} --prune`",
            report.removed.len(),
            corpus.display(),
            preview(&report.removed),
            corpus.display(),
            s.out.display()
        ));
    }
    if !report.stale_unreachable.is_empty() {
        progress.warn(&format!(
            "{} document(s) were analysed under another configuration but their file is \
             gone, so their rows are from the old configuration: {}",
            report.stale_unreachable.len(),
            preview(&report.stale_unreachable)
        ));
    }
    if progress.verbose() {
        print_summary(command, &s.out, &report, t0.elapsed());
    }
    Ok(if report.skipped.is_empty() {
        Status::Clean
    } else {
        Status::DoneWithSkips
    })
}

/// The first few names of a list.
pub(super) fn preview(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(5)
        .map(|n| crate::output::printable(n).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 5 {
        s.push_str(&format!(", … ({} more)", names.len() - 5));
    }
    s
}

fn why_label(w: Why) -> &'static str {
    match w {
        Why::New => "new",
        Why::Changed => "changed",
        Why::MetadataChanged => "metadata changed",
        Why::Stale => "stale (configuration changed)",
        Why::Retry => "retried",
        Why::Promoted => "no longer duplicates",
    }
}

fn print_summary(command: &str, out: &std::path::Path, r: &RunReport, total: std::time::Duration) {
    eprintln!("{command} -> {}", out.display());
    let mut parts: Vec<String> = r
        .analysed_by_why
        .iter()
        .map(|(w, n)| format!("{n} {}", why_label(*w)))
        .collect();
    parts.push(format!("{} unchanged", r.unchanged));
    if !r.duplicates.is_empty() {
        parts.push(format!("{} duplicate(s)", r.duplicates.len()));
    }
    if !r.removed.is_empty() {
        parts.push(if r.pruned > 0 {
            format!("{} removed (pruned)", r.removed.len())
        } else {
            format!("{} removed (kept; --prune drops them)", r.removed.len())
        });
    }
    if r.other_shards > 0 {
        parts.push(format!("{} in other shards", r.other_shards));
    }
    eprintln!("  corpus     {} files: {}", r.scanned, parts.join(", "));
    if r.hash_cached > 0 {
        eprintln!(
            "             {} read and hashed, {} known unchanged by size and times \
             (--rehash reads them all)",
            r.hashed, r.hash_cached
        );
    }
    let secs = r.analysis_time.as_secs_f64().max(1e-9);
    let mb = r.bytes_read as f64 / 1e6;
    if r.analysed > 0 {
        eprintln!(
            "  analysed   {} documents in {} batch(es), {:.2} MB, {} sentences, {} tokens",
            r.analysed, r.batches, mb, r.found[0], r.found[1]
        );
        eprintln!(
            "  found      {} mentions, {} entities, {} facts, {} frame hits",
            r.found[2], r.found[3], r.found[4], r.found[5]
        );
        eprintln!(
            "  speed      {:.2} MB/s, {:.0} docs/s on {} threads (analysis {:.2} s, total {:.2} s)",
            mb / secs,
            r.analysed as f64 / secs,
            rayon::current_num_threads(),
            secs,
            total.as_secs_f64()
        );
    } else {
        eprintln!(
            "  analysed   nothing new (total {:.2} s)",
            total.as_secs_f64()
        );
    }
    let outputs = match &r.published {
        Some(p) => {
            let mut names = p.tables.clone();
            names.extend(p.files.iter().cloned());
            format!(
                "published {} (.csv and .parquet), generation {}: {} file(s) written, {} \
                 unchanged",
                names.join(", "),
                p.generation,
                p.written,
                p.reused
            )
        }
        None => "already up to date".into(),
    };
    eprintln!(
        "  store      {} documents, ledger state {}; outputs {outputs}",
        r.stored_docs, r.state
    );
    if !r.skipped.is_empty() {
        eprintln!(
            "  skipped    {} input(s) of this folder, see {}/skipped.csv; exit code 2",
            r.skipped.len(),
            out.display()
        );
    }
}
