//! `outputs/report.html`: one self-contained page for people (inline CSS, a few lines of
//! inline script for the incident selector, no fonts or images from the network), built
//! from the output rows alone by [`render`], a pure function of its [`ReportInput`].
//!
//! The page is a [minijinja] template (`src/report/report.html`) filled from a view
//! built here; every word of the page itself and every label of a frame, measure or
//! incident comes from [`labels`] (Japanese by default, English with `--lang en`). One
//! incident is shown at a time (a selector; it opens on the incident with the most
//! articles; without scripts every incident is shown in turn). Per incident:
//!
//! 1. a source × frame heatmap: rows by article count, cells with articles/total and
//!    share (blank when none), stars on Benjamini–Hochberg q-values of Fisher's exact test
//!    within the incident, † where a cell rests on one article, the stances of its
//!    sentences as symbols (shape, not only colour);
//! 2. the frames and what each claims;
//! 3. per measure, a timeline of figures (who said what, as of when, the verdict in plain
//!    words); an outlet's rewordings of one figure are one row, never compared with each
//!    other;
//! 4. optional characteristic words per outlet ([`OutletTerms`], filled by the terms
//!    stage when it exists);
//! 5. evidence: every cell and every figure links to its sentences, the cue or figure
//!    highlighted, with the article's title, outlet, date and URL (from metadata.csv).
//!
//! Corpus text is escaped by the template engine (autoescape), never by hand, so nothing
//! is escaped twice. The page holds no time stamp: the same rows give the same bytes.

pub mod labels;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

pub use self::labels::{Labels, Lang};
use crate::error::Result;
use crate::frame::Stance;
use crate::output::atomic::write_atomic;
use crate::output::rows::{DocumentRow, FactRow, FigureRow, FrameHitRow, SourceFrameRow};

/// File name of the report in the output folder.
pub const REPORT_FILE: &str = "report.html";

/// The template (autoescaped as HTML).
const TEMPLATE: &str = include_str!("report/report.html");

/// A frame as the lexicon describes it (for labels; ids alone also work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameInfo {
    /// Identifier.
    pub id: String,
    /// Label for people.
    pub label: String,
    /// What the frame claims.
    pub description: String,
}

/// One source × frame cell of one incident: what the heatmap reads. Built from
/// `source_frames` rows; once those carry an incident column, [`FrameCell::of_incident`]
/// is the whole conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameCell {
    /// Incident id (`""`: articles on no listed incident).
    pub incident: String,
    /// The counts and the test, within the incident.
    pub row: SourceFrameRow,
    /// Benjamini–Hochberg q-value over the incident's cells, when the table gives one
    /// (otherwise the report computes it from the p-values).
    pub q_value: Option<f64>,
}

impl FrameCell {
    /// The cells of `rows`, all of incident `incident`.
    pub fn of_incident(incident: &str, rows: Vec<SourceFrameRow>) -> Vec<FrameCell> {
        rows.into_iter()
            .map(|row| FrameCell {
                incident: incident.to_string(),
                row,
                q_value: None,
            })
            .collect()
    }
}

/// Characteristic words shown per outlet and incident.
pub const WORDS_PER_OUTLET: usize = 10;

/// Concordance lines shown per word and incident (the first occurrence in each of the
/// earliest articles; `shiten kwic` gives them all).
pub const KWIC_LINES: usize = 10;

/// Word pairs drawn in an incident's co-occurrence network (the most sentences first).
pub const NETWORK_PAIRS: usize = 30;

/// Words drawn at most in one network (pairs with a further word are left out).
const NETWORK_WORDS: usize = 24;

/// A co-occurrence network laid out for inline SVG (a circle of radius 120 around
/// (200, 200), in a view box with room for the labels): the words on
/// a circle, most frequent first, joined by lines as thick as their Jaccard index.
#[derive(Debug, Serialize)]
struct Network {
    nodes: Vec<NetNode>,
    edges: Vec<NetEdge>,
}

#[derive(Debug, Serialize)]
struct NetNode {
    word: String,
    /// Its KWIC lines in the report, when there are any.
    href: Option<String>,
    /// Sentences holding the word (in the incident's body).
    count: i64,
    x: String,
    y: String,
    r: String,
    /// Label position and anchor (outside the circle).
    lx: String,
    ly: String,
    anchor: &'static str,
}

#[derive(Debug, Serialize)]
struct NetEdge {
    x1: String,
    y1: String,
    x2: String,
    y2: String,
    width: String,
    /// Tooltip: the two words, sentences together, Jaccard.
    title: String,
}

/// The network of `inc`'s first [`NETWORK_PAIRS`] pairs of `rows`; `None` without any.
fn network(rows: &[crate::output::term_rows::CoocRow], inc: &str) -> Option<Network> {
    let mut words: Vec<(String, i64)> = Vec::new();
    let mut pairs = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.incident.as_deref().unwrap_or("") == inc)
        .take(NETWORK_PAIRS)
    {
        let mut ids = [0usize; 2];
        let mut fits = true;
        for (k, (w, c)) in [(&r.term_a, r.count_a), (&r.term_b, r.count_b)]
            .into_iter()
            .enumerate()
        {
            match words.iter().position(|x| x.0 == *w) {
                Some(i) => ids[k] = i,
                None if words.len() < NETWORK_WORDS => {
                    ids[k] = words.len();
                    words.push((w.clone(), c));
                }
                None => fits = false,
            }
        }
        if fits {
            pairs.push((ids, r));
        }
    }
    if pairs.is_empty() {
        return None;
    }
    // Most frequent words first around the circle (ties by word, for a stable drawing).
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by(|&a, &b| {
        words[b]
            .1
            .cmp(&words[a].1)
            .then(words[a].0.cmp(&words[b].0))
    });
    let mut place = vec![(0.0f64, 0.0f64, 0.0f64); words.len()];
    let n = words.len() as f64;
    for (k, &i) in order.iter().enumerate() {
        let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * k as f64 / n;
        place[i] = (angle.cos(), angle.sin(), angle);
    }
    let max = words.iter().map(|w| w.1).max().unwrap_or(1).max(1) as f64;
    let f = |v: f64| format!("{v:.1}");
    let nodes = order
        .iter()
        .map(|&i| {
            let (c, s, _) = place[i];
            NetNode {
                word: words[i].0.clone(),
                href: None,
                count: words[i].1,
                x: f(200.0 + 120.0 * c),
                y: f(200.0 + 120.0 * s),
                r: f(3.0 + 7.0 * (words[i].1 as f64 / max).sqrt()),
                lx: f(200.0 + 136.0 * c),
                ly: f(204.0 + 136.0 * s),
                anchor: if c > 0.2 {
                    "start"
                } else if c < -0.2 {
                    "end"
                } else {
                    "middle"
                },
            }
        })
        .collect();
    let edges = pairs
        .iter()
        .map(|([a, b], r)| NetEdge {
            x1: f(200.0 + 120.0 * place[*a].0),
            y1: f(200.0 + 120.0 * place[*a].1),
            x2: f(200.0 + 120.0 * place[*b].0),
            y2: f(200.0 + 120.0 * place[*b].1),
            width: f(0.5 + 5.0 * r.jaccard),
            title: format!(
                "{}–{}: {} / Jaccard {:.2}",
                r.term_a, r.term_b, r.sentences, r.jaccard
            ),
        })
        .collect();
    Some(Network { nodes, edges })
}

