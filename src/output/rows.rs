//! The output contract (DESIGN.md §4): one struct per table, its columns declared once.
//!
//! Columns listed in DESIGN.md come first, in its order; further columns follow. Offsets:
//! `char_*` count Unicode code points and `byte_*` UTF-8 bytes, both into the document's
//! original (decoded) text. `value` is text so that one column serves every kind.
//!
//! Typed companions (issue 17): beside each text column whose values are numbers or dates,
//! a typed column derived from it when the row is written, so that Parquet readers can sum,
//! compare and sort without parsing: `value_num` (an integer: yen for money) beside
//! `value`, `published_at` / `as_of_at` (a timestamp) with `published_precision` /
//! `as_of_precision` beside `published` / `as_of`. Lists (`documents.incidents`,
//! `figures.docs`) are list columns, `; `-joined in CSV. The text columns stay as written.

use super::table::{ColType, FromRow, Record, RowReader, RowWriter};
use crate::calendar::iso_timestamp;
use ColType::{Bool, Datetime, Float, Int, List, Str};

/// The typed form of an ISO date text and its precision (`day`, `minute`, `unknown_year`,
/// ...): both null when the text is.
fn timestamp(text: Option<&str>) -> (Option<i64>, Option<String>) {
    match text {
        Some(t) => {
            let (ts, p) = iso_timestamp(t);
            (ts, Some(p.name().to_string()))
        }
        None => (None, None),
    }
}

/// Pushes a date text's typed companions (`*_at`, `*_precision`).
fn push_timestamp(w: &mut RowWriter<'_>, text: Option<&str>) {
    let (ts, precision) = timestamp(text);
    w.datetime(ts).str(precision);
}

/// A value's integer: money in yen and counts (`38615473`); null for dates, times,
/// durations and fractions, which stay text in `value`.
fn value_num(text: Option<&str>) -> Option<i64> {
    text?.parse().ok()
}

/// The parts of a `compared_with` label `source@as_of=value` (`~` before a hedged value,
/// `?` for no as-of time): source, as-of text, value, hedge. The as-of time and the value
/// hold neither `@` nor `=`, so the label splits from the right even when a source name
/// holds them.
fn compared_parts(
    label: Option<&str>,
) -> (Option<String>, Option<String>, Option<i64>, Option<bool>) {
    let parsed = label.and_then(|l| {
        let (left, value) = l.rsplit_once('=')?;
        let (source, as_of) = left.rsplit_once('@')?;
        let (approx, digits) = match value.strip_prefix('~') {
            Some(v) => (true, v),
            None => (false, value),
        };
        Some((source, as_of, digits.parse::<i64>().ok()?, approx))
    });
    match parsed {
        Some((source, as_of, v, approx)) => (
            Some(source.to_string()),
            (as_of != "?").then(|| as_of.to_string()),
            Some(v),
            Some(approx),
        ),
        None => (None, None, None, None),
    }
}

/// A `; `-joined list as a list (empty text: no items).
fn split_list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split("; ").map(str::to_string).collect()
    }
}

pub use super::copy_rows::{CopyRow, SignatureRow};
pub use super::term_rows::{CoocRow, TermDocRow, TermLineRow, TermRow};

/// One analysed article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentRow {
    /// File name relative to the corpus folder.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Headline.
    pub title: Option<String>,
    /// Address.
    pub url: Option<String>,
    /// Publication date, ISO: metadata.csv's, else inferred (see `published_basis`).
    pub published: Option<String>,
    /// Detected encoding.
    pub encoding: String,
    /// Characters (code points) of the original text.
    pub chars: i64,
    /// Sentences.
    pub sentences: i64,
    /// Tokens.
    pub tokens: i64,
    /// Characters of the original text in boilerplate lines.
    pub boilerplate_chars: i64,
    /// `ok`, or `warning` when something needs the user's attention (see `warnings`).
    pub status: String,
    /// Warnings, `; `-separated.
    pub warnings: Option<String>,
    /// File size in bytes.
    pub bytes: i64,
    /// BLAKE3 of the file, hex.
    pub content_hash: String,
    /// The incidents the article is about (ids from `dictionaries/incidents.toml`, largest
    /// mention share first), `; `-separated; empty when none.
    pub incidents: String,
    /// Where `published` came from: metadata, html, dateline, url, corpus, text, none.
    pub published_basis: String,
    /// The publication date metadata.csv gives (empty when it gives none or an unreadable
    /// one).
    pub published_metadata: Option<String>,
}

