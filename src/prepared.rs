//! What every analysis stage after tokenization reads about one document: [`Prepared`]
//! (the document, its normalized text and offset map, boilerplate lines, sentences and
//! tokens) and [`Spans`], which maps normalized byte ranges back to the original text.
//!
//! These types sit below [`analyze`](crate::analyze), [`extract`](crate::extract) and
//! [`facts`](crate::facts), so that the stages depend on them and not on each other.

use std::ops::Range;

use crate::corpus::Document;
use crate::normalize::NormalizedText;
use crate::output::rows::Offsets;
use crate::segment::Sentence;
use crate::tokenize::Token;

/// Everything later stages need about one document's text.
pub struct Prepared<'d> {
    /// The document.
    pub doc: &'d Document,
    /// Normalized text and offset map.
    pub norm: NormalizedText,
    /// Boilerplate line ranges (normalized bytes).
    pub boilerplate: Vec<Range<usize>>,
    /// Sentences.
    pub sentences: Vec<Sentence>,
    /// Tokens of the whole text, in order.
    pub tokens: Vec<Token>,
}

impl Prepared<'_> {
    /// Resolves this document's normalized ranges to original offsets.
    pub fn spans(&self) -> Spans<'_> {
        Spans {
            html: self.doc.html.as_deref(),
            ..Spans::new(&self.doc.text, &self.norm)
        }
    }

    /// Tokens inside the normalized byte range `r`.
    pub fn tokens_in(&self, r: &Range<usize>) -> &[Token] {
        let a = self
            .tokens
            .partition_point(|t| (t.start as usize) < r.start);
        let b = self.tokens.partition_point(|t| (t.start as usize) < r.end);
        &self.tokens[a..b]
    }
}

/// Maps normalized byte ranges to original byte and character offsets.
///
/// Character offsets are counted incrementally from the last query, forwards or
/// backwards, so a document's spans resolved in order cost one pass over the text, and a
/// query a little before the last one (overlapping spans, facts of one sentence) costs
/// only the distance back, not a count from the start of the text.
pub struct Spans<'t> {
    orig: &'t str,
    norm: &'t NormalizedText,
    last: std::cell::Cell<(usize, usize)>,
    /// A web page's layout: evidence text is shown decoded.
    html: Option<&'t crate::corpus::html::Layout>,
}

impl<'t> Spans<'t> {
    /// A resolver for `orig` and its normalization.
    pub fn new(orig: &'t str, norm: &'t NormalizedText) -> Spans<'t> {
        Spans {
            orig,
            norm,
            last: std::cell::Cell::new((0, 0)),
            html: None,
        }
    }

    fn char_at(&self, byte: usize) -> usize {
        let (lb, lc) = self.last.get();
        let c = if byte >= lb {
            lc + self.orig[lb..byte].chars().count()
        } else if byte >= lb / 2 {
            lc - self.orig[byte..lb].chars().count()
        } else {
            self.orig[..byte].chars().count()
        };
        self.last.set((byte, c));
        c
    }

    /// Original byte range of a normalized range.
    pub fn orig_range(&self, r: Range<usize>) -> Range<usize> {
        self.norm.map.map_range(r)
    }

    /// Offsets in the original text of a normalized range.
    pub fn offsets(&self, r: Range<usize>) -> Offsets {
        let o = self.orig_range(r);
        let char_start = self.char_at(o.start);
        let char_end = self.char_at(o.end);
        Offsets {
            char_start: char_start as i64,
            char_end: char_end as i64,
            byte_start: o.start as i64,
            byte_end: o.end as i64,
        }
    }

    /// The original text of a normalized range.
    pub fn original(&self, r: Range<usize>) -> &'t str {
        let o = self.orig_range(r);
        &self.orig[o]
    }

    /// The text a reader sees in a normalized range: the original text, or for a web
    /// page its text with markup removed and character references decoded (evidence
    /// sentences: `&ldquo;` reads as “).
    pub fn visible(&self, r: Range<usize>) -> String {
        let o = self.orig_range(r);
        match self.html {
            Some(layout) => layout.visible(self.orig, o).trim().to_string(),
            None => self.orig[o].to_string(),
        }
    }
}
