//! `shiten dict`: where the IPADIC dictionary is; builds it if missing, or with --rebuild.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{Progress, Status};
use crate::tokenize::ipadic;

/// Arguments of `shiten dict`.
#[derive(Debug, Args)]
pub struct DictArgs {
    /// Dictionary folder (default: the cache; also $SHITEN_DICT).
    #[arg(long, value_name = "DIR")]
    pub dict: Option<PathBuf>,
    /// Build again even if a built dictionary exists.
    #[arg(long)]
    pub rebuild: bool,
}

/// Runs `shiten dict`.
pub fn run(a: DictArgs, progress: &Progress) -> anyhow::Result<Status> {
    let log = |m: &str| progress.note(m);
    let loc = if a.rebuild {
        let dir = a
            .dict
            .clone()
            .or_else(|| std::env::var_os("SHITEN_DICT").map(PathBuf::from))
            .unwrap_or_else(|| ipadic::cache_root().join(ipadic::cache_entry_name()));
        ipadic::build_locked(&dir, true, &log)
    } else {
        ipadic::ensure(a.dict.as_deref(), &log)
    }
    .context("cannot get the IPADIC dictionary")?;
    let t0 = std::time::Instant::now();
    crate::tokenize::Tokenizer::load(&loc.dir, None)
        .with_context(|| format!("the dictionary at {} does not load", loc.dir.display()))?;
    let load_ms = t0.elapsed().as_secs_f64() * 1000.0;
    outln!("dictionary: {}", loc.dir.display());
    outln!("origin:     {}", loc.origin);
    outln!(
        "built now:  {}",
        if loc.built_now { "yes" } else { "no (cached)" }
    );
    outln!("load time:  {load_ms:.1} ms (memory-mapped)");
    Ok(Status::Clean)
}
