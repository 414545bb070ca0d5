//! The `terms` and `cooccurrence` tables, from the `term_docs` rows (one per document ×
//! incident × content word; see [`crate::terms`]).
//!
//! Both are folded into accumulators that are `Default + merge` ([`TermAcc`],
//! [`CoocAcc`]): counts per (incident, source, term), documents per (incident, source),
//! sentences per (incident, term) and per (incident, pair). Every statistic is computed
//! once, from the merged counts ([`TermAcc::rows`], [`CoocAcc::rows`]), so accumulators
//! of any split of the corpus (threads, batches, shards) give the same tables.
//!
//! `terms`, within each incident (words of sentences about no incident form their own
//! group, `incident` empty):
//! - `count`: occurrences; `docs`: documents of the source using the word; `docs_total`:
//!   documents of the source with any content word in the incident; `share` = docs /
//!   docs_total;
//! - `keyness`: signed G² of [[count, n_s − count], [others, n_o − others]] where n_s is
//!   the number of content words of the source and n_o of all other sources
//!   ([`stats::signed_g2`]); `log_ratio`: [`stats::log_ratio`]; `p_value`: P(χ²₁ ≥ G²);
//!   `q_value`: Benjamini–Hochberg over the incident's source rows. All four are empty
//!   when the incident has one source;
//! - source `*`: the whole incident's frequency list (no keyness).
//!
//! `cooccurrence`: pairs of words in the same body sentence (each pair once per sentence,
//! `term_a` < `term_b` in byte order), `sentences` holding both, `count_a`/`count_b`
//! sentences holding each, Jaccard = sentences / (count_a + count_b − sentences). Cut-off:
//! per incident, the [`TOP_PAIRS`] pairs with most sentences (then highest Jaccard, then
//! by the words), among pairs seen in at least [`MIN_PAIR_SENTENCES`] sentences; the
//! table then grows with the number of incidents, not quadratically with the vocabulary.

use std::collections::{BTreeMap, HashMap};

use super::stats;
use crate::output::rows::{CoocRow, TermRow};
use crate::output::{Table, Values};

/// Pairs kept per incident in `cooccurrence`.
pub const TOP_PAIRS: usize = 150;
/// A pair must share at least this many sentences to be kept.
pub const MIN_PAIR_SENTENCES: i64 = 2;

/// Counts of one word in one source (and incident).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TermCell {
    /// Part of speech label (the smallest seen, so merging is order-free).
    pub pos: String,
    /// Occurrences.
    pub count: i64,
    /// Documents.
    pub docs: i64,
}

/// Counts of one source in one incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceTerms {
    /// Documents with content words in the incident.
    pub docs: i64,
    /// By term.
    pub terms: HashMap<String, TermCell>,
}

/// Mergeable word counts: incident ("" for none) -> source -> counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TermAcc {
    /// By incident, then source.
    pub incidents: BTreeMap<String, BTreeMap<String, SourceTerms>>,
}

fn entry<'m, V: Default>(m: &'m mut HashMap<String, V>, k: &str) -> &'m mut V {
    if !m.contains_key(k) {
        m.insert(k.to_string(), V::default());
    }
    m.get_mut(k).expect("inserted")
}

fn bentry<'m, V: Default>(m: &'m mut BTreeMap<String, V>, k: &str) -> &'m mut V {
    if !m.contains_key(k) {
        m.insert(k.to_string(), V::default());
    }
    m.get_mut(k).expect("inserted")
}

impl TermAcc {
    /// Counts one `term_docs` row; `first_in_incident` when it is the document's first row
    /// of this incident (the document then counts for the source's `docs_total`).
    pub fn add(
        &mut self,
        incident: &str,
        source: &str,
        term: &str,
        pos: &str,
        count: i64,
        first_in_incident: bool,
    ) {
        let s = bentry(bentry(&mut self.incidents, incident), source);
        if first_in_incident {
            s.docs += 1;
        }
        let c = entry(&mut s.terms, term);
        if c.pos.is_empty() || pos < c.pos.as_str() {
            c.pos = pos.to_string();
        }
        c.count += count;
        c.docs += 1;
    }