/// Characteristic words of one outlet in one incident (filled by the terms stage; the
/// report shows the section only when given).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutletTerms {
    /// Incident id.
    pub incident: String,
    /// Outlet.
    pub source: String,
    /// Words, most characteristic first, with their counts (in the outlet).
    pub terms: Vec<(String, i64)>,
}

/// The concordance lines of one word of one incident that the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct KwicWord {
    /// Incident id (`""`: none).
    pub incident: String,
    /// The word (dictionary form).
    pub term: String,
    /// Its occurrences in the incident (all outlets).
    pub count: i64,
    /// Articles using it.
    pub docs: i64,
    /// Lines, in the order shown (at most [`KWIC_LINES`] are shown).
    pub lines: Vec<KwicLine>,
}

/// One concordance line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KwicLine {
    /// Document key.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Publication date.
    pub published: Option<String>,
    /// Context before the word (within its sentence).
    pub left: String,
    /// The word as written.
    pub keyword: String,
    /// Context after the word.
    pub right: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// `documents` rows of (at least) the articles the evidence comes from: titles, URLs,
    /// dates and incidents.
    pub documents: &'a [DocumentRow],
    /// Number of articles.
    pub n_documents: usize,
    /// Number of outlets.
    pub n_sources: usize,
    /// `frame_hits` rows shown as evidence (the report shows at most
    /// [`EVIDENCE_PER_CELL`] per incident × source × frame).
    pub hits: &'a [FrameHitRow],
    /// Source × frame cells by incident.
    pub frame_cells: &'a [FrameCell],
    /// `figures` rows, when that table exists: all of them, or only the first
    /// [`FIGURES_PER_MEASURE`] of each incident × measure × subject when `figure_totals`
    /// is given.
    pub figures: Option<&'a [FigureRow]>,
    /// Rows of each (incident, measure, subject) in the whole `figures` table, when
    /// `figures` holds only the rows shown.
    pub figure_totals: Option<&'a BTreeMap<FigureGroup, usize>>,
    /// `facts` rows giving the figures shown (their sentences are the figures' evidence).
    pub facts: &'a [FactRow],
    /// Words and names in the report's language.
    pub labels: &'a Labels,
    /// Relative URL prefix from the report to the corpus folder (`../corpus/`), used for
    /// articles without a URL.
    pub article_base: Option<&'a str>,
    /// Characteristic words per outlet, when the terms stage gives them.
    pub terms: Option<&'a [OutletTerms]>,
    /// `cooccurrence` rows (each incident's kept pairs, most sentences first), when the
    /// terms stage gives them: the report draws the first [`NETWORK_PAIRS`] as a network.
    pub cooccurrence: Option<&'a [crate::output::term_rows::CoocRow]>,
    /// Concordance lines of the words shown (characteristic words and network words),
    /// when the terms stage gives them: each word links to its lines.
    pub kwic: Option<&'a [KwicWord]>,
    /// Articles and outlets of each incident (by the documents' main incident), when
    /// known; otherwise counted from the cells.
    pub incident_counts: Option<&'a BTreeMap<String, (usize, usize)>>,
}

/// (incident, measure, subject) of a `figures` row: figures compare only within one.
pub type FigureGroup = (String, String, String);

/// The group of a `figures` row.
pub fn figure_group(r: &FigureRow) -> FigureGroup {
    (
        r.incident.clone().unwrap_or_default(),
        r.measure.clone(),
        r.subject.clone().unwrap_or_default(),
    )
}

/// The key matching a fact to the `figures` row it enters.
fn fact_key(f: &FactRow) -> (FigureGroup, String, Option<String>, String, bool) {
    (
        (
            f.incident.clone().unwrap_or_default(),
            f.measure.clone(),
            f.subject.clone().unwrap_or_default(),
        ),
        f.source.clone(),
        f.as_of.clone(),
        f.value.clone().unwrap_or_default(),
        f.approx,
    )
}

fn figure_key(r: &FigureRow) -> (FigureGroup, String, Option<String>, String, bool) {
    (
        figure_group(r),
        r.source.clone(),
        r.as_of.clone(),
        r.value.clone().unwrap_or_default(),
        r.approx,
    )
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The relative URL from folder `from` to folder `to` (both made absolute first), ending
/// in `/`; `None` when there is no relative way (different drives).
pub fn relative_url(from: &Path, to: &Path) -> Option<String> {
    let abs = |p: &Path| -> Option<PathBuf> {
        std::fs::canonicalize(p).ok().or_else(|| {
            let base = std::env::current_dir().ok()?;
            Some(base.join(p))
        })
    };
    let (from, to) = (abs(from)?, abs(to)?);
    let f: Vec<Component<'_>> = from.components().collect();
    let t: Vec<Component<'_>> = to.components().collect();
    if f.first() != t.first() {
        return None;
    }
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| encode_segment(&c.as_os_str().to_string_lossy())),
    );
    let mut s = parts.join("/");
    if !s.is_empty() {
        s.push('/');
    }
    Some(s)
}

