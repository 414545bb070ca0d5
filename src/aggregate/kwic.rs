//! The report's concordance lines, as its summary keeps them: the first
//! [`KWIC_LINES`](crate::report::KWIC_LINES) lines of every (incident, word), picked from
//! the `term_lines` part rows (one per document × word) by [`KwicLines::add_table`] and
//! merged by [`KwicLines::merge`].
//!
//! Lines are kept for every word, not only for those a batch's report would show: which
//! words the report shows depends on the counts of the whole corpus and changes when
//! articles are added, and a word shown must have its lines. So the summary grows with
//! the vocabulary (at most 10 lines a word); it is kept compact: names (documents,
//! outlets, dates, incidents, words) are numbered once, the texts of the lines sit in one
//! buffer, and the stored form is that, not one map per line.
//!
//! The pick is by (published, undated last; then document): one line per document and
//! word, so the order is total and does not depend on how the corpus was cut in batches.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::intern::{Interner, TextRef, Texts};
use crate::output::{Table, Values};
use crate::report::{KWIC_LINES, KwicLine};

/// "No value" among the numbered names.
const NONE: u32 = u32::MAX;

/// One line: numbered names and the places of its texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    published: u32,
    doc: u32,
    source: u32,
    left: TextRef,
    keyword: TextRef,
    right: TextRef,
}

/// The first lines of each (incident, word).
#[derive(Debug, Default)]
pub struct KwicLines {
    names: Interner,
    texts: Texts,
    /// (incident, word) -> lines, sorted, at most [`KWIC_LINES`].
    groups: FxHashMap<(u32, u32), Vec<Line>>,
}

impl PartialEq for KwicLines {
    fn eq(&self, other: &KwicLines) -> bool {
        self.by_name() == other.by_name()
    }
}

impl Clone for KwicLines {
    fn clone(&self) -> KwicLines {
        let mut out = KwicLines::default();
        out.merge_from(self);
        out
    }
}

/// Every line by name (for comparisons and the stored form's order).
type Named<'a> = Vec<((&'a str, &'a str), Vec<[&'a str; 6]>)>;

impl KwicLines {
    fn name(&self, k: u32) -> &str {
        if k == NONE { "" } else { self.names.get(k) }
    }

    fn order(&self, a: &Line, b: &Line) -> Ordering {
        let published = |l: &Line| (l.published == NONE, self.name(l.published));
        published(a)
            .cmp(&published(b))
            .then_with(|| self.name(a.doc).cmp(self.name(b.doc)))
            .then_with(|| self.texts.get(a.left).cmp(self.texts.get(b.left)))
            .then_with(|| self.texts.get(a.keyword).cmp(self.texts.get(b.keyword)))
            .then_with(|| self.texts.get(a.right).cmp(self.texts.get(b.right)))
            .then_with(|| self.name(a.source).cmp(self.name(b.source)))
    }

    fn keep_first(&self, lines: &mut Vec<Line>) {
        lines.sort_by(|a, b| self.order(a, b));
        lines.truncate(KWIC_LINES);
    }

