//! Scoring frame hits against hand-labelled (doc, frame, stance) gold.
//!
//! A document is labelled with a frame when it has at least one body hit of it; its stance
//! for the frame is the dominant stance of those hits ([`dominant`]). Per frame we count
//! (doc, frame) pairs: precision, recall, F1; over matched pairs, how often the stance
//! agrees. Every analysed document takes part, so a document with no gold rows (an
//! article that gives no cause) still counts its false positives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::stance::Stance;
use crate::error::{Error, Result};
use crate::output::rows::FrameHitRow;

/// Hits of one frame in one document, by stance (in [`Stance::ALL`] order).
pub type StanceCounts = [usize; 4];

/// The document's stance towards a frame, from its hits' stances:
/// 1. any **doubted** or **negated** hit makes it doubted or negated (whichever has more
///    hits; a tie goes to doubted, the outlet's own voice): restating a claim is how an
///    article sets up its doubt or its denial, so restatements do not outvote them;
/// 2. otherwise the more frequent of **asserted** and **reported**; a tie goes to
///    asserted (the outlet says it in its own voice at least as often as it quotes it).
pub fn dominant(c: &StanceCounts) -> Option<Stance> {
    let [asserted, reported, doubted, negated] = *c;
    if doubted + negated > 0 {
        return Some(if negated > doubted {
            Stance::Negated
        } else {
            Stance::Doubted
        });
    }
    if asserted + reported == 0 {
        return None;
    }
    Some(if reported > asserted {
        Stance::Reported
    } else {
        Stance::Asserted
    })
}

/// Per (doc, frame): hit counts by stance.
pub fn doc_frames(hits: &[FrameHitRow]) -> BTreeMap<(String, String), StanceCounts> {
    let mut out: BTreeMap<(String, String), StanceCounts> = BTreeMap::new();
    for h in hits {
        let Some(st) = Stance::parse(&h.stance) else {
            continue;
        };
        let c = out.entry((h.doc.clone(), h.frame.clone())).or_default();
        c[st as usize] += 1;
    }
    out
}

/// One gold row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldFrame {
    /// Document.
    pub doc: String,
    /// Frame id.
    pub frame: String,
    /// Gold stance.
    pub stance: Stance,
}

/// The frame of a gold row that says "this document gives no frame".
pub const NO_FRAME: &str = "none";
/// The stance of a [`NO_FRAME`] row.
pub const NO_STANCE: &str = "na";

/// A gold file: the (doc, frame, stance) labels and every document it labels, including
/// those labelled [`NO_FRAME`] (an article that gives no cause).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gold {
    /// The labelled pairs.
    pub frames: Vec<GoldFrame>,
    /// Every document named by a row, sorted.
    pub docs: BTreeSet<String>,
}

/// Reads a gold CSV with columns `doc,frame,stance` (further columns such as `note` are
/// ignored). A row `doc,none,na` says the document gives no frame. Errors name the file
/// and line.
pub fn read_gold(path: &Path) -> Result<Gold> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_gold(&text, path)
}

/// Parses gold CSV text; `path` is used in messages.
pub fn parse_gold(text: &str, path: &Path) -> Result<Gold> {
    let bad = |line: u64, msg: String| Error::Config(format!("{}:{line}: {msg}", path.display()));
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| bad(1, format!("no `{name}` column (need doc,frame,stance)")))
    };
    let (cd, cf, cs) = (col("doc")?, col("frame")?, col("stance")?);
    let mut out = Gold::default();
    let mut seen = BTreeSet::new();
    // The line of each document's `none` row and of its first frame row.
    let mut none_at: BTreeMap<String, u64> = BTreeMap::new();
    let mut framed: BTreeSet<String> = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let (doc, frame, stance) = (get(cd), get(cf), get(cs));
        if doc.is_empty() || frame.is_empty() {
            return Err(bad(line, "empty doc or frame".into()));
        }
        if !seen.insert((doc.clone(), frame.clone())) {
            return Err(bad(line, format!("({doc}, {frame}) is labelled twice")));
        }
        out.docs.insert(doc.clone());
        if frame == NO_FRAME {
            if stance != NO_STANCE && !stance.is_empty() {
                return Err(bad(
                    line,
                    format!("frame `{NO_FRAME}` takes stance `{NO_STANCE}`, not `{stance}`"),
                ));
            }
            if framed.contains(&doc) {
                return Err(bad(
                    line,
                    format!("{doc} is labelled `{NO_FRAME}` but also has a frame"),
                ));
            }
            none_at.insert(doc, line);
            continue;
        }
        if let Some(l) = none_at.get(&doc) {
            return Err(bad(
                line,
                format!("{doc} has a frame but line {l} labels it `{NO_FRAME}`"),
            ));
        }
        let stance = Stance::parse(&stance).ok_or_else(|| {
            bad(
                line,
                format!(
                    "stance `{stance}` is not asserted, reported, doubted or negated \
                     (`{NO_STANCE}` goes only with frame `{NO_FRAME}`)"
                ),
            )
        })?;
        framed.insert(doc.clone());
        out.frames.push(GoldFrame { doc, frame, stance });
    }
    Ok(out)
}

