//! `shiten status --out DIR [--corpus CORPUS]`: what the store holds, whether the output
//! tables are up to date, and what a run would analyse (new, changed, stale) or report
//! (removed). Read-only: takes no lock and changes nothing.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::run::preview;
use super::{AnalyzerArgs, Progress, Status};
use crate::output::OutputOptions;
use crate::state::ledger::{DocStatus, Ledger};
use crate::state::plan::{self, Why};
use crate::state::{self, LEDGER_FILE, LOCK_FILE, STORE_DIR, parts, publish, timestamp};

/// Arguments of `shiten status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output folder whose store to inspect.
    #[arg(long, short, default_value = "outputs", value_name = "DIR")]
    pub out: PathBuf,
    /// Compare this corpus folder with the store (default: every folder the store holds
    /// documents from).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Files larger than this many MiB count as skipped (as in `run`).
    #[arg(long, default_value_t = crate::corpus::DEFAULT_MAX_FILE_MB, value_name = "MIB")]
    pub max_file_mb: u64,
    /// Treat CSV guarding as off when checking whether outputs are current (as in `run`).
    #[arg(long)]
    pub no_csv_guard: bool,
    /// Also list every stored document: key, status and the folder it came from.
    #[arg(long)]
    pub documents: bool,
    /// The text column of export files (as in `run`).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The id column of export files (as in `run`).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Dictionary options (for the configuration fingerprint).
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten status`.
pub fn run(a: StatusArgs, progress: &Progress) -> anyhow::Result<Status> {
    anyhow::ensure!(
        a.out.is_dir(),
        "output folder {} {}",
        a.out.display(),
        if a.out.exists() {
            "is a file, not a folder"
        } else {
            "does not exist"
        }
    );
    let store_dir = a.out.join(STORE_DIR);
    let ledger_path = store_dir.join(LEDGER_FILE);
    let (dict, dictionaries) = super::resolve_dictionaries(&a.analyzer, progress)?;
    let fp = state::fingerprint::compute(&dictionaries, &dict)
        .context("cannot fingerprint the configuration")?;
    outln!("store      {}", store_dir.display());
    if let Some(holder) = state::lock::current_holder(&store_dir.join(LOCK_FILE)) {
        outln!("lock       held by {holder} (a run is in progress)");
    } else {
        outln!("lock       free");
    }
    if !ledger_path.exists() && store_dir.join(state::PARTS_DIR).is_dir() {
        return Err(crate::Error::StateFile {
            path: ledger_path.clone(),
            problem: "the ledger is missing but parts are present".into(),
            advice: state::damage_advice(&ledger_path),
        }
        .into());
    }
    if !ledger_path.exists() {
        outln!(
            "documents  none: nothing was analysed into {} yet",
            a.out.display()
        );
        if let Some(c) = &a.corpus {
            let scan = plan::scan(
                c,
                a.max_file_mb << 20,
                None,
                &indicatif::ProgressBar::hidden(),
            )?;
            outln!("corpus     {}", scan.root);
            outln!("           {} new", scan.files.len());
        }
        return Ok(Status::Clean);
    }
    let ledger = Ledger::open(&ledger_path, true)?;
    let s = ledger.summary()?;
    outln!(
        "           ledger format {}, created by {}{}",
        state::ledger::FORMAT,
        ledger.created_by()?,
        ledger
            .shard()?
            .map(|sh| format!(", shard {sh}"))
            .unwrap_or_default()
    );
    outln!(
        "documents  {} analysed, {} duplicate(s), {} skipped, in {} batch(es); ledger state {}; \
         last commit {}",
        s.analysed,
        s.duplicates,
        s.skipped,
        s.live_batches,
        ledger.state()?,
        s.last_commit.map_or("never".into(), timestamp)
    );
    let folders = ledger.folders()?;
    let docs = ledger.documents()?;
    for (root, label) in &folders {
        let n = docs.iter().filter(|d| &d.root == root).count();
        let keys = if label.is_empty() {
            "keys NAME".to_string()
        } else {
            format!("keys {label}:NAME")
        };
        println!("folder     {root} ({keys}): {n} document(s)");
    }
    if a.documents {
        for d in &docs {
            let status = match d.status {
                DocStatus::Analysed => "analysed",
                DocStatus::Skipped => "skipped",
                DocStatus::Duplicate => "duplicate",
            };
            println!("{}\t{status}\t{}", d.doc, d.root);
        }
    }
    if s.abandoned_batches > 0 {
        outln!(
            "           {} uncommitted batch(es) of an interrupted run (removed by the next run)",
            s.abandoned_batches
        );
    }
    let mut damaged = Vec::new();
    let mut nparts = 0;
    for b in ledger.live_batches()? {
        let dir = state::batch_dir(&store_dir, b.id);
        for p in &b.parts {
            nparts += 1;
            if let Err(e) = parts::verify(&dir, p) {
                damaged.push(format!("{e:#}"));
            }
        }
    }
    if damaged.is_empty() {
        outln!("parts      {nparts} part file(s), all match their checksums");
    } else {
        outln!("parts      {} of {nparts} DAMAGED:", damaged.len());
        for d in &damaged {
            outln!("           {d}");
        }
    }
    let options = publish::options_text(OutputOptions {
        csv_guard: !a.no_csv_guard,
    });
    match publish::outputs_behind(&ledger, &a.out, &options, true)? {
        None => {
            let (dir, m) = publish::current(&a.out).unwrap_or_default();
            let written = std::fs::metadata(dir.join(publish::MANIFEST))
                .ok()
                .and_then(|md| md.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or_else(|| "?".into(), |d| timestamp(d.as_secs() as i64));
            outln!(
                "outputs    up to date (ledger state {}, generation {}, {} file(s), written \
                 {written})",
                m.state,
                m.generation,
                m.files.len()
            );
        }
        Some(why) => {
            outln!("outputs    BEHIND: {why}; `shiten run` or `shiten add` updates them")
        }
    }
    let stale: Vec<String> = docs
        .iter()
        .filter(|d| d.status == DocStatus::Analysed && d.fingerprint != fp.hash)
        .map(|d| d.doc.clone())
        .collect();
    if stale.is_empty() {
        outln!(
            "config     fingerprint {}: every document is current",
            &fp.hash[..12]
        );
    } else {
        outln!(
            "config     fingerprint {}: {} document(s) analysed under another configuration \
             (stale; the next run analyses them again): {}",
            &fp.hash[..12],
            stale.len(),
            preview(&stale)
        );
    }
    let shard = ledger
        .shard()?
        .map(|s| state::Shard::parse(&s))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let roots: Vec<PathBuf> = match &a.corpus {
        Some(c) => vec![c.clone()],
        None => s.roots.iter().map(PathBuf::from).collect(),
    };
    for root in roots {
        if !root.exists() {
            let n = docs.iter().filter(|d| Path::new(&d.root) == root).count();
            outln!(
                "corpus     {}: folder is gone ({n} stored documents)",
                root.display()
            );
            continue;
        }
        let label = ledger
            .label_of(&plan::root_key(&root)?)?
            .unwrap_or_default();
        let scan = plan::scan_with(
            &root,
            a.max_file_mb << 20,
            shard,
            &indicatif::ProgressBar::hidden(),
            &plan::ScanOptions {
                label: &label,
                exclude: &std::fs::canonicalize(&a.out)
                    .into_iter()
                    .collect::<Vec<_>>(),
                columns: crate::corpus::export::Columns {
                    text: a.text_column.clone(),
                    id: a.id_column.clone(),
                },
                spool_dir: None,
                known: Some(&ledger.stat_cache(&plan::root_key(&root)?)?),
            },
        )?;
        let p = plan::plan(&scan, &docs, &fp.hash, false, false);
        outln!("corpus     {}", scan.root);
        outln!(
            "           {} file(s): {} new, {} changed, {} metadata changed, {} stale, {} \
             unchanged, {} duplicate(s), {} removed, {} unreadable",
            scan.files.len(),
            p.count(Why::New),
            p.count(Why::Changed),
            p.count(Why::MetadataChanged),
            p.count(Why::Stale) + p.count(Why::Retry),
            p.unchanged,
            p.duplicates.len(),
            p.removed.len(),
            p.unreadable.len()
        );
        for (label, why) in [("new", Why::New), ("changed", Why::Changed)] {
            let names: Vec<String> = p
                .work
                .items()
                .iter()
                .filter(|w| w.why == why)
                .map(|w| p.work.doc(w).to_string())
                .collect();
            if !names.is_empty() {
                outln!("           {label}: {}", preview(&names));
            }
        }
        if !p.removed.is_empty() {
            outln!(
                "           removed: {} (kept in the tables until `shiten run {} --prune`)",
                preview(&p.removed),
                root.display()
            );
        }
    }
    if let Some(first) = damaged.first() {
        anyhow::bail!(
            "the store is damaged ({} part file(s)); first: {first}",
            damaged.len()
        );
    }
    Ok(Status::Clean)
}