fn article_href(base: &str, doc: &str) -> String {
    let path: Vec<String> = doc.split('/').map(encode_segment).collect();
    format!("{base}{}", path.join("/"))
}
/// Blues, from white (share 0) to dark blue (share 1).
fn colour(share: f64) -> String {
    let stops = [
        (0.0, (247, 251, 255)),
        (0.25, (198, 219, 239)),
        (0.5, (107, 174, 214)),
        (0.75, (33, 113, 181)),
        (1.0, (8, 48, 107)),
    ];
    let x = share.clamp(0.0, 1.0);
    let k = stops.iter().rposition(|s| s.0 <= x).unwrap_or(0).min(3);
    let (x0, c0) = stops[k];
    let (x1, c1) = stops[k + 1];
    let t = (x - x0) / (x1 - x0);
    let mix = |a: i32, b: i32| (a as f64 + (b - a) as f64 * t).round() as i32;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(c0.0, c1.0),
        mix(c0.1, c1.1),
        mix(c0.2, c1.2)
    )
}

/// Symbol (shape) and CSS class of each stance, in [`Stance::ALL`] order.
const STANCE_MARKS: [(&str, &str); 4] = [
    ("●", "asserted"),
    ("◆", "reported"),
    ("？", "doubted"),
    ("✕", "negated"),
];

/// Evidence sentences shown per incident × source × frame cell (all of them are in
/// `frame_hits`).
pub const EVIDENCE_PER_CELL: usize = 30;
/// Rows of the figures timeline shown per incident × measure × subject (all of them are
/// in `figures`).
pub const FIGURES_PER_MEASURE: usize = 40;

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
pub fn bh_adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// A safe link to an article: its http(s) URL, else the local file when the corpus
/// folder is known.
fn article_link(d: Option<&DocumentRow>, doc: &str, base: Option<&str>) -> Option<String> {
    let url = d.and_then(|d| d.url.as_deref()).map(str::trim);
    match url {
        Some(u)
            if u.len() > 8
                && (u[..7].eq_ignore_ascii_case("http://")
                    || u[..8].eq_ignore_ascii_case("https://")) =>
        {
            Some(u.to_string())
        }
        _ => base.map(|b| article_href(b, doc)),
    }
}

/// `text` cut around the first `needle`: (before, needle, after); no highlight when absent.
fn highlight(text: &str, needle: &str) -> (String, String, String) {
    let text = text.replace(['\r', '\n'], " ");
    let needle = needle.replace(['\r', '\n'], " ");
    match text.find(&needle).filter(|_| !needle.is_empty()) {
        Some(at) => (
            text[..at].to_string(),
            needle.clone(),
            text[at + needle.len()..].to_string(),
        ),
        None => (text, String::new(), String::new()),
    }
}

/// An as-of time for readers (`2019-07-31T17:00` → `2019-07-31 17:00`).
fn when(as_of: Option<&str>, labels: &Labels) -> String {
    match as_of {
        Some(a) if !a.is_empty() => a.replace('T', " "),
        _ => labels.ui().undated.to_string(),
    }
}

/// Fills `{name}` placeholders.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

// ------------------------------------------------------------------ the view

#[derive(Serialize)]
struct Page {
    lang: &'static str,
    t: &'static labels::Ui,
    lead: String,
    stances: Vec<StanceKey>,
    incidents: Vec<IncidentView>,
}

#[derive(Serialize)]
struct StanceKey {
    mark: &'static str,
    class: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct IncidentView {
    key: String,
    name: String,
    counts: String,
    heat: Option<Heat>,
    frames: Vec<FrameInfo>,
    measures: Vec<MeasureView>,
    /// Characteristic words per outlet (terms stage), when given.
    terms: Option<Vec<TermsView>>,
    /// The co-occurrence network of the incident's top word pairs, when given.
    network: Option<Network>,
    /// Concordance lines of the words above.
    kwic: Vec<KwicView>,
    evidence: Vec<EvidenceCell>,
    facts: Vec<EvidenceItem>,
}

#[derive(Serialize)]
struct TermsView {
    source: String,
    words: Vec<WordLink>,
}

#[derive(Serialize)]
struct WordLink {
    word: String,
    count: i64,
    href: Option<String>,
}

#[derive(Serialize)]
struct KwicView {
    id: String,
    word: String,
    counts: String,
    lines: Vec<KwicLineView>,
    more: Option<String>,
}

#[derive(Serialize)]
struct KwicLineView {
    left: String,
    keyword: String,
    right: String,
    source: String,
    published: String,
    title: String,
    url: Option<String>,
}

#[derive(Serialize)]
struct Heat {
    cols: Vec<FrameInfo>,
    rows: Vec<HeatRow>,
    any_one: bool,
    any_star: bool,
}

#[derive(Serialize)]
struct HeatRow {
    source: String,
    total: i64,
    cells: Vec<HeatCell>,
}

#[derive(Serialize, Default)]
struct HeatCell {
    empty: bool,
    count: String,
    pct: String,
    bg: String,
    fg: &'static str,
    stars: String,
    arrow: &'static str,
    one: bool,
    href: String,
    title: String,
    stances: Vec<(&'static str, &'static str, i64)>,
}

#[derive(Serialize)]
struct MeasureView {
    name: String,
    groups: Vec<SubjectView>,
}

#[derive(Serialize)]
struct SubjectView {
    subject: Option<String>,
    rows: Vec<FigView>,
    more: Option<String>,
}

#[derive(Serialize)]
struct FigView {
    when: String,
    source: String,
    values: Vec<ValueLink>,
    verdict: String,
    verdict_class: String,
    explain: String,
    copies: Option<String>,
}

#[derive(Serialize)]
struct ValueLink {
    text: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct EvidenceCell {
    id: String,
    heading: String,
    back: String,
    items: Vec<EvidenceItem>,
    more: Option<String>,
}

#[derive(Serialize)]
struct EvidenceItem {
    id: Option<String>,
    source: String,
    date: String,
    title: String,
    url: Option<String>,
    before: String,
    mark: String,
    after: String,
    stance: Option<StanceKey>,
    stance_cue: Option<String>,
}

/// The incident of a document: the first of `documents.incidents` (`""`: none).
pub fn main_incident(d: &DocumentRow) -> &str {
    d.incidents.split("; ").next().unwrap_or("").trim()
}

/// Renders the report page.
pub fn render(input: &ReportInput<'_>) -> String {
    let labels = input.labels;
    let t = labels.ui();
    let docs: HashMap<&str, &DocumentRow> = input
        .documents
        .iter()
        .map(|d| (d.doc.as_str(), d))
        .collect();

    // Incidents: every incident with cells (every document's main incident), or with
    // figures; by articles, most first.
    let mut incidents: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    let mut seen_sources: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in input.frame_cells {
        if seen_sources
            .entry(c.incident.as_str())
            .or_default()
            .insert(c.row.source.as_str())
        {
            let e = incidents.entry(c.incident.as_str()).or_default();
            e.0 += c.row.docs_total;
            e.1 += 1;
        }
    }
    for r in input.figures.unwrap_or_default() {
        incidents
            .entry(r.incident.as_deref().unwrap_or(""))
            .or_default();
    }
    if let Some(counts) = input.incident_counts {
        for (inc, e) in incidents.iter_mut() {
            if let Some(&(docs, sources)) = counts.get(*inc) {
                *e = (docs as i64, sources);
            }
        }
    }
    let mut order: Vec<(&str, (i64, usize))> = incidents.into_iter().collect();
    order.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));

