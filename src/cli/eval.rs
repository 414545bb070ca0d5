//! `shiten eval --gold FILE.jsonl --texts DIR`: analyse DIR and score the mentions against
//! gold, with the same numbers as `../shared/tools/score_mentions.py` on the same
//! predictions (`--pred-out` writes them for the script).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{AnalyzerArgs, Progress, Status};
use crate::eval;
use crate::pipeline::{self, RunOptions};

/// Arguments of `shiten eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold mentions, JSONL (the format of ../shared/seeds/gold.jsonl).
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// Folder with the articles and their metadata.csv (publication dates).
    #[arg(long, value_name = "DIR")]
    pub texts: PathBuf,
    /// Trap spans, JSONL: numerals that are not quantities.
    #[arg(long, value_name = "FILE")]
    pub traps: Option<PathBuf>,
    /// Print the machine-readable JSON summary (the script's --json keys).
    #[arg(long)]
    pub json: bool,
    /// Also list misses, false positives, value errors and trap hits.
    #[arg(long)]
    pub errors: bool,
    /// Write the predictions as JSONL (for score_mentions.py --pred).
    #[arg(long, value_name = "FILE")]
    pub pred_out: Option<PathBuf>,
    /// Score these predictions (JSONL) instead of analysing --texts (which then only
    /// provides the texts).
    #[arg(long, value_name = "FILE", conflicts_with = "pred_out")]
    pub pred: Option<PathBuf>,
    /// Dictionary and thread options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten eval`.
pub fn run(a: EvalArgs, progress: &Progress) -> anyhow::Result<Status> {
    super::init_threads(a.analyzer.threads)?;
    anyhow::ensure!(
        a.texts.is_dir(),
        "--texts {} is not a folder",
        a.texts.display()
    );
    let gold_rows = eval::read_jsonl(&a.gold).context("cannot read the gold file")?;
    let gold = eval::load_rows(&gold_rows, false).context("malformed gold")?;
    let traps = match &a.traps {
        Some(p) => {
            let rows = eval::read_jsonl(p).context("cannot read the traps file")?;
            eval::load_rows(&rows, true).context("malformed traps")?
        }
        None => Vec::new(),
    };
    let (pred_rows, skipped) = match &a.pred {
        Some(p) => (
            eval::read_jsonl(p).context("cannot read the predictions")?,
            false,
        ),
        None => predict(&a, progress)?,
    };
    let pred = eval::load_rows(&pred_rows, false)?;
    let texts = decoded_texts(&a.texts);
    let names = eval::Names {
        gold: a.gold.display().to_string(),
        pred: a.pred.as_ref().or(a.pred_out.as_ref()).map_or_else(
            || format!("shiten on {}", a.texts.display()),
            |p| p.display().to_string(),
        ),
        traps: a.traps.as_ref().map(|p| p.display().to_string()),
    };
    let mut summary = eval::score(gold, pred, traps, &texts, &names)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        if !a.errors {
            let counts: serde_json::Map<String, serde_json::Value> = summary["errors"]
                .as_object()
                .map(|e| {
                    e.iter()
                        .map(|(k, v)| (k.clone(), v.as_array().map_or(0, Vec::len).into()))
                        .collect()
                })
                .unwrap_or_default();
            summary["errors"] = counts.into();
        }
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        out.write_all(eval::render_text(&summary, a.errors).as_bytes())?;
        if let Some(w) = summary["warnings"].as_array() {
            for m in w {
                progress.warn(m.as_str().unwrap_or(""));
            }
        }
    }
    Ok(if skipped {
        Status::DoneWithSkips
    } else {
        Status::Clean
    })
}

type Rows = Vec<(String, serde_json::Map<String, serde_json::Value>)>;

/// Analyses --texts; returns the predictions (written to --pred-out if asked) and whether
/// an article was skipped.
fn predict(a: &EvalArgs, progress: &Progress) -> anyhow::Result<(Rows, bool)> {
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let opts = RunOptions {
        corpus: a.texts.clone(),
        max_file_bytes: crate::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let bar = progress.bar("analyse", 0);
    let outcome = pipeline::analyze_corpus(&analyzer, &opts, &bar)
        .with_context(|| format!("cannot analyse {}", a.texts.display()))?;
    bar.finish_and_clear();
    // Other files beside the articles (gold, README) are expected here; only articles
    // that could not be analysed count as skips.
    let mut skipped = false;
    for s in &outcome.skipped {
        let article = std::path::Path::new(&s.path)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "txt" | "text" | "html" | "htm"
                )
            });
        if article {
            skipped = true;
            progress.warn(&format!("skipped {}: {}", s.path, s.reason));
        }
    }
    // The predictions, exactly as --pred-out writes them, are what gets scored.
    let mut rows = Vec::new();
    for an in &outcome.analyses {
        for m in &an.mentions {
            rows.push((format!("{} (predicted)", m.doc), eval::pred_json(m)));
        }
    }
    if let Some(path) = &a.pred_out {
        let mut buf = Vec::new();
        for (_, o) in &rows {
            serde_json::to_writer(&mut buf, o)?;
            buf.push(b'\n');
        }
        crate::output::atomic::write_atomic(path, |w| w.write_all(&buf))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok((rows, skipped))
}

/// The decoded text of every article (every offset counts in it), by document key.
fn decoded_texts(dir: &std::path::Path) -> HashMap<String, String> {
    let Ok(found) = crate::corpus::discover(dir) else {
        return HashMap::new();
    };
    let metadata = crate::corpus::Metadata::load(dir);
    found
        .files
        .iter()
        .filter_map(|f| {
            let d =
                crate::corpus::read_document(f, &metadata, crate::corpus::DEFAULT_MAX_FILE_BYTES)
                    .ok()?;
            Some((doc_key(&f.doc), d.text))
        })
        .collect()
}

fn doc_key(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_suffix(".txt").unwrap_or(base).to_string()
}
