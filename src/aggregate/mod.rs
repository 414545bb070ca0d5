//! Stage 7: aggregates computed from the row tables (`documents`, `mentions`, `entities`,
//! `facts`, `frame_hits`) each time the outputs are published.
//!
//! An aggregate is registered in [`registry`]. Publishing streams the live rows of each
//! row table to it chunk by chunk ([`Aggregate::add`], projected to the columns it asks
//! for), then asks for its products ([`Aggregate::finish`]): tables (written as CSV and
//! Parquet like every table) or files (`report.html`). Aggregates run in registration
//! order and each sees the products of those before it, so a report can use
//! `source_frames` and `figures`.
//!
//! The simplest aggregate is a function of the assembled tables: wrap it with
//! [`FromTables`], which collects the requested columns and calls the function once:
//!
//! ```
//! use shiten::aggregate::{FromTables, Product, Tables};
//! use shiten::output::Table;
//!
//! fn doc_count(t: &Tables, _earlier: &[Product]) -> shiten::Result<Vec<Product>> {
//!     let mut out = Table::empty("doc_count", &[("docs".into(), shiten::output::ColType::Int)]);
//!     if let shiten::output::Values::Int(v) = &mut out.columns[0].values {
//!         v.push(Some(t.get("documents").height() as i64));
//!     }
//!     Ok(vec![Product::Table(out)])
//! }
//! let agg = FromTables::new("doc_count", &[("documents", &["doc"])], doc_count);
//! # let _ = agg;
//! ```
//!
//! An aggregate that must stay flat in memory on very large corpora implements
//! [`Aggregate`] itself and folds each chunk as it comes.

pub mod frames;
pub mod stats;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub use self::frames::{FrameAcc, source_frames};
use crate::error::Result;
use crate::output::rows::{DocumentRow, FactRow, FigureRow, FrameHitRow, SourceFrameRow};
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

