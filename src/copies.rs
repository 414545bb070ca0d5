//! Stage 6c and 7 (copies): syndicated and near-identical articles, kept and marked.
//!
//! A wire story (共同通信, 時事通信) printed by several outlets is a document of each of them:
//! that an outlet printed it is a finding. But it is one text, and must not count as
//! several confirmations of a figure. This module finds such copies.
//!
//! # Signature (per document, at analysis)
//!
//! The body text (normalized, boilerplate left out) is reduced to its letters and digits
//! (punctuation, spaces and line breaks dropped, ASCII lower-cased), cut into overlapping
//! character 5-grams (**shingles**), and each shingle hashed to 64 bits (a fixed hash, so
//! signatures never depend on the run). The signature is a one-permutation MinHash (Li,
//! Owen and Zhang 2012): the high bits of a shingle's hash pick one of [`HASHES`] bins and
//! its low 32 bits compete for that bin's minimum, so each shingle costs one hash instead
//! of one per bin; a bin no shingle fell into takes the minimum of the first filled bin
//! along its own fixed probe sequence ("optimal densification", Shrivastava 2017), which
//! keeps equal texts equal and the estimate unbiased. The share of equal minima of two
//! signatures estimates the Jaccard similarity of their shingle sets. It is stored in the batch parts (`signatures`, not published),
//! so copy marks can be recomputed at every publish without reading the texts again.
//! Texts with fewer than [`MIN_SHINGLES`] shingles (an empty page, a caption) get none.
//!
//! # Copies (at publish, from every live signature)
//!
//! - **Candidates** by locality-sensitive hashing: the signature is cut into [`BANDS`] bands
//!   of [`ROWS`] minima; two documents sharing a band are candidates. A pair with
//!   similarity 0.8 shares a band with probability 1 − (1 − 0.8⁶)²⁰ ≈ 0.998; a pair at 0.3,
//!   0.014. Documents are visited in first-seen order and each is compared with the first
//!   and the latest earlier document of each of its bands' buckets: at most 2 × [`BANDS`]
//!   comparisons per document, linear in the corpus, never all pairs.
//! - **Verified** on the whole signature: a pair is a copy when its estimated Jaccard
//!   similarity is at least [`THRESHOLD`] (0.8: a changed headline or a cut paragraph of a
//!   ten-paragraph article stays above it; two articles on the same incident in their own
//!   words share far fewer 5-grams, typically under 0.2).
//! - **Groups**: copies are joined transitively; the group's **first-seen** document is
//!   the one with the earliest publication date (ISO text order; documents without a date
//!   last), then the smallest `doc` key. That order depends on the documents alone, never
//!   on the order they were analysed or added in, so a full run and runs with `add`
//!   publish the same marks; an `add` that brings an earlier copy moves the marks of the
//!   stored documents with it.
//!
//! The `copies` table has one row per document with a signature: `copy_of` names the
//! group's first-seen document (empty for it and for texts without copies), `similarity`
//! the estimate against it, `group_docs` the group's size. `figures` reads it to count
//! independent texts ([`crate::facts::FigureAcc::each_row_with`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::aggregate::Summary;
use crate::error::Result;
use crate::output::Table;
use crate::output::copy_rows::{CopyRow, SignatureRow};
use crate::output::table::rows_of;

/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// Bins (minima) per signature.
pub const HASHES: usize = 120;
/// LSH bands.
pub const BANDS: usize = 20;
/// Minima per band.
pub const ROWS: usize = HASHES / BANDS;
/// Estimated Jaccard similarity from which two texts are copies.
pub const THRESHOLD: f64 = 0.8;
/// Fewest shingles a text needs for a signature.
pub const MIN_SHINGLES: usize = 20;

const fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 64-bit hash of a shingle (its characters oldest first): the code points (21 bits
/// each) packed into two words, mixed.
fn shingle_hash(chars: [u64; SHINGLE]) -> u64 {
    let k1 = chars[0] | chars[1] << 21 | chars[2] << 42;
    let k2 = chars[3] | chars[4] << 21;
    splitmix(splitmix(k1) ^ k2)
}

/// The bin a hash falls into: its high 32 bits scaled to `0..HASHES`.
fn bin_of(h: u64) -> usize {
    (((h >> 32) * HASHES as u64) >> 32) as usize
}

/// Fills the empty bins of a one-permutation signature: bin `i` probes bins
/// `splitmix(i, attempt) mod HASHES` until one that a shingle fell into, and takes its
/// minimum (the probe sequence is fixed, so two texts with the same shingles fill alike).
fn densify(mins: &mut [u32; HASHES], filled: &[bool; HASHES]) {
    if filled.iter().all(|&f| f) || !filled.iter().any(|&f| f) {
        return;
    }
    let given = *mins;
    for i in 0..HASHES {
        if filled[i] {
            continue;
        }
        let mut attempt = 0u64;
        loop {
            let j = (splitmix((i as u64) << 32 | attempt) % HASHES as u64) as usize;
            if filled[j] {
                mins[i] = given[j];
                break;
            }
            attempt += 1;
        }
    }
}

/// A text's MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Shingles (5-gram windows) of the text.
    pub shingles: usize,
    /// The minima, [`HASHES`] of them.
    pub mins: Vec<u32>,
}

