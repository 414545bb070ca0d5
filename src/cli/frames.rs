//! `shiten frames suggest --out DIR [--frame F]`: candidate cue phrases for the frame
//! lexicon, from the articles an analysed store holds (see [`crate::frame::suggest`]).
//!
//! The store names the documents and the corpus folders they came from; each is read
//! again, tokenized, and its frames found with the *current* lexicon, so that a user who
//! has just added cues sees what is still missing. Read-only: takes no lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use rayon::prelude::*;

use super::{AnalyzerArgs, Progress, Status};
use crate::corpus::{self, Metadata, SourceFile};
use crate::frame::suggest::{self, Candidate, Counts, RankOptions, SentenceWords};
use crate::state::ledger::{DocStatus, Ledger};
use crate::state::plan;
use crate::state::{LEDGER_FILE, STORE_DIR};

/// Arguments of `shiten frames`.
#[derive(Debug, Args)]
pub struct FramesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: FramesCommand,
}

/// Subcommands of `shiten frames`.
#[derive(Debug, Subcommand)]
pub enum FramesCommand {
    /// List candidate cue phrases for each frame (or one): words and short phrases that
    /// the sentences with its hits, or the sentences next to them, use more than the rest
    /// of the corpus, each with its score (log-likelihood G²) and two example sentences.
    Suggest(SuggestArgs),
}