/// Scores of one frame (or of all frames together).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameScore {
    /// Frame id, or `all`.
    pub frame: String,
    /// Gold pairs.
    pub gold: usize,
    /// Predicted pairs.
    pub predicted: usize,
    /// Pairs in both.
    pub matched: usize,
    /// Matched pairs whose dominant stance equals the gold stance.
    pub stance_agree: usize,
}

impl FrameScore {
    /// matched / predicted.
    pub fn precision(&self) -> Option<f64> {
        (self.predicted > 0).then(|| self.matched as f64 / self.predicted as f64)
    }
    /// matched / gold.
    pub fn recall(&self) -> Option<f64> {
        (self.gold > 0).then(|| self.matched as f64 / self.gold as f64)
    }
    /// Harmonic mean of precision and recall (0 when both are 0; None when undefined).
    pub fn f1(&self) -> Option<f64> {
        if self.gold + self.predicted == 0 {
            return None;
        }
        Some(2.0 * self.matched as f64 / (self.gold + self.predicted) as f64)
    }
    /// stance_agree / matched.
    pub fn stance_agreement(&self) -> Option<f64> {
        (self.matched > 0).then(|| self.stance_agree as f64 / self.matched as f64)
    }
}

/// One disagreement, for `--errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// Document.
    pub doc: String,
    /// Frame.
    pub frame: String,
    /// `false_positive`, `false_negative` or `stance`.
    pub kind: &'static str,
    /// Gold stance, if gold has the pair.
    pub gold: Option<Stance>,
    /// Predicted stance, if predicted.
    pub predicted: Option<Stance>,
}

/// The evaluation.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Per frame, sorted by id.
    pub frames: Vec<FrameScore>,
    /// All frames together (micro average).
    pub all: FrameScore,
    /// Disagreements, sorted.
    pub misses: Vec<Miss>,
    /// Gold documents that were not analysed.
    pub missing_docs: Vec<String>,
}

/// Compares predictions (`hits` over the analysed `docs`) with `gold`.
pub fn evaluate(gold: &Gold, docs: &[String], hits: &[FrameHitRow]) -> Evaluation {
    let analysed: BTreeSet<&str> = docs.iter().map(String::as_str).collect();
    let pred: BTreeMap<(String, String), Stance> = doc_frames(hits)
        .into_iter()
        .filter_map(|(k, c)| dominant(&c).map(|s| (k, s)))
        .collect();
    let gold_map: BTreeMap<(String, String), Stance> = gold
        .frames
        .iter()
        .map(|g| ((g.doc.clone(), g.frame.clone()), g.stance))
        .collect();
    let missing_docs: Vec<String> = gold
        .docs
        .iter()
        .filter(|d| !analysed.contains(d.as_str()))
        .cloned()
        .collect();
    let frames: BTreeSet<&str> = gold_map
        .keys()
        .chain(pred.keys())
        .map(|(_, f)| f.as_str())
        .collect();
    let mut out = Evaluation {
        missing_docs,
        all: FrameScore {
            frame: "all".into(),
            ..FrameScore::default()
        },
        ..Evaluation::default()
    };
    for f in frames {
        let mut s = FrameScore {
            frame: f.to_string(),
            ..FrameScore::default()
        };
        let keys: BTreeSet<&(String, String)> = gold_map
            .keys()
            .chain(pred.keys())
            .filter(|(_, ff)| ff == f)
            .collect();
        for k in keys {
            let (g, p) = (gold_map.get(k).copied(), pred.get(k).copied());
            s.gold += usize::from(g.is_some());
            s.predicted += usize::from(p.is_some());
            let kind = match (g, p) {
                (Some(g), Some(p)) => {
                    s.matched += 1;
                    if g == p {
                        s.stance_agree += 1;
                        None
                    } else {
                        Some("stance")
                    }
                }
                (Some(_), None) => Some("false_negative"),
                (None, Some(_)) => Some("false_positive"),
                (None, None) => None,
            };
            if let Some(kind) = kind {
                out.misses.push(Miss {
                    doc: k.0.clone(),
                    frame: k.1.clone(),
                    kind,
                    gold: g,
                    predicted: p,
                });
            }
        }
        out.all.gold += s.gold;
        out.all.predicted += s.predicted;
        out.all.matched += s.matched;
        out.all.stance_agree += s.stance_agree;
        out.frames.push(s);
    }
    out.misses
        .sort_by(|a, b| (&a.doc, &a.frame).cmp(&(&b.doc, &b.frame)));
    out
}

