//! Stage 6b: a document's tokens -> its content words ([`TermDocRow`]s), the input of the
//! `terms` and `cooccurrence` tables and of `shiten kwic`'s word matching.
//!
//! A content word is a token of the body (boilerplate sentences are left out) that is a
//! noun (一般, 固有名詞 of any kind, サ変接続, 形容動詞語幹), a verb or an adjective, or an
//! entry of our user dictionary (compounds such as リスト型攻撃 count as one word). Its
//! term is its dictionary form (基本形), so 攻撃され and 攻撃する are one word, 攻撃する's
//! 攻撃 (a サ変 noun) another. Left out: numerals (名詞,数), counters and other suffixes,
//! pronouns, 非自立 nouns, adverbial nouns (今回, 一部), symbols, words without a letter,
//! single kana (tokenizer debris), and the stop words of `dictionaries/stopwords.txt`
//! (light verbs such as する, いる, ある, なる).
//!
//! A word's incident is the incident of its sentence ([`DocIncidents::of_sentence`]: the
//! incident named in the sentence, else the nearest named before it, else the article's
//! main incident) when it is one of the article's incidents, else the article's main
//! incident (as for frame hits), so an article comparing two breaches splits its words
//! between them and `terms` lines up with `documents.incidents` and `source_frames`.

use std::collections::HashSet;

use rustc_hash::FxHashMap;
use std::path::Path;

use std::ops::Range;

use crate::analyze::Prepared;
use crate::error::{Error, Result};
use crate::incident::{DocIncidents, Incidents};
use crate::output::rows::{Offsets, TermDocRow, TermLineRow};
use crate::output::{ColType, Record, RowWriter, Table};
use crate::prepared::Spans;
use crate::tokenize::{NounKind, Pos, Token};

/// Name of the stop word list inside the dictionaries folder (optional).
pub const STOPWORDS_FILE: &str = "stopwords.txt";

/// Words never counted: one dictionary form per line, `#` starts a comment.
#[derive(Debug, Clone, Default)]
pub struct Stopwords {
    words: HashSet<String>,
}

impl Stopwords {
    /// Reads `dictionaries/stopwords.txt`; none when the file does not exist.
    pub fn load(dictionaries: &Path) -> Result<Stopwords> {
        let path = dictionaries.join(STOPWORDS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Stopwords::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stopwords::default()),
            Err(e) => Err(Error::dictionary_file(&path, "stop word list", &e)),
        }
    }

    /// The words of a stop word list's text (NFKC-folded like the text they are compared
    /// with).
    pub fn parse(text: &str) -> Stopwords {
        use unicode_normalization::UnicodeNormalization;
        let words = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|w| !w.is_empty())
            .map(|w| w.nfkc().collect())
            .collect();
        Stopwords { words }
    }

    /// Whether `term` is a stop word.
    pub fn contains(&self, term: &str) -> bool {
        self.words.contains(term)
    }
}

/// The `pos` label of a content word's part of speech, `None` for other tokens.
pub fn content_pos(pos: Pos, user: bool) -> Option<&'static str> {
    match pos {
        Pos::Noun(
            NounKind::General
            | NounKind::Proper
            | NounKind::Person
            | NounKind::Organization
            | NounKind::Place
            | NounKind::Verbal
            | NounKind::Adjectival,
        ) => Some("名詞"),
        // A user-dictionary compound is a word whatever its row says (but not a numeral).
        Pos::Noun(k) if user && k != NounKind::Number => Some("名詞"),
        Pos::Verb => Some("動詞"),
        Pos::Adjective => Some("形容詞"),
        _ => None,
    }
}

/// Whether `term` can be a word: it holds a letter that is not a digit, and it is not a
/// single kana.
pub fn is_word(term: &str) -> bool {
    let mut chars = term.chars();
    let (Some(first), rest) = (chars.next(), chars.next()) else {
        return false;
    };
    let kana = |c: char| ('\u{3041}'..='\u{30ff}').contains(&c);
    if rest.is_none() && kana(first) {
        return false;
    }
    // Kanji numerals are letters to Unicode (三 is Lo), numbers to a reader.
    let numeral = |c: char| c.is_numeric() || "〇一二三四五六七八九十百千万億兆".contains(c);
    if term.chars().all(numeral) {
        return false;
    }
    term.chars().any(|c| c.is_alphabetic() && !c.is_numeric())
}

/// Characters of context on each side of a word in its concordance line (within the
/// sentence).
pub const LINE_CONTEXT: usize = 20;

/// One (incident, term) of a document while its tokens are counted.
struct Entry<'t> {
    incident: Option<usize>,
    term: &'t str,
    /// Part of speech label of the first occurrence; `None` when the term is not counted
    /// (not a word, or a stop word: checked once per term, not once per token).
    pos: Option<&'static str>,
    count: i64,
    last_sentence: u32,
    /// The first occurrence: normalized byte range and sentence.
    first: (u32, u32),
    first_sentence: u32,
}

