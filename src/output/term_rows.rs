//! Rows of the word tables (issue 20): `term_docs` (document × word, the stored
//! per-document counts), `term_lines` (the first concordance line of each document ×
//! word, kept in the store for the report, not published), `terms` (source × word,
//! keyness) and `cooccurrence` (word pairs).

use super::table::{ColType, FromRow, Record, RowReader, RowWriter};
use ColType::{Float, Int, Str};

/// One content word of one document, within one incident (the incident of the sentences
/// it occurs in).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermDocRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Incident of the sentences (ids from `dictionaries/incidents.toml`); empty when none.
    pub incident: Option<String>,
    /// Dictionary form (基本形): 攻撃され and 攻撃する are one word.
    pub term: String,
    /// 名詞, 動詞 or 形容詞.
    pub pos: String,
    /// Occurrences in the document's body.
    pub count: i64,
    /// The body sentences it occurs in (0-based indices, ascending, space-separated).
    pub sentence_ids: String,
}

impl Record for TermDocRow {
    const TABLE: &'static str = "term_docs";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("incident", Str),
            ("term", Str),
            ("pos", Str),
            ("count", Int),
            ("sentence_ids", Str),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.incident.clone())
            .str(self.term.clone())
            .str(self.pos.clone())
            .int(self.count)
            .str(self.sentence_ids.clone());
    }
}

impl FromRow for TermDocRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        TermDocRow {
            doc: r.string("doc"),
            source: r.string("source"),
            incident: r.str("incident"),
            term: r.string("term"),
            pos: r.string("pos"),
            count: r.int("count").unwrap_or(0),
            sentence_ids: r.string("sentence_ids"),
        }
    }
}

/// The first occurrence of one content word in one document (within one incident) as a
/// concordance line: the part table `term_lines`, which the report's KWIC sections are
/// picked from (never published: `shiten kwic` gives every line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermLineRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Publication date (as in `frame_hits`).
    pub published: Option<String>,
    /// Incident of the sentence; empty when none.
    pub incident: Option<String>,
    /// Dictionary form, as in `term_docs`.
    pub term: String,
    /// Sentence index.
    pub sentence: i64,
    /// Context before the word, within its sentence (as the reader sees it).
    pub left: String,
    /// The word as written.
    pub keyword: String,
    /// Context after the word, within its sentence.
    pub right: String,
    /// Offsets of the word in the original text.
    pub offsets: super::rows::Offsets,
}

impl Record for TermLineRow {
    const TABLE: &'static str = "term_lines";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("published", Str),
            ("incident", Str),
            ("term", Str),
            ("sentence", Int),
            ("left", Str),
            ("keyword", Str),
            ("right", Str),
            ("char_start", Int),
            ("char_end", Int),
            ("byte_start", Int),
            ("byte_end", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.published.clone())
            .str(self.incident.clone())
            .str(self.term.clone())
            .int(self.sentence)
            .str(self.left.clone())
            .str(self.keyword.clone())
            .str(self.right.clone())
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end);
    }
}

impl FromRow for TermLineRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        TermLineRow {
            doc: r.string("doc"),
            source: r.string("source"),
            published: r.str("published"),
            incident: r.str("incident"),
            term: r.string("term"),
            sentence: r.int("sentence").unwrap_or(0),
            left: r.string("left"),
            keyword: r.string("keyword"),
            right: r.string("right"),
            offsets: super::rows::Offsets {
                char_start: r.int("char_start").unwrap_or(0),
                char_end: r.int("char_end").unwrap_or(0),
                byte_start: r.int("byte_start").unwrap_or(0),
                byte_end: r.int("byte_end").unwrap_or(0),
            },
        }
    }
}

/// Source × word: frequency and keyness (特徴語) against all other sources of the incident.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TermRow {
    /// Incident; empty for sentences about none.
    pub incident: Option<String>,
    /// Outlet, or `*` for the whole corpus (its frequency list).
    pub source: String,
    /// Dictionary form.
    pub term: String,
    /// 名詞, 動詞 or 形容詞.
    pub pos: String,
    /// Occurrences.
    pub count: i64,
    /// Documents of the source using it.
    pub docs: i64,
    /// Documents of the source with content words in the incident.
    pub docs_total: i64,
    /// docs / docs_total.
    pub share: f64,
    /// Signed log-likelihood G² of the 2×2 table (this word vs the source's other words ×
    /// this source vs the other sources): positive when the source uses it more.
    pub keyness: Option<f64>,
    /// log2 of the ratio of relative frequencies, this source over the others (0.5 for a
    /// zero count).
    pub log_ratio: Option<f64>,
    /// P(χ²₁ ≥ G²).
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value over the incident's rows.
    pub q_value: Option<f64>,
}

impl Record for TermRow {
    const TABLE: &'static str = "terms";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("incident", Str),
            ("source", Str),
            ("term", Str),
            ("pos", Str),
            ("count", Int),
            ("docs", Int),
            ("docs_total", Int),
            ("share", Float),
            ("keyness", Float),
            ("log_ratio", Float),
            ("p_value", Float),
            ("q_value", Float),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.incident.clone())
            .str(self.source.clone())
            .str(self.term.clone())
            .str(self.pos.clone())
            .int(self.count)
            .int(self.docs)
            .int(self.docs_total)
            .float(self.share)
            .float(self.keyness)
            .float(self.log_ratio)
            .float(self.p_value)
            .float(self.q_value);
    }
}

impl FromRow for TermRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        TermRow {
            incident: r.str("incident"),
            source: r.string("source"),
            term: r.string("term"),
            pos: r.string("pos"),
            count: r.int("count").unwrap_or(0),
            docs: r.int("docs").unwrap_or(0),
            docs_total: r.int("docs_total").unwrap_or(0),
            share: r.float("share").unwrap_or(0.0),
            keyness: r.float("keyness"),
            log_ratio: r.float("log_ratio"),
            p_value: r.float("p_value"),
            q_value: r.float("q_value"),
        }
    }
}

/// Two words in the same sentences.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoocRow {
    /// Incident of the sentences; empty for none.
    pub incident: Option<String>,
    /// The first word (byte order).
    pub term_a: String,
    /// The second word.
    pub term_b: String,
    /// Body sentences holding both.
    pub sentences: i64,
    /// sentences / sentences holding either.
    pub jaccard: f64,
    /// Sentences holding term_a.
    pub count_a: i64,
    /// Sentences holding term_b.
    pub count_b: i64,
}

impl Record for CoocRow {
    const TABLE: &'static str = "cooccurrence";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("incident", Str),
            ("term_a", Str),
            ("term_b", Str),
            ("sentences", Int),
            ("jaccard", Float),
            ("count_a", Int),
            ("count_b", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.incident.clone())
            .str(self.term_a.clone())
            .str(self.term_b.clone())
            .int(self.sentences)
            .float(self.jaccard)
            .int(self.count_a)
            .int(self.count_b);
    }
}

impl FromRow for CoocRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        CoocRow {
            incident: r.str("incident"),
            term_a: r.string("term_a"),
            term_b: r.string("term_b"),
            sentences: r.int("sentences").unwrap_or(0),
            jaccard: r.float("jaccard").unwrap_or(0.0),
            count_a: r.int("count_a").unwrap_or(0),
            count_b: r.int("count_b").unwrap_or(0),
        }
    }
}
