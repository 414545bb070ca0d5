//! `shiten bench`: raw lindera against the full shiten analysis, on the same documents in
//! the same process, for several thread counts.
//!
//! Both sides read documents already decoded in memory (file I/O and decoding excluded
//! from both); "raw lindera" tokenizes each document's text with one lindera worker per
//! thread and looks up every token's POS details (what a MeCab-style script does), and
//! "shiten" runs [`Worker::analyze_batch`](crate::analyze::Worker::analyze_batch): normalization,
//! boilerplate, sentences, tokens with POS, and every extraction stage.

use std::time::Instant;

use rayon::prelude::*;

use crate::analyze::{Analyzer, BATCH_DOCS, StageClock};
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

/// Raw lindera and shiten on the same documents with `threads` threads, `repeat` times
/// each, alternating (raw, shiten, shiten, raw, ...) so that a slow spell of a shared
/// machine hits both sides alike; the best time of each side is reported. When `clock` is
/// given, shiten's time per stage is added to it.
pub fn compare(
    a: &Analyzer,
    docs: &[Document],
    threads: usize,
    repeat: usize,
    clock: Option<&StageClock>,
) -> Result<(Measure, Measure)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let raw = |docs: &[Document]| pool.install(|| raw_lindera(a, docs));
    let full = |docs: &[Document], clock| pool.install(|| full_pipeline(a, docs, clock));
    // Warm-up, untimed: pages in the memory-mapped dictionary and fills caches, so that
    // whichever side runs first is not charged for it.
    let head = &docs[..docs.len().min(200)];
    raw(head)?;
    full(head, None)?;
    let mut best = [f64::INFINITY; 2];
    let mut tokens = [0; 2];
    for rep in 0..repeat.max(1) {
        for side in [rep % 2, 1 - rep % 2] {
            let t0 = Instant::now();
            tokens[side] = if side == 0 {
                raw(docs)?
            } else {
                full(docs, clock)?
            };
            best[side] = best[side].min(t0.elapsed().as_secs_f64());
        }
    }
    let m = |side: usize| Measure {
        threads,
        secs: best[side],
        mb_per_s: bytes as f64 / 1e6 / best[side],
        docs_per_s: docs.len() as f64 / best[side],
        tokens: tokens[side],
    };
    Ok((m(0), m(1)))
}

/// Raw lindera: tokenize every document's text with POS details, one worker per thread
/// (call inside the thread pool).
fn raw_lindera(a: &Analyzer, docs: &[Document]) -> Result<u64> {
    docs.par_iter()
        .map_init(
            || a.tokenizer().worker(),
            |w, d| w.raw_count_with_details(&d.text).map(|n| n as u64),
        )
        .try_reduce(|| 0, |x, y| Ok(x + y))
}

/// The full shiten analysis of every document, [`BATCH_DOCS`] at a time, one worker per
/// thread (call inside the thread pool).
fn full_pipeline(a: &Analyzer, docs: &[Document], clock: Option<&StageClock>) -> Result<u64> {
    docs.par_chunks(BATCH_DOCS)
        .map_init(
            || match clock {
                Some(c) => a.timed_worker(c),
                None => a.worker(),
            },
            |w, chunk| {
                let refs: Vec<&Document> = chunk.iter().collect();
                w.analyze_batch(&refs)
                    .into_iter()
                    .map(|r| r.map(|x| x.document.tokens as u64))
                    .sum::<Result<u64>>()
            },
        )
        .try_reduce(|| 0, |x, y| Ok(x + y))
}

/// Peak resident set size of this process so far, in bytes (Linux `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    Some(crate::trace::status_kib(&status, "VmHWM:")? * 1024)
}