    let views = order
        .iter()
        .enumerate()
        .map(|(k, (inc, (n_docs, n_src)))| incident_view(input, &docs, k, inc, *n_docs, *n_src))
        .collect();
    let page = Page {
        lang: labels.lang.code(),
        t,
        lead: fill(
            t.lead,
            &[
                ("docs", input.n_documents.to_string()),
                ("sources", input.n_sources.to_string()),
            ],
        ),
        stances: Stance::ALL
            .iter()
            .map(|s| StanceKey {
                mark: STANCE_MARKS[*s as usize].0,
                class: STANCE_MARKS[*s as usize].1,
                label: labels.stance(*s),
            })
            .collect(),
        incidents: views,
    };
    let mut env = minijinja::Environment::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.add_template("report.html", TEMPLATE)
        .expect("the report template parses");
    env.get_template("report.html")
        .and_then(|tpl| tpl.render(minijinja::value::Serde(&page)))
        .expect("the report template renders")
}

fn incident_view(
    input: &ReportInput<'_>,
    docs: &HashMap<&str, &DocumentRow>,
    k: usize,
    inc: &str,
    n_docs: i64,
    n_sources: usize,
) -> IncidentView {
    let labels = input.labels;
    let t = labels.ui();
    let key = format!("inc-{k}");
    let cells: Vec<&FrameCell> = input
        .frame_cells
        .iter()
        .filter(|c| c.incident == inc)
        .collect();
    // Columns: lexicon order first, then any other frame of the cells.
    let present: BTreeSet<&str> = cells.iter().map(|c| c.row.frame.as_str()).collect();
    let mut frames: Vec<FrameInfo> = labels
        .frames
        .iter()
        .filter(|f| present.contains(f.id.as_str()))
        .cloned()
        .collect();
    for id in &present {
        if !frames.iter().any(|f| f.id == *id) {
            frames.push(labels.frame(id));
        }
    }
    // Rows: most articles first.
    let mut sources: Vec<(&str, i64)> = Vec::new();
    for c in &cells {
        if !sources.iter().any(|(s, _)| *s == c.row.source) {
            sources.push((c.row.source.as_str(), c.row.docs_total));
        }
    }
    sources.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let by_cell: HashMap<(&str, &str), &FrameCell> = cells
        .iter()
        .map(|c| ((c.row.source.as_str(), c.row.frame.as_str()), *c))
        .collect();

    // q-values: given, or Benjamini–Hochberg over the incident's tested cells.
    let tested: Vec<&FrameCell> = cells
        .iter()
        .copied()
        .filter(|c| c.row.p_value.is_some())
        .collect();
    let computed = bh_adjust(
        &tested
            .iter()
            .map(|c| c.row.p_value.unwrap_or(1.0))
            .collect::<Vec<_>>(),
    );
    let q_of: HashMap<(&str, &str), f64> = tested
        .iter()
        .zip(&computed)
        .map(|(c, q)| {
            (
                (c.row.source.as_str(), c.row.frame.as_str()),
                c.q_value.unwrap_or(*q),
            )
        })
        .collect();
    let mut frame_totals: HashMap<&str, (i64, i64)> = HashMap::new();
    for c in &cells {
        let e = frame_totals.entry(c.row.frame.as_str()).or_default();
        e.0 += c.row.docs;
        e.1 += c.row.docs_total;
    }

    // Evidence of the cells.
    let mut hits_by_cell: BTreeMap<(&str, &str), Vec<&FrameHitRow>> = BTreeMap::new();
    for h in input.hits {
        let d = docs.get(h.doc.as_str());
        // The hit's own incident (always one of its document's; empty only when the
        // document has none, or in rows written before frame_hits had the column).
        let incident = if h.incident.is_empty() {
            d.map_or("", |d| main_incident(d))
        } else {
            h.incident.as_str()
        };
        if incident != inc {
            continue;
        }
        let source = d.map_or(h.source.as_str(), |d| d.source.as_str());
        hits_by_cell
            .entry((source, h.frame.as_str()))
            .or_default()
            .push(h);
    }

    let mut any_one = false;
    let mut any_star = false;
    let mut evidence = Vec::new();
    let mut rows = Vec::new();
    for (i, (s, total)) in sources.iter().enumerate() {
        let mut hcells = Vec::new();
        for (j, f) in frames.iter().enumerate() {
            let Some(c) = by_cell.get(&(*s, f.id.as_str())) else {
                hcells.push(HeatCell {
                    empty: true,
                    ..HeatCell::default()
                });
                continue;
            };
            let r = &c.row;
            if r.docs == 0 {
                hcells.push(HeatCell {
                    empty: true,
                    ..HeatCell::default()
                });
                continue;
            }
            let q = q_of.get(&(*s, f.id.as_str())).copied();
            let stars = match q {
                Some(q) if q < 0.001 => "★★★",
                Some(q) if q < 0.01 => "★★",
                Some(q) if q < 0.05 => "★",
                _ => "",
            };
            let arrow = if stars.is_empty() {
                ""
            } else {
                let (w, a) = frame_totals.get(f.id.as_str()).copied().unwrap_or((0, 0));
                let (ow, oa) = (w - r.docs, a - r.docs_total);
                if oa == 0 || r.docs as f64 / r.docs_total.max(1) as f64 > ow as f64 / oa as f64 {
                    "▲"
                } else {
                    "▼"
                }
            };
            any_star |= !stars.is_empty();
            let one = r.docs == 1;
            any_one |= one;
            let id = format!("ev-{k}-{i}-{j}");
            let counts = [
                r.hits_asserted,
                r.hits_reported,
                r.hits_doubted,
                r.hits_negated,
            ];
            let stance_text: Vec<String> = Stance::ALL
                .iter()
                .filter(|st| counts[**st as usize] > 0)
                .map(|st| format!("{} {}", labels.stance(*st), counts[*st as usize]))
                .collect();
            let title = format!(
                "{s} / {}: {}/{} ({:.0}%); {}{}",
                f.label,
                r.docs,
                r.docs_total,
                r.share * 100.0,
                stance_text.join(", "),
                q.map_or(String::new(), |q| format!(
                    "; p = {:.3}, q = {q:.3}",
                    r.p_value.unwrap_or(1.0)
                ))
            );
            hcells.push(HeatCell {
                empty: false,
                count: format!("{}/{}", r.docs, r.docs_total),
                pct: format!("{:.0}%", r.share * 100.0),
                bg: colour(r.share),
                fg: if r.share > 0.55 { "#fff" } else { "#111" },
                stars: stars.to_string(),
                arrow,
                one,
                href: format!("#{id}"),
                title,
                stances: (0..4)
                    .filter(|&x| counts[x] > 0)
                    .map(|x| (STANCE_MARKS[x].0, STANCE_MARKS[x].1, counts[x]))
                    .collect(),
            });
            let hs = hits_by_cell
                .get(&(*s, f.id.as_str()))
                .cloned()
                .unwrap_or_default();
            let shown = hs.len().min(EVIDENCE_PER_CELL);
            let total_hits = r.hits.max(hs.len() as i64);
            evidence.push(EvidenceCell {
                id,
                heading: format!(
                    "{s} — {} ({}/{} {})",
                    f.label, r.docs, r.docs_total, t.articles
                ),
                back: format!("#{key}-heat"),
                items: hs[..shown]
                    .iter()
                    .map(|h| hit_item(h, docs, input.article_base, labels))
                    .collect(),
                more: (total_hits > shown as i64).then(|| {
                    fill(
                        t.more_hits,
                        &[("n", shown.to_string()), ("total", total_hits.to_string())],
                    )
                }),
            });
        }
        rows.push(HeatRow {
            source: (*s).to_string(),
            total: *total,
            cells: hcells,
        });
    }
    let (measures, facts) = figure_views(input, docs, inc, k);
    let (terms, network, kwic) = word_views(input, docs, inc, &key);
    IncidentView {
        name: labels.incident(inc),
        counts: fill(
            t.incident_counts,
            &[
                ("docs", n_docs.to_string()),
                ("sources", n_sources.to_string()),
            ],
        ),
        heat: (!frames.is_empty() && !rows.is_empty()).then(|| Heat {
            cols: frames.clone(),
            rows,
            any_one,
            any_star,
        }),
        frames,
        measures,
        terms,
        network,
        kwic,
        evidence,
        facts,
        key,
    }
}

