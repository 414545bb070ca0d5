//! Stage 7: aggregates, the tables (and the report) computed from the row tables of the
//! whole corpus: `source_frames`, `figures`, `report.html`.
//!
//! # Summaries that merge
//!
//! An aggregate never reads all rows at once. Each batch of documents gets a small
//! **summary** of its rows when it is committed (in the same step as its parts, from the
//! rows still in memory; see [`crate::state::parts::write_batch`]), and publishing merges
//! the summaries of the live batches and turns the merged summary into tables. A summary
//! is a [`Summary`]: `Default` (the summary of nothing) plus [`Summary::add`] (fold one
//! table's rows of a batch) plus [`Summary::merge`], which must be associative and
//! commutative with `Default` as its identity: batches are merged in groups (a tree over
//! batch ids, cached in the store, see [`crate::state::summaries`]) whose shape depends on
//! how the corpus was cut into batches, and the outputs must not. So `add` must not
//! depend on the order of documents either (keep sorted or keyed data, not "the first
//! seen"), and anything picked from many (the report's evidence sentences) is picked by
//! a total order of the rows.
//!
//! When a batch's documents are analysed again later (a changed file), its summary is
//! computed again from its stored parts, only from the rows of its documents still
//! live; the same happens to every summary written by another build of shiten. So a
//! summary only ever sees whole documents, and may rely on a document's rows of a table
//! coming together (as they do in a part).
//!
//! # Adding an aggregate
//!
//! 1. Write the summary type: `#[derive(Default, Serialize, Deserialize)]`, with
//!    [`Summary::add`] reading the columns it needs by name (`rows_of::<FactRow>(rows)`
//!    or [`Table::column`]) and [`Summary::merge`]. Test it like [`frames::FrameAcc`]:
//!    merge is associative, `Default` is its identity, any split of the rows equals one
//!    pass.
//! 2. Register it in [`registry`] with [`summarized`]: its name, the tables it reads, and
//!    the function from the merged summary (and the products of the aggregates before it)
//!    to its [`Product`]s (tables are written as CSV and Parquet, files as they are).
//! 3. If it needs something no row table holds (word counts need tokens), add a
//!    per-document table to the batch parts: a row type with `doc` as its first column
//!    (a [`Record`] + `FromRow`), filled in [`crate::analyze::DocAnalysis`], listed in
//!    [`crate::state::parts::PART_TABLES`] as not published, and name it in the inputs.
//!    Its rows are then kept per batch like the others, so a summary can be computed
//!    again when some of the batch's documents are superseded.
//!
//! Summaries are stored with MessagePack ([`Summary`] is serde); a change to a summary
//! type needs nothing else: the store keys stored summaries by the shiten build and
//! computes them again from the parts after an upgrade.
//!
//! ```
//! use shiten::aggregate::{Product, Summary, summarized};
//! use shiten::output::{ColType, Table, Values};
//!
//! /// Documents per source.
//! #[derive(Default, serde::Serialize, serde::Deserialize)]
//! struct DocsPerSource(std::collections::BTreeMap<String, i64>);
//!
//! impl Summary for DocsPerSource {
//!     fn add(&mut self, _table: &str, rows: &Table) -> shiten::Result<()> {
//!         if let Some(Values::Str(sources)) = rows.column("source") {
//!             for s in sources.iter().flatten() {
//!                 *self.0.entry(s.clone()).or_default() += 1;
//!             }
//!         }
//!         Ok(())
//!     }
//!     fn merge(&mut self, other: Self) {
//!         for (s, n) in other.0 {
//!             *self.0.entry(s).or_default() += n;
//!         }
//!     }
//! }
//!
//! let agg = summarized("docs_per_source", &["documents"], |s: DocsPerSource, _earlier| {
//!     let mut t = Table::empty(
//!         "docs_per_source",
//!         &[("source".into(), ColType::Str), ("docs".into(), ColType::Int)],
//!     );
//!     for (source, n) in s.0 {
//!         if let [a, b] = &mut t.columns[..] {
//!             if let (Values::Str(x), Values::Int(y)) = (&mut a.values, &mut b.values) {
//!                 x.push(Some(source));
//!                 y.push(Some(n));
//!             }
//!         }
//!     }
//!     Ok(vec![Product::Table(t)])
//! });
//! assert_eq!(agg.name(), "docs_per_source");
//! ```

pub mod frames;
pub mod kwic;
pub mod stats;
pub mod terms;

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use self::frames::{FrameAcc, source_frames};
use crate::error::{Error, Result};
use crate::output::copy_rows::CopyRow;
use crate::output::rows::{DocumentRow, FactRow, FigureRow, FrameHitRow, SourceFrameRow, TermRow};
use crate::output::table::rows_of;
use crate::output::{Record, Table};
use crate::report::{self, FrameInfo, Labels, ReportInput};