/// Appends `n` in decimal.
fn push_u32(s: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[k..] {
        s.push(d as char);
    }
}

/// A range of [`DocTerms`]' text buffers.
type Slice = (u32, u32);

/// One `term_docs` row, packed.
#[derive(Debug, Clone)]
struct PackedTerm {
    /// Index into [`DocTerms`]' incidents.
    incident: u32,
    term: Slice,
    sentences: Slice,
    pos: &'static str,
    count: i64,
}

/// One `term_lines` row, packed.
#[derive(Debug, Clone)]
struct PackedLine {
    /// Index of its word.
    word: u32,
    sentence: u32,
    left: Slice,
    keyword: Slice,
    right: Slice,
    offsets: Offsets,
}

/// A document's content words: its `term_docs` rows and the first concordance line of
/// each (`term_lines`), packed: the strings of all rows in two buffers (two allocations
/// per document, not eight per word), made into rows ([`DocTerms::rows`],
/// [`DocTerms::line_rows`]) only when a batch's tables are written.
#[derive(Debug, Clone, Default)]
pub struct DocTerms {
    published: Option<String>,
    incidents: Vec<Option<String>>,
    /// Terms and sentence ids.
    text: String,
    words: Vec<PackedTerm>,
    /// Left contexts, keywords and right contexts.
    line_text: String,
    lines: Vec<PackedLine>,
}

impl DocTerms {
    /// Number of `term_docs` rows.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn get(buf: &str, s: Slice) -> &str {
        &buf[s.0 as usize..s.1 as usize]
    }

    /// The `term_docs` rows of document `doc` of outlet `source`, sorted by incident
    /// then term.
    pub fn rows<'a>(
        &'a self,
        doc: &'a str,
        source: &'a str,
    ) -> impl Iterator<Item = TermDocRow> + 'a {
        self.words.iter().map(move |w| TermDocRow {
            doc: doc.to_string(),
            source: source.to_string(),
            incident: self.incidents[w.incident as usize].clone(),
            term: Self::get(&self.text, w.term).to_string(),
            pos: w.pos.to_string(),
            count: w.count,
            sentence_ids: Self::get(&self.text, w.sentences).to_string(),
        })
    }

    /// The `term_lines` rows (first occurrence of each word, in text order).
    pub fn line_rows<'a>(
        &'a self,
        doc: &'a str,
        source: &'a str,
    ) -> impl Iterator<Item = TermLineRow> + 'a {
        self.lines.iter().map(move |l| {
            let w = &self.words[l.word as usize];
            let text = |s| Self::get(&self.line_text, s).to_string();
            TermLineRow {
                doc: doc.to_string(),
                source: source.to_string(),
                published: self.published.clone(),
                incident: self.incidents[w.incident as usize].clone(),
                term: Self::get(&self.text, w.term).to_string(),
                sentence: i64::from(l.sentence),
                left: text(l.left),
                keyword: text(l.keyword),
                right: text(l.right),
                offsets: l.offsets,
            }
        })
    }
}

/// A `term_docs` row borrowed from a [`DocTerms`] (its strings are copied once, into
/// the table).
struct TermDocRef<'a> {
    doc: &'a str,
    source: &'a str,
    incident: Option<&'a str>,
    term: &'a str,
    pos: &'a str,
    count: i64,
    sentence_ids: &'a str,
}

impl Record for TermDocRef<'_> {
    const TABLE: &'static str = TermDocRow::TABLE;
    fn columns() -> &'static [(&'static str, ColType)] {
        TermDocRow::columns()
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        // The order of TermDocRow::push.
        w.str(self.doc.to_string())
            .str(self.source.to_string())
            .str(self.incident.map(str::to_string))
            .str(self.term.to_string())
            .str(self.pos.to_string())
            .int(self.count)
            .str(self.sentence_ids.to_string());
    }
}

/// A `term_lines` row borrowed from a [`DocTerms`].
struct TermLineRef<'a> {
    doc: &'a str,
    source: &'a str,
    published: Option<&'a str>,
    incident: Option<&'a str>,
    term: &'a str,
    sentence: i64,
    left: &'a str,
    keyword: &'a str,
    right: &'a str,
    offsets: Offsets,
}

impl Record for TermLineRef<'_> {
    const TABLE: &'static str = TermLineRow::TABLE;
    fn columns() -> &'static [(&'static str, ColType)] {
        TermLineRow::columns()
    }
    fn push(&self, w: &mut RowWriter<'_>) {
        // The order of TermLineRow::push.
        w.str(self.doc.to_string())
            .str(self.source.to_string())
            .str(self.published.map(str::to_string))
            .str(self.incident.map(str::to_string))
            .str(self.term.to_string())
            .int(self.sentence)
            .str(self.left.to_string())
            .str(self.keyword.to_string())
            .str(self.right.to_string())
            .int(self.offsets.char_start)
            .int(self.offsets.char_end)
            .int(self.offsets.byte_start)
            .int(self.offsets.byte_end);
    }
}

