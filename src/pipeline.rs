//! Running the stages over a corpus: discover, read and analyse in parallel (one
//! [`Worker`](crate::analyze::Worker) per rayon thread), then assemble and write the tables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::aggregate::FrameAcc;
use crate::analyze::{Analyzer, DocAnalysis};
use crate::corpus::{self, Metadata, Skip};
use crate::error::{Error, Result};
use crate::output::rows::{DocumentRow, SkipRow};
use crate::output::{self, OutputOptions, Table};
use crate::report::{self, FrameInfo, ReportInput};

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
    /// The corpus folder (the report links to its files).
    pub corpus: PathBuf,
    /// The lexicon's frames, in order (the report's labels).
    pub frames: Vec<FrameInfo>,
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
    let metadata = Metadata::load(&opts.corpus);
    bar.set_length(found.files.len() as u64);
    let results: Vec<std::result::Result<DocAnalysis, Skip>> = found
        .files
        .par_iter()
        .map_init(
            || analyzer.worker(),
            |worker, file| {
                let r =
                    corpus::read_document(file, &metadata, opts.max_file_bytes).and_then(|doc| {
                        worker.analyze(&doc).map_err(|e| Skip {
                            path: file.doc.clone(),
                            reason: format!("analysis failed: {e}"),
                        })
                    });
                bar.inc(1);
                r
            },
        )
        .collect();
    let mut out = Outcome {
        warnings: metadata.warnings.clone(),
        corpus: opts.corpus.clone(),
        frames: analyzer
            .frames
            .frames
            .iter()
            .map(|f| FrameInfo {
                id: f.id.clone(),
                label: f.label.clone(),
                description: f.description.clone(),
            })
            .collect(),
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

/// Per-source frame counts, folded over the documents in parallel.
pub fn frame_acc(analyses: &[DocAnalysis]) -> FrameAcc {
    analyses
        .par_iter()
        .fold(FrameAcc::default, |mut acc, a| {
            acc.add_doc(&a.document.source, &a.frame_hits);
            acc
        })
        .reduce(FrameAcc::default, FrameAcc::merge)
}

/// Writes every table of `outcome` into `out`, each file atomically, then `report.html`.
pub fn write_outputs(out: &Path, outcome: &Outcome, opts: OutputOptions) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let a = &outcome.analyses;
    let source_frames = frame_acc(a).rows();
    let figures = crate::facts::figures(
        &a.iter()
            .flat_map(|x| x.facts.iter().cloned())
            .collect::<Vec<_>>(),
    );
    let tables = vec![
        documents_table(a),
        Table::from_records(a.iter().flat_map(|x| &x.mentions)),
        Table::from_records(a.iter().flat_map(|x| &x.entities)),
        Table::from_records(a.iter().flat_map(|x| &x.facts)),
        Table::from_records(figures.iter()),
        Table::from_records(a.iter().flat_map(|x| &x.frame_hits)),
        Table::from_records(source_frames.iter()),
        Table::from_records(outcome.skipped.iter()),
    ];
    let mut names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    for t in &tables {
        output::write_table(out, t, opts)?;
    }
    let documents: Vec<DocumentRow> = a.iter().map(|x| x.document.clone()).collect();
    let hits: Vec<_> = a
        .iter()
        .flat_map(|x| x.frame_hits.iter().cloned())
        .collect();
    let base = report::relative_url(out, &outcome.corpus);
    report::write_report(
        out,
        &ReportInput {
            documents: &documents,
            hits: &hits,
            source_frames: &source_frames,
            figures: Some(&figures),
            frames: &outcome.frames,
            article_base: base.as_deref(),
        },
    )?;
    names.push(report::REPORT_FILE.to_string());
    Ok(names)
}