/// What an aggregate produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Product {
    /// A table, written as `NAME.csv` and `NAME.parquet`.
    Table(Table),
    /// A file written as is (e.g. `report.html`).
    File {
        /// File name in the output folder.
        name: String,
        /// Its content.
        bytes: Vec<u8>,
    },
}

impl Product {
    /// The table named `name` among `products`, if any.
    pub fn find<'a>(products: &'a [Product], name: &str) -> Option<&'a Table> {
        products.iter().find_map(|p| match p {
            Product::Table(t) if t.name == name => Some(t),
            _ => None,
        })
    }
}

/// The per-batch summary of an aggregate (see the module documentation).
pub trait Summary: Default + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Folds rows of the table `table` (every column of it; read what you need by name).
    /// A document's rows of one table come in one call.
    fn add(&mut self, table: &str, rows: &Table) -> Result<()>;
    /// Merges `other` in: associative and commutative, with `Default` as the identity.
    fn merge(&mut self, other: Self);
}

/// A summary of any aggregate, as the store handles it (see [`Summary`]).
pub trait Partial: Send + Sync {
    /// [`Summary::add`].
    fn add(&mut self, table: &str, rows: &Table) -> Result<()>;
    /// [`Summary::merge`]; fails on a summary of another aggregate.
    fn merge_from(&mut self, other: Box<dyn Partial>) -> Result<()>;
    /// The summary as bytes (MessagePack).
    fn save(&self) -> Result<Vec<u8>>;
    /// For downcasting.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<S: Summary> Partial for S {
    fn add(&mut self, table: &str, rows: &Table) -> Result<()> {
        Summary::add(self, table, rows)
    }
    fn merge_from(&mut self, other: Box<dyn Partial>) -> Result<()> {
        let other = other
            .into_any()
            .downcast::<S>()
            .map_err(|_| Error::State("merging summaries of different aggregates".into()))?;
        self.merge(*other);
        Ok(())
    }
    fn save(&self) -> Result<Vec<u8>> {
        rmp_serde::to_vec(self).map_err(|e| Error::State(format!("cannot save a summary: {e}")))
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// An aggregate: its name, the part tables it reads, and its products.
pub trait Aggregate: Send + Sync {
    /// Its name, for messages and file names of its stored summaries.
    fn name(&self) -> &'static str;
    /// The part tables its summary reads, in the order they are given to it.
    fn inputs(&self) -> &'static [&'static str];
    /// An empty summary.
    fn empty(&self) -> Box<dyn Partial>;
    /// A summary saved by [`Partial::save`].
    fn load(&self, bytes: &[u8]) -> Result<Box<dyn Partial>>;
    /// Its products from the merged summary of every live batch, given the products of
    /// the aggregates registered before it.
    fn finish(&self, merged: Box<dyn Partial>, earlier: &[Product]) -> Result<Vec<Product>>;
}

/// The function making an aggregate's products from its merged summary.
pub type FinishFn<S> = dyn Fn(S, &[Product]) -> Result<Vec<Product>> + Send + Sync;

struct Summarized<S> {
    name: &'static str,
    inputs: &'static [&'static str],
    finish: Box<FinishFn<S>>,
    _summary: PhantomData<fn() -> S>,
}

impl<S: Summary> Aggregate for Summarized<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn inputs(&self) -> &'static [&'static str] {
        self.inputs
    }
    fn empty(&self) -> Box<dyn Partial> {
        Box::new(S::default())
    }
    fn load(&self, bytes: &[u8]) -> Result<Box<dyn Partial>> {
        let s: S = rmp_serde::from_slice(bytes).map_err(|e| {
            Error::State(format!("cannot read a stored {} summary: {e}", self.name))
        })?;
        Ok(Box::new(s))
    }
    fn finish(&self, merged: Box<dyn Partial>, earlier: &[Product]) -> Result<Vec<Product>> {
        let s = merged
            .into_any()
            .downcast::<S>()
            .map_err(|_| Error::State(format!("{}: a summary of another aggregate", self.name)))?;
        (self.finish)(*s, earlier)
    }
}

/// The aggregate named `name` whose summary is `S`, reading the part tables `inputs`, and
/// making its products with `finish`.
pub fn summarized<S: Summary>(
    name: &'static str,
    inputs: &'static [&'static str],
    finish: impl Fn(S, &[Product]) -> Result<Vec<Product>> + Send + Sync + 'static,
) -> Box<dyn Aggregate> {
    Box::new(Summarized {
        name,
        inputs,
        finish: Box::new(finish),
        _summary: PhantomData,
    })
}

