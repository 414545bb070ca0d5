//! Stage 7 (figures): `facts` rows -> `figures` rows: for each measure, incident and
//! subject, the values each source gave, ordered by as-of time, each with a verdict against
//! the figure before it. Figures of different incidents (7pay's damage, ドコモ口座's) and
//! figures of no incident (a national statistic) are never compared.
//!
//! [`figures`] is a pure function of the fact rows, so an incremental run can recompute the
//! table from stored rows alone. Facts enter when the measure is comparable (`comparable`,
//! from `compare` in measures.toml), the value is known and the figure is not a rate
//! (`per`). One row per measure × subject × source × as-of × value × hedge; `docs` lists the
//! documents that gave it.
//!
//! # Order
//!
//! Within a measure and subject, rows are sorted by as-of time (a stated time of a day
//! before the bare date, which says less), then source, then value; rows without an as-of
//! time come last. Two as-of times are **the same time** when one is a prefix of the other (the
//! published `2019-07-31` and the stated `2019-07-31T17:00`).
//!
//! # Precision
//!
//! A written figure is exact to its last non-zero digit: 3860万 to 10万, 808 to 1, 約900 to
//! 100, 38,615,473 to 1. A more precise value `x` agrees with a coarser figure `v` of
//! precision `p` when:
//! - `v` is unhedged and `x` rounds (half up) or truncates to `v` at `p`
//!   (38,615,473 → 3860万 by rounding, → 3861万 by truncation);
//! - `v` is hedged (約, およそ, ほど, ...) and `|x − v| ≤ p/2`; at the same as-of time a hedge
//!   widens this to `|x − v| ≤ p`, one unit of its last significant digit;
//! - `v` is a bound: `lower` (以上, 超, 少なくとも) holds when `x ≥ v`, `upper` when `x ≤ v`.
//!
//! # Verdicts (each row against the previous row)
//!
//! - `first`: the first figure of the measure and subject.
//! - `same`: the same value with the same hedge.
//! - `rounded`: the values agree up to precision as above (約5500万円 and 55,000,000円;
//!   3860万円 and 38,615,473円; 3800万円以上 and 38,615,473円).
//! - `updated`: a later as-of time and a value that does not agree (約900人 on 4 July →
//!   808人 on 31 July; a later report is only `rounded` when it writes the earlier figure
//!   more coarsely, without the hedge's widening).
//! - `conflict`: the same as-of time and values that do not agree.
//!
//! When a row would be `updated` or `conflict` against the row before it but agrees with an
//! earlier row, it restates that figure (an editorial recalling the first estimate after the
//! final count): its verdict is `same` or `rounded` against that row instead.
//!
//! A row without an as-of time cannot be placed in time, so it is compared with every dated
//! row and gets the best verdict it can (`same`, else `rounded`, else `conflict` against the
//! latest); `compared_with` names the row it was compared with (`source@as_of=value`).

use std::collections::HashMap;

use crate::intern::Interner;

use crate::output::rows::{FactRow, FigureRow};