/// The characteristic words, the network and the concordance lines of incident `inc`
/// (section `key`): every word shown that has lines links to them.
fn word_views(
    input: &ReportInput<'_>,
    docs: &HashMap<&str, &DocumentRow>,
    inc: &str,
    key: &str,
) -> (Option<Vec<TermsView>>, Option<Network>, Vec<KwicView>) {
    let labels = input.labels;
    let t = labels.ui();
    let lines: HashMap<&str, &KwicWord> = input
        .kwic
        .unwrap_or_default()
        .iter()
        .filter(|w| w.incident == inc && !w.lines.is_empty())
        .map(|w| (w.term.as_str(), w))
        .collect();
    // Sections in the order the words first appear on the page.
    let mut kwic: Vec<KwicView> = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut link = |word: &str| -> Option<String> {
        if let Some(id) = ids.get(word) {
            return Some(format!("#{id}"));
        }
        let w = lines.get(word)?;
        let id = format!("{key}-kw-{}", kwic.len());
        let shown = w.lines.len().min(KWIC_LINES);
        kwic.push(KwicView {
            id: id.clone(),
            word: word.to_string(),
            counts: fill(
                t.kwic_counts,
                &[("count", w.count.to_string()), ("docs", w.docs.to_string())],
            ),
            lines: w.lines[..shown]
                .iter()
                .map(|l| {
                    let d = docs.get(l.doc.as_str()).copied();
                    KwicLineView {
                        left: l.left.clone(),
                        keyword: l.keyword.clone(),
                        right: l.right.clone(),
                        source: l.source.clone(),
                        published: l.published.clone().unwrap_or_else(|| t.undated.to_string()),
                        // The document's key: the summary keeps lines, not titles.
                        title: l.doc.clone(),
                        url: article_link(d, &l.doc, input.article_base),
                    }
                })
                .collect(),
            more: (w.count > shown as i64).then(|| {
                fill(
                    t.more_lines,
                    &[
                        ("n", (w.count - shown as i64).to_string()),
                        ("word", word.to_string()),
                    ],
                )
            }),
        });
        ids.insert(word.to_string(), id.clone());
        Some(format!("#{id}"))
    };
    let terms = input.terms.map(|all| {
        all.iter()
            .filter(|x| x.incident == inc)
            .map(|o| TermsView {
                source: o.source.clone(),
                words: o
                    .terms
                    .iter()
                    .map(|(w, n)| WordLink {
                        word: w.clone(),
                        count: *n,
                        href: link(w),
                    })
                    .collect(),
            })
            .collect()
    });
    let network = input
        .cooccurrence
        .and_then(|rows| network(rows, inc))
        .map(|mut n| {
            for node in &mut n.nodes {
                node.href = link(&node.word);
            }
            n
        });
    (terms, network, kwic)
}