/// Arguments of `shiten frames suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// Output folder of an analysed corpus (its `.shiten/` store names the articles).
    #[arg(long, short, default_value = "outputs", value_name = "DIR")]
    pub out: PathBuf,
    /// Only this frame (an id of frames.toml, e.g. list_based_attack).
    #[arg(long, value_name = "ID")]
    pub frame: Option<String>,
    /// Candidates per frame.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Documents a phrase must occur in (one author's wording is not a pattern).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_docs: u32,
    /// Lowest score kept (G²; 3.84 is the 5% level).
    #[arg(long, default_value_t = 3.84, value_name = "G2")]
    pub min_score: f64,
    /// Print CSV (one row per candidate) instead of a table for people.
    #[arg(long)]
    pub csv: bool,
    /// Skip files larger than this many MiB (as in `run`).
    #[arg(long, default_value_t = corpus::DEFAULT_MAX_FILE_MB, value_name = "MIB")]
    pub max_file_mb: u64,
    /// Dictionary and thread options.
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten frames`.
pub fn run(a: FramesArgs, progress: &Progress) -> anyhow::Result<Status> {
    match a.command {
        FramesCommand::Suggest(s) => suggest(s, progress),
    }
}

/// Documents read per parallel round (memory stays flat on large stores).
const CHUNK_DOCS: usize = 1024;

fn suggest(a: SuggestArgs, progress: &Progress) -> anyhow::Result<Status> {
    super::init_threads(a.analyzer.threads)?;
    let ledger_path = a.out.join(STORE_DIR).join(LEDGER_FILE);
    anyhow::ensure!(
        ledger_path.is_file(),
        "{} holds no analysed corpus (no {}): run `shiten run CORPUS --out {}` first",
        a.out.display(),
        ledger_path.display(),
        a.out.display()
    );
    let ledger = Ledger::open(&ledger_path, true)?;
    let mut by_root: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Rows of export files (JSON Lines, CSV) are not files of their own: they are read
    // from the analysed store only by a run, so they are left out here and counted.
    let mut export_rows = 0usize;
    for d in ledger.documents()? {
        if d.status == DocStatus::Analysed {
            if corpus::key::split(&d.doc).2.is_some() {
                export_rows += 1;
                continue;
            }
            by_root.entry(d.root).or_default().push(d.doc);
        }
    }
    if export_rows > 0 {
        progress.warn(&format!(
            "{export_rows} analysed rows of export files left out: frames suggest reads \
             article files only"
        ));
    }
    drop(ledger);
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let lexicon = &analyzer.frames;
    if let Some(f) = &a.frame {
        anyhow::ensure!(
            lexicon.frames.iter().any(|x| &x.id == f),
            "no frame `{f}` in {} (frames: {})",
            lexicon.path.display(),
            lexicon.frame_ids().join(", ")
        );
    }
    let total: usize = by_root.values().map(Vec::len).sum();
    anyhow::ensure!(
        total > 0,
        "the store in {} holds no analysed article",
        a.out.display()
    );
    let bar = progress.bar("read", total as u64);
    let mut counts = Counts::new(lexicon.frames.len());
    let mut missing = 0usize;
    let max_bytes = a.max_file_mb << 20;
    for (root, docs) in &by_root {
        let metadata = Metadata::load(plan::metadata_root(Path::new(root)));
        for chunk in docs.chunks(CHUNK_DOCS) {
            let words: Vec<(String, Result<Vec<SentenceWords>, String>)> = chunk
                .par_iter()
                .map_init(
                    || analyzer.worker(),
                    |worker, doc| {
                        let (_, rel, _) = corpus::key::split(doc);
                        let file = SourceFile {
                            doc: doc.clone(),
                            name: corpus::key::display_name(rel),
                            path: plan::usual_path(root, doc),
                        };
                        let r = corpus::read_document(&file, &metadata, max_bytes)
                            .map_err(|s| s.reason)
                            .and_then(|d| {
                                let p = worker.prepare(&d).map_err(|e| e.to_string())?;
                                Ok(suggest::sentence_words(
                                    lexicon,
                                    &p.norm.text,
                                    &p.sentences,
                                    &p.tokens,
                                ))
                            });
                        bar.inc(1);
                        (doc.clone(), r)
                    },
                )
                .collect();
            for (doc, r) in words {
                match r {
                    Ok(w) => counts.add_doc(&doc, &w),
                    Err(why) => {
                        missing += 1;
                        progress.warn(&format!(
                            "{}: {why}",
                            plan::usual_path(root, &doc).display()
                        ));
                    }
                }
            }
        }
    }
    bar.finish_and_clear();
    if missing > 0 {
        progress.warn(&format!(
            "{missing} of {total} stored articles could not be read again and were left out"
        ));
    }
    let cands = counts.rank(
        lexicon,
        &RankOptions {
            frame: a.frame.clone(),
            top: a.top,
            min_docs: a.min_docs,
            min_score: a.min_score,
        },
    );
    let text = if a.csv {
        to_csv(&cands).context("cannot write CSV")?
    } else {
        to_text(&cands)
    };
    print!("{text}");
    Ok(Status::Clean)
}

/// The sentence around the first occurrence of `phrase`, marked 【…】, at most about 90
/// characters.
fn excerpt(sentence: &str, phrase: &str) -> String {
    let Some(at) = sentence.find(phrase) else {
        return sentence.chars().take(90).collect();
    };
    let before: Vec<char> = sentence[..at].chars().collect();
    let after: Vec<char> = sentence[at + phrase.len()..].chars().collect();
    let lead = if before.len() > 40 { "…" } else { "" };
    let tail = if after.len() > 40 { "…" } else { "" };
    let b: String = before[before.len().saturating_sub(40)..].iter().collect();
    let f: String = after.iter().take(40).collect();
    format!("{lead}{b}【{phrase}】{f}{tail}")
}

fn to_text(cands: &[Candidate]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut frame = "";
    let mut rank = 0;
    for c in cands {
        if c.frame != frame {
            frame = &c.frame;
            rank = 0;
            let _ = writeln!(
                s,
                "\n{frame}\n{:>4}  {:>7}  {:<4}  {:>9}  {:>9}  {:<5}  phrase",
                "rank", "G2", "set", "in set", "elsewhere", "new"
            );
        }
        rank += 1;
        let _ = writeln!(
            s,
            "{rank:>4}  {:>7.2}  {:<4}  {:>9}  {:>9}  {:<5}  {}",
            c.score,
            c.place.as_str(),
            format!("{}/{}", c.in_set.0, c.in_set.1),
            format!("{}/{}", c.elsewhere.0, c.elsewhere.1),
            if c.known { "" } else { "new" },
            c.phrase
        );
        for (doc, sentence) in &c.examples {
            let _ = writeln!(s, "{:>8}{doc}: {}", "", excerpt(sentence, &c.phrase));
        }
    }
    if cands.is_empty() {
        s.push_str(
            "no candidates: no phrase is over-represented (G² over --min-score) in at least two \
             sentences of the required number of documents (try --min-docs 1 on a small \
             corpus)\n",
        );
    }
    s
}

fn to_csv(cands: &[Candidate]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "frame",
        "rank",
        "phrase",
        "set",
        "score",
        "in_set",
        "set_sentences",
        "elsewhere",
        "other_sentences",
        "docs",
        "new",
        "example_1_doc",
        "example_1",
        "example_2_doc",
        "example_2",
    ])?;
    let mut rank = 0;
    let mut frame = "";
    for c in cands {
        if c.frame != frame {
            frame = &c.frame;
            rank = 0;
        }
        rank += 1;
        let ex = |i: usize| c.examples.get(i).cloned().unwrap_or_default();
        let (d1, e1) = ex(0);
        let (d2, e2) = ex(1);
        w.write_record([
            c.frame.clone(),
            rank.to_string(),
            c.phrase.clone(),
            c.place.as_str().to_string(),
            format!("{:.3}", c.score),
            c.in_set.0.to_string(),
            c.in_set.1.to_string(),
            c.elsewhere.0.to_string(),
            c.elsewhere.1.to_string(),
            c.docs.to_string(),
            (!c.known).to_string(),
            d1,
            e1,
            d2,
            e2,
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_mark_the_phrase() {
        assert_eq!(
            excerpt("他社から入手したID", "入手"),
            "他社から【入手】したID"
        );
        let long = format!("{}入手{}", "あ".repeat(50), "い".repeat(50));
        let e = excerpt(&long, "入手");
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert_eq!(e.chars().count(), 1 + 40 + 4 + 40 + 1);
        assert_eq!(excerpt("ない", "入手"), "ない");
    }
}
