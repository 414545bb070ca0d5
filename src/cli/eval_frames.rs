//! `shiten eval-frames --gold FILE.csv --texts DIR`: frame precision / recall / F1 and
//! stance agreement of (doc, frame) pairs against hand-labelled gold.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{AnalyzerArgs, Progress, Status};
use crate::frame::eval;
use crate::pipeline::{self, RunOptions};

/// Arguments of `shiten eval-frames`.
#[derive(Debug, Args)]
pub struct EvalFramesArgs {
    /// Gold CSV with columns doc,frame,stance (a note column is ignored).
    #[arg(long, value_name = "FILE.csv")]
    pub gold: PathBuf,
    /// Folder of the articles the gold labels (with metadata.csv, like a corpus).
    #[arg(long, value_name = "DIR")]
    pub texts: PathBuf,
    /// Also list every false positive, false negative and stance disagreement.
    #[arg(long)]
    pub errors: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Dictionary and thread options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten eval-frames`.
pub fn run(a: EvalFramesArgs, progress: &Progress) -> anyhow::Result<Status> {
    super::init_threads(a.analyzer.threads)?;
    let gold = eval::read_gold(&a.gold)?;
    anyhow::ensure!(
        a.texts.is_dir(),
        "texts folder {} does not exist or is not a folder",
        a.texts.display()
    );
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let opts = RunOptions {
        corpus: a.texts.clone(),
        max_file_bytes: crate::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let bar = progress.bar("analyse", 0);
    let outcome = pipeline::analyze_corpus(&analyzer, &opts, &bar)
        .with_context(|| format!("cannot analyse {}", a.texts.display()))?;
    bar.finish_and_clear();
    let docs: Vec<String> = outcome
        .analyses
        .iter()
        .map(|x| x.document.doc.clone())
        .collect();
    let hits: Vec<_> = outcome
        .analyses
        .iter()
        .flat_map(|x| x.frame_hits.iter().cloned())
        .collect();
    let e = eval::evaluate(&gold, &docs, &hits);
    if a.json {
        outln!("{}", to_json(&e, a.errors));
    } else {
        out!("{}", e.to_text(a.errors));
    }
    for w in &e.missing_docs {
        progress.warn(&format!("gold document {w} was not analysed"));
    }
    Ok(Status::Clean)
}

fn to_json(e: &eval::Evaluation, errors: bool) -> serde_json::Value {
    let score = |f: &eval::FrameScore| {
        serde_json::json!({
            "frame": f.frame,
            "gold": f.gold,
            "predicted": f.predicted,
            "matched": f.matched,
            "precision": f.precision(),
            "recall": f.recall(),
            "f1": f.f1(),
            "stance_agreement": f.stance_agreement(),
        })
    };
    let mut v = serde_json::json!({
        "frames": e.frames.iter().map(score).collect::<Vec<_>>(),
        "all": score(&e.all),
        "macro_f1": e.macro_f1(),
        "missing_docs": e.missing_docs,
    });
    if errors {
        v["errors"] = e
            .misses
            .iter()
            .map(|m| {
                serde_json::json!({
                    "doc": m.doc, "frame": m.frame, "kind": m.kind,
                    "gold": m.gold.map(|s| s.as_str()),
                    "predicted": m.predicted.map(|s| s.as_str()),
                })
            })
            .collect();
    }
    v
}
