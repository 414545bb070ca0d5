//! `shiten bench [CORPUS]`: MB/s and docs/s of raw lindera and of shiten on the same text.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{AnalyzerArgs, Progress, Status};
use crate::analyze::{STAGES, StageClock};
use crate::bench;
use crate::corpus::{self, Metadata};

/// Arguments of `shiten bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Corpus to measure on (default: a corpus generated with --gen-mb).
    pub corpus: Option<PathBuf>,
    /// Without CORPUS: generate this many MB from ./corpus (seed 1) in a temporary folder.
    #[arg(long, default_value_t = 20.0, value_name = "MB")]
    pub gen_mb: f64,
    /// Thread counts to measure (default: 1 and all cores).
    #[arg(long, value_delimiter = ',', value_name = "N,N")]
    pub threads_list: Vec<usize>,
    /// Repetitions per measurement; the best is reported.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Dictionary options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten bench`.
pub fn run(a: BenchArgs, progress: &Progress) -> anyhow::Result<Status> {
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let _tmp;
    let dir = match &a.corpus {
        Some(d) => d.clone(),
        None => {
            let t = tempfile_dir()?;
            let dir = t.join("corpus");
            let s = crate::generate::generate(
                &PathBuf::from("corpus"),
                &dir,
                &crate::generate::GenOptions { bytes: (a.gen_mb * 1e6) as u64, seed: 1, legacy_share: 0.1 },
            )
            .context("cannot generate the benchmark corpus (run from the repository root or pass CORPUS)")?;
            progress.note(&format!(
                "generated {} articles ({:.1} MB) in {}",
                s.docs,
                s.bytes as f64 / 1e6,
                dir.display()
            ));
            _tmp = TempDir(t);
            dir
        }
    };
    let found = corpus::discover(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let md = Metadata::load(&dir);
    let docs: Vec<_> = found
        .files
        .iter()
        .filter_map(|f| corpus::read_document(f, &md, corpus::DEFAULT_MAX_FILE_BYTES).ok())
        .collect();
    anyhow::ensure!(
        !docs.is_empty(),
        "no readable articles in {}",
        dir.display()
    );
    let mb: f64 = docs.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6;
    let rss_loaded = bench::peak_rss_bytes();
    let mut threads = a.threads_list.clone();
    if threads.is_empty() {
        threads = vec![1, rayon::current_num_threads()];
        threads.dedup();
    }
    outln!(
        "corpus: {} ({} documents, {:.1} MB of decoded text)",
        dir.display(),
        docs.len(),
        mb
    );
    outln!(
        "{:>7} | {:>22} | {:>22} | {:>6}",
        "threads",
        "raw lindera+POS",
        "shiten (full analysis)",
        "ratio"
    );
    outln!(
        "{:>7} | {:>10} {:>11} | {:>10} {:>11} | {:>6}",
        "",
        "MB/s",
        "docs/s",
        "MB/s",
        "docs/s",
        ""
    );
    let mut rows = Vec::new();
    let clock = StageClock::default();
    for (i, &n) in threads.iter().enumerate() {
        let (raw, full) =
            bench::compare(&analyzer, &docs, n, a.repeat, (i == 0).then_some(&clock))?;
        outln!(
            "{:>7} | {:>10.2} {:>11.0} | {:>10.2} {:>11.0} | {:>5.2}x",
            n,
            raw.mb_per_s,
            raw.docs_per_s,
            full.mb_per_s,
            full.docs_per_s,
            full.mb_per_s / raw.mb_per_s
        );
        rows.push((raw, full));
    }
    let secs = clock.seconds();
    let total: f64 = secs.iter().sum();
    if total > 0.0 {
        let shares: Vec<String> = STAGES
            .iter()
            .zip(secs)
            .map(|(name, s)| format!("{name} {:.1}%", 100.0 * s / total))
            .collect();
        outln!(
            "shiten's time by stage ({} thread{}): {}",
            threads[0],
            if threads[0] == 1 { "" } else { "s" },
            shares.join(", ")
        );
    }
    if rows.len() >= 2 {
        let (r1, f1) = rows[0];
        let (rn, fn_) = rows[rows.len() - 1];
        outln!(
            "scaling {} vs {} threads: raw lindera {:.2}x, shiten {:.2}x",
            rn.threads,
            r1.threads,
            rn.mb_per_s / r1.mb_per_s,
            fn_.mb_per_s / f1.mb_per_s
        );
    }
    let mib = |b: Option<u64>| b.map_or("?".into(), |b| format!("{:.0} MiB", b as f64 / 1048576.0));
    outln!(
        "peak RSS: {} after loading the texts, {} at the end",
        mib(rss_loaded),
        mib(bench::peak_rss_bytes())
    );
    Ok(Status::Clean)
}

/// A temporary folder removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let p = std::env::temp_dir().join(format!("shiten-bench-{}", std::process::id()));
    std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
    Ok(p)
}