impl Record for DocumentRow {
    const TABLE: &'static str = "documents";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("title", Str),
            ("url", Str),
            ("published", Str),
            ("published_at", Datetime),
            ("published_precision", Str),
            ("encoding", Str),
            ("chars", Int),
            ("sentences", Int),
            ("tokens", Int),
            ("boilerplate_chars", Int),
            ("status", Str),
            ("warnings", Str),
            ("bytes", Int),
            ("content_hash", Str),
            ("incidents", List),
            ("published_basis", Str),
            ("published_metadata", Str),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.title.clone())
            .str(self.url.clone())
            .str(self.published.clone());
        push_timestamp(w, self.published.as_deref());
        w.str(self.encoding.clone())
            .int(self.chars)
            .int(self.sentences)
            .int(self.tokens)
            .int(self.boilerplate_chars)
            .str(self.status.clone())
            .str(self.warnings.clone())
            .int(self.bytes)
            .str(self.content_hash.clone())
            .list(split_list(&self.incidents))
            .str(self.published_basis.clone())
            .str(self.published_metadata.clone());
    }
}

/// An input that was not analysed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkipRow {
    /// Path relative to the corpus folder (or `metadata.csv:LINE`).
    pub path: String,
    /// Why, and what to do.
    pub reason: String,
}

impl Record for SkipRow {
    const TABLE: &'static str = "skipped";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[("path", Str), ("reason", Str)]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        // Written as they are printed: a file name with a line break stays on its row.
        w.str(super::printable(&self.path).into_owned())
            .str(super::printable(&self.reason).into_owned());
    }
}

/// Character and byte span into the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Offsets {
    /// First code point.
    pub char_start: i64,
    /// Code point after the last.
    pub char_end: i64,
    /// First byte.
    pub byte_start: i64,
    /// Byte after the last.
    pub byte_end: i64,
}

/// A number or date mention.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MentionRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// money, count, date, datetime, time, duration, relative_date, ratio.
    pub kind: String,
    /// Surface in the original text.
    pub text: String,
    /// Value as text (integer, ISO date/datetime/time, ISO duration).
    pub value: Option<String>,
    /// Upper end of a range.
    pub value_upper: Option<String>,
    /// Unit: JPY, person, case, ... (null for temporal kinds).
    pub unit: Option<String>,
    /// Whether the surface hedges.
    pub approx: bool,
    /// none, lower, upper, range, per, as_of, weekday, fiscal_year, parts of day; `+`-joined.
    pub qualifier: String,
    /// In boilerplate.
    pub boilerplate: bool,
    /// Span.
    pub offsets: Offsets,
    /// Index of the sentence in the document.
    pub sentence: i64,
}

impl Record for MentionRow {
    const TABLE: &'static str = "mentions";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("kind", Str),
            ("text", Str),
            ("value", Str),
            ("value_num", Int),
            ("value_upper", Str),
            ("value_upper_num", Int),
            ("unit", Str),
            ("approx", Bool),
            ("qualifier", Str),
            ("boilerplate", Bool),
            ("char_start", Int),
            ("char_end", Int),
            ("byte_start", Int),
            ("byte_end", Int),
            ("sentence", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.kind.clone())
            .str(self.text.clone())
            .str(self.value.clone())
            .int(value_num(self.value.as_deref()))
            .str(self.value_upper.clone())
            .int(value_num(self.value_upper.as_deref()))
            .str(self.unit.clone())
            .bool(self.approx)
            .str(self.qualifier.clone())
            .bool(self.boilerplate)
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end)
            .int(self.sentence);
    }
}

/// An entity mention.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// organization, person, product, place.
    pub entity_type: String,
    /// Surface in the original text.
    pub text: String,
    /// Canonical name.
    pub canonical: String,
    /// Role of a person (社長, 広報, 専門家, ...).
    pub role: Option<String>,
    /// In boilerplate.
    pub boilerplate: bool,
    /// Span.
    pub offsets: Offsets,
    /// Index of the sentence.
    pub sentence: i64,
}