/// A row table and the columns an aggregate reads from it (empty: all).
pub type Input = (&'static str, &'static [&'static str]);

/// Computes output tables or files from the row tables.
pub trait Aggregate: Send {
    /// Its name, for messages.
    fn name(&self) -> &str;
    /// The row tables it reads, with the columns it needs.
    fn inputs(&self) -> &[Input];
    /// Receives one chunk of live rows of `table` (only the requested columns). Every
    /// input table first arrives once with no rows, so its columns are known. Chunks come
    /// in a stable order (by batch, then document name).
    fn add(&mut self, table: &str, rows: Table) -> Result<()>;
    /// Its products, given the products of the aggregates that ran before it.
    fn finish(&mut self, earlier: &[Product]) -> Result<Vec<Product>>;
}

/// The row tables given to a [`FromTables`] function.
#[derive(Debug, Default)]
pub struct Tables {
    tables: BTreeMap<String, Table>,
}

impl Tables {
    /// The table `name`; an empty table if it was not requested.
    pub fn get(&self, name: &str) -> &Table {
        static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        self.tables.get(name).unwrap_or_else(|| {
            EMPTY.get_or_init(|| Table {
                name: String::new(),
                columns: Vec::new(),
            })
        })
    }

    /// Adds rows to `name`.
    pub fn add(&mut self, name: &str, rows: Table) -> Result<()> {
        match self.tables.get_mut(name) {
            Some(t) => t.append(rows).map_err(|msg| crate::Error::Output {
                table: name.to_string(),
                msg,
            }),
            None => {
                self.tables.insert(name.to_string(), rows);
                Ok(())
            }
        }
    }
}

/// The function of a [`FromTables`] aggregate.
pub type TablesFn = fn(&Tables, &[Product]) -> Result<Vec<Product>>;

/// An aggregate made from a function of the assembled row tables.
pub struct FromTables {
    name: &'static str,
    inputs: &'static [Input],
    tables: Tables,
    f: TablesFn,
}

impl FromTables {
    /// `f` gets the tables of `inputs` (with those columns), assembled from every live part.
    pub fn new(name: &'static str, inputs: &'static [Input], f: TablesFn) -> FromTables {
        FromTables {
            name,
            inputs,
            tables: Tables::default(),
            f,
        }
    }
}

impl Aggregate for FromTables {
    fn name(&self) -> &str {
        self.name
    }
    fn inputs(&self) -> &[Input] {
        self.inputs
    }
    fn add(&mut self, table: &str, rows: Table) -> Result<()> {
        self.tables.add(table, rows)
    }
    fn finish(&mut self, earlier: &[Product]) -> Result<Vec<Product>> {
        (self.f)(&std::mem::take(&mut self.tables), earlier)
    }
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
        Context {
            frames: lexicon
                .frames
                .iter()
                .map(|f| FrameInfo {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    description: f.description.clone(),
                })
                .collect(),
            article_base: report::relative_url(out, corpus),
            labels: Labels {
                frames: lexicon
                    .frames
                    .iter()
                    .map(|f| FrameInfo {
                        id: f.id.clone(),
                        label: f.label.clone(),
                        description: f.description.clone(),
                    })
                    .collect(),
                ..Labels::default()
            },
        }
    }

    /// The context with the report's labels (language, measures, incidents) replaced.
    pub fn with_labels(self, labels: Labels) -> Context {
        Context { labels, ..self }
    }
}

/// The aggregates published with every output, in order: `source_frames` (from
/// `documents` and `frame_hits`), `figures` (from `facts`), then `report.html`, which
/// reads the rows and the `figures` table. Each folds the chunks as they come, so memory grows
/// with the number of sources, frames and comparable figures, not with the corpus.
pub fn registry(ctx: &Context) -> Vec<Box<dyn Aggregate>> {
    vec![
        Box::new(SourceFramesAggregate::default()),
        Box::new(FiguresAggregate::default()),
        Box::new(ReportAggregate {
            ctx: ctx.clone(),
            ..ReportAggregate::default()
        }),
    ]
}

/// `source_frames`, folded chunk by chunk into a [`FrameAcc`]. A document's hits are
/// contiguous in the stream (chunks come by batch, then document), so the frames of the
/// current document are all it remembers to count each document once per frame.
#[derive(Default)]
struct SourceFramesAggregate {
    acc: FrameAcc,
    /// The document whose hits are being read, and its frames so far.
    current: Option<(String, std::collections::BTreeSet<String>)>,
}

impl Aggregate for SourceFramesAggregate {
    fn name(&self) -> &str {
        SourceFrameRow::TABLE
    }
    fn inputs(&self) -> &[Input] {
        &[
            ("documents", &["doc", "source"]),
            ("frame_hits", &["doc", "source", "frame", "stance"]),
        ]
    }
    fn add(&mut self, table: &str, rows: Table) -> Result<()> {
        match table {
            "documents" => {
                for d in rows_of::<DocumentRow>(&rows) {
                    self.acc.add_doc(&d.source, std::iter::empty());
                }
            }
            "frame_hits" => {
                for h in rows_of::<FrameHitRow>(&rows) {
                    let first = match &mut self.current {
                        Some((doc, frames)) if *doc == h.doc => frames.insert(h.frame.clone()),
                        _ => {
                            let frames = std::iter::once(h.frame.clone()).collect();
                            self.current = Some((h.doc.clone(), frames));
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
    fn finish(&mut self, _earlier: &[Product]) -> Result<Vec<Product>> {
        let rows = std::mem::take(&mut self.acc).rows();
        Ok(vec![Product::Table(Table::from_records(rows.iter()))])
    }
}

/// `figures`, folding each fact into its figure as it comes (only the columns it reads).
#[derive(Default)]
struct FiguresAggregate {
    acc: crate::facts::FigureAcc,
}

impl Aggregate for FiguresAggregate {
    fn name(&self) -> &str {
        FigureRow::TABLE
    }
    fn inputs(&self) -> &[Input] {
        &[(
            "facts",
            &[
                "doc",
                "source",
                "measure",
                "value",
                "unit",
                "approx",
                "qualifier",
                "as_of",
                "subject",
                "comparable",
                "incident",
            ],
        )]
    }
    fn add(&mut self, _table: &str, rows: Table) -> Result<()> {
        for f in rows_of::<FactRow>(&rows) {
            self.acc.add(&f);
        }
        Ok(())
    }
    fn finish(&mut self, _earlier: &[Product]) -> Result<Vec<Product>> {
        let mut table = Table::of::<FigureRow>();
        std::mem::take(&mut self.acc).each_row(|r| table.push(&r));
        Ok(vec![Product::Table(table)])
    }
}

/// `report.html` from the rows and the `figures` table. It keeps the documents' names,
/// sources, titles, URLs, dates and incidents, the first [`report::EVIDENCE_PER_CELL`]
/// hits of each incident × source × frame cell, the source × frame counts of each incident
/// (one [`FrameAcc`] per incident: until `source_frames` carries an incident column, a
/// document counts in its main incident, the first of `documents.incidents`), and the
/// first fact of the earliest figures of each incident × measure × subject (their
/// sentences are the figures' evidence). Memory grows with sources, frames and incidents,
/// not with the corpus.
#[derive(Default)]
struct ReportAggregate {
    ctx: Context,
    /// Articles and outlets counted.
    n_documents: usize,
    sources: BTreeSet<String>,
    /// The `documents` rows of the articles of the kept evidence (the report links them).
    documents: BTreeMap<String, DocumentRow>,
    /// The rows of the last `documents` part (a part's hits come with its documents).
    recent: HashMap<String, DocumentRow>,
    /// Articles of kept evidence whose `documents` row has not been seen yet.
    wanted: HashSet<String>,
    /// Kept hits by (incident, source, frame).
    hits: BTreeMap<(String, String, String), Vec<FrameHitRow>>,
    /// Source × frame counts by incident.
    frames: BTreeMap<String, FrameAcc>,
    /// Articles and outlets by incident.
    incidents: BTreeMap<String, (usize, BTreeSet<String>)>,
    /// The document whose hits are being read, and its frames so far.
    current: Option<(String, BTreeSet<String>)>,
    /// Per figure group, the first fact of each of its earliest figures.
    facts: BTreeMap<report::FigureGroup, BTreeMap<FactSlot, FactRow>>,
}

/// Orders a group's figures roughly as the `figures` table does (dated first, by as-of
/// time, then source, value and hedge), so that the kept facts cover the rows shown.
type FactSlot = (bool, Option<String>, String, String, bool);

/// Facts kept per figure group: more than the rows shown, since an outlet's rewordings
/// and the order of stated times within a day may differ from the table's.
const FACTS_PER_GROUP: usize = 4 * report::FIGURES_PER_MEASURE;

impl ReportAggregate {
    /// Keeps `d` if evidence needs it (now or once its row comes).
    fn want_doc(&mut self, doc: &str) {
        if !self.documents.contains_key(doc) {
            match self.recent.get(doc) {
                Some(d) => {
                    self.documents.insert(doc.to_string(), d.clone());
                }
                None => {
                    self.wanted.insert(doc.to_string());
                }
            }
        }
    }

    fn incident_of(&self, doc: &str) -> String {
        self.recent
            .get(doc)
            .or_else(|| self.documents.get(doc))
            .map(|d| report::main_incident(d).to_string())
            .unwrap_or_default()
    }
}

impl Aggregate for ReportAggregate {
    fn name(&self) -> &str {
        report::REPORT_FILE
    }
    fn inputs(&self) -> &[Input] {
        &[
            (
                "documents",
                &["doc", "source", "title", "url", "published", "incidents"],
            ),
            ("frame_hits", &[]),
            (
                "facts",
                &[
                    "doc",
                    "source",
                    "published",
                    "measure",
                    "value",
                    "unit",
                    "approx",
                    "qualifier",
                    "as_of",
                    "text",
                    "subject",
                    "comparable",
                    "incident",
                    "sentence_text",
                ],
            ),
        ]
    }
    fn add(&mut self, table: &str, rows: Table) -> Result<()> {
        match table {
            "documents" => {
                // Only the rows the report links are kept: memory does not grow with the
                // corpus.
                self.recent.clear();
                for d in rows_of::<DocumentRow>(&rows) {
                    self.n_documents += 1;
                    if !self.sources.contains(&d.source) {
                        self.sources.insert(d.source.clone());
                    }
                    let incident = report::main_incident(&d).to_string();
                    let counts = self.incidents.entry(incident.clone()).or_default();
                    counts.0 += 1;
                    if !counts.1.contains(&d.source) {
                        counts.1.insert(d.source.clone());
                    }
                    self.frames
                        .entry(incident)
                        .or_default()
                        .add_doc(&d.source, std::iter::empty());
                    if self.wanted.remove(&d.doc) {
                        self.documents.insert(d.doc.clone(), d.clone());
                    }
                    self.recent.insert(d.doc.clone(), d);
                }
            }
            "frame_hits" => {
                for h in rows_of::<FrameHitRow>(&rows) {
                    let incident = self.incident_of(&h.doc);
                    let first = match &mut self.current {
                        Some((doc, frames)) if *doc == h.doc => frames.insert(h.frame.clone()),
                        _ => {
                            let frames = std::iter::once(h.frame.clone()).collect();
                            self.current = Some((h.doc.clone(), frames));
                            true
                        }
                    };
                    self.frames
                        .entry(incident.clone())
                        .or_default()
                        .add_hit(&h, first);
                    let key = (incident, h.source.clone(), h.frame.clone());
                    if self.hits.get(&key).map_or(0, Vec::len) < report::EVIDENCE_PER_CELL {
                        self.want_doc(&h.doc);
                        self.hits.entry(key).or_default().push(h);
                    }
                }
            }
            "facts" => {
                for f in rows_of::<FactRow>(&rows) {
                    if !crate::facts::enters_figures(&f) {
                        continue;
                    }
                    let group = (
                        f.incident.clone().unwrap_or_default(),
                        f.measure.clone(),
                        f.subject.clone().unwrap_or_default(),
                    );
                    let slot: FactSlot = (
                        f.as_of.is_none(),
                        f.as_of.clone(),
                        f.source.clone(),
                        f.value.clone().unwrap_or_default(),
                        f.approx,
                    );
                    let kept = self.facts.entry(group).or_default();
                    if kept.contains_key(&slot) {
                        continue;
                    }
                    if kept.len() >= FACTS_PER_GROUP {
                        match kept.last_key_value() {
                            Some((last, _)) if *last > slot => {
                                kept.pop_last();
                            }
                            _ => continue,
                        }
                    }
                    kept.insert(slot, f.clone());
                    self.want_doc(&f.doc);
                }
            }
            _ => {}
        }
        Ok(())
    }
    fn finish(&mut self, earlier: &[Product]) -> Result<Vec<Product>> {
        let documents: Vec<DocumentRow> =
            std::mem::take(&mut self.documents).into_values().collect();
        self.recent.clear();
        let hits: Vec<FrameHitRow> = std::mem::take(&mut self.hits)
            .into_values()
            .flatten()
            .collect();
        let facts: Vec<FactRow> = std::mem::take(&mut self.facts)
            .into_values()
            .flat_map(BTreeMap::into_values)
            .collect();
        let frame_cells: Vec<report::FrameCell> = std::mem::take(&mut self.frames)
            .into_iter()
            .flat_map(|(incident, acc)| report::FrameCell::of_incident(&incident, acc.rows()))
            .collect();
        // The report shows the first rows of each figure group: only those are read.
        let figures = Product::find(earlier, FigureRow::TABLE).map(shown_figures);
        let html = report::render(&ReportInput {
            documents: &documents,
            n_documents: self.n_documents,
            n_sources: self.sources.len(),
            hits: &hits,
            frame_cells: &frame_cells,
            figures: figures.as_ref().map(|(rows, _)| rows.as_slice()),
            figure_totals: figures.as_ref().map(|(_, totals)| totals),
            facts: &facts,
            labels: &self.ctx.labels,
            article_base: self.ctx.article_base.as_deref(),
            terms: None,
            incident_counts: Some(
                &std::mem::take(&mut self.incidents)
                    .into_iter()
                    .map(|(k, (docs, sources))| (k, (docs, sources.len())))
                    .collect(),
            ),
        });
        Ok(vec![Product::File {
            name: report::REPORT_FILE.to_string(),
            bytes: html.into_bytes(),
        }])
    }
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

/// Runs `aggregates` over whole tables held in memory (the non-incremental path).
pub fn run_in_memory(
    aggregates: Vec<Box<dyn Aggregate>>,
    tables: &[&Table],
) -> Result<Vec<Product>> {
    let mut products = Vec::new();
    for mut a in aggregates {
        for (name, cols) in a.inputs().to_vec() {
            if let Some(t) = tables.iter().find(|t| t.name == name) {
                let t = if cols.is_empty() {
                    (*t).clone()
                } else {
                    t.select(cols)
                };
                a.add(name, t.filter(&[]))?;
                a.add(name, t)?;
            }
        }
        let mut out = a.finish(&products)?;
        products.append(&mut out);
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks<R: Record>(rows: &[R], size: usize) -> Vec<Table> {
        rows.chunks(size)
            .map(|c| Table::from_records(c.iter()))
            .collect()
    }

    #[test]
    fn streamed_aggregates_equal_the_whole_table_functions() {
        // Documents with several hits each, fed in chunks that split documents' hits.
        let docs: Vec<DocumentRow> = (0..30)
            .map(|k| DocumentRow {
                doc: format!("d{k:02}.txt"),
                source: ["A", "B", "C"][k % 3].into(),
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
                    ..FrameHitRow::default()
                })
            })
            .collect();
        let facts: Vec<FactRow> = (0..60)
            .map(|k| FactRow {
                doc: format!("d{:02}.txt", k % 30),
                source: ["A", "B", "C"][k % 3].into(),
                measure: ["victims", "damage_amount"][k % 2].into(),
                value: Some(["900", "808", "38615473", "55000000", "5500万"][k % 5].into()),
                approx: k % 4 == 0,
                qualifier: ["none", "lower", "per"][k % 3].into(),
                as_of: [Some("2019-07-04"), Some("2019-07-31T17:00"), None][k % 3]
                    .map(String::from),
                comparable: k % 7 != 0,
                ..FactRow::default()
            })
            .collect();
        let mut aggs = registry(&Context::default());
        let mut products = Vec::new();
        for a in aggs.iter_mut().take(2) {
            for (input, _) in a.inputs().to_vec() {
                let parts = match input {
                    "documents" => chunks(&docs, 7),
                    "frame_hits" => chunks(&hits, 4),
                    _ => chunks(&facts, 9),
                };
                for t in parts {
                    a.add(input, t).unwrap();
                }
            }
            products.extend(a.finish(&products).unwrap());
        }
        let sf: Vec<SourceFrameRow> = rows_of(Product::find(&products, "source_frames").unwrap());
        assert_eq!(sf, source_frames(&docs, &hits));
        let fig: Vec<FigureRow> = rows_of(Product::find(&products, "figures").unwrap());
        assert_eq!(fig, crate::facts::figures(&facts));
        assert!(!fig.is_empty());
    }
}