/// What the aggregates need besides the rows: the frame labels for the report and where
/// the articles are, relative to the output folder.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Frames in lexicon order (labels, descriptions).
    pub frames: Vec<FrameInfo>,
    /// Relative URL prefix from the output folder to the corpus folder (`../corpus/`).
    pub article_base: Option<String>,
    /// The report's words and names (language, frame, measure and incident labels).
    pub labels: Labels,
}

impl Context {
    /// The context for outputs in `out` of articles in `corpus`, with `lexicon`'s frames.
    pub fn new(
        lexicon: &crate::frame::Lexicon,
        out: &std::path::Path,
        corpus: &std::path::Path,
    ) -> Context {
        let frames: Vec<FrameInfo> = lexicon
            .frames
            .iter()
            .map(|f| FrameInfo {
                id: f.id.clone(),
                label: f.label.clone(),
                description: f.description.clone(),
            })
            .collect();
        Context {
            frames: frames.clone(),
            article_base: report::relative_url(out, corpus),
            labels: Labels {
                frames,
                ..Labels::default()
            },
        }
    }

    /// The context with the report's labels (language, measures, incidents) replaced.
    pub fn with_labels(self, labels: Labels) -> Context {
        Context { labels, ..self }
    }
}

/// The aggregates published with every output, in order: `copies` (from the
/// `signatures` parts, see [`crate::copies`]), `source_frames` (from `documents` and
/// `frame_hits`), `figures` (from `facts`, counting independent texts with `copies`), `terms` and `cooccurrence`
/// (from `term_docs`), then `report.html`, which reads the rows and these tables.
/// Summaries grow with the number of sources, frames, comparable figures and words, not
/// with the corpus (co-occurrence counts grow with the distinct word pairs; `copies`
/// holds about 600 bytes of signature per document).
pub fn registry(ctx: &Context) -> Vec<Box<dyn Aggregate>> {
    let ctx = ctx.clone();
    vec![
        summarized(
            CopyRow::TABLE,
            &["signatures"],
            |s: crate::copies::CopiesSummary, _| {
                Ok(vec![Product::Table(Table::from_records(s.rows().iter()))])
            },
        ),
        summarized(
            SourceFrameRow::TABLE,
            &["documents", "frame_hits"],
            |s: FramesSummary, _| {
                let rows = s.acc.rows();
                Ok(vec![Product::Table(Table::from_records(rows.iter()))])
            },
        ),
        summarized(
            FigureRow::TABLE,
            &["facts"],
            |acc: crate::facts::FigureAcc, earlier| {
                let mut table = Table::of::<FigureRow>();
                let originals = Product::find(earlier, CopyRow::TABLE)
                    .map(crate::copies::originals)
                    .unwrap_or_default();
                acc.each_row_with(&originals, |r| table.push(&r));
                Ok(vec![Product::Table(table)])
            },
        ),
        summarized("terms", &["term_docs"], |mut s: terms::WordsAcc, _| {
            let (terms, cooc) = s.finish();
            Ok(vec![
                Product::Table(Table::from_records(terms.iter())),
                Product::Table(Table::from_records(cooc.iter())),
            ])
        }),
        summarized(
            report::REPORT_FILE,
            &["documents", "frame_hits", "facts", "term_lines"],
            move |s: ReportSummary, earlier| s.render(&ctx, earlier),
        ),
    ]
}

/// Runs `aggregates` over whole tables held in memory (the path without a store): one
/// summary of everything, then the products.
pub fn run_in_memory(
    aggregates: Vec<Box<dyn Aggregate>>,
    tables: &[&Table],
) -> Result<Vec<Product>> {
    let mut products = Vec::new();
    for a in aggregates {
        let mut s = a.empty();
        for name in a.inputs() {
            if let Some(t) = tables.iter().find(|t| t.name == *name) {
                s.add(name, t)?;
            }
        }
        let mut out = a.finish(s, &products)?;
        products.append(&mut out);
    }
    Ok(products)
}

/// The `source_frames` summary: a [`FrameAcc`]. A document's hits come together, so the
/// (incident, frame) pairs of the current document are all it remembers to count each
/// document once per frame and incident.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct FramesSummary {
    /// The counts.
    pub acc: FrameAcc,
}

