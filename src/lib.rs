//! shiten (視点): how each source explains an incident. Stages:
//!
//! 1. [`corpus`]    files -> [`Document`](corpus::Document) (owns the decoded text)
//! 2. [`normalize`] folding -> [`NormalizedText`](normalize::NormalizedText), mapping back
//!    to the original; [`boilerplate`] marks navigation, share buttons, related lists
//! 3. [`segment`]   -> [`Sentence`](segment::Sentence) spans
//! 4. [`tokenize`]  lindera + IPADIC -> [`Token`](tokenize::Token)
//! 5. [`incident`]  which incidents (`dictionaries/incidents.toml`) the article is about ->
//!    [`DocIncidents`](incident::DocIncidents); [`dating`] its publication date, given or
//!    inferred -> [`Dated`](dating::Dated);
//!    [`extract`]   numbers and dates -> [`Mention`](extract::Mention)s; [`entities`]
//!    organisations, people, products, places -> [`Entity`](entities::Entity); [`facts`]
//!    figures bound to a measure and an as-of time -> [`Fact`](facts::Fact)
//! 6. [`frame`]     cause cues with stance -> [`FrameHit`](frame::FrameHit); [`terms`]
//!    content words by dictionary form -> `term_docs` rows; [`copies`] a MinHash
//!    signature of the body, which marks syndicated and near-identical copies at publish
//! 7. [`aggregate`] per-source tables that merge ([`FrameAcc`](aggregate::FrameAcc));
//!    [`facts::figures()`] compares the figures of all sources
//! 8. [`output`]    CSV / Parquet, written atomically; [`report`] `report.html`
//!
//! [`prepared`] holds what the stages after tokenization read about a document
//! ([`Prepared`](prepared::Prepared)) and maps its spans back to the original text.
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
pub mod bench;
pub mod boilerplate;
pub mod calendar;
pub mod cli;
pub mod copies;
pub mod corpus;
pub mod dating;
pub mod entities;
pub mod error;
pub mod eval;
pub mod extract;
pub mod facts;
pub mod frame;
pub mod generate;
pub mod incident;
pub mod intern;
pub mod kwic;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod prepared;
pub mod report;
pub mod segment;
pub mod state;
pub mod terms;
pub mod tokenize;
pub mod trace;

pub use error::{Error, Result};
