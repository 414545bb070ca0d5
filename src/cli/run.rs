//! `shiten run CORPUS --out DIR`: analyse a corpus and write every table.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{AnalyzerArgs, Progress, Status};
use crate::output::OutputOptions;
use crate::pipeline::{self, RunOptions};

/// Arguments of `shiten run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Corpus folder: .txt/.html articles plus metadata.csv.
    pub corpus: PathBuf,
    /// Output folder.
    #[arg(long, short, default_value = "outputs", value_name = "DIR")]
    pub out: PathBuf,
    /// Skip files larger than this many MiB.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    pub max_file_mb: u64,
    /// Do not guard CSV cells that start with = + - @ against spreadsheet formulas.
    #[arg(long)]
    pub no_csv_guard: bool,
    /// Dictionary and thread options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten run`.
pub fn run(a: RunArgs, progress: &Progress) -> anyhow::Result<Status> {
    super::init_threads(a.analyzer.threads)?;
    anyhow::ensure!(
        a.corpus.is_dir(),
        "corpus folder {} does not exist or is not a folder",
        a.corpus.display()
    );
    let t0 = std::time::Instant::now();
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let opts = RunOptions {
        corpus: a.corpus.clone(),
        max_file_bytes: a.max_file_mb.saturating_mul(1024 * 1024),
    };
    let bar = progress.bar("analyse", 0);
    let outcome = pipeline::analyze_corpus(&analyzer, &opts, &bar)
        .with_context(|| format!("cannot analyse {}", a.corpus.display()))?;
    bar.finish_and_clear();
    let out_opts = OutputOptions {
        csv_guard: !a.no_csv_guard,
    };
    let tables = pipeline::write_outputs(&a.out, &outcome, out_opts)
        .with_context(|| format!("cannot write outputs to {}", a.out.display()))?;
    for w in &outcome.warnings {
        progress.warn(w);
    }
    for s in &outcome.skipped {
        progress.warn(&format!("skipped {}: {}", s.path, s.reason));
    }
    if progress.verbose() {
        print_summary(&a, &outcome, &tables, t0.elapsed());
    }
    Ok(if outcome.skipped.is_empty() {
        Status::Clean
    } else {
        Status::DoneWithSkips
    })
}

fn print_summary(
    a: &RunArgs,
    o: &pipeline::Outcome,
    tables: &[String],
    total: std::time::Duration,
) {
    let docs = o.analyses.len();
    let warned = o
        .analyses
        .iter()
        .filter(|x| x.document.status != "ok")
        .count();
    let sum = |f: fn(&crate::analyze::DocAnalysis) -> i64| o.analyses.iter().map(f).sum::<i64>();
    let mb = o.bytes_read as f64 / 1e6;
    let secs = o.elapsed.as_secs_f64().max(1e-9);
    eprintln!("shiten run {} -> {}", a.corpus.display(), a.out.display());
    eprintln!(
        "  documents  {docs} analysed ({warned} with warnings), {} skipped",
        o.skipped.len()
    );
    eprintln!(
        "  text       {:.2} MB, {} sentences, {} tokens",
        mb,
        sum(|x| x.document.sentences),
        sum(|x| x.document.tokens)
    );
    eprintln!(
        "  found      {} mentions, {} entities, {} facts, {} frame hits",
        sum(|x| x.mentions.len() as i64),
        sum(|x| x.entities.len() as i64),
        sum(|x| x.facts.len() as i64),
        sum(|x| x.frame_hits.len() as i64)
    );
    eprintln!(
        "  speed      {:.2} MB/s, {:.0} docs/s on {} threads (analysis {:.2} s, total {:.2} s)",
        mb / secs,
        docs as f64 / secs,
        rayon::current_num_threads(),
        secs,
        total.as_secs_f64()
    );
    eprintln!(
        "  wrote      {} (tables as .csv and .parquet)",
        tables.join(", ")
    );
    if !o.skipped.is_empty() {
        eprintln!(
            "  skipped    see {}/skipped.csv; exit code 2",
            a.out.display()
        );
    }
}