#[derive(Debug, Clone)]
struct Fig {
    source: String,
    as_of: Option<String>,
    value: i64,
    approx: bool,
    bound: Bound,
    unit: Option<String>,
    /// The documents naming it, sorted.
    docs: Vec<String>,
    /// The texts behind them: each document's first-seen copy (itself for an original),
    /// sorted, distinct.
    texts: Vec<String>,
    /// Whether every document naming it is a copy of another text (marked in `copies`).
    all_copies: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Bound {
    None,
    Lower,
    Upper,
}

fn bound_of(qualifier: &str) -> Bound {
    let q: Vec<&str> = qualifier.split('+').collect();
    if q.contains(&"lower") {
        Bound::Lower
    } else if q.contains(&"upper") {
        Bound::Upper
    } else {
        Bound::None
    }
}

/// 10 to the number of trailing zeros of `v` (1 for 0).
pub fn precision(v: i64) -> i64 {
    let mut p: i64 = 1;
    if v == 0 {
        return 1;
    }
    while v % (p * 10) == 0 {
        p *= 10;
        if p > i64::MAX / 10 {
            break;
        }
    }
    p
}

/// Whether the value `x` agrees with the written figure `c`; `lenient` widens a hedge to a
/// full unit of its last significant digit.
fn agrees(c: &Fig, x: i64, lenient: bool) -> bool {
    let v = c.value;
    match c.bound {
        Bound::Lower => return x >= v,
        Bound::Upper => return x <= v,
        Bound::None => {}
    }
    let p = precision(v);
    let d = (x as i128 - v as i128).abs();
    if c.approx {
        return if lenient {
            d <= p as i128
        } else {
            2 * d <= p as i128
        };
    }
    let rounded = (x as i128 + p as i128 / 2).div_euclid(p as i128) * p as i128;
    let truncated = (x as i128).div_euclid(p as i128) * p as i128;
    rounded == v as i128 || truncated == v as i128
}

/// Whether two figures agree up to the precision of the coarser (either may be it).
fn compatible(a: &Fig, b: &Fig, lenient: bool) -> bool {
    agrees(a, b.value, lenient)
        && (a.bound != Bound::None || precision(a.value) >= precision(b.value) || a.approx)
        || agrees(b, a.value, lenient)
            && (b.bound != Bound::None || precision(b.value) >= precision(a.value) || b.approx)
}

/// Sort key of an as-of time: its date, then a stated time of that day before the bare
/// date (a published date says less than 「7月31日17時現在」, so it comes after it).
fn time_key(as_of: &Option<String>) -> (&str, bool, &str) {
    let s = as_of.as_deref().unwrap_or("");
    match s.split_once('T') {
        Some((d, t)) => (d, false, t),
        None => (s, true, ""),
    }
}

fn same_time(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn verdict(prev: &Fig, cur: &Fig, same_as_of: bool) -> &'static str {
    if prev.value == cur.value && prev.approx == cur.approx {
        "same"
    } else if same_as_of {
        if compatible(prev, cur, true) {
            "rounded"
        } else {
            "conflict"
        }
    } else if compatible(prev, cur, false) {
        "rounded"
    } else {
        "updated"
    }
}

fn label(f: &Fig) -> String {
    format!(
        "{}@{}={}{}",
        f.source,
        f.as_of.as_deref().unwrap_or("?"),
        if f.approx { "~" } else { "" },
        f.value
    )
}

/// Whether a `facts` row can enter the `figures` table: a comparable measure, an
/// integer value, not a rate.
pub fn enters_figures(f: &FactRow) -> bool {
    f.comparable
        && !f.qualifier.split('+').any(|q| q == "per")
        && f.value.as_deref().is_some_and(|v| v.parse::<i64>().is_ok())
}

/// A figure while facts are added: strings by number (see [`FigureAcc`]).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Entry {
    measure: u32,
    incident: u32,
    subject: u32,
    source: u32,
    as_of: u32,
    value: i64,
    approx: bool,
    bound: Bound,
    unit: u32,
    /// Where the unit was read: the first fact by document, then byte offset (so the
    /// unit never depends on the order facts come in).
    unit_doc: u32,
    unit_at: i64,
    /// The first document naming it, and any others (most figures have one).
    first_doc: u32,
    more_docs: Vec<u32>,
}

/// (measure, incident, subject, as_of, source, value, approx), strings by number.
type Key = (u32, u32, u32, u32, u32, i64, bool);

/// Number of an absent optional string.
const NONE: u32 = u32::MAX;

/// The figures of `facts` rows added one by one (any order). Memory grows with the
/// distinct figures, about 130 bytes each (strings are stored once and named by number),
/// and with the documents naming them; not with the rows.
///
/// `Default` + [`FigureAcc::merge`]: accumulators of any split of the facts merge into
/// the accumulator of all of them, whatever the order (the `figures` summary of a batch).
#[derive(Debug, Default)]
pub struct FigureAcc {
    strings: Interner,
    /// A figure's key -> index into `entries`.
    index: HashMap<Key, u32>,
    entries: Vec<Entry>,
}

/// How a [`FigureAcc`] is stored: its strings and entries (the index is rebuilt).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFigures {
    strings: Vec<Box<str>>,
    entries: Vec<Entry>,
}

impl serde::Serialize for FigureAcc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("StoredFigures", 2)?;
        st.serialize_field("strings", self.strings.strings())?;
        st.serialize_field("entries", &self.entries)?;
        st.end()
    }
}