impl Summary for FramesSummary {
    fn add(&mut self, table: &str, rows: &Table) -> Result<()> {
        match table {
            "documents" => {
                // `incidents` is a list column (`; `-joined as a cell).
                if let (Some(crate::output::Values::Str(sources)), Some(incidents)) =
                    (rows.column("source"), rows.column("incidents"))
                {
                    for (k, s) in sources.iter().enumerate() {
                        self.acc.add_doc(
                            s.as_deref().unwrap_or(""),
                            &incidents.cell(k),
                            std::iter::empty(),
                        );
                    }
                }
            }
            "frame_hits" => {
                let mut current: Option<(String, BTreeSet<(String, String)>)> = None;
                for h in rows_of::<FrameHitRow>(rows) {
                    let key = (h.incident.clone(), h.frame.clone());
                    let first = match &mut current {
                        Some((doc, seen)) if *doc == h.doc => seen.insert(key),
                        _ => {
                            current = Some((h.doc.clone(), BTreeSet::from([key])));
                            true
                        }
                    };
                    self.acc.add_hit(&h, first);
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn merge(&mut self, other: Self) {
        self.acc = std::mem::take(&mut self.acc).merge(other.acc);
    }
}

impl Summary for crate::facts::FigureAcc {
    fn add(&mut self, _table: &str, rows: &Table) -> Result<()> {
        for f in rows_of::<FactRow>(rows) {
            crate::facts::FigureAcc::add(self, &f);
        }
        Ok(())
    }
    fn merge(&mut self, other: Self) {
        crate::facts::FigureAcc::merge(self, other);
    }
}

/// The order in which evidence sentences are picked and shown: by document, then place
/// in it (the rest breaks ties, so the pick never depends on the order rows came in).
fn evidence_order(a: &FrameHitRow, b: &FrameHitRow) -> std::cmp::Ordering {
    type Key<'a> = (
        &'a str,
        crate::output::rows::Offsets,
        i64,
        &'a str,
        &'a str,
        &'a str,
    );
    fn key(h: &FrameHitRow) -> Key<'_> {
        (&h.doc, h.offsets, h.sentence, &h.cue, &h.stance, &h.frame)
    }
    key(a)
        .cmp(&key(b))
        .then_with(|| a.sentence_text.cmp(&b.sentence_text))
        .then_with(|| a.stance_cue.cmp(&b.stance_cue))
        .then_with(|| a.published.cmp(&b.published))
        .then_with(|| a.source.cmp(&b.source))
}

/// The report's summary: how many articles and outlets, the first
/// [`report::EVIDENCE_PER_CELL`] hits of each source × frame cell (by
/// [`evidence_order`]; the report shows no more, `frame_hits.csv` has them all), the
/// `documents` rows of their articles (the report links them), and the first
/// [`report::KWIC_LINES`] concordance lines of every (incident, word) ([`kwic::KwicLines`]:
/// one per article, from `term_lines`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReportSummary {
    n_documents: i64,
    sources: BTreeSet<String>,
    /// Kept hits by (incident, source, frame).
    hits: BTreeMap<(String, String, String), Vec<FrameHitRow>>,
    documents: BTreeMap<String, DocumentRow>,
    /// The `documents` rows of the batch being added (its hits and facts come after them).
    recent: HashMap<String, DocumentRow>,
    /// Articles and outlets by the documents' main incident.
    incidents: BTreeMap<String, (i64, BTreeSet<String>)>,
    /// Per figure group, the first fact of each of its earliest figures (their sentences
    /// are the figures' evidence).
    facts: BTreeMap<report::FigureGroup, BTreeMap<FactSlot, FactRow>>,
    /// The first concordance lines of each (incident, word).
    lines: kwic::KwicLines,
}

/// Orders a group's figures roughly as the `figures` table does (dated first, by as-of
/// time, then source, value and hedge), so that the kept facts cover the rows shown.
type FactSlot = (bool, Option<String>, String, String, bool);

/// Facts kept per figure group: more than the rows shown, since an outlet's rewordings
/// and the order of stated times within a day may differ from the table's.
const FACTS_PER_GROUP: usize = 4 * report::FIGURES_PER_MEASURE;

fn fact_key(f: &FactRow) -> (report::FigureGroup, FactSlot) {
    (
        (
            f.incident.clone().unwrap_or_default(),
            f.measure.clone(),
            f.subject.clone().unwrap_or_default(),
        ),
        (
            f.as_of.is_none(),
            f.as_of.clone(),
            f.source.clone(),
            f.value.clone().unwrap_or_default(),
            f.approx,
        ),
    )
}

/// How a [`ReportSummary`] is stored: its rows as tables (columns, not one map per row).
#[derive(Serialize, Deserialize)]
struct StoredReport<L> {
    n_documents: i64,
    sources: Vec<String>,
    hits: Table,
    documents: Table,
    incidents: Vec<(String, i64, Vec<String>)>,
    facts: Table,
    /// The concordance lines (`&KwicLines` when saving).
    lines: L,
}

impl Serialize for ReportSummary {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> std::result::Result<Z::Ok, Z::Error> {
        StoredReport {
            n_documents: self.n_documents,
            sources: self.sources.iter().cloned().collect(),
            hits: Table::from_records(self.hits.values().flatten()),
            documents: Table::from_records(self.documents.values()),
            incidents: self
                .incidents
                .iter()
                .map(|(k, (n, s))| (k.clone(), *n, s.iter().cloned().collect()))
                .collect(),
            facts: Table::from_records(self.facts.values().flat_map(BTreeMap::values)),
            lines: &self.lines,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ReportSummary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = StoredReport::<kwic::KwicLines>::deserialize(d)?;
        let mut out = ReportSummary {
            n_documents: s.n_documents,
            sources: s.sources.into_iter().collect(),
            ..ReportSummary::default()
        };
        for h in rows_of::<FrameHitRow>(&s.hits) {
            out.hits
                .entry((h.incident.clone(), h.source.clone(), h.frame.clone()))
                .or_default()
                .push(h);
        }
        for d in rows_of::<DocumentRow>(&s.documents) {
            out.documents.insert(d.doc.clone(), d);
        }
        for (k, n, sources) in s.incidents {
            out.incidents.insert(k, (n, sources.into_iter().collect()));
        }
        for f in rows_of::<FactRow>(&s.facts) {
            let (group, slot) = fact_key(&f);
            out.facts.entry(group).or_default().insert(slot, f);
        }
        out.lines = s.lines;
        Ok(out)
    }
}

impl ReportSummary {
    /// Keeps the first hits of each cell, the earliest facts of each figure group and
    /// the documents rows they need.
    fn prune(&mut self) {
        for cell in self.hits.values_mut() {
            if cell.len() > report::EVIDENCE_PER_CELL {
                cell.sort_by(evidence_order);
                cell.truncate(report::EVIDENCE_PER_CELL);
            }
        }
        for kept in self.facts.values_mut() {
            while kept.len() > FACTS_PER_GROUP {
                kept.pop_last();
            }
        }

        let wanted: BTreeSet<&str> = self
            .hits
            .values()
            .flatten()
            .map(|h| h.doc.as_str())
            .chain(
                self.facts
                    .values()
                    .flat_map(BTreeMap::values)
                    .map(|f| f.doc.as_str()),
            )
            .collect();
        self.documents.retain(|d, _| wanted.contains(d.as_str()));
    }

