//! `shiten gen-corpus --size-mb N --out DIR`: a large realistic corpus for benchmarks.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{Progress, Status};
use crate::generate::{self, GenOptions};

/// Arguments of `shiten gen-corpus`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Size to reach, in MB (10^6 bytes of article files).
    #[arg(long, value_name = "MB")]
    pub size_mb: f64,
    /// Folder to create (must be empty or absent).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Template articles (default: ./corpus).
    #[arg(long, default_value = "corpus", value_name = "DIR")]
    pub from: PathBuf,
    /// Random seed: the same seed gives the same corpus.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of articles written in Shift_JIS or EUC-JP.
    #[arg(long, default_value_t = 0.1)]
    pub legacy_share: f64,
}

/// Runs `shiten gen-corpus`.
pub fn run(a: GenArgs, progress: &Progress) -> anyhow::Result<Status> {
    anyhow::ensure!(a.size_mb > 0.0, "--size-mb must be positive");
    let t0 = std::time::Instant::now();
    let opts = GenOptions {
        bytes: (a.size_mb * 1e6) as u64,
        seed: a.seed,
        legacy_share: a.legacy_share.clamp(0.0, 1.0),
    };
    let s = generate::generate(&a.from, &a.out, &opts)
        .with_context(|| format!("cannot generate a corpus in {}", a.out.display()))?;
    progress.note(&format!(
        "wrote {} articles, {:.1} MB, to {} in {:.1} s (seed {})",
        s.docs,
        s.bytes as f64 / 1e6,
        a.out.display(),
        t0.elapsed().as_secs_f64(),
        a.seed
    ));
    Ok(Status::Clean)
}
