//! The `source_frames` aggregate. [`FrameAcc`] counts documents and frame hits per
//! source; it is `Default + merge`, so rayon folds one per thread and reduces them, and an
//! incremental run can rebuild it from stored rows alone ([`source_frames`] needs only the
//! `documents` and `frame_hits` rows, not the texts).
//!
//! The statistics are computed once from the merged counts ([`FrameAcc::rows`]):
//! - `share` = docs / docs_total of the source;
//! - `p_value`: two-sided Fisher exact test of the 2×2 document table (this source vs all
//!   other sources × mentions the frame or not); `None` with a single source;
//! - `std_residual`: adjusted (standardized) Pearson residual of the cell in the source ×
//!   frame table of document counts (a document counts once in every frame it mentions),
//!   i.e. whether the frame takes a larger part of this source's frame mentions than of
//!   everyone's. |r| > 1.96 is the usual 5% mark.
//!
//! Frames appear as columns when any document mentions them, so the table depends on the
//! rows only (a lexicon frame nobody mentions has no row).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use super::stats;
use crate::frame::Stance;
use crate::output::rows::{DocumentRow, FrameHitRow, SourceFrameRow};

/// Counts of one (source, frame) cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    /// Documents of the source with at least one hit of the frame.
    pub docs: i64,
    /// Hits by stance, in [`Stance::ALL`] order.
    pub hits: [i64; 4],
}

/// Counts of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceCounts {
    /// Documents of the source.
    pub docs: i64,
    /// Cells by frame id.
    pub frames: BTreeMap<String, Cell>,
}

/// Mergeable per-source frame counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FrameAcc {
    /// By source name.
    pub sources: BTreeMap<String, SourceCounts>,
}

impl FrameAcc {
    /// Adds one document of `source` with its frame hits (body hits only: the analysis
    /// never emits boilerplate hits). Hits with an unknown stance count as documents but
    /// not in the stance columns.
    pub fn add_doc<'h>(&mut self, source: &str, hits: impl IntoIterator<Item = &'h FrameHitRow>) {
        let s = self.sources.entry(source.to_string()).or_default();
        s.docs += 1;
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for h in hits {
            let cell = s.frames.entry(h.frame.clone()).or_default();
            if let Some(st) = Stance::parse(&h.stance) {
                cell.hits[st as usize] += 1;
            }
            if seen.insert(h.frame.as_str()) {
                cell.docs += 1;
            }
        }
    }

    /// Adds one hit of an already counted document; `first_of_frame` when it is the
    /// document's first hit of this frame (the document then counts for the frame).
    pub fn add_hit(&mut self, h: &FrameHitRow, first_of_frame: bool) {
        let s = self.sources.entry(h.source.clone()).or_default();
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
        for (name, o) in other.sources {
            let s = self.sources.entry(name).or_default();
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

    /// Frame ids mentioned anywhere, sorted.
    pub fn frames(&self) -> Vec<String> {
        self.sources
            .values()
            .flat_map(|s| s.frames.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The `source_frames` rows: every source × every mentioned frame, sorted by source
    /// then frame.
    pub fn rows(&self) -> Vec<SourceFrameRow> {
        let frames = self.frames();
        let sources: Vec<(&String, &SourceCounts)> = self.sources.iter().collect();
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
                    source: (*name).clone(),
                    frame: f.clone(),
                    docs: c.docs,
                    docs_total: s.docs,
                    share: if s.docs > 0 {
                        c.docs as f64 / s.docs as f64
                    } else {
                        0.0
                    },
                    hits: c.hits.iter().sum(),
                    p_value,
                    std_residual: residuals[i][j],
                    hits_asserted: c.hits[0],
                    hits_reported: c.hits[1],
                    hits_doubted: c.hits[2],
                    hits_negated: c.hits[3],
                });
            }
        }
        out
    }
}

/// The `source_frames` table from stored rows alone: `documents` (one per analysed
/// article, giving its source) and `frame_hits`. Hits of documents not in `documents` are
/// ignored; a document's source comes from its `documents` row. Folds in parallel.
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
            acc.add_doc(&d.source, hs.iter().copied());
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
    }

    fn arb_docs() -> impl Strategy<Value = Vec<(u8, Vec<(u8, u8)>)>> {
        // (source, [(frame, stance)])
        prop::collection::vec(
            (0u8..4, prop::collection::vec((0u8..5, 0u8..5), 0..6)),
            0..30,
        )
    }

    fn fold_docs(docs: &[(u8, Vec<(u8, u8)>)]) -> FrameAcc {
        let stances = ["asserted", "reported", "doubted", "negated", "bogus"];
        let mut acc = FrameAcc::default();
        for (k, (s, hs)) in docs.iter().enumerate() {
            let rows: Vec<FrameHitRow> = hs
                .iter()
                .map(|(f, st)| {
                    hit(
                        &format!("d{k}"),
                        "",
                        &format!("f{f}"),
                        stances[*st as usize],
                    )
                })
                .collect();
            acc.add_doc(&format!("s{s}"), &rows);
        }
        acc
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
            let stances = ["asserted", "reported", "doubted", "negated", "bogus"];
            let mut drows = Vec::new();
            let mut hrows = Vec::new();
            for (k, (s, hs)) in docs.iter().enumerate() {
                drows.push(doc(&format!("d{k}"), &format!("s{s}")));
                for (f, st) in hs {
                    hrows.push(hit(&format!("d{k}"), "", &format!("f{f}"), stances[*st as usize]));
                }
            }
            prop_assert_eq!(source_frames(&drows, &hrows), fold_docs(&docs).rows());
        }
    }
}