    /// Keeps `doc`'s row of the batch being added, if it has one.
    fn want_doc(&mut self, doc: &str) {
        if let Some(d) = self.recent.get(doc)
            && !self.documents.contains_key(doc)
        {
            self.documents.insert(doc.to_string(), d.clone());
        }
    }

    /// The concordance lines of the words the report shows (each outlet's characteristic
    /// words and the words of each incident's network), with their counts.
    fn kwic_words(
        &mut self,
        terms: &[TermRow],
        outlets: &[report::OutletTerms],
        pairs: &[crate::output::term_rows::CoocRow],
    ) -> Vec<report::KwicWord> {
        let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
        for o in outlets {
            for (w, _) in &o.terms {
                wanted.insert((o.incident.clone(), w.clone()));
            }
        }
        let mut per_incident: HashMap<&str, usize> = HashMap::new();
        for p in pairs {
            let inc = p.incident.as_deref().unwrap_or("");
            let n = per_incident.entry(inc).or_default();
            *n += 1;
            if *n <= report::NETWORK_PAIRS {
                wanted.insert((inc.to_string(), p.term_a.clone()));
                wanted.insert((inc.to_string(), p.term_b.clone()));
            }
        }
        let totals: HashMap<(&str, &str), (i64, i64)> = terms
            .iter()
            .filter(|r| r.source == "*")
            .map(|r| {
                (
                    (r.incident.as_deref().unwrap_or(""), r.term.as_str()),
                    (r.count, r.docs),
                )
            })
            .collect();
        wanted
            .into_iter()
            .filter_map(|key| {
                let lines = self.lines.take(&key.0, &key.1)?;
                let (count, docs) = totals
                    .get(&(key.0.as_str(), key.1.as_str()))
                    .copied()
                    .unwrap_or((lines.len() as i64, lines.len() as i64));
                Some(report::KwicWord {
                    incident: key.0,
                    term: key.1,
                    count,
                    docs,
                    lines,
                })
            })
            .collect()
    }