impl Record for EntityRow {
    const TABLE: &'static str = "entities";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("type", Str),
            ("text", Str),
            ("canonical", Str),
            ("role", Str),
            ("boilerplate", Bool),
            ("char_start", Int),
            ("char_end", Int),
            ("byte_start", Int),
            ("byte_end", Int),
            ("sentence", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.entity_type.clone())
            .str(self.text.clone())
            .str(self.canonical.clone())
            .str(self.role.clone())
            .bool(self.boilerplate)
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end)
            .int(self.sentence);
    }
}

/// A figure bound to what it measures and when.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Publication date.
    pub published: Option<String>,
    /// Measure name from `dictionaries/measures.toml` (damage_amount, victims, ...).
    pub measure: String,
    /// Value (integer as text).
    pub value: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Hedged.
    pub approx: bool,
    /// Qualifier of the mention.
    pub qualifier: String,
    /// As-of time, ISO (date or datetime).
    pub as_of: Option<String>,
    /// Surface of the figure.
    pub text: String,
    /// Span of the figure.
    pub offsets: Offsets,
    /// Where `as_of` came from: `text` (an as-of expression) or `published`.
    pub as_of_basis: String,
    /// The cue word that bound the measure.
    pub cue: String,
    /// Index of the sentence.
    pub sentence: i64,
    /// Canonical name of the product or organisation the figure is about (7pay, 7iD).
    pub subject: Option<String>,
    /// Whether the figures table compares it across sources (`compare` of the measure).
    pub comparable: bool,
    /// The incident it is a figure of (`dictionaries/incidents.toml` id); empty for a
    /// figure about more than one incident (a national statistic) or in an article on none.
    pub incident: Option<String>,
    /// The sentence holding the figure, as the article reads (the report's evidence).
    pub sentence_text: String,
}

impl Record for FactRow {
    const TABLE: &'static str = "facts";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("published", Str),
            ("published_at", Datetime),
            ("published_precision", Str),
            ("measure", Str),
            ("value", Str),
            ("value_num", Int),
            ("unit", Str),
            ("approx", Bool),
            ("qualifier", Str),
            ("as_of", Str),
            ("as_of_at", Datetime),
            ("as_of_precision", Str),
            ("text", Str),
            ("char_start", Int),
            ("char_end", Int),
            ("byte_start", Int),
            ("byte_end", Int),
            ("as_of_basis", Str),
            ("cue", Str),
            ("sentence", Int),
            ("subject", Str),
            ("comparable", Bool),
            ("incident", Str),
            ("sentence_text", Str),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.published.clone());
        push_timestamp(w, self.published.as_deref());
        w.str(self.measure.clone())
            .str(self.value.clone())
            .int(value_num(self.value.as_deref()))
            .str(self.unit.clone())
            .bool(self.approx)
            .str(self.qualifier.clone())
            .str(self.as_of.clone());
        push_timestamp(w, self.as_of.as_deref());
        w.str(self.text.clone())
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end)
            .str(self.as_of_basis.clone())
            .str(self.cue.clone())
            .int(self.sentence)
            .str(self.subject.clone())
            .bool(self.comparable)
            .str(self.incident.clone())
            .str(self.sentence_text.clone());
    }
}

/// A frame cue found in a sentence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameHitRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// The incident the hit's sentence is about (an id of `dictionaries/incidents.toml`):
    /// always one of the document's `incidents`, empty when the document has none.
    pub incident: String,
    /// Frame id (two_factor_auth, ...).
    pub frame: String,
    /// The cue text as found.
    pub cue: String,
    /// asserted, reported, doubted, negated.
    pub stance: String,
    /// The sentence, as evidence (original text).
    pub sentence_text: String,
    /// Span of the cue.
    pub offsets: Offsets,
    /// Publication date.
    pub published: Option<String>,
    /// Index of the sentence.
    pub sentence: i64,
    /// What decided the stance (the attribution or negation marker), if any.
    pub stance_cue: Option<String>,
}