    fn by_name(&self) -> Named<'_> {
        let mut out: Named<'_> = self
            .groups
            .iter()
            .map(|(&(i, w), lines)| {
                (
                    (self.name(i), self.name(w)),
                    lines
                        .iter()
                        .map(|l| {
                            [
                                self.name(l.published),
                                self.name(l.doc),
                                self.name(l.source),
                                self.texts.get(l.left),
                                self.texts.get(l.keyword),
                                self.texts.get(l.right),
                            ]
                        })
                        .collect(),
                )
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn intern(&mut self, s: Option<&str>) -> u32 {
        match s {
            Some(s) => self.names.intern(s),
            None => NONE,
        }
    }

    /// Folds `term_lines` rows (a batch's: whole documents).
    pub fn add_table(&mut self, t: &Table) {
        let col = |name: &str| match t.column(name) {
            Some(Values::Str(v)) => v.as_slice(),
            _ => &[],
        };
        let cols = [
            "incident",
            "term",
            "published",
            "doc",
            "source",
            "left",
            "keyword",
            "right",
        ]
        .map(col);
        if cols.iter().any(|c| c.len() != t.height()) {
            return;
        }
        let [incident, term, published, doc, source, left, keyword, right] = cols;
        let mut touched: Vec<(u32, u32)> = Vec::new();
        // A document's rows come together: its names are numbered once.
        let mut last_doc: Option<(&str, [u32; 3])> = None;
        for i in 0..t.height() {
            let key = (
                self.names.intern(incident[i].as_deref().unwrap_or("")),
                self.names.intern(term[i].as_deref().unwrap_or("")),
            );
            let d = doc[i].as_deref().unwrap_or("");
            let ids = match last_doc {
                Some((ld, ids)) if ld == d => ids,
                _ => {
                    let ids = [
                        self.intern(published[i].as_deref()),
                        self.intern(doc[i].as_deref()),
                        self.intern(source[i].as_deref()),
                    ];
                    last_doc = Some((d, ids));
                    ids
                }
            };
            let line = Line {
                published: ids[0],
                doc: ids[1],
                source: ids[2],
                left: self.texts.push(left[i].as_deref().unwrap_or("")),
                keyword: self.texts.push(keyword[i].as_deref().unwrap_or("")),
                right: self.texts.push(right[i].as_deref().unwrap_or("")),
            };
            let group = self.groups.entry(key).or_default();
            if group.len() == 1 {
                touched.push(key);
            }
            group.push(line);
        }
        self.prune(touched);
    }

    /// Keeps the first lines of each group in `keys`.
    fn prune(&mut self, mut keys: Vec<(u32, u32)>) {
        keys.sort_unstable();
        keys.dedup();
        let mut groups = std::mem::take(&mut self.groups);
        for key in keys {
            if let Some(lines) = groups.get_mut(&key) {
                self.keep_first(lines);
            }
        }
        self.groups = groups;
    }

    /// Adds `other`'s lines (its names and texts copied in).
    fn merge_from(&mut self, other: &KwicLines) {
        let mut map: FxHashMap<u32, u32> = FxHashMap::default();
        let mut id = |me: &mut KwicLines, k: u32| -> u32 {
            if k == NONE {
                return NONE;
            }
            *map.entry(k)
                .or_insert_with(|| me.names.intern(other.names.get(k)))
        };
        let mut changed = Vec::new();
        for (&(i, w), lines) in &other.groups {
            let key = (id(self, i), id(self, w));
            let mut moved: Vec<Line> = Vec::with_capacity(lines.len());
            for l in lines {
                moved.push(Line {
                    published: id(self, l.published),
                    doc: id(self, l.doc),
                    source: id(self, l.source),
                    left: self.texts.push(other.texts.get(l.left)),
                    keyword: self.texts.push(other.texts.get(l.keyword)),
                    right: self.texts.push(other.texts.get(l.right)),
                });
            }
            let group = self.groups.entry(key).or_default();
            if !group.is_empty() {
                changed.push(key);
            }
            group.extend(moved);
        }
        self.prune(changed);
    }

    /// Merges `other` in (associative, commutative; `Default` is the identity).
    pub fn merge(&mut self, other: KwicLines) {
        if self.groups.is_empty() {
            *self = other;
        } else {
            self.merge_from(&other);
        }
    }

    /// The lines of (incident, word), in order; `None` when there are none.
    pub fn take(&mut self, incident: &str, word: &str) -> Option<Vec<KwicLine>> {
        let key = (self.names.index_of(incident)?, self.names.index_of(word)?);
        let lines = self.groups.remove(&key)?;
        let s = |k: u32| self.name(k).to_string();
        Some(
            lines
                .iter()
                .map(|l| KwicLine {
                    doc: s(l.doc),
                    source: s(l.source),
                    published: (l.published != NONE).then(|| s(l.published)),
                    left: self.texts.get(l.left).to_string(),
                    keyword: self.texts.get(l.keyword).to_string(),
                    right: self.texts.get(l.right).to_string(),
                })
                .collect(),
        )
    }
}

/// The stored form: the names, the texts (only of the lines kept) and the lines, groups
/// sorted by name (the same summary, the same bytes).
#[derive(Serialize, Deserialize)]
struct Stored {
    names: Vec<String>,
    texts: String,
    /// incident, word, then per line: published, doc, source and the ends of its left
    /// context, keyword and right context in `texts` (each starts where the last ended).
    groups: Vec<(u32, u32, Vec<[u32; 6]>)>,
}

impl Serialize for KwicLines {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> std::result::Result<Z::Ok, Z::Error> {
        let mut names = Interner::default();
        let mut texts = String::new();
        let mut groups = Vec::new();
        let id = |names: &mut Interner, v: &str, none: bool| {
            if none { NONE } else { names.intern(v) }
        };
        for ((inc, word), lines) in self.by_name() {
            let (i, w) = (id(&mut names, inc, false), id(&mut names, word, false));
            let mut out = Vec::with_capacity(lines.len());
            for (l, raw) in lines.iter().zip(
                &self.groups[&(
                    self.names.index_of(inc).unwrap_or(NONE),
                    self.names.index_of(word).unwrap_or(NONE),
                )],
            ) {
                let mut end = |t: &str| {
                    texts.push_str(t);
                    texts.len() as u32
                };
                let (a, b, c) = (end(l[3]), end(l[4]), end(l[5]));
                out.push([
                    id(&mut names, l[0], raw.published == NONE),
                    id(&mut names, l[1], raw.doc == NONE),
                    id(&mut names, l[2], raw.source == NONE),
                    a,
                    b,
                    c,
                ]);
            }
            groups.push((i, w, out));
        }
        Stored {
            names: names.into_strings().into_iter().map(String::from).collect(),
            texts,
            groups,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for KwicLines {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = Stored::deserialize(d)?;
        let bad = || serde::de::Error::custom("a damaged concordance summary");
        let n = s.names.len() as u32;
        let ok = |k: u32| k == NONE || k < n;
        let mut out = KwicLines {
            names: Interner::from_strings(s.names.into_iter().map(Box::from).collect()),
            texts: Texts::default(),
            groups: FxHashMap::default(),
        };
        let mut from = 0usize;
        let mut cut = |end: u32| -> Option<&str> {
            let end = end as usize;
            let t = s.texts.get(from..end)?;
            from = end;
            Some(t)
        };
        for (i, w, lines) in s.groups {
            if !(i < n && w < n) {
                return Err(bad());
            }
            let mut kept = Vec::with_capacity(lines.len());
            for [published, doc, source, a, b, c] in lines {
                if !(ok(published) && ok(doc) && ok(source)) {
                    return Err(bad());
                }
                let (left, keyword, right) = (
                    cut(a).ok_or_else(bad)?,
                    cut(b).ok_or_else(bad)?,
                    cut(c).ok_or_else(bad)?,
                );
                kept.push(Line {
                    published,
                    doc,
                    source,
                    left: out.texts.push(left),
                    keyword: out.texts.push(keyword),
                    right: out.texts.push(right),
                });
            }
            out.groups.insert((i, w), kept);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::rows::TermLineRow;

    fn line(doc: &str, published: Option<&str>, term: &str) -> TermLineRow {
        TermLineRow {
            doc: doc.into(),
            source: format!("S{}", &doc[..1]),
            published: published.map(String::from),
            incident: Some("7pay".into()),
            term: term.into(),
            left: format!("{doc}の前"),
            keyword: term.into(),
            right: "の後".into(),
            ..TermLineRow::default()
        }
    }

    fn of(rows: &[TermLineRow]) -> KwicLines {
        let mut k = KwicLines::default();
        k.add_table(&Table::from_records(rows));
        k
    }

    #[test]
    fn first_lines_by_date_then_document_whatever_the_split() {
        let rows: Vec<TermLineRow> = (0..25)
            .map(|i| {
                let published = (i % 4 != 0).then(|| format!("2019-07-{:02}", 30 - i));
                line(&format!("d{i:02}.txt"), published.as_deref(), "縦割り")
            })
            .chain([line("x.txt", None, "統治")])
            .collect();
        let mut one = of(&rows);
        // Any split, merged in any order, keeps the same lines.
        for cut in [1, 7, 13, 24] {
            let (a, b) = rows.split_at(cut);
            let mut ab = of(a);
            ab.merge(of(b));
            let mut ba = of(b);
            ba.merge(of(a));
            ba.merge(KwicLines::default());
            assert!(ab == one && ba == one, "cut {cut}");
        }
        // Stored and read back: the same.
        let bytes = rmp_serde::to_vec(&one).unwrap();
        let back: KwicLines = rmp_serde::from_slice(&bytes).unwrap();
        assert!(back == one);
        assert_eq!(rmp_serde::to_vec(&back).unwrap(), bytes);
        let lines = one.take("7pay", "縦割り").unwrap();
        assert_eq!(lines.len(), KWIC_LINES);
        // Earliest published first, undated ones last (after the 10 dated ones).
        assert_eq!(lines[0].doc, "d23.txt");
        assert_eq!(lines[0].published.as_deref(), Some("2019-07-07"));
        assert!(lines.windows(2).all(|w| w[0].published <= w[1].published));
        assert!(lines.iter().all(|l| l.published.is_some()));
        assert_eq!(
            (lines[0].left.as_str(), lines[0].right.as_str()),
            ("d23.txtの前", "の後")
        );
        assert_eq!(one.take("7pay", "統治").unwrap()[0].doc, "x.txt");
        assert!(one.take("7pay", "なし").is_none());
    }
}
