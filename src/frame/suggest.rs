//! Candidate cue phrases for a frame (`shiten frames suggest`): words and short phrases
//! that the sentences explaining a cause use more than the rest of the corpus does.
//!
//! Input: body sentences, each reduced to its distinct phrases ([`phrases`]: a content
//! word, or two or three consecutive tokens from one content word to another, such as
//! 不正に入手 or 他社サービス) and the frames it has hits of; [`Counts`] folds them one
//! document at a time. For each frame two sets of sentences are compared with the
//! *background* (the body sentences neither in nor next to a hit of the frame):
//! - **hit**: the sentences with a hit of the frame: the words a cue keeps company with;
//! - **next**: the body sentences right before or after a hit, in the same paragraph,
//!   without a hit of their own: where an explanation the lexicon does not know yet often
//!   continues (「…と語った。同じパスワードをほかで使ったことはない。」).
//!
//! A phrase's score is Dunning's log-likelihood ratio G² of its 2×2 table (in the set or
//! not × holds the phrase or not), kept only when the phrase is over-represented in the
//! set, occurs in at least two of its sentences and in at least `min_docs` documents (a
//! wording of one author is not a pattern), with G² at least 3.84 (the 5% level of a
//! chi-square with one degree of freedom). `known` says whether the frame's cues already
//! match the phrase by themselves, so that a user writing a lexicon sees the new ones.

use std::collections::{BTreeMap, HashMap};

use super::Lexicon;
use super::fold::fold_str;
use crate::intern::Interner;
use crate::segment::Sentence;
use crate::tokenize::{NounKind, Pos, Token};

/// Which set of sentences a candidate was found over-represented in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Where {
    /// Sentences with a hit of the frame.
    Hit,
    /// Body sentences next to a hit (same paragraph), without one.
    Next,
}

impl Where {
    /// The name used in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Where::Hit => "hit",
            Where::Next => "next",
        }
    }
}

/// One body sentence, reduced to what suggestions need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentenceWords {
    /// The sentence (normalized text without line breaks), for examples.
    pub text: String,
    /// Its distinct phrases.
    pub phrases: Vec<String>,
    /// Frames (lexicon indices) with a hit in this sentence.
    pub hit: Vec<usize>,
    /// Frames with a hit in an adjacent body sentence of the paragraph, not in this one.
    pub next: Vec<usize>,
}

/// Whether a token may start or end a phrase: a content word.
fn is_content(t: &Token, surface: &str) -> bool {
    let kana_only = surface
        .chars()
        .all(|c| ('\u{3041}'..='\u{309F}').contains(&c));
    match t.pos {
        Pos::Noun(NounKind::Number | NounKind::Dependent | NounKind::Pronoun) => false,
        Pos::Noun(NounKind::Suffix) => false,
        Pos::Noun(_) | Pos::Unknown => !surface.chars().all(|c| c.is_ascii_punctuation()),
        // Verbs and adjectives in kana of one or two characters are grammar (し, いる, ない).
        Pos::Verb | Pos::Adjective => !(kana_only && surface.chars().count() <= 2),
        _ => false,
    }
}

/// Whether a token may stand inside a phrase.
fn is_inner(t: &Token, surface: &str) -> bool {
    !matches!(t.pos, Pos::Symbol | Pos::Noun(NounKind::Number))
        && !surface
            .chars()
            .any(|c| c.is_whitespace() || "「」『』()（）、。".contains(c))
}