impl<'de> serde::Deserialize<'de> for FigureAcc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredFigures::deserialize(d)?;
        let n = stored.strings.len() as u32;
        let ok = |k: u32| k == NONE || k < n;
        if !stored.entries.iter().all(|e| {
            [
                e.measure,
                e.incident,
                e.subject,
                e.source,
                e.as_of,
                e.unit,
                e.unit_doc,
                e.first_doc,
            ]
            .into_iter()
            .chain(e.more_docs.iter().copied())
            .all(ok)
        }) {
            return Err(serde::de::Error::custom(
                "a figure names a string it does not hold",
            ));
        }
        let mut acc = FigureAcc {
            strings: Interner::from_strings(stored.strings),
            index: HashMap::with_capacity(stored.entries.len()),
            entries: stored.entries,
        };
        for (k, e) in acc.entries.iter().enumerate() {
            acc.index.insert(
                (
                    e.measure, e.incident, e.subject, e.as_of, e.source, e.value, e.approx,
                ),
                k as u32,
            );
        }
        Ok(acc)
    }
}

impl FigureAcc {
    fn id(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.strings.intern(s))
    }

    fn text(&self, k: u32) -> Option<String> {
        (k != NONE).then(|| self.strings.get(k).to_string())
    }

    /// Adds one `facts` row (ignored unless it [`enters_figures`]).
    pub fn add(&mut self, f: &FactRow) {
        if !enters_figures(f) {
            return;
        }
        let Some(value) = f.value.as_deref().and_then(|v| v.parse::<i64>().ok()) else {
            return;
        };
        let entry = Entry {
            measure: self.id(Some(&f.measure)),
            incident: self.id(f.incident.as_deref()),
            subject: self.id(f.subject.as_deref()),
            source: self.id(Some(&f.source)),
            as_of: self.id(f.as_of.as_deref()),
            value,
            approx: f.approx,
            bound: bound_of(&f.qualifier),
            unit: self.id(f.unit.as_deref()),
            unit_doc: self.id(Some(&f.doc)),
            unit_at: f.offsets.byte_start,
            first_doc: self.id(Some(&f.doc)),
            more_docs: Vec::new(),
        };
        self.insert(entry);
    }

    /// Adds `e` (its strings already numbered here), or folds it into the same figure.
    fn insert(&mut self, e: Entry) {
        let key = (
            e.measure, e.incident, e.subject, e.as_of, e.source, e.value, e.approx,
        );
        let next = self.entries.len() as u32;
        let k = *self.index.entry(key).or_insert(next);
        if k == next {
            self.entries.push(e);
            return;
        }
        let strings = &self.strings;
        let cur = &mut self.entries[k as usize];
        // Mixed readings of one figure: the plain one wins.
        if cur.bound != e.bound {
            cur.bound = Bound::None;
        }
        let earlier =
            (strings.get(e.unit_doc), e.unit_at) < (strings.get(cur.unit_doc), cur.unit_at);
        if earlier {
            cur.unit = e.unit;
            cur.unit_doc = e.unit_doc;
            cur.unit_at = e.unit_at;
        }
        // A document's facts come together, so a repeat is usually the last one added;
        // any other repeat is removed when the rows are made.
        for doc in std::iter::once(e.first_doc).chain(e.more_docs) {
            if cur.first_doc != doc && cur.more_docs.last() != Some(&doc) {
                cur.more_docs.push(doc);
            }
        }
    }

    /// Folds `other` in: the same as having added its facts here.
    pub fn merge(&mut self, other: FigureAcc) {
        let strings = other.strings.into_strings();
        let mut map = |k: u32| {
            if k == NONE {
                NONE
            } else {
                self.strings.intern(&strings[k as usize])
            }
        };
        let entries: Vec<Entry> = other
            .entries
            .into_iter()
            .map(|e| Entry {
                measure: map(e.measure),
                incident: map(e.incident),
                subject: map(e.subject),
                source: map(e.source),
                as_of: map(e.as_of),
                unit: map(e.unit),
                unit_doc: map(e.unit_doc),
                first_doc: map(e.first_doc),
                more_docs: e.more_docs.into_iter().map(&mut map).collect(),
                ..e
            })
            .collect();
        for e in entries {
            self.insert(e);
        }
    }

    /// The `figures` rows, sorted.
    pub fn rows(self) -> Vec<FigureRow> {
        let mut out = Vec::new();
        self.each_row(|r| out.push(r));
        out
    }

    /// Hands the `figures` rows to `emit` in order, one measure, incident and subject at a
    /// time (only that group's rows are held as text).
    pub fn each_row(self, emit: impl FnMut(FigureRow)) {
        self.each_row_with(&HashMap::new(), emit)
    }

    /// [`FigureAcc::each_row`], counting the documents of `originals` (a copied document
    /// -> the first-seen document of its text, see [`crate::copies::originals`]) as one
    /// text with their original.
    pub fn each_row_with(
        mut self,
        originals: &HashMap<String, String>,
        mut emit: impl FnMut(FigureRow),
    ) {
        let mut entries = std::mem::take(&mut self.entries);
        self.index = HashMap::new();
        let key = |e: &Entry| {
            let opt = |k: u32| (k != NONE).then(|| self.strings.get(k));
            (self.strings.get(e.measure), opt(e.incident), opt(e.subject))
        };
        entries.sort_by(|a, b| key(a).cmp(&key(b)));
        for group in entries.chunk_by(|a, b| key(a) == key(b)) {
            let figs: Vec<Fig> = group
                .iter()
                .map(|e| {
                    let mut docs: Vec<&str> = std::iter::once(e.first_doc)
                        .chain(e.more_docs.iter().copied())
                        .map(|d| self.strings.get(d))
                        .collect();
                    docs.sort_unstable();
                    docs.dedup();
                    let mut texts: Vec<String> = docs
                        .iter()
                        .map(|d| originals.get(*d).map_or(*d, String::as_str).to_string())
                        .collect();
                    texts.sort_unstable();
                    texts.dedup();
                    let all_copies = docs.iter().all(|d| originals.contains_key(*d));
                    Fig {
                        texts,
                        all_copies,
                        source: self.strings.get(e.source).to_string(),
                        as_of: self.text(e.as_of),
                        value: e.value,
                        approx: e.approx,
                        bound: e.bound,
                        unit: self.text(e.unit),
                        docs: docs.into_iter().map(str::to_string).collect(),
                    }
                })
                .collect();
            let first = &group[0];
            let measure = self.strings.get(first.measure).to_string();
            let group = Group {
                measure: &measure,
                incident: &self.text(first.incident),
                subject: &self.text(first.subject),
            };
            group_rows(&group, figs, &mut emit);
        }
    }
}

