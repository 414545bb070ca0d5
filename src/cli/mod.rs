//! Command line: flags are described once here (clap derive, help from doc comments) and
//! resolved into validated options; the stages never see clap types.

mod bench;
mod dict;
mod eval;
mod eval_frames;
mod frames;
mod gen_corpus;
mod progress;
mod run;
mod status;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use progress::Progress;

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything was analysed.
    Clean,
    /// Done, but some inputs were skipped (listed in outputs/skipped.csv).
    DoneWithSkips,
}

/// shiten: how each source explains an incident. Japanese news in, comparable tables out.
#[derive(Debug, Parser)]
#[command(name = "shiten", version, about, long_about = None)]
pub struct Cli {
    /// Print only errors (no progress bars, no summary).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse a corpus folder and bring all tables in --out up to date (only what is
    /// new, changed or stale is analysed).
    Run(run::RunArgs),
    /// Add a folder of new articles to the outputs in --out.
    Add(run::AddArgs),
    /// Tell what the store in --out holds, and what is new, changed, removed or stale.
    Status(status::StatusArgs),
    /// Show where the IPADIC dictionary is, building it if needed (--rebuild to force).
    Dict(dict::DictArgs),
    /// Write a large generated corpus for benchmarks.
    GenCorpus(gen_corpus::GenArgs),
    /// Measure raw lindera and shiten on the same text (MB/s, docs/s, peak RSS).
    Bench(bench::BenchArgs),
    /// Score number/date mentions on a folder against gold (P/R/F1 per kind).
    Eval(eval::EvalArgs),
    /// Score frame detection against gold labels: per-frame precision, recall, F1 of
    /// (doc, frame) pairs and stance agreement.
    EvalFrames(eval_frames::EvalFramesArgs),
    /// Work on the frame lexicon: `frames suggest` lists candidate cue phrases for each
    /// frame from an analysed corpus.
    Frames(frames::FramesArgs),
}

/// Options shared by commands that load the analyzer.
#[derive(Debug, Clone, Args)]
pub struct AnalyzerArgs {
    /// Built lindera IPADIC folder to use (default: the cache, built on first use;
    /// also $SHITEN_DICT).
    #[arg(long, value_name = "DIR")]
    pub dict: Option<PathBuf>,
    /// Folder with user.csv and the lexicons (default: ./dictionaries, then the source
    /// tree; also $SHITEN_DICTIONARIES).
    #[arg(long, value_name = "DIR")]
    pub dictionaries: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    let progress = Progress::new(cli.quiet);
    match cli.command {
        Command::Run(a) => run::run(a, &progress),
        Command::Add(a) => run::add(a, &progress),
        Command::Status(a) => status::run(a, &progress),
        Command::Dict(a) => dict::run(a, &progress),
        Command::GenCorpus(a) => gen_corpus::run(a, &progress),
        Command::Bench(a) => bench::run(a, &progress),
        Command::Eval(a) => eval::run(a, &progress),
        Command::EvalFrames(a) => eval_frames::run(a, &progress),
        Command::Frames(a) => frames::run(a, &progress),
    }
}

/// Sets the size of rayon's global pool once.
fn init_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    Ok(())
}

/// Finds the built IPADIC folder (building it on first use) and the dictionaries folder.
fn resolve_dictionaries(
    a: &AnalyzerArgs,
    progress: &Progress,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    use anyhow::Context;
    let loc = crate::tokenize::ipadic::ensure(a.dict.as_deref(), &|m| progress.note(m))
        .context("cannot get the IPADIC dictionary")?;
    let dictionaries = crate::analyze::find_dictionaries(a.dictionaries.as_deref())?;
    Ok((loc.dir, dictionaries))
}

/// Loads the dictionary (building it on first use) and the analyzer.
pub fn load_analyzer(
    a: &AnalyzerArgs,
    progress: &Progress,
) -> anyhow::Result<crate::analyze::Analyzer> {
    use anyhow::Context;
    let (dict, dictionaries) = resolve_dictionaries(a, progress)?;
    crate::analyze::Analyzer::load(&dict, &dictionaries).with_context(|| {
        format!(
            "cannot load the dictionary {} with {}",
            dict.display(),
            dictionaries.display()
        )
    })
}