impl Record for FrameHitRow {
    const TABLE: &'static str = "frame_hits";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("incident", Str),
            ("frame", Str),
            ("cue", Str),
            ("stance", Str),
            ("sentence_text", Str),
            ("char_start", Int),
            ("char_end", Int),
            ("byte_start", Int),
            ("byte_end", Int),
            ("published", Str),
            ("published_at", Datetime),
            ("published_precision", Str),
            ("sentence", Int),
            ("stance_cue", Str),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.incident.clone())
            .str(self.frame.clone())
            .str(self.cue.clone())
            .str(self.stance.clone())
            .str(self.sentence_text.clone())
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end)
            .str(self.published.clone());
        push_timestamp(w, self.published.as_deref());
        w.int(self.sentence).str(self.stance_cue.clone());
    }
}

/// Source × frame comparison within one incident.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceFrameRow {
    /// The incident (empty: articles on no listed incident).
    pub incident: String,
    /// Outlet.
    pub source: String,
    /// Frame id.
    pub frame: String,
    /// Documents of the source on the incident giving the frame for it.
    pub docs: i64,
    /// Documents of the source on the incident.
    pub docs_total: i64,
    /// docs / docs_total.
    pub share: f64,
    /// Hits of the frame in the source.
    pub hits: i64,
    /// Fisher's exact test (two-sided) of this source against the incident's others.
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value of `p_value` among the incident's cells.
    pub q_value: Option<f64>,
    /// Standardized (adjusted) residual of the source × frame document table.
    pub std_residual: Option<f64>,
    /// Hits by stance.
    pub hits_asserted: i64,
    /// Hits by stance.
    pub hits_reported: i64,
    /// Hits by stance.
    pub hits_doubted: i64,
    /// Hits by stance.
    pub hits_negated: i64,
}

impl Record for SourceFrameRow {
    const TABLE: &'static str = "source_frames";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("incident", Str),
            ("source", Str),
            ("frame", Str),
            ("docs", Int),
            ("docs_total", Int),
            ("share", Float),
            ("hits", Int),
            ("p_value", Float),
            ("q_value", Float),
            ("std_residual", Float),
            ("hits_asserted", Int),
            ("hits_reported", Int),
            ("hits_doubted", Int),
            ("hits_negated", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.incident.clone())
            .str(self.source.clone())
            .str(self.frame.clone())
            .int(self.docs)
            .int(self.docs_total)
            .float(self.share)
            .int(self.hits)
            .float(self.p_value)
            .float(self.q_value)
            .float(self.std_residual)
            .int(self.hits_asserted)
            .int(self.hits_reported)
            .int(self.hits_doubted)
            .int(self.hits_negated);
    }
}

/// What one source said about one measure as of one time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FigureRow {
    /// Measure.
    pub measure: String,
    /// Outlet.
    pub source: String,
    /// As-of time.
    pub as_of: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// Hedged.
    pub approx: bool,
    /// same, rounded, updated, conflict (against the previous figure of the measure), or
    /// first.
    pub verdict: String,
    /// Documents that gave it, sorted (a list column; `; `-joined in CSV).
    pub docs: Vec<String>,
    /// Unit.
    pub unit: Option<String>,
    /// The figure this row was compared with (`source@as_of=value`, `~` before a hedged
    /// value).
    pub compared_with: Option<String>,
    /// Subject of the figures compared (7pay, 7iD): rows compare within a measure,
    /// incident and subject.
    pub subject: Option<String>,
    /// Incident of the figures compared: figures never compare across incidents.
    pub incident: Option<String>,
    /// Independent texts behind the row: its documents, a copy counted with its original
    /// (`copies.copy_of`), less the texts an earlier row of the measure already counted.
    pub independent_docs: i64,
}

impl Record for FigureRow {
    const TABLE: &'static str = "figures";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("measure", Str),
            ("source", Str),
            ("as_of", Str),
            ("as_of_at", Datetime),
            ("as_of_precision", Str),
            ("value", Str),
            ("value_num", Int),
            ("approx", Bool),
            ("verdict", Str),
            ("docs", List),
            ("unit", Str),
            ("compared_with", Str),
            ("compared_source", Str),
            ("compared_as_of", Str),
            ("compared_value", Int),
            ("compared_approx", Bool),
            ("subject", Str),
            ("incident", Str),
            ("independent_docs", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.measure.clone())
            .str(self.source.clone())
            .str(self.as_of.clone());
        push_timestamp(w, self.as_of.as_deref());
        let (c_source, c_as_of, c_value, c_approx) = compared_parts(self.compared_with.as_deref());
        w.str(self.value.clone())
            .int(value_num(self.value.as_deref()))
            .bool(self.approx)
            .str(self.verdict.clone())
            .list(self.docs.clone())
            .str(self.unit.clone())
            .str(self.compared_with.clone())
            .str(c_source)
            .str(c_as_of)
            .int(c_value)
            .bool(c_approx)
            .str(self.subject.clone())
            .str(self.incident.clone())
            .int(self.independent_docs);
    }
}

