//! Command line: flags are described once here (clap derive, help from doc comments) and
//! resolved into validated options; the stages never see clap types.

/// `println!` that returns an error instead of panicking when standard output is gone:
/// `shiten status | head -1` closes the pipe after one line, and [`is_broken_pipe`] lets
/// `main` end quietly then. Use inside functions returning `anyhow::Result`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// `print!` with the error handling of `outln!`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod bench;
mod dict;
mod eval;
mod eval_frames;
mod frames;
mod gen_corpus;
mod kwic;
mod progress;
mod run;
mod status;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use progress::Progress;

/// Exit code of a usage error (an unknown option such as `--outt`, a missing argument):
/// nothing was done. Not clap's 2, which shiten uses for "done, but some inputs were
/// skipped" and cluster recipes treat as success (64 is `EX_USAGE` of sysexits.h).
pub const EXIT_USAGE: u8 = 64;

/// The exit codes, as `--help` lists them.
pub const EXIT_CODES: &str = "Exit codes:
  0   everything analysed (or the command did what it was asked)
  2   done, but some inputs were skipped: each is in skipped.csv and on stderr
  1   fatal error: no usable dictionary or lexicon, unreadable corpus, outputs not
      writable, store locked or damaged (the message says what to do)
  64  usage error (unknown option, missing argument): nothing was done";

/// Parses the command line, with [`EXIT_CODES`] at the end of every command's help.
pub fn parse_args() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = Cli::command()
        .after_help(EXIT_CODES)
        .mut_subcommands(|s| s.after_help(EXIT_CODES));
    Cli::from_arg_matches(&cmd.try_get_matches()?)
}

/// Whether `e` comes from writing to a closed standard output (`shiten status | head -1`):
/// the reader has what it wanted, and shiten ends quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

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
    /// Concordance (KWIC) lines of a word or regex in the analysed articles of --out,
    /// with each article's source, date and metadata variables.
    Kwic(kwic::KwicArgs),
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
        Command::Kwic(a) => kwic::run(a, &progress),
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
