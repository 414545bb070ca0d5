//! Rows of the copy tables (issue 17): `signatures` (one MinHash signature per document,
//! kept in the batch parts only) and `copies` (one row per document: the first-seen copy
//! it repeats, if any). See [`crate::copies`].

use super::table::{ColType, FromRow, Record, RowReader, RowWriter};
use ColType::{Float, Int, Str};

/// A document's MinHash signature, stored in its batch (not published).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignatureRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Publication date (ISO 8601, as in `documents`), the first key of "first seen".
    pub published: Option<String>,
    /// Distinct shingles of its body text.
    pub shingles: i64,
    /// The signature: [`crate::copies::HASHES`] minima, 8 hex digits each.
    pub minhash: String,
}

impl Record for SignatureRow {
    const TABLE: &'static str = "signatures";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("published", Str),
            ("shingles", Int),
            ("minhash", Str),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.published.clone())
            .int(self.shingles)
            .str(self.minhash.clone());
    }
}

impl FromRow for SignatureRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        SignatureRow {
            doc: r.string("doc"),
            source: r.string("source"),
            published: r.str("published"),
            shingles: r.int("shingles").unwrap_or(0),
            minhash: r.string("minhash"),
        }
    }
}

/// One document and the text it copies (the `copies` table).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CopyRow {
    /// Document.
    pub doc: String,
    /// Outlet.
    pub source: String,
    /// Publication date.
    pub published: Option<String>,
    /// The first-seen copy of the same text (earliest `published`, then `doc`); empty for
    /// an original (a text no earlier document carries).
    pub copy_of: Option<String>,
    /// Estimated Jaccard similarity of the two texts' shingles (empty for an original).
    pub similarity: Option<f64>,
    /// Documents carrying this text, this one included (1: no copy anywhere).
    pub group_docs: i64,
}

impl Record for CopyRow {
    const TABLE: &'static str = "copies";
    fn columns() -> &'static [(&'static str, ColType)] {
        &[
            ("doc", Str),
            ("source", Str),
            ("published", Str),
            ("copy_of", Str),
            ("similarity", Float),
            ("group_docs", Int),
        ]
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        w.str(self.doc.clone())
            .str(self.source.clone())
            .str(self.published.clone())
            .str(self.copy_of.clone())
            .float(self.similarity)
            .int(self.group_docs);
    }
}

impl FromRow for CopyRow {
    fn from_row(r: &RowReader<'_>) -> Self {
        CopyRow {
            doc: r.string("doc"),
            source: r.string("source"),
            published: r.str("published"),
            copy_of: r.str("copy_of"),
            similarity: r.float("similarity"),
            group_docs: r.int("group_docs").unwrap_or(0),
        }
    }
}