fn offsets(r: &RowReader<'_>) -> Offsets {
    Offsets {
        char_start: r.int("char_start").unwrap_or(0),
        char_end: r.int("char_end").unwrap_or(0),
        byte_start: r.int("byte_start").unwrap_or(0),
        byte_end: r.int("byte_end").unwrap_or(0),
    }
}

impl FromRow for DocumentRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        DocumentRow {
            doc: r.string("doc"),
            source: r.string("source"),
            title: r.str("title"),
            url: r.str("url"),
            published: r.str("published"),
            encoding: r.string("encoding"),
            chars: r.int("chars").unwrap_or(0),
            sentences: r.int("sentences").unwrap_or(0),
            tokens: r.int("tokens").unwrap_or(0),
            boilerplate_chars: r.int("boilerplate_chars").unwrap_or(0),
            status: r.string("status"),
            warnings: r.str("warnings"),
            bytes: r.int("bytes").unwrap_or(0),
            content_hash: r.string("content_hash"),
            incidents: r.string("incidents"),
            published_basis: r.string("published_basis"),
            published_metadata: r.str("published_metadata"),
        }
    }
}

impl FromRow for FactRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        FactRow {
            doc: r.string("doc"),
            source: r.string("source"),
            published: r.str("published"),
            measure: r.string("measure"),
            value: r.str("value"),
            unit: r.str("unit"),
            approx: r.flag("approx"),
            qualifier: r.string("qualifier"),
            as_of: r.str("as_of"),
            text: r.string("text"),
            offsets: offsets(r),
            as_of_basis: r.string("as_of_basis"),
            cue: r.string("cue"),
            sentence: r.int("sentence").unwrap_or(0),
            subject: r.str("subject"),
            comparable: r.flag("comparable"),
            incident: r.str("incident"),
            sentence_text: r.string("sentence_text"),
        }
    }
}

impl FromRow for FrameHitRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        FrameHitRow {
            doc: r.string("doc"),
            source: r.string("source"),
            incident: r.string("incident"),
            frame: r.string("frame"),
            cue: r.string("cue"),
            stance: r.string("stance"),
            sentence_text: r.string("sentence_text"),
            offsets: offsets(r),
            published: r.str("published"),
            sentence: r.int("sentence").unwrap_or(0),
            stance_cue: r.str("stance_cue"),
        }
    }
}

impl FromRow for SourceFrameRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        SourceFrameRow {
            incident: r.string("incident"),
            source: r.string("source"),
            frame: r.string("frame"),
            docs: r.int("docs").unwrap_or(0),
            docs_total: r.int("docs_total").unwrap_or(0),
            share: r.float("share").unwrap_or(0.0),
            hits: r.int("hits").unwrap_or(0),
            p_value: r.float("p_value"),
            q_value: r.float("q_value"),
            std_residual: r.float("std_residual"),
            hits_asserted: r.int("hits_asserted").unwrap_or(0),
            hits_reported: r.int("hits_reported").unwrap_or(0),
            hits_doubted: r.int("hits_doubted").unwrap_or(0),
            hits_negated: r.int("hits_negated").unwrap_or(0),
        }
    }
}

impl FromRow for FigureRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        FigureRow {
            measure: r.string("measure"),
            source: r.string("source"),
            as_of: r.str("as_of"),
            value: r.str("value"),
            approx: r.flag("approx"),
            verdict: r.string("verdict"),
            docs: r.list("docs"),
            unit: r.str("unit"),
            compared_with: r.str("compared_with"),
            subject: r.str("subject"),
            incident: r.str("incident"),
            independent_docs: r.int("independent_docs").unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::{Table, rows_of};