/// The distinct phrases of a sentence's tokens (`text` is the normalized text the tokens
/// point into): every noun of two or more characters, and every run of two or three
/// tokens that starts with a content word (noun, verb, adjective) and ends with one or
/// with a suffix (リスト + 型, 不正 + に + 入手), with nothing but words and particles
/// inside.
pub fn phrases(text: &str, tokens: &[Token]) -> Vec<String> {
    let surf: Vec<&str> = tokens.iter().map(|t| t.surface(text)).collect();
    let mut out: Vec<String> = Vec::new();
    for i in 0..tokens.len() {
        if !is_content(&tokens[i], surf[i]) || !is_inner(&tokens[i], surf[i]) {
            continue;
        }
        // Alone, only nouns of two or more characters: an inflected verb (受け, 行わ) says
        // little without its object.
        let one = surf[i];
        if matches!(tokens[i].pos, Pos::Noun(_) | Pos::Unknown) && one.chars().count() >= 2 {
            out.push(one.to_string());
        }
        let mut phrase = one.to_string();
        for j in i + 1..(i + 3).min(tokens.len()) {
            if !is_inner(&tokens[j], surf[j]) {
                break;
            }
            phrase.push_str(surf[j]);
            let ends = is_content(&tokens[j], surf[j])
                || matches!(tokens[j].pos, Pos::Noun(NounKind::Suffix));
            if ends && phrase.chars().count() <= 12 {
                out.push(phrase.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The body sentences of a document (normalized `text`, its `sentences` and `tokens`)
/// with their phrases and the frames the lexicon finds in and next to each.
pub fn sentence_words(
    lexicon: &Lexicon,
    text: &str,
    sentences: &[Sentence],
    tokens: &[Token],
) -> Vec<SentenceWords> {
    let hits = lexicon.find_frames(text, sentences);
    let blocks = super::paragraphs(text, sentences);
    let body: Vec<usize> = (0..sentences.len())
        .filter(|&i| blocks[i].is_some())
        .collect();
    let frames_of = |i: usize| -> Vec<usize> {
        let mut v: Vec<usize> = hits
            .iter()
            .filter(|h| h.sentence == i)
            .map(|h| h.frame)
            .collect();
        v.dedup();
        v
    };
    body.iter()
        .enumerate()
        .map(|(k, &i)| {
            let r = sentences[i].range.clone();
            let a = tokens.partition_point(|t| (t.start as usize) < r.start);
            let b = tokens.partition_point(|t| (t.start as usize) < r.end);
            let hit = frames_of(i);
            let mut next: Vec<usize> = [k.checked_sub(1), Some(k + 1)]
                .into_iter()
                .flatten()
                .filter_map(|j| body.get(j).copied())
                .filter(|&j| blocks[j] == blocks[i])
                .flat_map(frames_of)
                .filter(|f| !hit.contains(f))
                .collect();
            next.sort_unstable();
            next.dedup();
            SentenceWords {
                // Line breaks of hard-wrapped text dropped, for one-line examples.
                text: text[r]
                    .split(['\n', '\r'])
                    .map(str::trim)
                    .collect::<String>(),
                phrases: phrases(text, &tokens[a..b]),
                hit,
                next,
            }
        })
        .collect()
}

/// A phrase's counts in one frame's sets.
#[derive(Debug, Clone, Default)]
struct InFrame {
    /// Sentences of the set holding the phrase.
    n: [u32; 2],
    /// Distinct documents of those sentences, and the last one counted.
    docs: [u32; 2],
    last_doc: [Option<u32>; 2],
    /// Up to two examples (document, sentence), from different documents when possible.
    examples: [Vec<(u32, u32)>; 2],
}

/// Phrase counts over a corpus, folded one document at a time.
#[derive(Debug, Default)]
pub struct Counts {
    phrases: Interner,
    /// Body sentences holding each phrase.
    total: Vec<u32>,
    /// Per frame: counts of the phrases met in its sets.
    frames: Vec<HashMap<u32, InFrame>>,
    /// Per frame: sizes of its hit and next sets.
    set_sizes: Vec<[u32; 2]>,
    /// Body sentences.
    sentences: u32,
    /// Document names.
    docs: Vec<String>,
    /// Example sentences kept.
    texts: Vec<String>,
}

impl Counts {
    /// Empty counts for a lexicon of `frames` frames.
    pub fn new(frames: usize) -> Counts {
        Counts {
            frames: vec![HashMap::new(); frames],
            set_sizes: vec![[0, 0]; frames],
            ..Counts::default()
        }
    }

    /// Adds one document's body sentences.
    pub fn add_doc(&mut self, doc: &str, sentences: &[SentenceWords]) {
        let d = self.docs.len() as u32;
        self.docs.push(doc.to_string());
        for s in sentences {
            self.sentences += 1;
            let ids: Vec<u32> = s.phrases.iter().map(|p| self.phrases.intern(p)).collect();
            for &k in &ids {
                if k as usize >= self.total.len() {
                    self.total.resize(k as usize + 1, 0);
                }
                self.total[k as usize] += 1;
            }
            let mut text_id: Option<u32> = None;
            for (w, frames) in [(Where::Hit, &s.hit), (Where::Next, &s.next)] {
                let wi = w as usize;
                for &f in frames {
                    let Some(counts) = self.frames.get_mut(f) else {
                        continue;
                    };
                    self.set_sizes[f][wi] += 1;
                    for &k in &ids {
                        let c = counts.entry(k).or_default();
                        c.n[wi] += 1;
                        if c.last_doc[wi] != Some(d) {
                            c.last_doc[wi] = Some(d);
                            c.docs[wi] += 1;
                            let ex = &mut c.examples[wi];
                            if ex.len() < 2 {
                                let t = *text_id.get_or_insert_with(|| {
                                    self.texts.push(s.text.clone());
                                    (self.texts.len() - 1) as u32
                                });
                                ex.push((d, t));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Dunning's log-likelihood ratio G² of the 2×2 table [[a, b], [c, d]].
pub fn log_likelihood(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    if n <= 0.0 {
        return 0.0;
    }
    let term = |o: f64, row: f64, col: f64| {
        let e = row * col / n;
        if o > 0.0 && e > 0.0 {
            o * (o / e).ln()
        } else {
            0.0
        }
    };
    2.0 * (term(a, a + b, a + c)
        + term(b, a + b, b + d)
        + term(c, c + d, a + c)
        + term(d, c + d, b + d))
}

/// One suggested cue phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Frame id.
    pub frame: String,
    /// The phrase (normalized text).
    pub phrase: String,
    /// Where it is over-represented.
    pub place: Where,
    /// G² against the background.
    pub score: f64,
    /// Sentences of the set holding it, and the set's size.
    pub in_set: (u32, u32),
    /// Background sentences holding it, and the background's size.
    pub elsewhere: (u32, u32),
    /// Documents of the set's sentences holding it.
    pub docs: u32,
    /// Whether the frame's cues already match the phrase by themselves.
    pub known: bool,
    /// Up to two (document, sentence) examples.
    pub examples: Vec<(String, String)>,
}

/// Options of [`Counts::rank`].
#[derive(Debug, Clone)]
pub struct RankOptions {
    /// Only this frame (by id); all when `None`.
    pub frame: Option<String>,
    /// Candidates per frame.
    pub top: usize,
    /// Documents a phrase must occur in (within the set).
    pub min_docs: u32,
    /// Lowest G² kept (3.84: over-represented at the 5% level, one degree of freedom).
    pub min_score: f64,
}

impl Default for RankOptions {
    fn default() -> Self {
        RankOptions {
            frame: None,
            top: 20,
            min_docs: 2,
            min_score: 3.84,
        }
    }
}

impl Counts {
    /// The best candidates of each frame, best first: by G², then by the sentences of the
    /// set holding it; a phrase found in both sets keeps its better place. Phrases inside a
    /// longer candidate with the same counts give way to it (不正 inside 不正に入手, when
    /// every sentence with one has the other).
    pub fn rank(&self, lexicon: &Lexicon, opts: &RankOptions) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (fi, frame) in lexicon.frames.iter().enumerate() {
            if opts.frame.as_deref().is_some_and(|f| f != frame.id) {
                continue;
            }
            let Some(counts) = self.frames.get(fi) else {
                continue;
            };
            let [n_hit, n_next] = self.set_sizes[fi];
            let background = self.sentences.saturating_sub(n_hit + n_next);
            let mut best: BTreeMap<u32, Candidate> = BTreeMap::new();
            for (&k, c) in counts {
                let total = self.total[k as usize];
                let elsewhere = total.saturating_sub(c.n[0] + c.n[1]);
                for (wi, place) in [(0, Where::Hit), (1, Where::Next)] {
                    let (a, set) = (c.n[wi], [n_hit, n_next][wi]);
                    if a < 2 || c.docs[wi] < opts.min_docs || set == 0 {
                        continue;
                    }
                    let (b, bg) = (elsewhere, background);
                    // Over-represented: a/set > b/bg (cross-multiplied; an empty
                    // background counts as none).
                    if u64::from(a) * u64::from(bg.max(1)) <= u64::from(b) * u64::from(set) {
                        continue;
                    }
                    let score = log_likelihood(
                        f64::from(a),
                        f64::from(set - a),
                        f64::from(b),
                        f64::from(bg.saturating_sub(b)),
                    );
                    if score < opts.min_score {
                        continue;
                    }
                    let cand = Candidate {
                        frame: frame.id.clone(),
                        phrase: self.phrases.get(k).to_string(),
                        place,
                        score,
                        in_set: (a, set),
                        elsewhere: (b, bg),
                        docs: c.docs[wi],
                        known: false,
                        examples: c.examples[wi]
                            .iter()
                            .map(|&(d, t)| {
                                (
                                    self.docs[d as usize].clone(),
                                    self.texts[t as usize].clone(),
                                )
                            })
                            .collect(),
                    };
                    match best.get(&k) {
                        Some(old) if old.score >= cand.score => {}
                        _ => {
                            best.insert(k, cand);
                        }
                    }
                }
            }
            let mut cands: Vec<Candidate> = best.into_values().collect();
            // A phrase inside a longer candidate with the same counts gives way to it.
            let same: Vec<bool> = cands
                .iter()
                .map(|c| {
                    cands.iter().any(|o| {
                        o.phrase.len() > c.phrase.len()
                            && o.phrase.contains(&c.phrase)
                            && o.place == c.place
                            && o.in_set == c.in_set
                            && o.elsewhere == c.elsewhere
                    })
                })
                .collect();
            let mut keep = same.iter().map(|s| !s);
            cands.retain(|_| keep.next().unwrap_or(true));
            cands.sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(b.in_set.0.cmp(&a.in_set.0))
                    .then(a.phrase.cmp(&b.phrase))
            });
            cands.truncate(opts.top);
            for c in &mut cands {
                let folded = fold_str(&c.phrase);
                c.known = frame
                    .cue_sets
                    .iter()
                    .any(|s| s.cues.find(&folded).is_some());
            }
            out.extend(cands);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn lexicon() -> Lexicon {
        Lexicon::parse(
            r#"
[stance]
[[frame]]
id = "list_based_attack"
[[frame.cues]]
match = ["リスト型"]
[[frame]]
id = "two_factor_auth"
[[frame.cues]]
match = ["二段階認証"]
"#,
            Path::new("frames.toml"),
        )
        .unwrap()
    }

    fn s(text: &str, phrases: &[&str], hit: &[usize], next: &[usize]) -> SentenceWords {
        SentenceWords {
            text: text.into(),
            phrases: phrases.iter().map(|p| p.to_string()).collect(),
            hit: hit.to_vec(),
            next: next.to_vec(),
        }
    }

    #[test]
    fn log_likelihood_matches_hand_computation() {
        // [[10, 0], [0, 10]]: every observed cell is twice its expectation.
        let g = log_likelihood(10.0, 0.0, 0.0, 10.0);
        assert!((g - 2.0 * 20.0 * 2f64.ln()).abs() < 1e-9, "{g}");
        // Independence gives 0.
        assert!(log_likelihood(5.0, 5.0, 5.0, 5.0).abs() < 1e-12);
        assert_eq!(log_likelihood(0.0, 0.0, 0.0, 0.0), 0.0);
    }

    #[test]
    fn ranks_over_represented_phrases_with_examples() {
        let lx = lexicon();
        let mut c = Counts::new(lx.frames.len());
        // 入手 goes with the list-based frame in two documents; 被害 is everywhere.
        c.add_doc(
            "a.txt",
            &[
                s(
                    "他社から入手したIDでリスト型攻撃",
                    &["入手", "リスト型", "被害"],
                    &[0],
                    &[],
                ),
                s("使い回しはしていない", &["使い回し"], &[], &[0]),
                s("被害は900人", &["被害"], &[], &[]),
            ],
        );
        c.add_doc(
            "b.txt",
            &[
                s(
                    "不正に入手したパスワードでリスト型",
                    &["入手", "リスト型", "被害"],
                    &[0],
                    &[],
                ),
                s("パスワードの使い回しはない", &["使い回し"], &[], &[0]),
                s("被害が広がった", &["被害"], &[], &[]),
                s("二段階認証がなかった", &["二段階認証", "被害"], &[1], &[]),
            ],
        );
        for k in 0..6 {
            c.add_doc(&format!("z{k}.txt"), &[s("被害の話", &["被害"], &[], &[])]);
        }
        let got = c.rank(
            &lx,
            &RankOptions {
                frame: Some("list_based_attack".into()),
                ..RankOptions::default()
            },
        );
        let names: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|c| (c.phrase.as_str(), c.place.as_str(), c.known))
            .collect();
        // 入手 and リスト型 have the same counts; 使い回し is over-represented next to hits;
        // 被害 is in every sentence, hit or not: no candidate.
        assert!(names.contains(&("入手", "hit", false)), "{names:?}");
        assert!(!names.iter().any(|n| n.0 == "被害"), "{names:?}");
        assert!(names.contains(&("リスト型", "hit", true)), "{names:?}");
        assert!(names.contains(&("使い回し", "next", false)), "{names:?}");
        let nyu = got.iter().find(|c| c.phrase == "入手").unwrap();
        assert_eq!(nyu.in_set, (2, 2));
        assert_eq!(nyu.docs, 2);
        assert_eq!(
            nyu.examples,
            [
                (
                    "a.txt".to_string(),
                    "他社から入手したIDでリスト型攻撃".to_string()
                ),
                (
                    "b.txt".to_string(),
                    "不正に入手したパスワードでリスト型".to_string()
                )
            ]
        );
        assert!(got.iter().all(|c| c.frame == "list_based_attack"));
        // Best first.
        assert!(got.windows(2).all(|w| w[0].score >= w[1].score));
        // One document is not enough.
        let one = c.rank(
            &lx,
            &RankOptions {
                frame: Some("two_factor_auth".into()),
                ..RankOptions::default()
            },
        );
        assert!(one.is_empty(), "{one:?}");
    }

    #[test]
    fn shorter_phrases_give_way_to_longer_ones_with_the_same_counts() {
        let lx = lexicon();
        let mut c = Counts::new(lx.frames.len());
        for d in ["a", "b"] {
            c.add_doc(d, &[s("x", &["不正", "不正に入手"], &[0], &[])]);
        }
        for k in 0..6 {
            c.add_doc(&format!("z{k}"), &[s("y", &["その他"], &[], &[])]);
        }
        let got = c.rank(&lx, &RankOptions::default());
        let names: Vec<&str> = got.iter().map(|c| c.phrase.as_str()).collect();
        assert_eq!(names, ["不正に入手"]);
    }
}
