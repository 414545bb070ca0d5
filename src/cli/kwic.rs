//! `shiten kwic PATTERN --out DIR`: concordance lines of a word or regex from the
//! analysed articles (see [`crate::kwic`]).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{AnalyzerArgs, Progress, Status};
use crate::kwic::{self, Pattern, Query};
use crate::output::Values;

/// Output format of `shiten kwic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per occurrence: doc, source, left【keyword】right.
    Text,
    /// CSV with every column (RFC 4180).
    Csv,
    /// Parquet with every column (needs --to FILE, or a redirected standard output).
    Parquet,
}

/// Arguments of `shiten kwic`.
#[derive(Debug, Args)]
pub struct KwicArgs {
    /// A word (matched on its dictionary form or surface: 攻撃 finds 攻撃され) or a
    /// regular expression (when it holds `.*+?()[]{}|^$\`, or with --regex).
    pub pattern: String,
    /// Output folder of an earlier `shiten run` / `shiten add`.
    #[arg(long, short, default_value = "outputs", value_name = "DIR")]
    pub out: PathBuf,
    /// Characters of context on each side.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub window: usize,
    /// Only the articles of this source.
    #[arg(long, value_name = "S")]
    pub source: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Read PATTERN as a regular expression.
    #[arg(long)]
    pub regex: bool,
    /// Write the lines to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Files larger than this many MiB are not read (as in `run`).
    #[arg(long, default_value_t = crate::corpus::DEFAULT_MAX_FILE_MB, value_name = "MIB")]
    pub max_file_mb: u64,
    /// The text column of export files (as in `run`).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The id column of export files (as in `run`).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Dictionary options (use the ones the corpus was analysed with).
    #[command(flatten)]
    pub analyzer: AnalyzerArgs,
}

/// Runs `shiten kwic`.
pub fn run(a: KwicArgs, progress: &Progress) -> anyhow::Result<Status> {
    let pattern = Pattern::parse(&a.pattern, a.regex)?;
    if a.format == Format::Parquet && a.to.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!("--format parquet writes binary data: give --to FILE or redirect the output");
    }
    let analyzer = super::load_analyzer(&a.analyzer, progress)?;
    let q = Query {
        out: a.out.clone(),
        pattern,
        window: a.window,
        source: a.source.clone(),
        max_file_bytes: a.max_file_mb << 20,
        columns: crate::corpus::export::Columns {
            text: a.text_column.clone(),
            id: a.id_column.clone(),
        },
    };
    let c = kwic::search(&analyzer, &q)
        .with_context(|| format!("cannot search the articles of {}", a.out.display()))?;
    for p in &c.problems {
        progress.warn(p);
    }
    let mut bytes = Vec::new();
    match a.format {
        Format::Csv => crate::output::csv::write_csv(&c.table, &mut bytes, true)?,
        Format::Parquet => crate::output::parquet::write_parquet(&c.table, &mut bytes)?,
        Format::Text => {
            let col = |n: &str| match c.table.column(n) {
                Some(Values::Str(v)) => v.clone(),
                _ => Vec::new(),
            };
            let (doc, source, left, kw, right) = (
                col("doc"),
                col("source"),
                col("left"),
                col("keyword"),
                col("right"),
            );
            let s = |v: &Option<String>| {
                crate::output::printable(v.as_deref().unwrap_or("")).into_owned()
            };
            for i in 0..c.table.height() {
                writeln!(
                    bytes,
                    "{}\t{}\t{:>w$}【{}】{}",
                    s(&doc[i]),
                    s(&source[i]),
                    s(&left[i]),
                    s(&kw[i]),
                    s(&right[i]),
                    w = a.window,
                )?;
            }
        }
    }
    match &a.to {
        Some(p) => crate::output::atomic::write_atomic(p, |w| w.write_all(&bytes))
            .with_context(|| format!("cannot write {}", p.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    progress.note(&format!(
        "{} line(s) in {} article(s){}",
        c.table.height(),
        c.searched,
        if c.problems.is_empty() {
            String::new()
        } else {
            format!(
                "; {} article(s) left out (see the warnings above)",
                c.problems.len()
            )
        }
    ));
    Ok(if c.problems.is_empty() {
        Status::Clean
    } else {
        Status::DoneWithSkips
    })
}