impl Signature {
    /// The minima as hex text (8 digits each), as stored.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(self.mins.len() * 8);
        for m in &self.mins {
            s.push_str(&format!("{m:08x}"));
        }
        s
    }
}

/// The minima of a stored hex signature; `None` unless it holds [`HASHES`] of them.
pub fn from_hex(s: &str) -> Option<Vec<u32>> {
    if s.len() != HASHES * 8 || !s.is_ascii() {
        return None;
    }
    (0..HASHES)
        .map(|j| u32::from_str_radix(&s[8 * j..8 * j + 8], 16).ok())
        .collect()
}

/// The signature of `text` without the byte ranges `skip` (sorted, e.g. boilerplate);
/// `None` for a text under [`MIN_SHINGLES`] shingles.
pub fn signature(text: &str, skip: &[Range<usize>]) -> Option<Signature> {
    let mut mins = [u32::MAX; HASHES];
    let mut filled = [false; HASHES];
    let mut window = [0u64; SHINGLE];
    let mut seen = 0usize;
    let mut shingles = 0usize;
    let mut skips = skip.iter().peekable();
    for (at, c) in text.char_indices() {
        while skips.peek().is_some_and(|r| r.end <= at) {
            skips.next();
        }
        if skips.peek().is_some_and(|r| r.start <= at) || !c.is_alphanumeric() {
            continue;
        }
        let c = c.to_ascii_lowercase();
        window[seen % SHINGLE] = c as u64;
        seen += 1;
        if seen < SHINGLE {
            continue;
        }
        let h = shingle_hash(std::array::from_fn(|k| window[(seen + k) % SHINGLE]));
        shingles += 1;
        let (bin, v) = (bin_of(h), h as u32);
        if !filled[bin] || v < mins[bin] {
            mins[bin] = v;
            filled[bin] = true;
        }
    }
    densify(&mut mins, &filled);
    (shingles >= MIN_SHINGLES).then(|| Signature {
        shingles,
        mins: mins.to_vec(),
    })
}

/// Estimated Jaccard similarity of two signatures: the share of equal minima.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// One document's signature in the `copies` summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    source: String,
    published: Option<String>,
    mins: Vec<u32>,
}

/// The `copies` summary: the signature of every document (keyed by `doc`, so merging is
/// associative and commutative).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopiesSummary {
    docs: BTreeMap<String, Entry>,
}