    #[test]
    fn rows_round_trip_through_tables() {
        let facts = vec![FactRow {
            doc: "a.txt".into(),
            source: "S".into(),
            published: Some("2019-07-04".into()),
            measure: "victims".into(),
            value: Some("900".into()),
            approx: true,
            qualifier: "none".into(),
            offsets: Offsets {
                char_start: 1,
                char_end: 5,
                byte_start: 3,
                byte_end: 13,
            },
            subject: Some("7pay".into()),
            comparable: true,
            ..FactRow::default()
        }];
        assert_eq!(
            rows_of::<FactRow>(&Table::from_records(facts.iter())),
            facts
        );
        let sf = vec![SourceFrameRow {
            source: "S".into(),
            frame: "f".into(),
            share: 0.5,
            p_value: None,
            std_residual: Some(-1.25),
            ..SourceFrameRow::default()
        }];
        assert_eq!(
            rows_of::<SourceFrameRow>(&Table::from_records(sf.iter())),
            sf
        );
    }

    #[test]
    fn typed_companions_are_derived_from_the_text() {
        use crate::output::table::Values;
        let fig = FigureRow {
            measure: "damage_amount".into(),
            source: "S".into(),
            as_of: Some("2019-07-04T06:00".into()),
            value: Some("38615473".into()),
            verdict: "conflict".into(),
            docs: vec!["a.txt".into(), "b; c.txt".into()],
            // A source name holding `@` and `=` still splits from the right.
            compared_with: Some("T@x=y@XXXX-07-04=~55000000".into()),
            ..FigureRow::default()
        };
        let undated = FigureRow {
            compared_with: Some("U@?=900".into()),
            ..fig.clone()
        };
        let t = Table::from_records([fig.clone(), undated, FigureRow::default()].iter());
        let col = |n: &str| t.column(n).unwrap().clone();
        let day = crate::calendar::Date::new(2019, 7, 4).unwrap().day_number();
        assert_eq!(
            col("as_of_at"),
            Values::Datetime(
                vec![Some(day * 86_400_000 + 6 * 3_600_000); 2]
                    .into_iter()
                    .chain([None])
                    .collect()
            )
        );
        assert_eq!(
            col("as_of_precision"),
            Values::Str(vec![Some("minute".into()), Some("minute".into()), None])
        );
        assert_eq!(
            col("value_num"),
            Values::Int(vec![Some(38_615_473), Some(38_615_473), None])
        );
        assert_eq!(
            col("compared_source"),
            Values::Str(vec![Some("T@x=y".into()), Some("U".into()), None])
        );
        assert_eq!(
            col("compared_as_of"),
            Values::Str(vec![Some("XXXX-07-04".into()), None, None])
        );
        assert_eq!(
            col("compared_value"),
            Values::Int(vec![Some(55_000_000), Some(900), None])
        );
        assert_eq!(
            col("compared_approx"),
            Values::Bool(vec![Some(true), Some(false), None])
        );
        assert_eq!(col("docs").cell(0), "a.txt; b; c.txt");
        // The list survives as a list (a `; ` inside a name included).
        assert_eq!(rows_of::<FigureRow>(&t)[0], fig);

        let docs = [
            DocumentRow {
                published: Some("XXXX-05-10".into()),
                incidents: "7pay; uniqlo".into(),
                ..DocumentRow::default()
            },
            DocumentRow::default(),
        ];
        let t = Table::from_records(docs.iter());
        assert_eq!(
            t.column("published_precision").unwrap(),
            &Values::Str(vec![Some("unknown_year".into()), None])
        );
        assert_eq!(
            t.column("published_at").unwrap(),
            &Values::Datetime(vec![None, None])
        );
        assert_eq!(
            t.column("incidents").unwrap(),
            &Values::List(vec![
                Some(vec!["7pay".into(), "uniqlo".into()]),
                Some(vec![])
            ])
        );
        assert_eq!(rows_of::<DocumentRow>(&t), docs);

        let m = MentionRow {
            value: Some("1.5".into()),
            value_upper: Some("2000".into()),
            ..MentionRow::default()
        };
        let t = Table::from_records([m].iter());
        assert_eq!(t.column("value_num").unwrap(), &Values::Int(vec![None]));
        assert_eq!(
            t.column("value_upper_num").unwrap(),
            &Values::Int(vec![Some(2000)])
        );
    }
}
