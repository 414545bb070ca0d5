//! Progress and messages on stderr: bars only when stderr is a terminal and not --quiet;
//! notes and the summary unless --quiet; errors always.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress and notes go.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    quiet: bool,
    bars: bool,
}

impl Progress {
    /// Decides once whether to draw bars and print notes.
    pub fn new(quiet: bool) -> Progress {
        Progress {
            quiet,
            bars: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Whether notes and the summary are printed.
    pub fn verbose(&self) -> bool {
        !self.quiet
    }

    /// A bar for `what`, hidden when bars are off.
    pub fn bar(&self, what: &str, len: u64) -> ProgressBar {
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_string());
        bar
    }

    /// A note (unless --quiet). Control characters (of a file name it quotes) are
    /// escaped: one message is one line.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("shiten: {}", crate::output::printable(msg));
        }
    }

    /// A warning (unless --quiet), escaped like [`Progress::note`].
    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            eprintln!("warning: {}", crate::output::printable(msg));
        }
    }
}