impl DocTerms {
    /// Appends the `term_docs` rows of document `doc` of outlet `source` to `t` (a
    /// `term_docs` table).
    pub fn push_rows(&self, doc: &str, source: &str, t: &mut Table) {
        for w in &self.words {
            t.push(&TermDocRef {
                doc,
                source,
                incident: self.incidents[w.incident as usize].as_deref(),
                term: Self::get(&self.text, w.term),
                pos: w.pos,
                count: w.count,
                sentence_ids: Self::get(&self.text, w.sentences),
            });
        }
    }

    /// Appends the `term_lines` rows of document `doc` of outlet `source` to `t`.
    pub fn push_line_rows(&self, doc: &str, source: &str, t: &mut Table) {
        for l in &self.lines {
            let w = &self.words[l.word as usize];
            let text = |s| Self::get(&self.line_text, s);
            t.push(&TermLineRef {
                doc,
                source,
                published: self.published.as_deref(),
                incident: self.incidents[w.incident as usize].as_deref(),
                term: Self::get(&self.text, w.term),
                sentence: i64::from(l.sentence),
                left: text(l.left),
                keyword: text(l.keyword),
                right: text(l.right),
                offsets: l.offsets,
            });
        }
    }
}

/// Appends `s` as one line (control characters and line breaks become spaces); returns
/// its range.
fn push_line(buf: &mut String, s: &str) -> Slice {
    let start = buf.len();
    // C0/DEL, C1 (U+0080–U+009F: C2 80–9F) and U+2028/9 (E2 80 A8/A9) are the only
    // breaks; most text has none of their lead bytes.
    if s.bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2)
    {
        for c in s.chars() {
            let space = c.is_control() || c == '\u{2028}' || c == '\u{2029}';
            buf.push(if space { ' ' } else { c });
        }
    } else {
        buf.push_str(s);
    }
    (start as u32, buf.len() as u32)
}

/// Appends the context in `range` (normalized bytes) as the reader sees it: a web page's
/// decoded (as evidence sentences are), else the original text.
fn push_context(buf: &mut String, spans: &Spans<'_>, html: bool, range: Range<usize>) -> Slice {
    if html {
        push_line(buf, &spans.visible(range))
    } else {
        push_line(buf, spans.original(range))
    }
}