    /// Combines two accumulators (associative, commutative; `Default` is the identity).
    pub fn merge(&mut self, other: TermAcc) {
        for (inc, sources) in other.incidents {
            let mine = self.incidents.entry(inc).or_default();
            for (src, o) in sources {
                let s = mine.entry(src).or_default();
                s.docs += o.docs;
                for (t, c) in o.terms {
                    let m = s.terms.entry(t).or_default();
                    if m.pos.is_empty() || (!c.pos.is_empty() && c.pos < m.pos) {
                        m.pos = c.pos;
                    }
                    m.count += c.count;
                    m.docs += c.docs;
                }
            }
        }
    }

    /// The `terms` rows: per incident, the `*` rows then each source's, each sorted by
    /// keyness (highest first; `*` by count), then term.
    pub fn rows(&self) -> Vec<TermRow> {
        let mut out = Vec::new();
        for (inc, sources) in &self.incidents {
            let incident = (!inc.is_empty()).then(|| inc.clone());
            let n_of = |s: &SourceTerms| s.terms.values().map(|c| c.count).sum::<i64>();
            let totals: Vec<i64> = sources.values().map(n_of).collect();
            let n_all: i64 = totals.iter().sum();
            let docs_all: i64 = sources.values().map(|s| s.docs).sum();
            let mut all: HashMap<&str, TermCell> = HashMap::new();
            for s in sources.values() {
                for (t, c) in &s.terms {
                    let a = all.entry(t.as_str()).or_default();
                    if a.pos.is_empty() || c.pos < a.pos {
                        a.pos = c.pos.clone();
                    }
                    a.count += c.count;
                    a.docs += c.docs;
                }
            }
            let share = |d: i64, t: i64| if t > 0 { d as f64 / t as f64 } else { 0.0 };
            let mut star: Vec<TermRow> = all
                .iter()
                .map(|(t, c)| TermRow {
                    incident: incident.clone(),
                    source: "*".into(),
                    term: t.to_string(),
                    pos: c.pos.clone(),
                    count: c.count,
                    docs: c.docs,
                    docs_total: docs_all,
                    share: share(c.docs, docs_all),
                    ..TermRow::default()
                })
                .collect();
            star.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
            out.append(&mut star);
            let tested = sources.len() > 1;
            let first = out.len();
            for ((name, s), &n_s) in sources.iter().zip(&totals) {
                let mut rows: Vec<TermRow> = s
                    .terms
                    .iter()
                    .map(|(t, c)| {
                        let others = all[t.as_str()].count - c.count;
                        let n_o = n_all - n_s;
                        let (a, n1, o, n2) =
                            (c.count as f64, n_s as f64, others as f64, n_o as f64);
                        let keyness = (tested && n_o > 0).then(|| stats::signed_g2(a, n1, o, n2));
                        TermRow {
                            incident: incident.clone(),
                            source: name.clone(),
                            term: t.clone(),
                            pos: c.pos.clone(),
                            count: c.count,
                            docs: c.docs,
                            docs_total: s.docs,
                            share: share(c.docs, s.docs),
                            keyness,
                            log_ratio: keyness.and_then(|_| stats::log_ratio(a, n1, o, n2)),
                            p_value: keyness.map(|g| stats::chi2_sf_1(g.abs())),
                            q_value: None,
                        }
                    })
                    .collect();
                rows.sort_by(|a, b| {
                    let k = |r: &TermRow| r.keyness.unwrap_or(f64::NEG_INFINITY);
                    k(b).total_cmp(&k(a))
                        .then_with(|| b.count.cmp(&a.count))
                        .then_with(|| a.term.cmp(&b.term))
                });
                out.append(&mut rows);
            }
            let tested_rows: Vec<usize> = (first..out.len())
                .filter(|&i| out[i].p_value.is_some())
                .collect();
            let ps: Vec<Option<f64>> = tested_rows
                .iter()
                .map(|&i| Some(out[i].p_value.unwrap_or(1.0)))
                .collect();
            for (&i, q) in tested_rows.iter().zip(stats::benjamini_hochberg(&ps)) {
                out[i].q_value = q;
            }
        }
        out
    }
}