impl Evaluation {
    /// Mean F1 over frames that have gold pairs (macro average).
    pub fn macro_f1(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .frames
            .iter()
            .filter(|s| s.gold > 0)
            .filter_map(FrameScore::f1)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// A plain-text table for people.
    pub fn to_text(&self, errors: bool) -> String {
        use std::fmt::Write as _;
        let pct = |x: Option<f64>| x.map_or("    -".to_string(), |v| format!("{v:5.3}"));
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<24} {:>4} {:>4} {:>4}  {:>5} {:>5} {:>5}  {:>6}",
            "frame", "gold", "pred", "tp", "P", "R", "F1", "stance"
        );
        for f in self.frames.iter().chain(std::iter::once(&self.all)) {
            let _ = writeln!(
                s,
                "{:<24} {:>4} {:>4} {:>4}  {} {} {}  {} ({}/{})",
                f.frame,
                f.gold,
                f.predicted,
                f.matched,
                pct(f.precision()),
                pct(f.recall()),
                pct(f.f1()),
                pct(f.stance_agreement()),
                f.stance_agree,
                f.matched
            );
        }
        let _ = writeln!(s, "macro F1 (frames with gold): {}", pct(self.macro_f1()));
        for d in &self.missing_docs {
            let _ = writeln!(s, "warning: gold document {d} was not analysed");
        }
        if errors {
            for m in &self.misses {
                let st = |x: Option<Stance>| x.map_or("-", Stance::as_str);
                let _ = writeln!(
                    s,
                    "{:<15} {:<40} {:<24} gold {:<9} predicted {}",
                    m.kind,
                    m.doc,
                    m.frame,
                    st(m.gold),
                    st(m.predicted)
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(doc: &str, frame: &str, stance: &str) -> FrameHitRow {
        FrameHitRow {
            doc: doc.into(),
            frame: frame.into(),
            stance: stance.into(),
            ..FrameHitRow::default()
        }
    }

    #[test]
    fn dominant_stance_rule() {
        use Stance::*;
        for (c, want) in [
            ([2, 1, 0, 0], Some(Asserted)),
            ([1, 2, 0, 0], Some(Reported)),
            ([1, 1, 0, 0], Some(Asserted)),
            ([3, 3, 1, 0], Some(Doubted)),
            ([0, 1, 0, 1], Some(Negated)),
            ([0, 0, 1, 1], Some(Doubted)),
            ([0, 0, 1, 2], Some(Negated)),
            ([0, 0, 0, 0], None),
        ] {
            assert_eq!(dominant(&c), want, "{c:?}");
        }
    }

    #[test]
    fn scores_pairs_and_stances() {
        let gold = parse_gold(
            "doc,frame,stance,note\na,x,asserted,\na,y,reported,\nb,x,doubted,\n",
            Path::new("g.csv"),
        )
        .unwrap();
        let hits = [
            hit("a", "x", "asserted"),
            hit("a", "x", "reported"),
            hit("b", "x", "reported"),
            hit("c", "y", "asserted"),
        ];
        let docs = ["a", "b", "c"].map(String::from);
        let e = evaluate(&gold, &docs, &hits);
        let x = &e.frames[0];
        assert_eq!(
            (x.gold, x.predicted, x.matched, x.stance_agree),
            (2, 2, 2, 1)
        );
        let y = &e.frames[1];
        assert_eq!((y.gold, y.predicted, y.matched), (1, 1, 0));
        assert_eq!(e.all.f1(), Some(2.0 * 2.0 / 6.0));
        assert_eq!(e.misses.len(), 3);
    }

    #[test]
    fn none_rows_label_documents_without_frames() {
        let gold = parse_gold(
            "doc,frame,stance,evidence,note\na,x,asserted,,\nb,none,na,\"ev, with comma\",\n",
            Path::new("g.csv"),
        )
        .unwrap();
        assert_eq!(gold.frames.len(), 1);
        assert_eq!(gold.docs.iter().collect::<Vec<_>>(), ["a", "b"]);
        // A frame found in b is a false positive; b is not a missing document.
        let docs = ["a", "b"].map(String::from);
        let e = evaluate(
            &gold,
            &docs,
            &[hit("a", "x", "asserted"), hit("b", "x", "reported")],
        );
        assert_eq!((e.all.gold, e.all.predicted, e.all.matched), (1, 2, 1));
        assert!(e.missing_docs.is_empty());
        // b labelled but not analysed.
        let e = evaluate(&gold, &docs[..1], &[]);
        assert_eq!(e.missing_docs, ["b"]);
        for (text, want) in [
            (
                "doc,frame,stance\na,none,asserted\n",
                "g.csv:2: frame `none` takes stance `na`",
            ),
            ("doc,frame,stance\na,x,na\n", "g.csv:2: stance `na` is not"),
            (
                "doc,frame,stance\na,x,asserted\na,none,na\n",
                "g.csv:3: a is labelled `none`",
            ),
            (
                "doc,frame,stance\na,none,na\na,x,asserted\n",
                "g.csv:3: a has a frame but line 2",
            ),
        ] {
            let e = parse_gold(text, Path::new("g.csv"))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(want), "{text}: {e}");
        }
    }

    #[test]
    fn gold_errors_name_the_line() {
        let e = parse_gold(
            "doc,frame,stance\na,x,asserted\nb,x,maybe\n",
            Path::new("g.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("g.csv:3:"), "{e}");
        let e = parse_gold("doc,stance\n", Path::new("g.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `frame` column"), "{e}");
    }
}