/// One document's content words, one row per (incident, term), sorted by incident then
/// term, and the first concordance line of each. `base` gives a token's dictionary form
/// (the worker that made the tokens); `published` is the document's date (for the lines).
pub fn term_rows<'w>(
    p: &Prepared<'_>,
    base: impl Fn(&Token) -> Option<&'w str>,
    stop: &Stopwords,
    incidents: &Incidents,
    found: &DocIncidents,
    published: Option<&str>,
) -> DocTerms {
    let text = p.norm.text.as_str();
    // (incident, term) -> entry; terms borrowed from the text or the worker's dictionary
    // forms. Fx hashing: these keys are short and trusted (a document's own words).
    let mut index: FxHashMap<(u32, &str), u32> = FxHashMap::default();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    // (entry, sentence) each time an entry is seen in a new sentence, in sentence order.
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for (si, s) in p.sentences.iter().enumerate() {
        if s.boilerplate {
            continue;
        }
        // As frame hits: one of the article's incidents (an incident named in passing in
        // an article about another is not where its words count), else its main one.
        let incident = found
            .of_sentence(si)
            .filter(|&i| found.covers(i))
            .or_else(|| found.main());
        let inc_key = incident.map_or(u32::MAX, |i| i as u32);
        let si = si as u32;
        for t in p.tokens_in(&s.range) {
            let Some(pos) = content_pos(t.pos, t.user) else {
                continue;
            };
            let term: &str = match base(t) {
                Some(b) => b,
                None => t.surface(text),
            };
            let k = *index.entry((inc_key, term)).or_insert_with(|| {
                entries.push(Entry {
                    incident,
                    term,
                    pos: (is_word(term) && !stop.contains(term)).then_some(pos),
                    count: 0,
                    last_sentence: u32::MAX,
                    first: (t.start, t.end),
                    first_sentence: si,
                });
                (entries.len() - 1) as u32
            });
            let e = &mut entries[k as usize];
            if e.pos.is_none() {
                continue;
            }
            e.count += 1;
            if e.last_sentence != si {
                seen.push((k, si));
                e.last_sentence = si;
            }
        }
    }
    drop(index);
    let id = |i: Option<usize>| {
        i.and_then(|i| incidents.incidents.get(i))
            .map(|x| x.id.as_str())
    };
    // Rows by incident then term: the order of entry numbers.
    let mut order: Vec<u32> = (0..entries.len() as u32)
        .filter(|&k| entries[k as usize].pos.is_some())
        .collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&entries[a as usize], &entries[b as usize]);
        (id(a.incident), a.term).cmp(&(id(b.incident), b.term))
    });
    let mut rank = vec![u32::MAX; entries.len()];
    for (r, &k) in order.iter().enumerate() {
        rank[k as usize] = r as u32;
    }
    // Sentences by row, each row's in sentence order (a stable sort).
    seen.sort_by_key(|&(k, _)| rank[k as usize]);
    let mut out = DocTerms {
        published: published.map(str::to_string),
        incidents: Vec::new(),
        text: String::with_capacity(order.len() * 16),
        words: Vec::with_capacity(order.len()),
        line_text: String::with_capacity(order.len() * 3 * 2 * LINE_CONTEXT),
        lines: Vec::with_capacity(order.len()),
    };
    let mut next = 0;
    for &k in &order {
        let e = &entries[k as usize];
        let inc = id(e.incident);
        let incident = match out.incidents.iter().position(|i| i.as_deref() == inc) {
            Some(i) => i,
            None => {
                out.incidents.push(inc.map(str::to_string));
                out.incidents.len() - 1
            }
        } as u32;
        let t0 = out.text.len() as u32;
        out.text.push_str(e.term);
        let t1 = out.text.len() as u32;
        while next < seen.len() && seen[next].0 == k {
            if out.text.len() as u32 > t1 {
                out.text.push(' ');
            }
            push_u32(&mut out.text, seen[next].1);
            next += 1;
        }
        out.words.push(PackedTerm {
            incident,
            term: (t0, t1),
            sentences: (t1, out.text.len() as u32),
            pos: e.pos.unwrap_or_default(),
            count: e.count,
        });
    }

    // Lines in text order: the offsets are counted forward in one pass.
    let spans = p.spans();
    let html = p.doc.html.is_some();
    let mut by_place: Vec<u32> = order.clone();
    by_place.sort_unstable_by_key(|&k| entries[k as usize].first);
    for k in by_place {
        let e = &entries[k as usize];
        let r = e.first.0 as usize..e.first.1 as usize;
        let sentence = &p.sentences[e.first_sentence as usize].range;
        let left_from = text[sentence.start..r.start]
            .char_indices()
            .rev()
            .nth(LINE_CONTEXT - 1)
            .map_or(sentence.start, |(i, _)| sentence.start + i);
        let right_to = text[r.end..sentence.end]
            .char_indices()
            .nth(LINE_CONTEXT)
            .map_or(sentence.end, |(i, _)| r.end + i);
        let buf = &mut out.line_text;
        let left = push_context(buf, &spans, html, left_from..r.start);
        let keyword = push_line(buf, spans.original(r.clone()));
        let right = push_context(buf, &spans, html, r.end..right_to);
        out.lines.push(PackedLine {
            word: rank[k as usize],
            sentence: e.first_sentence,
            left,
            keyword,
            right,
            offsets: spans.offsets(r),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_stop_words() {
        assert!(is_word("縦割り"));
        assert!(is_word("ガバナンス"));
        assert!(is_word("7pay"));
        assert!(!is_word("2019"));
        assert!(!is_word("三"), "a kanji numeral is numeric");
        assert!(!is_word("い"));
        assert!(!is_word("・・"));
        assert!(!is_word(""));
        let s = Stopwords::parse("# light verbs\nする\n ある # exists\n\nＡＢＣ\n");
        assert!(s.contains("する") && s.contains("ある") && s.contains("ABC"));
        assert!(!s.contains("# light verbs") && !s.contains(""));
    }

    #[test]
    fn content_parts_of_speech() {
        assert_eq!(
            content_pos(Pos::Noun(NounKind::Verbal), false),
            Some("名詞")
        );
        assert_eq!(content_pos(Pos::Verb, false), Some("動詞"));
        assert_eq!(content_pos(Pos::Adjective, false), Some("形容詞"));
        for p in [
            Pos::Noun(NounKind::Number),
            Pos::Noun(NounKind::Suffix),
            Pos::Noun(NounKind::Pronoun),
            Pos::Noun(NounKind::Dependent),
            Pos::Noun(NounKind::Adverbial),
            Pos::Symbol,
            Pos::Particle,
            Pos::AuxVerb,
            Pos::Adverb,
        ] {
            assert_eq!(content_pos(p, false), None, "{p:?}");
        }
        assert_eq!(content_pos(Pos::Noun(NounKind::Suffix), true), Some("名詞"));
    }
}