/// Interned strings (words, incidents) of a [`CoocAcc`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// Mergeable sentence co-occurrence counts.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CoocAcc {
    words: Names,
    incidents: Names,
    /// (incident, word) -> sentences holding it.
    single: HashMap<(u32, u32), i64>,
    /// (incident, word a, word b), a's text < b's -> sentences holding both.
    pairs: HashMap<(u32, u32, u32), i64>,
    /// The current document's sentences: (incident, sentence) -> words.
    doc: HashMap<(u32, u32), Vec<u32>>,
}

impl PartialEq for CoocAcc {
    fn eq(&self, other: &CoocAcc) -> bool {
        self.counts() == other.counts()
    }
}

type Counts = (
    BTreeMap<(String, String), i64>,
    BTreeMap<(String, String, String), i64>,
);

impl CoocAcc {
    /// Adds one `term_docs` row of the current document: the word, its incident and the
    /// sentences (space-separated indices) it occurs in. Call [`CoocAcc::end_doc`] after
    /// each document's rows.
    pub fn add(&mut self, incident: &str, term: &str, sentence_ids: &str) {
        let inc = self.incidents.id(incident);
        let w = self.words.id(term);
        let mut n = 0;
        for s in sentence_ids.split_ascii_whitespace() {
            if let Ok(s) = s.parse::<u32>() {
                self.doc.entry((inc, s)).or_default().push(w);
                n += 1;
            }
        }
        *self.single.entry((inc, w)).or_default() += n;
    }

    /// Counts the pairs of the current document's sentences.
    pub fn end_doc(&mut self) {
        for ((inc, _), mut words) in self.doc.drain() {
            words.sort_unstable_by(|&a, &b| {
                self.words.names[a as usize].cmp(&self.words.names[b as usize])
            });
            words.dedup();
            for (i, &a) in words.iter().enumerate() {
                for &b in &words[i + 1..] {
                    *self.pairs.entry((inc, a, b)).or_default() += 1;
                }
            }
        }
    }

    /// Combines two accumulators (both between documents).
    pub fn merge(&mut self, mut other: CoocAcc) {
        other.end_doc();
        self.end_doc();
        let w: Vec<u32> = other.words.names.iter().map(|n| self.words.id(n)).collect();
        let i: Vec<u32> = other
            .incidents
            .names
            .iter()
            .map(|n| self.incidents.id(n))
            .collect();
        for ((inc, a), n) in other.single {
            *self
                .single
                .entry((i[inc as usize], w[a as usize]))
                .or_default() += n;
        }
        for ((inc, a, b), n) in other.pairs {
            let (a, b) = (w[a as usize], w[b as usize]);
            let (a, b) = if self.words.names[a as usize] <= self.words.names[b as usize] {
                (a, b)
            } else {
                (b, a)
            };
            *self.pairs.entry((i[inc as usize], a, b)).or_default() += n;
        }
    }

    /// The counts by name (for comparisons).
    fn counts(&self) -> Counts {
        let w = |i: u32| self.words.names[i as usize].clone();
        let inc = |i: u32| self.incidents.names[i as usize].clone();
        (
            self.single
                .iter()
                .map(|(&(i, a), &n)| ((inc(i), w(a)), n))
                .collect(),
            self.pairs
                .iter()
                .map(|(&(i, a, b), &n)| ((inc(i), w(a), w(b)), n))
                .collect(),
        )
    }