fn hit_item(
    h: &FrameHitRow,
    docs: &HashMap<&str, &DocumentRow>,
    base: Option<&str>,
    labels: &Labels,
) -> EvidenceItem {
    let d = docs.get(h.doc.as_str()).copied();
    let (before, mark, after) = highlight(&h.sentence_text, &h.cue);
    let stance = Stance::parse(&h.stance).map(|s| StanceKey {
        mark: STANCE_MARKS[s as usize].0,
        class: STANCE_MARKS[s as usize].1,
        label: labels.stance(s),
    });
    EvidenceItem {
        id: None,
        source: d.map_or(h.source.clone(), |d| d.source.clone()),
        date: h
            .published
            .clone()
            .or_else(|| d.and_then(|d| d.published.clone()))
            .unwrap_or_else(|| labels.ui().undated.to_string()),
        title: d
            .and_then(|d| d.title.clone())
            .unwrap_or_else(|| h.doc.clone()),
        url: article_link(d, &h.doc, base),
        before,
        mark,
        after,
        stance,
        stance_cue: h.stance_cue.clone(),
    }
}

/// The figure timelines of incident `inc` and their evidence items.
fn figure_views(
    input: &ReportInput<'_>,
    docs: &HashMap<&str, &DocumentRow>,
    inc: &str,
    k: usize,
) -> (Vec<MeasureView>, Vec<EvidenceItem>) {
    let labels = input.labels;
    let t = labels.ui();
    let rows: Vec<&FigureRow> = input
        .figures
        .unwrap_or_default()
        .iter()
        .filter(|r| r.incident.as_deref().unwrap_or("") == inc)
        .collect();
    // The first fact of each figure (document order), its evidence.
    let mut first_fact: HashMap<_, &FactRow> = HashMap::new();
    for f in input.facts {
        if f.incident.as_deref().unwrap_or("") == inc {
            first_fact.entry(fact_key(f)).or_insert(f);
        }
    }
    // Sentences given by more than one outlet: wire copies.
    let mut by_sentence: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for f in first_fact.values() {
        if f.sentence_text.chars().count() >= 15 {
            by_sentence
                .entry(f.sentence_text.trim())
                .or_default()
                .insert(f.source.as_str());
        }
    }
    let mut facts: Vec<EvidenceItem> = Vec::new();
    let mut fact_ids: HashMap<*const FactRow, String> = HashMap::new();
    let mut measures: Vec<MeasureView> = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<&FigureRow>> = BTreeMap::new();
    let mut measure_order: Vec<String> = Vec::new();
    for r in &rows {
        if !measure_order.contains(&r.measure) {
            measure_order.push(r.measure.clone());
        }
        groups
            .entry((r.measure.clone(), r.subject.clone().unwrap_or_default()))
            .or_default()
            .push(r);
    }
    for m in measure_order {
        let mut subjects = Vec::new();
        for ((gm, subject), rs) in &groups {
            if *gm != m {
                continue;
            }
            let mut entries: Vec<FigView> = Vec::new();
            // (source, as_of) -> index of its entry: an outlet's rewordings of one figure.
            let mut own: HashMap<(String, Option<String>), usize> = HashMap::new();
            for r in rs {
                let unit = r.unit.as_deref().unwrap_or("");
                let value_text = match r.value.as_deref().and_then(|v| v.parse::<i64>().ok()) {
                    Some(v) => labels.value(v, unit, r.approx),
                    None => r.value.clone().unwrap_or_default(),
                };
                let fact = first_fact.get(&figure_key(r)).copied();
                let href = fact.map(|f| {
                    let key = f as *const FactRow;
                    if let Some(id) = fact_ids.get(&key) {
                        return format!("#{id}");
                    }
                    let id = format!("fx-{k}-{}", facts.len());
                    let d = docs.get(f.doc.as_str()).copied();
                    let (before, mark, after) = highlight(&f.sentence_text, &f.text);
                    facts.push(EvidenceItem {
                        id: Some(id.clone()),
                        source: d.map_or(f.source.clone(), |d| d.source.clone()),
                        date: f
                            .published
                            .clone()
                            .or_else(|| d.and_then(|d| d.published.clone()))
                            .unwrap_or_else(|| t.undated.to_string()),
                        title: d
                            .and_then(|d| d.title.clone())
                            .unwrap_or_else(|| f.doc.clone()),
                        url: article_link(d, &f.doc, input.article_base),
                        before,
                        mark,
                        after,
                        stance: None,
                        stance_cue: None,
                    });
                    fact_ids.insert(key, id.clone());
                    format!("#{id}")
                });
                let link = ValueLink {
                    text: value_text,
                    href,
                };
                let slot = (r.source.clone(), r.as_of.clone());
                // compared_with: "source@as_of=value" ("~" before a hedged value).
                let prev = r.compared_with.as_deref().and_then(|c| {
                    let (src, rest) = c.rsplit_once('@')?;
                    let (as_of, value) = rest.split_once('=')?;
                    Some((src.to_string(), as_of.to_string(), value.to_string()))
                });
                let self_same_time = prev.as_ref().is_some_and(|(src, as_of, _)| {
                    *src == r.source && Some(as_of.as_str()) == r.as_of.as_deref()
                });
                if let (true, Some(&at)) = (self_same_time, own.get(&slot)) {
                    if !entries[at].values.iter().any(|v| v.text == link.text) {
                        entries[at].values.push(link);
                    }
                    continue;
                }
                let prev_text = prev.as_ref().map_or(String::new(), |(src, as_of, v)| {
                    let (approx, v) = match v.strip_prefix('~') {
                        Some(v) => (true, v),
                        None => (false, v.as_str()),
                    };
                    let v = v
                        .parse::<i64>()
                        .map(|v| labels.value(v, unit, approx))
                        .unwrap_or_else(|_| v.to_string());
                    let as_of = when((!as_of.is_empty()).then_some(as_of.as_str()), labels);
                    format!("{src}（{as_of}）の {v}")
                        .replace("（", if labels.lang == Lang::En { " (" } else { "（" })
                        .replace(
                            "）の ",
                            if labels.lang == Lang::En {
                                "): "
                            } else {
                                "）の "
                            },
                        )
                });
                let self_repeat = prev.as_ref().is_some_and(|(src, _, _)| *src == r.source)
                    && matches!(r.verdict.as_str(), "same" | "rounded");
                let (verdict, explain) = if self_repeat {
                    match labels.lang {
                        Lang::Ja => (
                            "再掲".to_string(),
                            "この媒体が先に出した数字の繰り返し".to_string(),
                        ),
                        Lang::En => (
                            "repeated".to_string(),
                            "the outlet repeating its own earlier figure".to_string(),
                        ),
                    }
                } else {
                    labels.verdict(&r.verdict, &prev_text)
                };
                let copies = fact.and_then(|f| {
                    let srcs = by_sentence.get(f.sentence_text.trim())?;
                    (srcs.len() > 1).then(|| {
                        format!(
                            "{}: {}",
                            t.same_text,
                            srcs.iter().copied().collect::<Vec<_>>().join(", ")
                        )
                    })
                });
                own.insert(slot, entries.len());
                entries.push(FigView {
                    when: when(r.as_of.as_deref(), labels),
                    source: r.source.clone(),
                    values: vec![link],
                    verdict,
                    verdict_class: if self_repeat {
                        "same".to_string()
                    } else {
                        r.verdict.clone()
                    },
                    explain,
                    copies,
                });
            }
            let group = (inc.to_string(), m.clone(), subject.clone());
            let total = input
                .figure_totals
                .and_then(|t| t.get(&group))
                .copied()
                .unwrap_or(rs.len());
            subjects.push(SubjectView {
                subject: (!subject.is_empty())
                    .then(|| fill(t.subject, &[("subject", subject.clone())])),
                rows: entries,
                more: (total > rs.len())
                    .then(|| fill(t.more_rows, &[("n", (total - rs.len()).to_string())])),
            });
        }
        measures.push(MeasureView {
            name: labels.measure(&m),
            groups: subjects,
        });
    }
    (measures, facts)
}