/// The `figures` table of a set of `facts` rows (any order; the result is sorted).
pub fn figures(facts: &[FactRow]) -> Vec<FigureRow> {
    let mut acc = FigureAcc::default();
    for f in facts {
        acc.add(f);
    }
    acc.rows()
}

/// What the figures of one group share.
struct Group<'a> {
    measure: &'a str,
    incident: &'a Option<String>,
    subject: &'a Option<String>,
}

/// The rows of one measure, incident and subject.
fn group_rows(g: &Group<'_>, mut figs: Vec<Fig>, emit: &mut impl FnMut(FigureRow)) {
    figs.sort_by(|a, b| {
        (
            a.as_of.is_none(),
            time_key(&a.as_of),
            &a.source,
            a.value,
            a.approx,
        )
            .cmp(&(
                b.as_of.is_none(),
                time_key(&b.as_of),
                &b.source,
                b.value,
                b.approx,
            ))
    });
    // Texts counted by earlier rows, per value: a row whose documents are all copies of
    // texts that earlier rows already gave this value for repeats a wire story (another
    // outlet printing it) and confirms or contradicts nothing. An article that restates
    // its own earlier figure, or that gives an earlier value again, is not a copy.
    let mut counted: HashMap<(&str, i64, bool), usize> = HashMap::new();
    let mut independent = Vec::with_capacity(figs.len());
    let mut copy_of = Vec::with_capacity(figs.len());
    for (i, f) in figs.iter().enumerate() {
        let mut new = 0;
        let mut first = None;
        for t in &f.texts {
            match counted.get(&(t.as_str(), f.value, f.approx)) {
                Some(&k) => first = Some(first.map_or(k, |j: usize| j.min(k))),
                None => {
                    counted.insert((t, f.value, f.approx), i);
                    new += 1;
                }
            }
        }
        independent.push(new as i64);
        copy_of.push(if new == 0 && f.all_copies {
            first
        } else {
            None
        });
    }
    let kept: Vec<usize> = (0..figs.len()).filter(|&i| copy_of[i].is_none()).collect();
    let mut verdicts =
        independent_verdicts(&kept.iter().map(|&i| figs[i].clone()).collect::<Vec<_>>());
    let mut verdicts = verdicts.drain(..);
    for (i, cur) in figs.iter().enumerate() {
        let (verdict, with) = match copy_of[i] {
            Some(k) => ("copy", Some(label(&figs[k]))),
            None => verdicts.next().expect("a verdict per independent row"),
        };
        emit(FigureRow {
            measure: g.measure.to_string(),
            source: cur.source.clone(),
            as_of: cur.as_of.clone(),
            value: Some(cur.value.to_string()),
            approx: cur.approx,
            verdict: verdict.to_string(),
            docs: cur.docs.clone(),
            unit: cur.unit.clone(),
            compared_with: with,
            subject: g.subject.clone(),
            incident: g.incident.clone(),
            independent_docs: independent[i],
        });
    }
}