    /// The `cooccurrence` rows: per incident (sorted), the kept pairs by sentences, then
    /// Jaccard (highest first), then words.
    pub fn rows(&self) -> Vec<CoocRow> {
        // Ranked as ids first (a corpus has hundreds of thousands of pairs, and only the
        // top [`TOP_PAIRS`] of each incident become rows with their words).
        struct Cand {
            a: u32,
            b: u32,
            n: i64,
            jaccard: f64,
            ca: i64,
            cb: i64,
        }
        let name = |w: u32| self.words.names[w as usize].as_str();
        let mut by_incident: BTreeMap<&str, Vec<Cand>> = BTreeMap::new();
        for (&(inc, a, b), &n) in &self.pairs {
            if n < MIN_PAIR_SENTENCES {
                continue;
            }
            let ca = self.single.get(&(inc, a)).copied().unwrap_or(0);
            let cb = self.single.get(&(inc, b)).copied().unwrap_or(0);
            by_incident
                .entry(self.incidents.names[inc as usize].as_str())
                .or_default()
                .push(Cand {
                    a,
                    b,
                    n,
                    jaccard: n as f64 / (ca + cb - n).max(1) as f64,
                    ca,
                    cb,
                });
        }
        let order = |x: &Cand, y: &Cand| {
            y.n.cmp(&x.n)
                .then_with(|| y.jaccard.total_cmp(&x.jaccard))
                .then_with(|| name(x.a).cmp(name(y.a)))
                .then_with(|| name(x.b).cmp(name(y.b)))
        };
        let mut out = Vec::new();
        for (inc, mut cands) in by_incident {
            if cands.len() > TOP_PAIRS {
                cands.select_nth_unstable_by(TOP_PAIRS, order);
                cands.truncate(TOP_PAIRS);
            }
            cands.sort_by(order);
            out.extend(cands.into_iter().map(|c| CoocRow {
                incident: (!inc.is_empty()).then(|| inc.to_string()),
                term_a: name(c.a).to_string(),
                term_b: name(c.b).to_string(),
                sentences: c.n,
                jaccard: c.jaccard,
                count_a: c.ca,
                count_b: c.cb,
            }));
        }
        out
    }
}

/// The text cells of column `name` of `t` (empty when absent or not text).
fn strs<'t>(t: &'t Table, name: &str) -> Vec<&'t str> {
    match t.column(name) {
        Some(Values::Str(v)) => v.iter().map(|s| s.as_deref().unwrap_or("")).collect(),
        _ => vec![""; t.height()],
    }
}

/// Both accumulators fed from `term_docs` chunks. A document's rows are contiguous (parts
/// hold whole documents), so only the current document is remembered. The summary of
/// the `terms` aggregate: a batch's summary is stored at commit and merged at publish.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct WordsAcc {
    /// Word counts.
    pub terms: TermAcc,
    /// Co-occurrence counts.
    pub cooc: CoocAcc,
    /// The document being read and the incidents it has had rows of.
    #[serde(skip)]
    current: Option<(String, Vec<String>)>,
}

impl super::Summary for WordsAcc {
    fn add(&mut self, _table: &str, rows: &Table) -> crate::Result<()> {
        // A batch's `term_docs` part holds whole documents: the last one ends with it.
        self.add_table(rows);
        self.cooc.end_doc();
        self.current = None;
        Ok(())
    }
    fn merge(&mut self, other: Self) {
        self.terms.merge(other.terms);
        self.cooc.merge(other.cooc);
    }
}

impl WordsAcc {
    /// Folds a chunk of `term_docs` rows (columns doc, source, incident, term, pos, count,
    /// sentence_ids).
    pub fn add_table(&mut self, t: &Table) {
        let (doc, source, incident, term, pos, ids) = (
            strs(t, "doc"),
            strs(t, "source"),
            strs(t, "incident"),
            strs(t, "term"),
            strs(t, "pos"),
            strs(t, "sentence_ids"),
        );
        let count: Vec<i64> = match t.column("count") {
            Some(Values::Int(v)) => v.iter().map(|c| c.unwrap_or(0)).collect(),
            _ => vec![0; t.height()],
        };
        for i in 0..t.height() {
            let same = self.current.as_ref().is_some_and(|(d, _)| d == doc[i]);
            if !same {
                self.cooc.end_doc();
                self.current = Some((doc[i].to_string(), Vec::new()));
            }
            let seen = &mut self.current.as_mut().expect("set above").1;
            let first = !seen.iter().any(|s| s == incident[i]);
            if first {
                seen.push(incident[i].to_string());
            }
            self.terms
                .add(incident[i], source[i], term[i], pos[i], count[i], first);
            self.cooc.add(incident[i], term[i], ids[i]);
        }
    }

    /// The `terms` and `cooccurrence` tables.
    pub fn finish(&mut self) -> (Vec<TermRow>, Vec<CoocRow>) {
        self.cooc.end_doc();
        self.current = None;
        (self.terms.rows(), self.cooc.rows())
    }
}
