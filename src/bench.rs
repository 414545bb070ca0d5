//! `shiten bench`: raw lindera against the full shiten analysis, on the same documents in
//! the same process, for several thread counts.
//!
//! Both sides read documents already decoded in memory (file I/O and decoding excluded
//! from both); "raw lindera" tokenizes each document's text with one lindera worker per
//! thread and looks up every token's POS details (what a MeCab-style script does), and
//! "shiten" runs [`Worker::analyze`](crate::analyze::Worker::analyze): normalization,
//! boilerplate, sentences, tokens with POS, and every extraction stage.

use std::time::Instant;

use rayon::prelude::*;

use crate::analyze::Analyzer;
use crate::corpus::Document;
use crate::error::{Error, Result};

/// One measurement.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    /// Threads used.
    pub threads: usize,
    /// Seconds (best of the repetitions).
    pub secs: f64,
    /// Input megabytes (UTF-8 bytes of the decoded texts, 10^6) per second.
    pub mb_per_s: f64,
    /// Documents per second.
    pub docs_per_s: f64,
    /// Tokens produced (a checksum that both sides did the work).
    pub tokens: u64,
}

fn measure<F>(docs: &[Document], threads: usize, repeat: usize, f: F) -> Result<Measure>
where
    F: Fn(&[Document]) -> Result<u64> + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    // Warm-up, untimed: pages in the memory-mapped dictionary and fills caches, so that
    // whichever side runs first is not charged for it.
    pool.install(|| f(&docs[..docs.len().min(200)]))?;
    let mut best = f64::INFINITY;
    let mut tokens = 0;
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        tokens = pool.install(|| f(docs))?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok(Measure {
        threads,
        secs: best,
        mb_per_s: bytes as f64 / 1e6 / best,
        docs_per_s: docs.len() as f64 / best,
        tokens,
    })
}

/// Raw lindera: tokenize every document's text with POS details, one worker per thread.
pub fn raw_lindera(
    a: &Analyzer,
    docs: &[Document],
    threads: usize,
    repeat: usize,
) -> Result<Measure> {
    measure(docs, threads, repeat, |docs| {
        docs.par_iter()
            .map_init(
                || a.tokenizer().worker(),
                |w, d| w.raw_count_with_details(&d.text).map(|n| n as u64),
            )
            .try_reduce(|| 0, |x, y| Ok(x + y))
    })
}

/// The full shiten analysis of every document, one worker per thread.
pub fn full_pipeline(
    a: &Analyzer,
    docs: &[Document],
    threads: usize,
    repeat: usize,
) -> Result<Measure> {
    measure(docs, threads, repeat, |docs| {
        docs.par_iter()
            .map_init(
                || a.worker(),
                |w, d| w.analyze(d).map(|x| x.document.tokens as u64),
            )
            .try_reduce(|| 0, |x, y| Ok(x + y))
    })
}

/// Peak resident set size of this process so far, in bytes (Linux `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