    fn render(mut self, ctx: &Context, earlier: &[Product]) -> Result<Vec<Product>> {
        let documents: Vec<DocumentRow> =
            std::mem::take(&mut self.documents).into_values().collect();
        let mut hits: Vec<FrameHitRow> = Vec::new();
        for (_, mut cell) in std::mem::take(&mut self.hits) {
            cell.sort_by(evidence_order);
            hits.extend(cell);
        }
        let source_frames: Vec<SourceFrameRow> = Product::find(earlier, SourceFrameRow::TABLE)
            .map(rows_of)
            .unwrap_or_default();
        let frame_cells: Vec<report::FrameCell> = source_frames
            .into_iter()
            .map(|row| report::FrameCell {
                incident: row.incident.clone(),
                q_value: row.q_value,
                row,
            })
            .collect();
        let facts: Vec<FactRow> = std::mem::take(&mut self.facts)
            .into_values()
            .flat_map(BTreeMap::into_values)
            .collect();
        let incident_counts: BTreeMap<String, (usize, usize)> = std::mem::take(&mut self.incidents)
            .into_iter()
            .map(|(k, (docs, sources))| (k, (docs as usize, sources.len())))
            .collect();
        // The report shows the first rows of each figure group: only those are read.
        let figures = Product::find(earlier, FigureRow::TABLE).map(shown_figures);
        let term_rows: Option<Vec<TermRow>> = Product::find(earlier, TermRow::TABLE).map(rows_of);
        let outlet_terms = term_rows.as_deref().map(characteristic_words);
        let pairs: Option<Vec<crate::output::term_rows::CoocRow>> =
            Product::find(earlier, crate::output::term_rows::CoocRow::TABLE).map(rows_of);
        let kwic = self.kwic_words(
            term_rows.as_deref().unwrap_or_default(),
            outlet_terms.as_deref().unwrap_or_default(),
            pairs.as_deref().unwrap_or_default(),
        );
        let html = report::render(&ReportInput {
            documents: &documents,
            n_documents: self.n_documents as usize,
            n_sources: self.sources.len(),
            hits: &hits,
            frame_cells: &frame_cells,
            figures: figures.as_ref().map(|(rows, _)| rows.as_slice()),
            figure_totals: figures.as_ref().map(|(_, totals)| totals),
            facts: &facts,
            labels: &ctx.labels,
            article_base: ctx.article_base.as_deref(),
            terms: outlet_terms.as_deref(),
            cooccurrence: pairs.as_deref(),
            kwic: Some(&kwic),
            incident_counts: Some(&incident_counts),
        });
        Ok(vec![Product::File {
            name: report::REPORT_FILE.to_string(),
            bytes: html.into_bytes(),
        }])
    }
}

impl Summary for ReportSummary {
    fn add(&mut self, table: &str, rows: &Table) -> Result<()> {
        match table {
            "documents" => {
                self.recent.clear();
                for d in rows_of::<DocumentRow>(rows) {
                    self.n_documents += 1;
                    if !self.sources.contains(&d.source) {
                        self.sources.insert(d.source.clone());
                    }
                    let counts = self
                        .incidents
                        .entry(report::main_incident(&d).to_string())
                        .or_default();
                    counts.0 += 1;
                    if !counts.1.contains(&d.source) {
                        counts.1.insert(d.source.clone());
                    }
                    self.recent.insert(d.doc.clone(), d);
                }
            }
            "frame_hits" => {
                for h in rows_of::<FrameHitRow>(rows) {
                    self.want_doc(&h.doc);
                    self.hits
                        .entry((h.incident.clone(), h.source.clone(), h.frame.clone()))
                        .or_default()
                        .push(h);
                }
                self.prune();
            }
            "facts" => {
                for f in rows_of::<FactRow>(rows) {
                    if !crate::facts::enters_figures(&f) {
                        continue;
                    }
                    let (group, slot) = fact_key(&f);
                    let kept = self.facts.entry(group).or_default();
                    if kept
                        .get(&slot)
                        .is_some_and(|k| (&k.doc, k.offsets) <= (&f.doc, f.offsets))
                    {
                        continue;
                    }
                    let doc = f.doc.clone();
                    kept.insert(slot, f);
                    self.want_doc(&doc);
                }
                self.prune();
            }
            "term_lines" => self.lines.add_table(rows),
            _ => {}
        }
        Ok(())
    }
    fn merge(&mut self, other: Self) {
        self.n_documents += other.n_documents;
        self.sources.extend(other.sources);
        for (cell, hits) in other.hits {
            self.hits.entry(cell).or_default().extend(hits);
        }
        for (k, (n, sources)) in other.incidents {
            let mine = self.incidents.entry(k).or_default();
            mine.0 += n;
            mine.1.extend(sources);
        }
        for (group, facts) in other.facts {
            let mine = self.facts.entry(group).or_default();
            for (slot, f) in facts {
                // The first in document order, whatever the batches.
                match mine.get(&slot) {
                    Some(kept) if (&kept.doc, kept.offsets) <= (&f.doc, f.offsets) => {}
                    _ => {
                        mine.insert(slot, f);
                    }
                }
            }
        }
        self.lines.merge(other.lines);
        self.documents.extend(other.documents);
        self.prune();
    }
}

/// Each outlet's most characteristic words in each incident: the
/// [`report::WORDS_PER_OUTLET`] `terms` rows of highest positive keyness (an outlet that
/// uses the word more than the others; ties by count, then the word), with their counts.
fn characteristic_words(rows: &[crate::output::term_rows::TermRow]) -> Vec<report::OutletTerms> {
    let mut by: BTreeMap<(&str, &str), Vec<&crate::output::term_rows::TermRow>> = BTreeMap::new();
    for r in rows {
        if r.source != "*" && r.keyness.is_some_and(|k| k > 0.0) {
            by.entry((r.incident.as_deref().unwrap_or(""), r.source.as_str()))
                .or_default()
                .push(r);
        }
    }
    by.into_iter()
        .map(|((incident, source), mut words)| {
            words.sort_by(|a, b| {
                b.keyness
                    .unwrap_or(0.0)
                    .total_cmp(&a.keyness.unwrap_or(0.0))
                    .then(b.count.cmp(&a.count))
                    .then(a.term.cmp(&b.term))
            });
            report::OutletTerms {
                incident: incident.to_string(),
                source: source.to_string(),
                terms: words
                    .iter()
                    .take(report::WORDS_PER_OUTLET)
                    .map(|w| (w.term.clone(), w.count))
                    .collect(),
            }
        })
        .collect()
}

/// The `figures` rows the report shows (the first [`report::FIGURES_PER_MEASURE`] of
/// each incident × measure × subject) and the number of rows of each.
fn shown_figures(t: &Table) -> (Vec<FigureRow>, BTreeMap<report::FigureGroup, usize>) {
    let mut totals: BTreeMap<report::FigureGroup, usize> = BTreeMap::new();
    let col = |name: &str| match t.column(name) {
        Some(crate::output::Values::Str(v)) => Some(v),
        _ => None,
    };
    let keep: Vec<bool> = match (col("measure"), col("incident"), col("subject")) {
        (Some(m), Some(i), Some(s)) => (0..t.height())
            .map(|k| {
                let key = (
                    i[k].clone().unwrap_or_default(),
                    m[k].clone().unwrap_or_default(),
                    s[k].clone().unwrap_or_default(),
                );
                let n = totals.entry(key).or_default();
                *n += 1;
                *n <= report::FIGURES_PER_MEASURE
            })
            .collect(),
        _ => vec![true; t.height()],
    };
    (rows_of(&t.filter(&keep)), totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 documents of 3 sources with hits and facts (several per document, the same
    /// figure from several documents, hedges, bounds, rates, undated figures).
    fn corpus() -> (Vec<DocumentRow>, Vec<FrameHitRow>, Vec<FactRow>) {
        let docs: Vec<DocumentRow> = (0..30)
            .map(|k| DocumentRow {
                doc: format!("d{k:02}.txt"),
                source: ["A", "B", "C"][k % 3].into(),
                title: Some(format!("記事{k}")),
                ..DocumentRow::default()
            })
            .collect();
        let stances = ["asserted", "reported", "doubted", "negated"];
        let frames = ["two_factor_auth", "rushed_launch", "omni7_integration"];
        let hits: Vec<FrameHitRow> = (0..30)
            .flat_map(|k| {
                (0..(k % 5)).map(move |j| FrameHitRow {
                    doc: format!("d{k:02}.txt"),
                    source: ["A", "B", "C"][k % 3].into(),
                    frame: frames[(k + j) % 3].into(),
                    stance: stances[(k * j) % 4].into(),
                    sentence_text: format!("文{k}-{j}"),
                    offsets: crate::output::rows::Offsets {
                        char_start: j as i64 * 10,
                        ..Default::default()
                    },
                    ..FrameHitRow::default()
                })
            })
            .collect();
        let mut facts: Vec<FactRow> = (0..60)
            .map(|k| FactRow {
                doc: format!("d{:02}.txt", k % 30),
                source: ["A", "B", "C"][k % 3].into(),
                measure: ["victims", "damage_amount"][k % 2].into(),
                value: Some(["900", "808", "38615473", "55000000", "5500万"][k % 5].into()),
                unit: Some(["person", "JPY", "件"][k % 3].into()),
                approx: k % 4 == 0,
                qualifier: ["none", "lower", "per"][k % 3].into(),
                as_of: [Some("2019-07-04"), Some("2019-07-31T17:00"), None][k % 3]
                    .map(String::from),
                comparable: k % 7 != 0,
                // Figures of two incidents and of none, which never compare.
                incident: [Some("7pay"), None, Some("docomo"), Some("7pay")][k % 4]
                    .map(String::from),
                ..FactRow::default()
            })
            .collect();
        // A document's facts come together, as in a part.
        facts.sort_by(|a, b| a.doc.cmp(&b.doc));
        (docs, hits, facts)
    }

    /// The part tables of the documents `which` (a batch).
    fn batch(
        c: &(Vec<DocumentRow>, Vec<FrameHitRow>, Vec<FactRow>),
        which: &[usize],
    ) -> Vec<Table> {
        let names: Vec<String> = which.iter().map(|k| format!("d{k:02}.txt")).collect();
        let has = |d: &String| names.contains(d);
        vec![
            Table::from_records(c.0.iter().filter(|d| has(&d.doc))),
            Table::from_records(c.2.iter().filter(|f| has(&f.doc))),
            Table::from_records(c.1.iter().filter(|h| has(&h.doc))),
        ]
    }

    /// The products of every aggregate from the summaries of `batches`, saved, loaded and
    /// merged in the order given (pairwise from the right when `nested`).
    fn products(
        c: &(Vec<DocumentRow>, Vec<FrameHitRow>, Vec<FactRow>),
        batches: &[Vec<usize>],
        nested: bool,
    ) -> Vec<Product> {
        let mut products = Vec::new();
        for a in registry(&Context::default()) {
            let mut summaries: Vec<Box<dyn Partial>> = batches
                .iter()
                .map(|b| {
                    let mut s = a.empty();
                    for t in batch(c, b) {
                        if a.inputs().contains(&t.name.as_str()) {
                            s.add(&t.name, &t).unwrap();
                        }
                    }
                    a.load(&s.save().unwrap()).unwrap()
                })
                .collect();
            let merged = if nested {
                let mut acc = summaries.pop().unwrap_or_else(|| a.empty());
                while let Some(mut s) = summaries.pop() {
                    s.merge_from(acc).unwrap();
                    acc = s;
                }
                acc
            } else {
                let mut acc = a.empty();
                for s in summaries {
                    acc.merge_from(s).unwrap();
                }
                acc
            };
            let mut p = a.finish(merged, &products).unwrap();
            products.append(&mut p);
        }
        products
    }

    #[test]
    fn merged_batch_summaries_equal_the_whole_table_functions() {
        let c = corpus();
        let whole: Vec<usize> = (0..30).collect();
        let one = products(&c, std::slice::from_ref(&whole), false);
        let sf: Vec<SourceFrameRow> = rows_of(Product::find(&one, "source_frames").unwrap());
        assert_eq!(sf, source_frames(&c.0, &c.1));
        let fig: Vec<FigureRow> = rows_of(Product::find(&one, "figures").unwrap());
        assert_eq!(fig, crate::facts::figures(&c.2));
        assert!(fig.len() > 5);
        // Any cut into batches, merged in any order and grouping: the same products,
        // report included, byte for byte.
        let cuts: [Vec<Vec<usize>>; 3] = [
            (0..30).map(|k| vec![k]).collect(),
            vec![(20..30).collect(), (0..7).collect(), (7..20).collect()],
            vec![
                (0..30).filter(|k| k % 3 == 0).collect(),
                (0..30).filter(|k| k % 3 != 0).collect(),
            ],
        ];
        for cut in &cuts {
            for nested in [false, true] {
                assert_eq!(products(&c, cut, nested), one, "{cut:?} nested={nested}");
            }
        }
        // And the path without a store.
        let tables = batch(&c, &whole);
        let refs: Vec<&Table> = tables.iter().collect();
        assert_eq!(
            run_in_memory(registry(&Context::default()), &refs).unwrap(),
            one
        );
    }

    #[test]
    fn the_report_keeps_the_first_evidence_of_each_cell_by_document() {
        let hits: Vec<FrameHitRow> = (0..100)
            .map(|k| FrameHitRow {
                doc: format!("d{:03}.txt", 99 - k),
                source: "A".into(),
                frame: "two_factor_auth".into(),
                stance: "asserted".into(),
                sentence_text: format!("文{k}"),
                ..FrameHitRow::default()
            })
            .collect();
        let docs: Vec<DocumentRow> = (0..100)
            .map(|k| DocumentRow {
                doc: format!("d{k:03}.txt"),
                source: "A".into(),
                ..DocumentRow::default()
            })
            .collect();
        let mut s = ReportSummary::default();
        for chunk in docs.chunks(7) {
            let names: Vec<&str> = chunk.iter().map(|d| d.doc.as_str()).collect();
            let mut b = ReportSummary::default();
            Summary::add(&mut b, "documents", &Table::from_records(chunk.iter())).unwrap();
            let t = Table::from_records(hits.iter().filter(|h| names.contains(&h.doc.as_str())));
            Summary::add(&mut b, "frame_hits", &t).unwrap();
            Summary::merge(&mut s, b);
        }
        let kept: Vec<&str> = s.hits.values().flatten().map(|h| h.doc.as_str()).collect();
        let mut want: Vec<String> = (0..report::EVIDENCE_PER_CELL)
            .map(|k| format!("d{k:03}.txt"))
            .collect();
        let mut got: Vec<String> = kept.iter().map(|s| s.to_string()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(
            s.documents.len(),
            report::EVIDENCE_PER_CELL,
            "only their documents"
        );
        assert_eq!(s.n_documents, 100);
    }
}
