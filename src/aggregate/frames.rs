//! The `source_frames` aggregate: one row per (incident, source, frame). [`FrameAcc`]
//! counts documents and frame hits per incident and source; it is `Default + merge`, so
//! rayon folds one per thread and reduces them, and an incremental run can rebuild it from
//! stored rows alone ([`source_frames`] needs only the `documents` and `frame_hits` rows,
//! not the texts).
//!
//! **Incidents.** A document counts in every incident of its `documents.incidents` (an
//! article on docomo口座 that also covers 7pay is one of each incident's articles), or in
//! the empty incident when it lists none: such articles keep their frames. Each hit counts
//! in its own `incident`, which the analysis makes one of its document's (see
//! `analyze::frame_rows`). Every statistic is computed **within an incident**: outlets are
//! compared with the other outlets writing on the same breach, never across breaches.
//!
//! The statistics, from the merged counts ([`FrameAcc::rows`]), per incident:
//! - `share` = docs / docs_total of the source;
//! - `p_value`: two-sided Fisher exact test of the 2×2 document table (this source vs the
//!   incident's other sources × gives the frame or not); `None` with a single source;
//! - `q_value`: Benjamini–Hochberg adjustment of the incident's p-values (every source ×
//!   frame cell is one test, so some cells come out "significant" by chance alone; q < 0.05
//!   keeps the expected share of such false discoveries under 5%);
//! - `std_residual`: adjusted (standardized) Pearson residual of the cell in the incident's
//!   source × frame table of document counts (a document counts once in every frame it
//!   gives), i.e. whether the frame takes a larger part of this source's frame mentions
//!   than of everyone's. |r| > 1.96 is the usual 5% mark.
//!
//! Within an incident, frames appear as columns when any of its documents gives them, so
//! the table depends on the rows only (a lexicon frame nobody mentions has no row).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use super::stats;
use crate::frame::Stance;
use crate::output::rows::{DocumentRow, FrameHitRow, SourceFrameRow};

/// The incidents of a `documents.incidents` cell (`; `-separated ids), or the empty
/// incident when there are none.
pub fn incident_list(cell: &str) -> Vec<&str> {
    let v: Vec<&str> = cell
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if v.is_empty() { vec![""] } else { v }
}

/// Counts of one (incident, source, frame) cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    /// Documents of the source with at least one hit of the frame in the incident.
    pub docs: i64,
    /// Hits by stance, in [`Stance::ALL`] order.
    pub hits: [i64; 4],
}

/// Counts of one source within one incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceCounts {
    /// Documents of the source on the incident.
    pub docs: i64,
    /// Cells by frame id.
    pub frames: BTreeMap<String, Cell>,
}

/// Mergeable per-incident, per-source frame counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FrameAcc {
    /// By (incident, source name).
    pub sources: BTreeMap<(String, String), SourceCounts>,
}