impl Summary for CopiesSummary {
    fn add(&mut self, _table: &str, rows: &Table) -> Result<()> {
        for r in rows_of::<SignatureRow>(rows) {
            if let Some(mins) = from_hex(&r.minhash) {
                self.docs.insert(
                    r.doc,
                    Entry {
                        source: r.source,
                        published: r.published,
                        mins,
                    },
                );
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: Self) {
        self.docs.extend(other.docs);
    }
}

impl CopiesSummary {
    /// The `copies` rows, in `doc` order (see the module documentation).
    pub fn rows(self) -> Vec<CopyRow> {
        // First-seen order: earliest publication date, then doc key.
        let mut docs: Vec<(String, Entry)> = self.docs.into_iter().collect();
        docs.sort_by(|(da, a), (db, b)| {
            (a.published.is_none(), &a.published, da).cmp(&(
                b.published.is_none(),
                &b.published,
                db,
            ))
        });
        let n = docs.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        // Bucket of each band value: its first and latest document (by rank).
        let mut buckets: HashMap<(usize, u64), (usize, usize)> = HashMap::new();
        for i in 0..n {
            for band in 0..BANDS {
                let mut h = band as u64;
                for m in &docs[i].1.mins[band * ROWS..(band + 1) * ROWS] {
                    h = splitmix(h ^ u64::from(*m));
                }
                match buckets.get_mut(&(band, h)) {
                    Some((first, latest)) => {
                        for j in [*first, *latest] {
                            if similarity(&docs[i].1.mins, &docs[j].1.mins) >= THRESHOLD {
                                // Roots are the smallest rank of their group.
                                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                                let (lo, hi) = (ri.min(rj), ri.max(rj));
                                parent[hi] = lo;
                            }
                        }
                        *latest = i;
                    }
                    None => {
                        buckets.insert((band, h), (i, i));
                    }
                }
            }
        }
        drop(buckets);
        let roots: Vec<usize> = (0..n).map(|i| root(&mut parent, i)).collect();
        let mut size = vec![0i64; n];
        for &r in &roots {
            size[r] += 1;
        }
        let mut rows: Vec<CopyRow> = (0..n)
            .map(|i| {
                let r = roots[i];
                let copy = r != i;
                CopyRow {
                    doc: docs[i].0.clone(),
                    source: docs[i].1.source.clone(),
                    published: docs[i].1.published.clone(),
                    copy_of: copy.then(|| docs[r].0.clone()),
                    similarity: copy.then(|| similarity(&docs[i].1.mins, &docs[r].1.mins)),
                    group_docs: size[r],
                }
            })
            .collect();
        rows.sort_by(|a, b| a.doc.cmp(&b.doc));
        rows
    }
}

/// Each copied document -> the first-seen document of its text, from a `copies` table
/// (documents missing from the map are originals).
pub fn originals(copies: &Table) -> HashMap<String, String> {
    rows_of::<CopyRow>(copies)
        .into_iter()
        .filter_map(|r| r.copy_of.map(|o| (r.doc, o)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "北海道の山あいにある町で、古い木造の駅舎を図書館として使う試みが始まった。\
        町によると、駅舎は百年前に建てられ、三年前に列車が来なくなってから空き家になっていた。\
        改修には寄付金二千万円をあて、本棚は地元の高校生が設計した。\
        開館初日には約三百人が訪れ、待合室だった部屋で子どもたちが絵本を読んでいた。\
        町長は「駅は町の玄関だった。もう一度人が集まる場所にしたい」と話した。\
        今後は週末に読み聞かせ会を開き、冬は暖房費を町が負担するという。";

    fn row(doc: &str, published: &str, text: &str) -> SignatureRow {
        SignatureRow {
            doc: doc.into(),
            source: doc.into(),
            published: Some(published.into()),
            shingles: 0,
            minhash: signature(text, &[]).unwrap().to_hex(),
        }
    }

    fn summary(rows: &[SignatureRow]) -> CopiesSummary {
        let mut s = CopiesSummary::default();
        Summary::add(&mut s, "signatures", &Table::from_records(rows.iter())).unwrap();
        s
    }

    #[test]
    fn signatures_estimate_similarity() {
        let a = signature(STORY, &[]).unwrap();
        assert_eq!(a.mins.len(), HASHES);
        assert_eq!(from_hex(&a.to_hex()).unwrap(), a.mins);
        // Punctuation and spacing do not matter.
        let spaced = STORY.replace('、', " ").replace('。', "。\n");
        assert_eq!(signature(&spaced, &[]).unwrap().mins, a.mins);
        // The last sentence cut: still a copy.
        let cut = &STORY[..STORY.rfind("今後").unwrap()];
        let b = signature(cut, &[]).unwrap();
        let s = similarity(&a.mins, &b.mins);
        assert!((THRESHOLD..1.0).contains(&s), "{s}");
        // Another article on the same town.
        let other = "町の図書館が駅舎に移ることについて、住民の意見は分かれている。\
            維持費がかさむとの声もあり、町議会は来月にも予算を審議する。";
        let c = signature(other, &[]).unwrap();
        assert!(similarity(&a.mins, &c.mins) < 0.3);
        // Skipped ranges are left out; too short a text has no signature.
        assert_eq!(
            signature(
                &format!("{STORY}広告"),
                std::slice::from_ref(&(STORY.len()..STORY.len() + 6))
            )
            .unwrap()
            .mins,
            a.mins
        );
        assert_eq!(signature("短い記事。", &[]), None);
    }

    #[test]
    fn the_first_seen_copy_is_the_original_whatever_the_order() {
        let cut = &STORY[..STORY.rfind("今後").unwrap()];
        let headline = format!("駅舎が図書館に\n{STORY}");
        let rows = [
            row("b.txt", "2024-05-02", cut),
            row("a.txt", "2024-05-03", &headline),
            row("c.txt", "2024-05-01", STORY),
            row(
                "d.txt",
                "2024-05-01",
                "まったく別の話題として、港の魚市場で今朝、初物のカツオが一本五万円で競り落とされた。",
            ),
        ];
        let all = summary(&rows).rows();
        let marks: Vec<(&str, Option<&str>, i64)> = all
            .iter()
            .map(|r| (r.doc.as_str(), r.copy_of.as_deref(), r.group_docs))
            .collect();
        assert_eq!(
            marks,
            [
                ("a.txt", Some("c.txt"), 3),
                ("b.txt", Some("c.txt"), 3),
                ("c.txt", None, 3),
                ("d.txt", None, 1),
            ]
        );
        // Any split, merged in any order, gives the same rows.
        let mut s = summary(&rows[2..]);
        s.merge(summary(&rows[..1]));
        s.merge(summary(&rows[1..2]));
        assert_eq!(s.rows(), all);
        let o = originals(&Table::from_records(all.iter()));
        assert_eq!(o.get("a.txt").map(String::as_str), Some("c.txt"));
        assert!(!o.contains_key("c.txt"));
    }
}