/// Renders the report and writes it atomically as `dir/report.html`.
pub fn write_report(dir: &Path, input: &ReportInput<'_>) -> Result<PathBuf> {
    let html = render(input);
    let path = dir.join(REPORT_FILE);
    write_atomic(&path, |w| std::io::Write::write_all(w, html.as_bytes()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(d: &str, source: &str, incident: &str) -> DocumentRow {
        DocumentRow {
            doc: d.into(),
            source: source.into(),
            incidents: incident.into(),
            title: Some(format!("見出し {d}")),
            url: Some(format!("https://example.jp/{d}?a=1&b=2")),
            published: Some("2019-07-05".into()),
            ..DocumentRow::default()
        }
    }

    fn hit(d: &str, source: &str, frame: &str, stance: &str) -> FrameHitRow {
        FrameHitRow {
            doc: d.into(),
            source: source.into(),
            frame: frame.into(),
            cue: "二段階認証".into(),
            stance: stance.into(),
            sentence_text: "7payには二段階認証がなかった。".into(),
            ..FrameHitRow::default()
        }
    }

    /// Cells per incident as `source_frames` gives them, each hit in its document's main
    /// incident.
    fn cells(docs: &[DocumentRow], hits: &[FrameHitRow]) -> Vec<FrameCell> {
        let hits: Vec<FrameHitRow> = hits
            .iter()
            .map(|h| {
                let mut h = h.clone();
                if let Some(d) = docs.iter().find(|d| d.doc == h.doc) {
                    h.incident = main_incident(d).to_string();
                }
                h
            })
            .collect();
        crate::aggregate::source_frames(docs, &hits)
            .into_iter()
            .map(|row| FrameCell {
                incident: row.incident.clone(),
                q_value: row.q_value,
                row,
            })
            .collect()
    }

    fn input<'a>(
        docs: &'a [DocumentRow],
        hits: &'a [FrameHitRow],
        cells: &'a [FrameCell],
        figures: Option<&'a [FigureRow]>,
        facts: &'a [FactRow],
        labels: &'a Labels,
    ) -> ReportInput<'a> {
        ReportInput {
            documents: docs,
            n_documents: docs.len(),
            n_sources: docs
                .iter()
                .map(|d| &d.source)
                .collect::<BTreeSet<_>>()
                .len(),
            hits,
            frame_cells: cells,
            figures,
            figure_totals: None,
            facts,
            labels,
            article_base: Some("../corpus/"),
            terms: None,
            cooccurrence: None,
            kwic: None,
            incident_counts: None,
        }
    }

    /// The page with minijinja's escaped slashes as slashes (what a browser shows).
    fn unslash(html: String) -> String {
        html.replace("&#x2f;", "/")
    }

    /// Every `href="#x"` has an element `id="x"`.
    fn anchors_resolve(html: &str) {
        for (at, _) in html.match_indices("href=\"#") {
            let id = &html[at + 7..at + 7 + html[at + 7..].find('"').unwrap()];
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "no target for #{id}"
            );
        }
    }

    #[test]
    fn corpus_text_is_escaped_once() {
        let docs = [DocumentRow {
            title: Some("見出し<script>&".into()),
            source: "<b>媒体</b>".into(),
            ..doc("x<y>.txt", "", "7pay")
        }];
        let hits = [FrameHitRow {
            sentence_text: "<img src=x onerror=alert(1)>二段階認証がなかった & 困った".into(),
            ..hit("x<y>.txt", "<b>媒体</b>", "two_factor_auth", "asserted")
        }];
        let cs = cells(&docs, &hits);
        let labels = Labels::default();
        let html = unslash(render(&input(&docs, &hits, &cs, None, &[], &labels)));
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script>&"));
        assert!(!html.contains("<b>媒体"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;<mark>二段階認証</mark>"));
        assert!(
            !html.contains("&amp;amp;") && !html.contains("&amp;lt;"),
            "escaped twice"
        );
        assert!(html.contains("example.jp"), "links to the article's URL");
        assert!(
            !html.contains("../corpus/"),
            "not to the local file when a URL is known"
        );
        anchors_resolve(&html);
    }

    #[test]
    fn heatmap_rows_by_articles_blank_empty_cells_and_stars_on_q_values() {
        // A: 6 articles all giving the frame; B: 8 articles, none; C: 1 article giving it.
        let mut docs = Vec::new();
        let mut hits = Vec::new();
        for k in 0..15 {
            let s = match k {
                0..6 => "A",
                6..14 => "B",
                _ => "C",
            };
            docs.push(doc(&format!("d{k:02}.txt"), s, "7pay"));
            if s != "B" {
                hits.push(hit(&format!("d{k:02}.txt"), s, "rushed_launch", "asserted"));
            }
            if s == "B" && k == 6 {
                hits.push(hit(
                    &format!("d{k:02}.txt"),
                    s,
                    "two_factor_auth",
                    "reported",
                ));
            }
        }
        let cs = cells(&docs, &hits);
        let labels = Labels::default();
        let html = unslash(render(&input(&docs, &hits, &cs, None, &[], &labels)));
        let (a, b, c) = (
            html.find("<th class=\"src\">A ").unwrap(),
            html.find("<th class=\"src\">B ").unwrap(),
            html.find("<th class=\"src\">C ").unwrap(),
        );
        assert!(b < a && a < c, "rows by article count: B (8), A (6), C (1)");
        assert!(!html.contains("0/"), "no 0/n cells");
        assert!(html.contains("<td class=\"blank\"></td>"));
        assert!(
            html.contains("★★▲") || html.contains("★▲"),
            "A gives it more"
        );
        assert!(
            html.contains("<span class=\"cnt\">1/1</span>†"),
            "C rests on one article"
        );
        assert!(html.contains("◆1"), "stance by shape");
        anchors_resolve(&html);
        assert_eq!(
            unslash(render(&input(&docs, &hits, &cs, None, &[], &labels))),
            html
        );
    }

    #[test]
    fn benjamini_hochberg() {
        let q = bh_adjust(&[0.01, 0.04, 0.03, 0.5]);
        let want = [0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.5];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    fn fig(
        incident: &str,
        source: &str,
        as_of: &str,
        value: i64,
        approx: bool,
        verdict: &str,
        cmp: Option<&str>,
    ) -> FigureRow {
        FigureRow {
            measure: "damage_amount".into(),
            source: source.into(),
            as_of: Some(as_of.into()),
            value: Some(value.to_string()),
            approx,
            verdict: verdict.into(),
            docs: vec![format!("{source}.txt")],
            unit: Some("JPY".into()),
            compared_with: cmp.map(String::from),
            subject: Some(incident.into()),
            incident: Some(incident.into()),
            independent_docs: 1,
        }
    }

    #[test]
    fn figures_stay_in_their_incident_read_well_and_never_compare_an_outlet_with_itself() {
        let docs = [
            doc("S.txt", "S", "7pay"),
            doc("T.txt", "T", "7pay"),
            doc("D.txt", "D", "docomo"),
        ];
        let figures = [
            fig("7pay", "S", "2019-07-04", 55_000_000, true, "first", None),
            fig(
                "7pay",
                "T",
                "2019-07-04",
                55_000_000,
                false,
                "rounded",
                Some("S@2019-07-04=~55000000"),
            ),
            fig(
                "7pay",
                "T",
                "2019-07-04",
                55_000_000,
                true,
                "rounded",
                Some("T@2019-07-04=55000000"),
            ),
            fig(
                "7pay",
                "S",
                "2019-07-31T17:00",
                38_615_473,
                false,
                "updated",
                Some("T@2019-07-04=~55000000"),
            ),
            fig(
                "docomo",
                "D",
                "2020-09-10",
                6_850_000_000,
                false,
                "first",
                None,
            ),
        ];
        let facts = [FactRow {
            doc: "S.txt".into(),
            source: "S".into(),
            measure: "damage_amount".into(),
            value: Some("38615473".into()),
            unit: Some("JPY".into()),
            as_of: Some("2019-07-31T17:00".into()),
            text: "38,615,473円".into(),
            subject: Some("7pay".into()),
            incident: Some("7pay".into()),
            comparable: true,
            sentence_text: "被害額は38,615,473円に確定した。".into(),
            ..FactRow::default()
        }];
        let labels = Labels::default();
        let html = unslash(render(&input(
            &docs,
            &[],
            &[],
            Some(&figures),
            &facts,
            &labels,
        )));
        assert!(html.contains("約5,500万円") && html.contains("38,615,473円"));
        assert!(html.contains("68億5,000万円"));
        assert!(!html.contains("6850000000"), "separators");
        let p7 = html.find("id=\"inc-0\"").unwrap();
        let dcm = html.find("id=\"inc-1\"").unwrap();
        let d_row = html.find("68億5,000万円").unwrap();
        assert!(
            d_row > dcm && dcm > p7,
            "docomo's damage in its own section"
        );
        // T's two wordings of one figure are one row, not "rounded" against itself.
        assert_eq!(html.matches("<td>T</td>").count(), 1, "{html}");
        assert!(html.contains("更新"), "verdicts in words");
        assert!(html.contains("<mark>38,615,473円</mark>"));
        assert!(html.contains("href=\"#fx-0-0\""));
        anchors_resolve(&html);
        let en = Labels {
            lang: Lang::En,
            ..Labels::default()
        };
        let html = unslash(render(&input(&docs, &[], &[], Some(&figures), &facts, &en)));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("¥38,615,473") && html.contains("revised"));
        assert!(!html.contains("更新"));
    }

    #[test]
    fn relative_urls_between_folders() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("outputs");
        let corpus = d.path().join("my corpus");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&corpus).unwrap();
        assert_eq!(relative_url(&out, &corpus).unwrap(), "../my%20corpus/");
        assert_eq!(relative_url(&out, &out).unwrap(), "");
        assert_eq!(
            article_href("../c/", "sub/記事 1.txt"),
            "../c/sub/%E8%A8%98%E4%BA%8B%201.txt"
        );
    }

    #[test]
    fn colours_run_from_white_to_dark_blue() {
        assert_eq!(colour(0.0), "#f7fbff");
        assert_eq!(colour(1.0), "#08306b");
        assert_eq!(colour(0.5), "#6baed6");
    }

    #[test]
    fn long_cells_are_cut_with_a_pointer_to_the_tables() {
        let docs: Vec<DocumentRow> = (0..40)
            .map(|k| {
                doc(
                    &format!("d{k:02}.txt"),
                    if k < 35 { "A" } else { "B" },
                    "7pay",
                )
            })
            .collect();
        let hits: Vec<FrameHitRow> = (0..35)
            .map(|k| FrameHitRow {
                sentence_text: format!("見切り発車だった（{k}）。"),
                ..hit(&format!("d{k:02}.txt"), "A", "rushed_launch", "asserted")
            })
            .collect();
        let cs = cells(&docs, &hits);
        let labels = Labels::default();
        let html = unslash(render(&input(&docs, &hits, &cs, None, &[], &labels)));
        assert_eq!(html.matches("だった（").count(), EVIDENCE_PER_CELL);
        assert!(html.contains("全 35 文のうち最初の 30 文を表示"), "{html}");
    }
}
