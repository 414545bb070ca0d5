//! shiten (視点): how each source explains an incident. Stages:
//!
//! 1. [`corpus`]    files -> [`Document`](corpus::Document) (owns the decoded text)
//! 2. [`normalize`] folding -> [`NormalizedText`](normalize::NormalizedText), mapping back
//!    to the original; [`boilerplate`] marks navigation, share buttons, related lists
//! 3. [`segment`]   -> [`Sentence`](segment::Sentence) spans
//! 4. [`tokenize`]  lindera + IPADIC -> [`Token`](tokenize::Token)
//! 5. extract       numbers, dates, entities -> mentions (to come)
//! 6. frame         cause cues with stance -> frame hits (to come)
//! 7. [`aggregate`] tables computed from the row tables (registered plug-ins)
//! 8. [`output`]    CSV / Parquet, written atomically
//!
//! [`analyze`] runs stages 2–6 on one document with a per-thread worker; [`pipeline`] runs
//! them over a corpus, streaming results into the incremental store ([`state`]: ledger,
//! parts, commit protocol) from which the outputs are published; [`cli`] is the command
//! line.
//!
//! Every span in every output row is a byte range (and a code-point range) into the
//! document's original decoded text.
#![deny(missing_docs)]

pub mod aggregate;
pub mod analyze;
pub mod boilerplate;
pub mod calendar;
pub mod cli;
pub mod corpus;
pub mod error;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod segment;
pub mod state;
pub mod tokenize;

pub use error::{Error, Result};