impl FrameAcc {
    /// Adds one document of `source` on `incidents` (a `documents.incidents` cell) with its
    /// frame hits (body hits only: the analysis never emits boilerplate hits). Hits with an
    /// unknown stance count as documents but not in the stance columns.
    pub fn add_doc<'h>(
        &mut self,
        source: &str,
        incidents: &str,
        hits: impl IntoIterator<Item = &'h FrameHitRow>,
    ) {
        for inc in incident_list(incidents) {
            self.sources
                .entry((inc.to_string(), source.to_string()))
                .or_default()
                .docs += 1;
        }
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for h in hits {
            let first = seen.insert((h.incident.as_str(), h.frame.as_str()));
            self.count_hit(source, h, first);
        }
    }

    /// Adds one hit of an already counted document; `first_of_frame` when it is the
    /// document's first hit of this frame in this incident (the document then counts for
    /// the frame).
    pub fn add_hit(&mut self, h: &FrameHitRow, first_of_frame: bool) {
        self.count_hit(&h.source, h, first_of_frame);
    }

    fn count_hit(&mut self, source: &str, h: &FrameHitRow, first_of_frame: bool) {
        let s = self
            .sources
            .entry((h.incident.clone(), source.to_string()))
            .or_default();
        let cell = s.frames.entry(h.frame.clone()).or_default();
        if let Some(st) = Stance::parse(&h.stance) {
            cell.hits[st as usize] += 1;
        }
        if first_of_frame {
            cell.docs += 1;
        }
    }

    /// Combines two accumulators (associative and commutative; `Default` is the identity).
    pub fn merge(mut self, other: FrameAcc) -> FrameAcc {
        for (key, o) in other.sources {
            let s = self.sources.entry(key).or_default();
            s.docs += o.docs;
            for (f, c) in o.frames {
                let cell = s.frames.entry(f).or_default();
                cell.docs += c.docs;
                for (a, b) in cell.hits.iter_mut().zip(c.hits) {
                    *a += b;
                }
            }
        }
        self
    }

    /// The incidents counted, sorted (the empty incident first).
    pub fn incidents(&self) -> Vec<&str> {
        self.sources
            .keys()
            .map(|(i, _)| i.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The `source_frames` rows: per incident, every source on it × every frame any of
    /// its documents gives; sorted by incident, source, frame.
    pub fn rows(&self) -> Vec<SourceFrameRow> {
        let mut out = Vec::new();
        for inc in self.incidents() {
            let sources: Vec<(&String, &SourceCounts)> = self
                .sources
                .range((inc.to_string(), String::new())..)
                .take_while(|((i, _), _)| i == inc)
                .map(|((_, s), c)| (s, c))
                .collect();
            out.extend(incident_rows(inc, &sources));
        }
        out
    }
}

/// The rows of one incident: its sources and their counts.
fn incident_rows(incident: &str, sources: &[(&String, &SourceCounts)]) -> Vec<SourceFrameRow> {
    let frames: Vec<&String> = sources
        .iter()
        .flat_map(|(_, s)| s.frames.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let total_docs: i64 = sources.iter().map(|(_, s)| s.docs).sum();
    let cell = |s: &SourceCounts, f: &str| s.frames.get(f).cloned().unwrap_or_default();
    let frame_docs: Vec<i64> = frames
        .iter()
        .map(|f| sources.iter().map(|(_, s)| cell(s, f).docs).sum())
        .collect();
    let table: Vec<Vec<i64>> = sources
        .iter()
        .map(|(_, s)| frames.iter().map(|f| cell(s, f).docs).collect())
        .collect();
    let residuals = stats::adjusted_residuals(&table);
    let mut out = Vec::with_capacity(sources.len() * frames.len());
    for (i, (name, s)) in sources.iter().enumerate() {
        for (j, f) in frames.iter().enumerate() {
            let c = cell(s, f);
            let p_value = (sources.len() > 1).then(|| {
                let a = c.docs;
                let b = s.docs - a;
                let cc = frame_docs[j] - a;
                let d = (total_docs - s.docs) - cc;
                let u = |x: i64| x.max(0) as u64;
                stats::fisher_exact_two_sided(u(a), u(b), u(cc), u(d))
            });
            out.push(SourceFrameRow {
                incident: incident.to_string(),
                source: (*name).clone(),
                frame: (*f).clone(),
                docs: c.docs,
                docs_total: s.docs,
                share: if s.docs > 0 {
                    c.docs as f64 / s.docs as f64
                } else {
                    0.0
                },
                hits: c.hits.iter().sum(),
                p_value,
                q_value: None,
                std_residual: residuals[i][j],
                hits_asserted: c.hits[0],
                hits_reported: c.hits[1],
                hits_doubted: c.hits[2],
                hits_negated: c.hits[3],
            });
        }
    }
    let q = stats::benjamini_hochberg(&out.iter().map(|r| r.p_value).collect::<Vec<_>>());
    for (r, q) in out.iter_mut().zip(q) {
        r.q_value = q;
    }
    out
}

/// The `source_frames` table from stored rows alone: `documents` (one per analysed
/// article, giving its source and incidents) and `frame_hits`. Hits of documents not in
/// `documents` are ignored; a document's source comes from its `documents` row. Folds in
/// parallel.
pub fn source_frames(documents: &[DocumentRow], hits: &[FrameHitRow]) -> Vec<SourceFrameRow> {
    accumulate(documents, hits).rows()
}

/// The accumulator behind [`source_frames`], for callers that merge further batches.
pub fn accumulate(documents: &[DocumentRow], hits: &[FrameHitRow]) -> FrameAcc {
    let mut by_doc: HashMap<&str, Vec<&FrameHitRow>> = HashMap::new();
    for h in hits {
        by_doc.entry(h.doc.as_str()).or_default().push(h);
    }
    documents
        .par_iter()
        .fold(FrameAcc::default, |mut acc, d| {
            let hs = by_doc.get(d.doc.as_str()).map_or(&[][..], Vec::as_slice);
            acc.add_doc(&d.source, &d.incidents, hs.iter().copied());
            acc
        })
        .reduce(FrameAcc::default, FrameAcc::merge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(d: &str, s: &str) -> DocumentRow {
        DocumentRow {
            doc: d.into(),
            source: s.into(),
            ..DocumentRow::default()
        }
    }

    fn hit(d: &str, s: &str, f: &str, st: &str) -> FrameHitRow {
        FrameHitRow {
            doc: d.into(),
            source: s.into(),
            frame: f.into(),
            stance: st.into(),
            ..FrameHitRow::default()
        }
    }

    #[test]
    fn counts_documents_hits_and_statistics() {
        let docs = [
            doc("a1", "A"),
            doc("a2", "A"),
            doc("b1", "B"),
            doc("b2", "B"),
            doc("b3", "B"),
        ];
        let hits = [
            hit("a1", "A", "x", "asserted"),
            hit("a1", "A", "x", "reported"),
            hit("a2", "A", "x", "doubted"),
            hit("b1", "B", "y", "negated"),
            hit("zz", "Z", "x", "asserted"), // no documents row: ignored
        ];
        let rows = source_frames(&docs, &hits);
        assert_eq!(rows.len(), 4);
        let ax = &rows[0];
        assert_eq!((ax.source.as_str(), ax.frame.as_str()), ("A", "x"));
        assert_eq!((ax.docs, ax.docs_total, ax.hits), (2, 2, 3));
        assert_eq!(ax.share, 1.0);
        assert_eq!(
            (
                ax.hits_asserted,
                ax.hits_reported,
                ax.hits_doubted,
                ax.hits_negated
            ),
            (1, 1, 1, 0)
        );
        // A: 2 of 2 docs mention x, B: 0 of 3 -> Fisher two-sided p = 0.1 (SciPy).
        assert!((ax.p_value.unwrap() - 0.1).abs() < 1e-12);
        // Four tests (p 0.1, 1, 0.1, 1): BH gives 0.1 · 4 / 2 = 0.2 for the two smallest.
        assert!(
            (ax.q_value.unwrap() - 0.2).abs() < 1e-12,
            "{:?}",
            ax.q_value
        );
        assert!((rows[1].q_value.unwrap() - 1.0).abs() < 1e-12);
        let bx = &rows[2];
        assert_eq!((bx.source.as_str(), bx.docs, bx.share), ("B", 0, 0.0));
        // Table [[2, 0], [0, 1]]: residuals ±sqrt(3).
        assert!((ax.std_residual.unwrap() - 3f64.sqrt()).abs() < 1e-12);
        assert!((bx.std_residual.unwrap() + 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn one_source_has_no_p_value() {
        let rows = source_frames(&[doc("a", "A")], &[hit("a", "A", "x", "asserted")]);
        assert_eq!(rows[0].p_value, None);
        assert_eq!(rows[0].q_value, None);
    }

    /// A document: (source, incidents as a bit mask of i0..i2 (0: none), [(frame, stance,
    /// pick of one of its incidents)]).
    type ArbDoc = (u8, u8, Vec<(u8, u8, u8)>);

    fn arb_docs() -> impl Strategy<Value = Vec<ArbDoc>> {
        prop::collection::vec(
            (
                0u8..4,
                0u8..8,
                prop::collection::vec((0u8..5, 0u8..5, 0u8..3), 0..6),
            ),
            0..30,
        )
    }

    /// The `documents.incidents` cell of a mask, and the incident of a hit picking `k`.
    fn incidents_of(mask: u8) -> (String, Vec<String>) {
        let v: Vec<String> = (0..3)
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| format!("i{b}"))
            .collect();
        (v.join("; "), v)
    }

    fn rows_of_doc(k: usize, d: &ArbDoc) -> (DocumentRow, Vec<FrameHitRow>) {
        let stances = ["asserted", "reported", "doubted", "negated", "bogus"];
        let (cell, list) = incidents_of(d.1);
        let drow = DocumentRow {
            incidents: cell,
            ..doc(&format!("d{k}"), &format!("s{}", d.0))
        };
        let hrows =
            d.2.iter()
                .map(|(f, st, pick)| FrameHitRow {
                    incident: if list.is_empty() {
                        String::new()
                    } else {
                        list[*pick as usize % list.len()].clone()
                    },
                    ..hit(
                        &format!("d{k}"),
                        "",
                        &format!("f{f}"),
                        stances[*st as usize],
                    )
                })
                .collect();
        (drow, hrows)
    }

    fn fold_docs(docs: &[ArbDoc]) -> FrameAcc {
        let mut acc = FrameAcc::default();
        for (k, d) in docs.iter().enumerate() {
            let (drow, hrows) = rows_of_doc(k, d);
            acc.add_doc(&drow.source, &drow.incidents, &hrows);
        }
        acc
    }

    #[test]
    fn incidents_are_separate_tables() {
        let on = |d: &str, s: &str, inc: &str| DocumentRow {
            incidents: inc.into(),
            ..doc(d, s)
        };
        let docs = [
            on("a1", "A", "7pay"),
            on("a2", "A", "7pay; docomo"),
            on("b1", "B", "7pay"),
            on("b2", "B", "docomo"),
            on("c1", "C", ""),
        ];
        let at = |d: &str, s: &str, f: &str, inc: &str| FrameHitRow {
            incident: inc.into(),
            ..hit(d, s, f, "asserted")
        };
        let hits = [
            at("a1", "A", "x", "7pay"),
            at("a2", "A", "x", "7pay"),
            at("a2", "A", "y", "docomo"),
            at("b2", "B", "y", "docomo"),
            // An article on no listed incident keeps its frames.
            at("c1", "C", "x", ""),
        ];
        let rows = source_frames(&docs, &hits);
        let key = |r: &SourceFrameRow| (r.incident.clone(), r.source.clone(), r.frame.clone());
        let got: Vec<(String, String, String, i64, i64)> = rows
            .iter()
            .map(|r| {
                let (i, s, f) = key(r);
                (i, s, f, r.docs, r.docs_total)
            })
            .collect();
        let t = |i: &str, s: &str, f: &str, d: i64, n: i64| {
            (i.to_string(), s.to_string(), f.to_string(), d, n)
        };
        assert_eq!(
            got,
            [
                t("", "C", "x", 1, 1),
                // 7pay: frame x only (y was given about docomo).
                t("7pay", "A", "x", 2, 2),
                t("7pay", "B", "x", 0, 1),
                // docomo: frame y only; a2 counts here as well as on 7pay.
                t("docomo", "A", "y", 1, 1),
                t("docomo", "B", "y", 1, 1),
            ]
        );
        // Tests within the incident: one source alone has no test; the 7pay table is
        // [[2, 0], [0, 1]] (Fisher p = 1/3), its two cells the incident's whole family.
        let row = |i: &str, s: &str| {
            rows.iter()
                .find(|r| r.incident == i && r.source == s)
                .unwrap()
        };
        assert_eq!(row("", "C").p_value, None);
        let p = row("7pay", "A").p_value.unwrap();
        assert!((p - 1.0 / 3.0).abs() < 1e-12, "{p}");
        assert!((row("7pay", "A").q_value.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // docomo: both sources give y in all their articles: p = 1.
        assert_eq!(row("docomo", "B").p_value, Some(1.0));
    }

    proptest! {
        #[test]
        fn merge_is_associative_with_identity(a in arb_docs(), b in arb_docs(), c in arb_docs()) {
            let (a, b, c) = (fold_docs(&a), fold_docs(&b), fold_docs(&c));
            prop_assert_eq!(
                a.clone().merge(b.clone()).merge(c.clone()),
                a.clone().merge(b.clone().merge(c))
            );
            prop_assert_eq!(FrameAcc::default().merge(a.clone()), a.clone());
            prop_assert_eq!(a.clone().merge(FrameAcc::default()), a.clone());
            prop_assert_eq!(a.clone().merge(b.clone()), b.merge(a));
        }

        #[test]
        fn any_split_equals_one_pass(docs in arb_docs(), cuts in prop::collection::vec(0usize..30, 0..5)) {
            let whole = fold_docs(&docs);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(docs.len())).collect();
            cuts.sort_unstable();
            let mut parts = Vec::new();
            let mut start = 0;
            for c in cuts.into_iter().chain([docs.len()]) {
                parts.push(fold_docs(&docs[start..c]));
                start = c;
            }
            let merged = parts.into_iter().fold(FrameAcc::default(), FrameAcc::merge);
            prop_assert_eq!(merged.rows(), whole.rows());
            prop_assert_eq!(merged, whole);
        }

        #[test]
        fn parallel_rows_equal_sequential(docs in arb_docs()) {
            let mut drows = Vec::new();
            let mut hrows = Vec::new();
            for (k, d) in docs.iter().enumerate() {
                let (dr, hr) = rows_of_doc(k, d);
                drows.push(dr);
                hrows.extend(hr);
            }
            prop_assert_eq!(source_frames(&drows, &hrows), fold_docs(&docs).rows());
        }

        #[test]
        fn no_cell_counts_more_articles_than_it_has(docs in arb_docs()) {
            for r in fold_docs(&docs).rows() {
                prop_assert!(r.docs <= r.docs_total, "{:?}", r);
            }
        }
    }
}