/// The verdict of each of `figs` (sorted, rows repeating a copy left out) and the row it
/// was compared with.
fn independent_verdicts(figs: &[Fig]) -> Vec<(&'static str, Option<String>)> {
    let mut out = Vec::with_capacity(figs.len());
    let dated = figs.iter().filter(|f| f.as_of.is_some()).count();
    for i in 0..figs.len() {
        let cur = &figs[i];
        let (verdict, with) = match (&cur.as_of, i) {
            (_, 0) => ("first", None),
            (Some(a), _) => {
                let against = |f: &Fig| {
                    let same = f.as_of.as_deref().is_some_and(|b| same_time(a, b));
                    verdict(f, cur, same)
                };
                let prev = &figs[i - 1];
                match against(prev) {
                    v @ ("updated" | "conflict") => {
                        // A restatement of an earlier figure (an editorial recalling the
                        // first estimate) is not an update of the one before it.
                        match figs[..i - 1]
                            .iter()
                            .rev()
                            .find(|f| matches!(against(f), "same" | "rounded"))
                        {
                            Some(f) => (against(f), Some(label(f))),
                            None => (v, Some(label(prev))),
                        }
                    }
                    v => (v, Some(label(prev))),
                }
            }
            (None, _) if dated == 0 => {
                let prev = &figs[i - 1];
                (verdict(prev, cur, true), Some(label(prev)))
            }
            (None, _) => {
                let dated_figs = &figs[..dated];
                let latest = |p: &dyn Fn(&Fig) -> bool| dated_figs.iter().rev().find(|f| p(f));
                if let Some(f) = latest(&|f| f.value == cur.value && f.approx == cur.approx) {
                    ("same", Some(label(f)))
                } else if let Some(f) = latest(&|f| compatible(f, cur, true)) {
                    ("rounded", Some(label(f)))
                } else {
                    ("conflict", dated_figs.last().map(label))
                }
            }
        };
        out.push((verdict, with));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(source: &str, as_of: Option<&str>, value: i64, approx: bool, q: &str) -> FactRow {
        FactRow {
            doc: format!("{source}.txt"),
            source: source.into(),
            measure: "damage_amount".into(),
            value: Some(value.to_string()),
            unit: Some("JPY".into()),
            approx,
            qualifier: q.into(),
            as_of: as_of.map(str::to_string),
            comparable: true,
            subject: Some("7pay".into()),
            incident: Some("7pay".into()),
            ..FactRow::default()
        }
    }

    fn verdicts(rows: &[FigureRow]) -> Vec<(String, &str)> {
        rows.iter()
            .map(|r| (r.value.clone().unwrap_or_default(), r.verdict.as_str()))
            .collect()
    }

    #[test]
    fn precision_is_the_last_nonzero_digit() {
        for (v, p) in [
            (38_600_000, 100_000),
            (38_615_473, 1),
            (900, 100),
            (808, 1),
            (0, 1),
        ] {
            assert_eq!(precision(v), p, "{v}");
        }
    }

    #[test]
    fn verdicts_follow_the_rules() {
        let rows = figures(&[
            fact("a", Some("2019-07-04T06:00"), 55_000_000, true, "none"),
            fact("b", Some("2019-07-04"), 55_000_000, false, "none"),
            fact("c", Some("2019-07-05"), 55_000_000, true, "none"),
            fact("d", Some("2019-07-31T17:00"), 38_615_473, false, "none"),
            fact("e", Some("2019-07-31"), 38_600_000, false, "none"),
            fact("f", Some("2019-08-01"), 38_610_000, false, "none"),
            fact("g", Some("2019-08-01"), 38_000_000, false, "lower"),
            fact("h", Some("2019-08-02"), 40_000_000, false, "none"),
            fact("i", None, 55_000_000, true, "none"),
            fact("j", None, 12_345, false, "none"),
        ]);
        assert_eq!(
            verdicts(&rows),
            [
                ("55000000".into(), "first"),
                ("55000000".into(), "rounded"),
                ("55000000".into(), "rounded"),
                ("38615473".into(), "updated"),
                ("38600000".into(), "rounded"),
                ("38610000".into(), "rounded"),
                ("38000000".into(), "rounded"),
                ("40000000".into(), "rounded"),
                ("55000000".into(), "same"),
                ("12345".into(), "conflict"),
            ]
        );
        assert_eq!(
            rows[3].compared_with.as_deref(),
            Some("c@2019-07-05=~55000000")
        );
        assert_eq!(
            rows[8].compared_with.as_deref(),
            Some("c@2019-07-05=~55000000")
        );
    }

    #[test]
    fn documents_are_listed_once_in_name_order() {
        let named = |doc: &str, source: &str| FactRow {
            doc: doc.into(),
            ..fact(source, Some("2019-07-04"), 900, true, "none")
        };
        // b.txt names the figure twice, with another document in between.
        let rows = figures(&[
            named("b.txt", "s"),
            named("a.txt", "s"),
            named("b.txt", "s"),
            named("c.txt", "t"),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].docs, ["a.txt", "b.txt"]);
        assert_eq!(rows[1].docs, ["c.txt"]);
    }

    #[test]
    fn hedges_widen_only_at_the_same_time() {
        let mut a = fact("a", Some("2019-07-04"), 900, true, "none");
        a.measure = "victims".into();
        let mut b = fact("b", Some("2019-07-31"), 808, false, "none");
        b.measure = "victims".into();
        let mut c = fact("c", Some("2019-07-04"), 820, false, "none");
        c.measure = "victims".into();
        let rows = figures(&[a.clone(), b]);
        assert_eq!(rows[1].verdict, "updated");
        let rows = figures(&[a, c]);
        assert_eq!(rows[1].verdict, "rounded");
    }

    #[test]
    fn figures_of_other_incidents_and_statistics_are_never_compared() {
        let mut national = fact("n", Some("2019-07-04"), 6_850_000_000, false, "none");
        national.subject = None;
        national.incident = None;
        let mut docomo = fact("d", Some("2019-07-04"), 18_000_000, false, "none");
        docomo.incident = Some("docomo".into());
        let rows = figures(&[
            fact("a", Some("2019-07-04"), 55_000_000, true, "none"),
            national,
            docomo,
        ]);
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.verdict == "first"), "{rows:?}");
        assert_eq!(
            rows.iter()
                .map(|r| r.incident.as_deref())
                .collect::<Vec<_>>(),
            [None, Some("7pay"), Some("docomo")]
        );
    }

    #[test]
    fn conflicts_and_exclusions() {
        let mut per = fact("p", Some("2019-07-04"), 10_000, false, "lower+per");
        per.measure = "charge_amount".into();
        let mut off = fact("o", Some("2019-07-04"), 3000, false, "none");
        off.comparable = false;
        let rows = figures(&[
            fact("a", Some("2019-07-04"), 55_000_000, true, "none"),
            fact("b", Some("2019-07-04"), 100_000, false, "none"),
            per,
            off,
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].verdict, "conflict");
    }
}
