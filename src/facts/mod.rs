//! Stage 5c: money and count mentions -> [`Fact`]s: what each figure measures (victims,
//! damage amount, registered users, ...), as of when, and about whom.
//!
//! Takes one document's normalized text, sentences, tokens, entities and its mention rows
//! (money and count figures, dates); gives one [`Fact`] per figure bound to a measure of
//! `dictionaries/measures.toml` ([`Measures`]). Only body sentences are read: a banner's
//! price is not news. [`figures()`] then compares the facts of all sources.
//!
//! # Binding a figure to a measure
//!
//! A figure is bound through its **head**, the word it quantifies, and only to a measure
//! whose units fit the figure (money ↔ `JPY`; counts ↔ `person`, `account`, ...). Figures
//! listed together (「約900人、約5500万円」, 「808 人 / 38,615,473 円」) share their head, each
//! taking the measure its unit fits. In order:
//!
//! 1. **Forward**: what follows the figure. 「N の X」 (「約5500万円の被害」,
//!    「約150万強の登録」) or N directly before a noun (「3000円チャージ」): X is the head.
//!    「N を/が/に … verb」: the words up to the first verb are the head
//!    (「約900人が約5500万円の被害に遭った」, 「1万円以上をチャージし」, 「2人を…逮捕」).
//!    Comparison verbs are looked through (「150万を超える登録」).
//! 2. **Backward**: the noun right before the figure (「被害808人」, 「全会員約1650万人」,
//!    「お客様：約900人」, a headline's 「被害、808人に」) or the topic of the clause
//!    (「被害者は808人」, 「7iDの登録者数は1280万人」), skipping dates, as-of words and
//!    particles in between (「登録者は3日までに約150万人」); in a cleft the clause before
//!    のは (「不正アクセスを受けたのは約2000アカウント」).
//! 3. A head that is a **generic** quantity noun (人数, 金額, お客様: `generic_heads`) takes
//!    the nearest fitting cue of the sentence (「不正アクセスが疑われる人数と金額は…約900人・
//!    約5500万円」), else the last of the sentence before (「被害額は…。当初の推計（約900人、
//!    約5500万円）を下回った」).
//! 4. A figure opening a **list item** with no head of its own takes its cue from the heading
//!    that governs the list (「2.被害について:」 then 「・ 808 人 / 38,615,473 円」).
//!
//! In a noun head the cue must be the head word (last, give or take 数, 額, 基盤: 会員数),
//! and may reach back into the clause that modifies it (「被害を受けた利用者は約1200人」 is
//! victims, not users), so 「46万件の会員情報」 counts no members. Two sentences read as one
//! when a list is broken by 。 (「…で808人。3860万円の被害が出ました。」).
//!
//! A head that is some other noun or verb **governs** the figure, which then measures
//! nothing we know: 「1650万人のパスワード」, 「日本の人口（約1億2600万人）」, 「1万円以上を…
//! 利用した取引」. That is what keeps 「1日に1万円以上をチャージ」 and 「登録者は150万人」 from
//! ever becoming victims or damage. Within a head the longest fitting cue wins, and a longer
//! cue that does not fit gives way to a shorter one inside it (「被害額は808人」 → 被害 →
//! victims).
//!
//! Further rules: figures in a hypothetical sentence (仮に, `hypothetical`) and rates
//! (「1人あたり」, money with `per`) are not bound; a figure after a per-day duration
//! (「1日に1万円以上」, 「1日利用者2400万人」) is bound with `per` added to its qualifier. A
//! telegraphic line (a headline or list item, no 。) that binds a value the body of the same
//! article binds to another measure gives way to the body (a headline's 「10万円の不正利用」
//! is one purchase, which the body calls 「10万円のチャージ」).
//!
//! # As-of time
//!
//! In order: an as-of date of the sentence (「7月31日17時現在」, 「4日時点」: qualifier
//! `as_of`), else a date ending a period (「7月3日までに」: `upper`), else another exact day
//! in the sentence (「同社は7月4日の会見で」), nearest to the figure in each tier
//! (`as_of_basis = text`); else the as-of date of the heading governing a list
//! (`heading`); else nothing when the figure is marked as given earlier (「当初の約5500万
//! 円」: `earlier`); else the publication date, given or inferred, when it is known to the
//! day (`published`; a date inferred only to the month, `2019-07`, would make every July
//! figure "the same time" as any other); else none (`none`).
//!
//! # Subject
//!
//! Measures with `subject = "document"` (victims, damage) take the product named last before
//! the figure in its sentence (「7payの被害は…」), else the product the article is mostly
//! about (else its main organisation). `subject = "sentence"` measures (registered users)
//! take the product or organisation named nearest the figure, else the topic product of the
//! paragraph (「7iDは、…。会員数は約1650万人に上る。」) or the last product of the sentence
//! before, so 7iD's 1280万人 and 7pay's 150万 registrations are compared separately.

pub mod figures;
mod measures;

use std::collections::HashMap;
use std::ops::Range;

pub use figures::{FigureAcc, enters_figures, figures};
pub use measures::{Cue, MEASURES_FILE, Measure, Measures, SubjectMode};

use crate::calendar::Date;
use crate::dating::Dated;
use crate::entities::{Entity, EntityType};
use crate::incident::{DocIncidents, Incidents};
use crate::normalize::NormalizedText;
use crate::output::rows::MentionRow;
use crate::segment::Sentence;
use crate::tokenize::{NounKind, Pos, Token};

/// A mention located in the normalized text.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The mention row (original offsets, kind, value, unit, ...).
    pub row: &'a MentionRow,
    /// Byte range of the normalized text.
    pub range: Range<usize>,
    /// Index of the sentence holding its start.
    pub sentence: usize,
}

/// Where a fact's as-of time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOfBasis {
    /// An as-of expression or date in the figure's sentence.
    Text,
    /// The as-of expression of the heading governing the figure's list.
    Heading,
    /// The figure was given before the article (当初の); time unknown.
    Earlier,
    /// The article's publication date.
    Published,
    /// Nothing to go by.
    None,
}

impl AsOfBasis {
    /// The name written to `facts.as_of_basis`.
    pub fn as_str(self) -> &'static str {
        match self {
            AsOfBasis::Text => "text",
            AsOfBasis::Heading => "heading",
            AsOfBasis::Earlier => "earlier",
            AsOfBasis::Published => "published",
            AsOfBasis::None => "none",
        }
    }
}

/// A figure bound to a measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// Index into the mentions given to [`bind`].
    pub mention: usize,
    /// Index into [`Measures::measures`].
    pub measure: usize,
    /// The cue that bound it, as written in the dictionary.
    pub cue: String,
    /// As-of time, ISO.
    pub as_of: Option<String>,
    /// Where `as_of` came from.
    pub as_of_basis: AsOfBasis,
    /// Canonical name of the product or organisation the figure is about.
    pub subject: Option<String>,
    /// The incident it is a figure of (index into [`Incidents::incidents`]); `None` for a
    /// figure about more than an incident (a national statistic) or in an article on none.
    pub incident: Option<usize>,
    /// Whether the figure is a rate (after a per-day duration).
    pub per: bool,
    /// Whether a word after the figure hedges it (「900人規模」) though its surface does not.
    pub hedged: bool,
    /// Sentence index.
    pub sentence: usize,
}

/// One document, as the binder reads it.
pub struct DocView<'a> {
    /// Normalized text.
    pub text: &'a str,
    /// Sentences.
    pub sentences: &'a [Sentence],
    /// Tokens, in order.
    pub tokens: &'a [Token],
    /// Mentions with normalized ranges, sorted by start.
    pub mentions: &'a [Located<'a>],
    /// Entities, sorted by start.
    pub entities: &'a [Entity],
    /// Publication day, when known to the day (given or inferred): the as-of time of
    /// figures whose text gives none. A date known only to the month is no as-of time.
    pub published: Option<Date>,
    /// The incident list.
    pub incidents: &'a Incidents,
    /// The document's incidents and where they are named.
    pub found: &'a DocIncidents,
}

impl<'a> DocView<'a> {
    /// The mentions lying inside `r` (start and end), by binary search: the binder asks
    /// this once or more per figure, and a scan of the whole document each time made long
    /// documents quadratic (issue 16.2).
    fn mentions_in(&self, r: &Range<usize>) -> impl DoubleEndedIterator<Item = &Located<'a>> {
        let a = self.mentions.partition_point(|x| x.range.start < r.start);
        let b = self.mentions.partition_point(|x| x.range.start < r.end);
        let end = r.end;
        self.mentions[a..b.max(a)]
            .iter()
            .filter(move |x| x.range.end <= end)
    }

    /// The entities of type `ty` lying inside `r`, by binary search (entities are sorted).
    fn entities_in(
        &self,
        r: &Range<usize>,
        ty: EntityType,
    ) -> impl DoubleEndedIterator<Item = &'a Entity> + use<'a> {
        let ents: &'a [Entity] = self.entities;
        let a = ents.partition_point(|e| e.range.start < r.start);
        let b = ents.partition_point(|e| e.range.start < r.end);
        let end = r.end;
        ents[a..b.max(a)]
            .iter()
            .filter(move |e| e.entity_type == ty && e.range.end <= end)
    }
}

/// What the binder looks up across a whole document, indexed once so that each lookup
/// costs a binary search instead of a scan of the text or of all entities.
struct DocIndex {
    /// Byte offset of each line start.
    line_starts: Vec<usize>,
    /// Byte offset of each line that follows a blank line.
    after_blank: Vec<usize>,
    /// For each entity, the index of the last paragraph-topic product (「7iDは」) at or
    /// before it.
    last_topic: Vec<Option<usize>>,
}

impl DocIndex {
    fn new(v: &DocView<'_>) -> DocIndex {
        let mut line_starts = vec![0];
        let mut after_blank = Vec::new();
        let mut line_start = 0;
        for (i, b) in v.text.bytes().enumerate() {
            if b == b'\n' {
                if v.text[line_start..i].trim().is_empty() {
                    after_blank.push(i + 1);
                }
                line_start = i + 1;
                line_starts.push(line_start);
            }
        }
        let mut last = None;
        let last_topic = v
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let topic = e.entity_type == EntityType::Product
                    && v.text[e.range.end..]
                        .trim_start_matches(['」', '』', ' '])
                        .starts_with(['は', 'も']);
                if topic {
                    last = Some(i);
                }
                last
            })
            .collect();
        DocIndex {
            line_starts,
            after_blank,
            last_topic,
        }
    }

    /// Start of the paragraph holding byte `at`, as the binder has always read it: the
    /// first line after the last blank line before `at`'s line (0 without one), moved on
    /// by the part of `at`'s line before `at`.
    fn paragraph_start(&self, at: usize) -> usize {
        let line = self.line_starts[self.line_starts.partition_point(|&s| s <= at) - 1];
        let k = self.after_blank.partition_point(|&s| s <= line);
        match k.checked_sub(1) {
            Some(k) => self.after_blank[k] + (at - line),
            None => 0,
        }
    }
}

/// Locates mention rows (original offsets) in the normalized text. Rows that cannot be
/// located (offsets outside the text) are left out.
pub fn locate<'a>(
    rows: &'a [MentionRow],
    orig: &str,
    norm: &NormalizedText,
    sentences: &[Sentence],
) -> Vec<Located<'a>> {
    // The first character boundary of the normalized text whose mapped position passes
    // `ok`: the maps are monotonic, so a binary search over byte positions, moved on to
    // the next boundary (a table of every boundary cost 8 bytes per character: 128 MB
    // for a 16 MB text).
    let text = norm.text.as_str();
    let first_boundary = |ok: &dyn Fn(usize) -> bool| -> Option<usize> {
        let (mut lo, mut hi) = (0, text.len() + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if ok(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        (lo..=text.len()).find(|&p| text.is_char_boundary(p))
    };
    let mut out: Vec<Located<'a>> = rows
        .iter()
        .filter_map(|row| {
            let (os, oe) = (
                usize::try_from(row.offsets.byte_start).ok()?,
                usize::try_from(row.offsets.byte_end).ok()?,
            );
            if os >= oe || oe > orig.len() {
                return None;
            }
            let s = first_boundary(&|p| norm.map.map_start(p) >= os)?;
            let e = first_boundary(&|p| norm.map.map_end(p) >= oe)?;
            if s >= e {
                return None;
            }
            let sentence = sentences
                .partition_point(|x| x.range.end <= s)
                .min(sentences.len().saturating_sub(1));
            Some(Located {
                row,
                range: s..e,
                sentence,
            })
        })
        .collect();
    out.sort_by_key(|m| (m.range.start, m.range.end));
    out
}

fn is_figure(m: &MentionRow) -> bool {
    matches!(m.kind.as_str(), "money" | "count")
}

fn is_date(m: &MentionRow) -> bool {
    matches!(m.kind.as_str(), "date" | "datetime" | "relative_date")
}

/// One item of a sentence: a token, or a mention covering one or more tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Tok(usize),
    Men(usize),
}

struct Sent<'a, 'v> {
    v: &'v DocView<'a>,
    m: &'v Measures,
    /// Index of the (first) sentence.
    si: usize,
    /// Whether this is two sentences read as one (a list broken by 。: 「808人。3860万円の被害」).
    joined: bool,
    range: Range<usize>,
    items: Vec<Item>,
    /// Cue occurrences: (byte range, index into `m.cues`).
    cues: Vec<(Range<usize>, usize)>,
}

/// Particles after which the figure is the topic or a quotation (backward reading).
const COMPARISON_AFTER_WO: &[&str] = &[
    "突破",
    "超える",
    "超え",
    "超す",
    "上回る",
    "上回っ",
    "下回る",
    "下回っ",
];
const COMPARISON_AFTER_NI: &[&str] = &[
    "上る",
    "上っ",
    "上り",
    "のぼる",
    "のぼっ",
    "のぼり",
    "達する",
    "達し",
    "達",
];
/// Suffixes looked through after a figure (「900人規模の被害」, 「1650万人分の」).
const TRANSPARENT_SUFFIXES: &[&str] = &["規模", "分", "相当", "程度", "ほど", "余", "前後"];
/// Of those, the ones that hedge the figure.
const HEDGING_SUFFIXES: &[&str] = &["規模", "程度", "前後"];
/// Words skipped when looking back from a figure for its topic.
const BACKWARD_SKIP: &[&str] = &[
    "現在",
    "時点",
    "現時点",
    "平均",
    "合計",
    "全部",
    "その",
    "すでに",
    "既に",
    "実に",
    "最終",
    "最終的",
    "単純",
    "で",
    "に",
    "まで",
    "までに",
    "から",
    "にも",
];
/// Words between a per-day duration and the figure it makes a rate.
const RATE_WORDS: &[&str] = &[
    "あたり",
    "当たり",
    "平均",
    "最大",
    "最高",
    "最低",
    "約",
    "に",
    "の",
    "で",
    "は",
];
/// What may follow a cue at the end of a noun compound it heads.
const HEAD_SUFFIXES: &[&str] = &[
    "", "数", "総数", "人数", "件数", "額", "総額", "金額", "全体", "合計", "計", "等", "など",
    "ら", "基盤", "規模",
];
/// Words saying a figure was given before (当初の約5500万円), looked through backwards.
const EARLIER_WORDS: &[&str] = &["当初", "前回", "最初", "初期"];
/// Hedges and totals before a figure that the mention surface may leave out.
const HEDGES: &[&str] = &["約", "計", "計約", "およそ", "少なくとも", "総", "全"];

impl<'a, 'v> Sent<'a, 'v> {
    fn new(v: &'v DocView<'a>, m: &'v Measures, si: usize, joined: bool) -> Sent<'a, 'v> {
        let mut range = v.sentences[si].range.clone();
        if joined && let Some(next) = v.sentences.get(si + 1) {
            range.end = next.range.end;
        }
        let ta = v
            .tokens
            .partition_point(|t| (t.start as usize) < range.start);
        let tb = v.tokens.partition_point(|t| (t.start as usize) < range.end);
        let ma = v.mentions.partition_point(|x| x.range.end <= range.start);
        let mut items = Vec::new();
        let mut mi = ma;
        for ti in ta..tb {
            let t = &v.tokens[ti];
            while mi < v.mentions.len() && v.mentions[mi].range.end <= t.start as usize {
                mi += 1;
            }
            let overlapping = (mi..v.mentions.len())
                .take_while(|&k| v.mentions[k].range.start < t.end as usize)
                .find(|&k| v.mentions[k].range.end > t.start as usize);
            match overlapping {
                Some(k) => {
                    if items.last() != Some(&Item::Men(k)) {
                        items.push(Item::Men(k));
                    }
                }
                None => items.push(Item::Tok(ti)),
            }
        }
        let text = &v.text[range.clone()];
        let cues = m
            .cue_occurrences(text)
            .into_iter()
            .map(|(r, ci)| (range.start + r.start..range.start + r.end, ci))
            .collect();
        Sent {
            v,
            m,
            si,
            joined,
            range,
            items,
            cues,
        }
    }

    fn item_range(&self, k: usize) -> Range<usize> {
        match self.items[k] {
            Item::Tok(t) => self.v.tokens[t].range(),
            Item::Men(m) => self.v.mentions[m].range.clone(),
        }
    }

    fn surface(&self, k: usize) -> &'a str {
        let r = self.item_range(k);
        &self.v.text[r]
    }

    fn pos(&self, k: usize) -> Option<Pos> {
        match self.items[k] {
            Item::Tok(t) => Some(self.v.tokens[t].pos),
            Item::Men(_) => None,
        }
    }

    fn mention(&self, k: usize) -> Option<&'v Located<'a>> {
        match self.items[k] {
            Item::Men(m) => Some(&self.v.mentions[m]),
            Item::Tok(_) => None,
        }
    }

    fn is_noun(&self, k: usize) -> bool {
        let s = self.surface(k);
        matches!(self.pos(k), Some(Pos::Noun(n)) if n != NounKind::Dependent && n != NounKind::Number)
            && !is_punct(s)
            || matches!(self.pos(k), Some(Pos::Prefix))
            || s == "・"
    }

    fn gap(&self, a: usize, b: usize) -> &'a str {
        &self.v.text[a.min(b)..b.max(a)]
    }

    /// The noun compound starting at item `k` (forward).
    fn np_from(&self, k: usize) -> Option<Range<usize>> {
        let mut e = k;
        while e < self.items.len() && self.is_noun(e) && e - k < 6 {
            if e > k
                && !self
                    .gap(self.item_range(e - 1).end, self.item_range(e).start)
                    .is_empty()
            {
                break;
            }
            e += 1;
        }
        (e > k).then(|| self.item_range(k).start..self.item_range(e - 1).end)
    }

    /// The noun compound ending at item `k` (backward).
    fn np_to(&self, k: usize) -> Option<Range<usize>> {
        let mut s = k + 1;
        while s > 0 && self.is_noun(s - 1) && k + 1 - s < 6 {
            if s <= k
                && !self
                    .gap(self.item_range(s - 1).end, self.item_range(s).start)
                    .trim()
                    .is_empty()
            {
                break;
            }
            s -= 1;
        }
        (s <= k).then(|| self.item_range(s).start..self.item_range(k).end)
    }

    /// The best cue inside `r` fitting `unit`: longest, then rightmost (the head of a
    /// Japanese compound is its last word) or leftmost. In a noun `compound` the cue must
    /// be its head, the last word give or take a word for a count or a whole (被害者数,
    /// 会員基盤): 「被害対策チーム10人」 is no victim count, 「46万件の会員情報」 no member
    /// count.
    fn cue_in(
        &self,
        r: &Range<usize>,
        unit: Option<&str>,
        rightmost: bool,
        compound: bool,
    ) -> Option<(usize, usize)> {
        let mut best: Option<(&Range<usize>, usize, usize)> = None;
        for (cr, ci) in &self.cues {
            // In a compound the cue may reach back into the clause that modifies it
            // (「被害を受けた利用者」 heads 利用者).
            let starts_in = cr.start >= r.start || compound && cr.end > r.start;
            if !starts_in || cr.end > r.end || cr.start < self.range.start {
                continue;
            }
            if compound && !HEAD_SUFFIXES.contains(&&self.v.text[cr.end..r.end]) {
                continue;
            }
            let Some(mi) = self.m.fitting(*ci, unit) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((br, _, _)) => {
                    let (l, bl) = (cr.len(), br.len());
                    l > bl
                        || (l == bl
                            && if rightmost {
                                cr.start > br.start
                            } else {
                                cr.start < br.start
                            })
                }
            };
            if better {
                best = Some((cr, *ci, mi));
            }
        }
        best.map(|(_, ci, mi)| (ci, mi))
    }

    /// The fitting cue nearest the figure at `fig` in the sentence: preceding first.
    fn nearest_cue(&self, fig: &Range<usize>, unit: Option<&str>) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize, usize, usize)> = None; // (distance, -len, ci, mi)
        for (cr, ci) in &self.cues {
            let Some(mi) = self.m.fitting(*ci, unit) else {
                continue;
            };
            let d = if cr.end <= fig.start {
                fig.start - cr.end
            } else if cr.start >= fig.end {
                cr.start - fig.end + 100_000
            } else {
                continue;
            };
            let key = (d, usize::MAX - cr.len());
            if best.is_none_or(|b| key < (b.0, b.1)) {
                best = Some((key.0, key.1, *ci, mi));
            }
        }
        best.map(|b| (b.2, b.3))
    }

    fn is_generic(&self, r: &Range<usize>) -> bool {
        let s = self.v.text[r.clone()].trim_start_matches(['お', 'ご', '全', '総']);
        let full = &self.v.text[r.clone()];
        self.m.generic_heads.iter().any(|g| g == s || g == full)
    }
}

fn is_punct(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(
            c,
            '、' | '。'
                | ','
                | '.'
                | '・'
                | ':'
                | '：'
                | '('
                | ')'
                | '（'
                | '）'
                | '「'
                | '」'
                | '『'
                | '』'
                | '【'
                | '】'
                | '/'
                | '／'
                | '!'
                | '?'
                | '！'
                | '？'
                | '※'
                | '='
                | '＝'
                | '~'
                | '-'
                | '―'
                | '…'
                | '■'
                | '●'
                | '<'
                | '>'
                | '"'
                | '\''
        ) || c.is_whitespace()
    })
}

/// What the words around a figure say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Head {
    /// A noun the figure quantifies.
    Noun(Range<usize>),
    /// The words up to the verb the figure is an argument of; `object` when it is the
    /// object (を), which no topic can override.
    Predicate { range: Range<usize>, object: bool },
    /// Nothing (the figure is a predicate or stands alone).
    None,
}

/// How a figure got its measure, for choosing between the readings of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bound {
    measure: usize,
    cue: usize,
}

/// Whether `t` holds only list separators (、・/ and spaces).
fn is_separator(t: &str) -> bool {
    t.chars()
        .all(|c| matches!(c, '、' | ',' | '・' | '/' | '／' | '，') || c.is_whitespace())
}

/// Binds the figures of one document.
pub fn bind(v: &DocView<'_>, m: &Measures) -> Vec<Fact> {
    if m.measures.is_empty() {
        return Vec::new();
    }
    let dominant = dominant_subject(v);
    let index = DocIndex::new(v);
    let mut facts = Vec::new();
    let mut si = 0;
    while si < v.sentences.len() {
        if v.sentences[si].boilerplate {
            si += 1;
            continue;
        }
        let joined = broken_list(v, si);
        let s = Sent::new(v, m, si, joined);
        si += if joined { 2 } else { 1 };
        let stext = &v.text[s.range.clone()];
        if m.hypothetical.iter().any(|h| stext.contains(h.as_str())) {
            continue;
        }
        let sep = |t: &str| is_separator(t) || s.joined && t == "。";
        let figs: Vec<usize> = (0..s.items.len())
            .filter(|&k| s.mention(k).is_some_and(|x| is_figure(x.row)))
            .collect();
        // Lists: figures separated only by separators share their head.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for &k in &figs {
            if let Some(g) = groups.last_mut()
                && let Some(&last) = g.last()
                && (last + 1..k).all(|j| s.mention(j).is_none() && sep(s.surface(j)))
                && sep(s.gap(s.item_range(last).end, s.item_range(k).start).trim())
            {
                g.push(k);
                continue;
            }
            groups.push(vec![k]);
        }
        for g in &groups {
            let first = g[0];
            let last = *g.last().unwrap_or(&first);
            let fwd = forward_head(&s, last);
            // 「900人規模の被害」: 規模 hedges the figure the surface leaves it out of.
            let hedged = s
                .items
                .get(last + 1)
                .is_some_and(|_| HEDGING_SUFFIXES.contains(&s.surface(last + 1)));
            let bwd = backward_head(&s, first, matches!(fwd, Head::Noun(_)));
            for &k in g {
                let Item::Men(mi) = s.items[k] else { continue };
                let men = &v.mentions[mi];
                if men.row.qualifier.split('+').any(|q| q == "per") {
                    continue;
                }
                let unit = men.row.unit.as_deref();
                let Some((b, head_start)) = choose(&s, &fwd, &bwd, &men.range, unit, first) else {
                    continue;
                };
                let per = after_rate(&s, &men.range)
                    || head_start.is_some_and(|h| after_rate(&s, &(h..h)));
                let (as_of, as_of_basis) = as_of(&s, v, m, &men.range, first);
                let measure = &m.measures[b.measure];
                // A national statistic is no figure of the incident, and not about the
                // product the article is about.
                let broad = broader(v, m, &s, &men.range);
                let incident = if broad {
                    None
                } else {
                    v.found.at(men.range.start)
                };
                let subject = if broad {
                    None
                } else {
                    subject(v, &index, &s, &men.range, measure.subject).or_else(|| {
                        // The article's product is the subject of its main incident's
                        // figures only (not of another incident's it compares with).
                        (incident == v.found.main())
                            .then(|| dominant.clone())
                            .flatten()
                    })
                };
                facts.push(Fact {
                    mention: mi,
                    measure: b.measure,
                    cue: m.cues[b.cue].text.clone(),
                    as_of,
                    as_of_basis,
                    subject,
                    incident,
                    per,
                    hedged,
                    sentence: men.sentence,
                });
            }
        }
    }
    reconcile_telegraphic(v, &mut facts);
    facts
}

/// The forward head of the figure at item `k` (the last of its list).
fn forward_head(s: &Sent<'_, '_>, k: usize) -> Head {
    let n = s.items.len();
    let mut j = k + 1;
    while j < n && s.mention(j).is_none() && TRANSPARENT_SUFFIXES.contains(&s.surface(j)) {
        j += 1;
    }
    if j >= n {
        return Head::None;
    }
    let word = s.surface(j);
    if s.mention(j).is_some() {
        return Head::None;
    }
    let next = |d: usize| (j + d < n).then(|| s.surface(j + d));
    match word {
        "の" => match s.np_from(j + 1) {
            Some(r) => Head::Noun(r),
            None => Head::None,
        },
        "を" | "に" => {
            let comparisons = if word == "を" {
                COMPARISON_AFTER_WO
            } else {
                COMPARISON_AFTER_NI
            };
            let mut c = j + 1;
            if word == "に" && next(1) == Some("も") {
                c += 1;
            }
            if c < n && comparisons.contains(&s.surface(c)) {
                // 150万を超える登録 / 1650万人に上る会員: look through the comparison.
                let mut d = c + 1;
                while d < n && matches!(s.pos(d), Some(Pos::AuxVerb)) {
                    d += 1;
                }
                return match s.np_from(d) {
                    Some(r) if d < n && matches!(s.pos(d), Some(Pos::Noun(_))) => Head::Noun(r),
                    _ => Head::None,
                };
            }
            predicate(s, j + 1, word == "を")
        }
        "が" => predicate(s, j + 1, false),
        _ if s.is_noun(j) && !is_punct(word) => match s.np_from(j) {
            Some(r) => Head::Noun(r),
            None => Head::None,
        },
        _ if matches!(s.pos(j), Some(Pos::Verb)) => Head::Predicate {
            range: s.item_range(j).start..s.range.end.min(s.item_range(j).end + 12),
            object: false,
        },
        _ => Head::None,
    }
}

/// The words from item `from` to the first verb, not crossing punctuation.
fn predicate(s: &Sent<'_, '_>, from: usize, object: bool) -> Head {
    let n = s.items.len();
    let mut e = from;
    while e < n {
        let w = s.surface(e);
        if matches!(w, "、" | "。" | "," | "「" | "」" | "(" | ")" | "（" | "）") {
            break;
        }
        if matches!(s.pos(e), Some(Pos::Verb)) {
            // 遭っ|た, 受け|た: include the verb and what is glued to it for cues like 被害に遭.
            e += 1;
            break;
        }
        e += 1;
    }
    if e <= from {
        return Head::None;
    }
    Head::Predicate {
        range: s.item_range(from).start..s.item_range(e - 1).end,
        object,
    }
}

/// The backward head of the figure at item `k` (the first of its list). With
/// `apposition_only`, only a noun right before the figure counts (「全会員約1650万人の
/// パスワード」: the figure counts members, not passwords).
fn backward_head(s: &Sent<'_, '_>, k: usize, apposition_only: bool) -> Head {
    let np = |j: usize| match s.np_to(j) {
        Some(r) => Head::Noun(r),
        None => Head::None,
    };
    let mut j = k;
    // Nothing but hedges and spaces between the figure and the word looked at.
    let mut adjacent = true;
    while j > 0 {
        j -= 1;
        let w = s.surface(j);
        if let Some(men) = s.mention(j) {
            if is_figure(men.row) || apposition_only {
                return Head::None;
            }
            adjacent = false;
            continue;
        }
        match w {
            // A label or bracket: お客様：約900人, 人口（約1億2600万人）.
            ":" | "：" | "(" | "（" => {
                if apposition_only && !adjacent || j == 0 {
                    return Head::None;
                }
                return np(j - 1);
            }
            // The topic: 被害者は808人.
            "は" | "が" | "も" => {
                if apposition_only || j == 0 {
                    return Head::None;
                }
                // A cleft: 「被害に遭ったのは約900人」: the clause before の heads it.
                if s.surface(j - 1) == "の"
                    && matches!(s.pos(j - 1), Some(Pos::Noun(NounKind::Dependent)))
                {
                    let end = s.item_range(j - 1).start;
                    let text = &s.v.text[s.range.start..end];
                    let start =
                        s.range.start + text.rfind(['、', '。']).map_or(0, |i| i + '、'.len_utf8());
                    return if start < end {
                        Head::Predicate {
                            range: start..end,
                            object: false,
                        }
                    } else {
                        Head::None
                    };
                }
                return np(j - 1);
            }
            "、" | "," => {
                if apposition_only {
                    return Head::None;
                }
                // A headline's topic: 「セブンペイの被害、808人に」.
                if adjacent
                    && j > 0
                    && s.is_noun(j - 1)
                    && s.mention(j - 1).is_none()
                    && !BACKWARD_SKIP.contains(&s.surface(j - 1))
                {
                    return np(j - 1);
                }
                adjacent = false;
                continue;
            }
            // その約11倍の約1650万人, 当初の約5500万円
            "の" if !apposition_only
                && j > 0
                && (s.mention(j - 1).is_some()
                    || BACKWARD_SKIP.contains(&s.surface(j - 1))
                    || EARLIER_WORDS.contains(&s.surface(j - 1))) =>
            {
                continue;
            }
            _ => {}
        }
        if HEDGES.contains(&w) || EARLIER_WORDS.contains(&w) {
            continue;
        }
        if apposition_only {
            return if adjacent && s.is_noun(j) {
                np(j)
            } else {
                Head::None
            };
        }
        if BACKWARD_SKIP.contains(&w) {
            adjacent = false;
            if w == "で" && j > 0 && s.is_noun(j - 1) {
                // 総数で約1,650万人: the noun before で heads the figure, unless it is an
                // as-of word (7月末時点で).
                if let Some(r) = s.np_to(j - 1)
                    && !BACKWARD_SKIP.contains(&&s.v.text[r.clone()])
                {
                    return Head::Noun(r);
                }
            }
            if matches!(w, "に" | "から" | "まで" | "までに") {
                // 開始から, 3日までに: skip the noun phrase before the particle too.
                while j > 0 && s.is_noun(j - 1) {
                    j -= 1;
                }
            }
            continue;
        }
        if is_punct(w) {
            return Head::None;
        }
        return if adjacent && s.is_noun(j) {
            np(j)
        } else {
            Head::None
        };
    }
    Head::None
}

/// Chooses the binding of one figure from its heads; returns it with the start of the
/// head it came from (for rate detection).
fn choose(
    s: &Sent<'_, '_>,
    fwd: &Head,
    bwd: &Head,
    fig: &Range<usize>,
    unit: Option<&str>,
    first_item: usize,
) -> Option<(Bound, Option<usize>)> {
    let bound = |(cue, measure): (usize, usize)| Bound { measure, cue };
    // 1. Forward.
    match fwd {
        Head::Noun(r) | Head::Predicate { range: r, .. } => {
            let noun = matches!(fwd, Head::Noun(_));
            if let Some(c) = s.cue_in(r, unit, noun, noun) {
                return Some((bound(c), Some(r.start)));
            }
            if let Head::Noun(r) = fwd
                && s.is_generic(r)
            {
                return s
                    .nearest_cue(fig, unit)
                    .or_else(|| previous_cue(s, unit))
                    .map(|c| (bound(c), Some(r.start)));
            }
            if matches!(fwd, Head::Predicate { object: true, .. }) {
                return None;
            }
        }
        Head::None => {}
    }
    // 2. Backward.
    if let Head::Predicate { range: r, .. } = bwd {
        return s
            .cue_in(r, unit, true, false)
            .map(|c| (bound(c), Some(r.start)));
    }
    if let Head::Noun(r) = bwd {
        if let Some(c) = s.cue_in(r, unit, true, true) {
            return Some((bound(c), Some(r.start)));
        }
        if s.is_generic(r) {
            if let Some(c) = s.nearest_cue(fig, unit).or_else(|| previous_cue(s, unit)) {
                return Some((bound(c), Some(r.start)));
            }
            return heading_cue(s, unit, first_item).map(|c| (bound(c), None));
        }
        return None;
    }
    if matches!(fwd, Head::Noun(_)) {
        return None;
    }
    // 4. A list item opening with the figure: the heading's cue.
    heading_cue(s, unit, first_item).map(|c| (bound(c), None))
}

/// The last fitting cue of the previous sentence of the same paragraph: what a generic
/// head refers back to (「被害額は3861万5473円。当初4日に公表した推計（約900人、約5500万円）
/// を下回った。」).
fn previous_cue(s: &Sent<'_, '_>, unit: Option<&str>) -> Option<(usize, usize)> {
    let p = s.si.checked_sub(1)?;
    let ps = &s.v.sentences[p];
    if ps.boilerplate || s.v.text[ps.range.end..s.range.start].matches('\n').count() > 1 {
        return None;
    }
    let prev = Sent::new(s.v, s.m, p, false);
    let end = prev.range.end;
    prev.nearest_cue(&(end..end), unit)
}

/// Whether sentence `si` ends with a figure and the next one opens with one: a list
/// broken by 。 (「808人。3860万円の被害が出ました。」), read as one sentence.
fn broken_list(v: &DocView<'_>, si: usize) -> bool {
    let (Some(a), Some(b)) = (v.sentences.get(si), v.sentences.get(si + 1)) else {
        return false;
    };
    if a.boilerplate || b.boilerplate || is_list_item(&v.text[a.range.clone()]) {
        return false;
    }
    let Some(body) = v.text[a.range.clone()].strip_suffix('。') else {
        return false;
    };
    let end = a.range.start + body.trim_end().len();
    let ends_with_figure = v
        .mentions_in(&a.range)
        .any(|x| x.range.end == end && is_figure(x.row));
    let opens_with_figure = v
        .mentions_in(&b.range)
        .any(|x| x.range.start == b.range.start && is_figure(x.row));
    ends_with_figure && opens_with_figure && v.text[a.range.end..b.range.start].trim().is_empty()
}

/// Whether the figure's list item opens the sentence (after bullets and labels).
fn opens_item(s: &Sent<'_, '_>, first_item: usize) -> bool {
    let before = s.gap(s.range.start, s.item_range(first_item).start);
    before
        .chars()
        .all(|c| c.is_whitespace() || "・-*●○◆◇■□▼▲※>".contains(c))
}

fn is_list_item(t: &str) -> bool {
    t.trim_start()
        .starts_with(['・', '-', '*', '●', '○', '◆', '◇'])
}

/// The sentence index of the heading governing the list that sentence `si` belongs to.
fn heading_of(v: &DocView<'_>, si: usize) -> Option<usize> {
    let mut j = si;
    let mut steps = 0;
    while j > 0 && steps < 12 {
        j -= 1;
        steps += 1;
        let st = &v.sentences[j];
        if st.boilerplate {
            return None;
        }
        let t = v.text[st.range.clone()].trim();
        if is_list_item(t) {
            continue;
        }
        let labelled = t.starts_with(|c: char| matches!(c, '①'..='⑳' | '■' | '◆' | '▼' | '【'))
            || {
                let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
                !digits.is_empty() && t[digits.len()..].starts_with(['.', ')', '、', '．'])
            };
        let colon = t.ends_with([':', '：']);
        let prose = t.contains(['。', '！', '？']);
        return ((labelled || colon) && !prose).then_some(j);
    }
    None
}

fn heading_cue(s: &Sent<'_, '_>, unit: Option<&str>, first_item: usize) -> Option<(usize, usize)> {
    if !opens_item(s, first_item) {
        return None;
    }
    let h = heading_of(s.v, s.si)?;
    let hs = Sent::new(s.v, s.m, h, false);
    let r = hs.range.clone();
    hs.cue_in(&r, unit, true, false)
}

/// Whether a per-day duration (1日, qualifier `per`) stands right before `at`.
fn after_rate(s: &Sent<'_, '_>, at: &Range<usize>) -> bool {
    s.v.mentions_in(&(s.range.start..at.start)).any(|x| {
        x.row.kind == "duration" && x.row.qualifier.split('+').any(|q| q == "per") && {
            let between: String = s.v.text[x.range.end..at.start]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            // 「1日に」, 「1日あたり最大で」, 「1日の平均」
            let mut rest = between.as_str();
            while let Some(w) = RATE_WORDS.iter().find(|w| rest.starts_with(**w)) {
                rest = &rest[w.len()..];
            }
            rest.is_empty()
        }
    })
}

fn day_precision(v: &str) -> bool {
    v.len() >= 10 && v.as_bytes().get(4) == Some(&b'-') && v.as_bytes().get(7) == Some(&b'-')
}

/// The as-of time of a figure.
fn as_of(
    s: &Sent<'_, '_>,
    v: &DocView<'_>,
    m: &Measures,
    fig: &Range<usize>,
    first_item: usize,
) -> (Option<String>, AsOfBasis) {
    let qs = |q: &str, want: &str| q.split('+').any(|x| x == want);
    let day = |r: &MentionRow| !r.approx && r.value.as_deref().is_some_and(day_precision);
    let sr = &s.range;
    if let Some(x) = tier_date(v, sr, fig, |q, _| qs(q, "as_of"))
        .or_else(|| tier_date(v, sr, fig, |q, r| qs(q, "upper") && day(r)))
    {
        return (Some(x), AsOfBasis::Text);
    }
    if (opens_item(s, first_item) || is_list_item(&v.text[s.range.clone()]))
        && let Some(h) = heading_of(v, s.si)
    {
        let hr = v.sentences[h].range.clone();
        if let Some(x) = tier_date(v, &hr, &hr, |q, _| qs(q, "as_of")) {
            return (Some(x), AsOfBasis::Heading);
        }
    }
    // Another exact day before the figure: 「同社は7月4日の会見で、被害は約900人」. Not
    // one after it (「…から見直しが進んでおり、8月1日にも記者会見を開いて」).
    let before = sr.start..fig.start;
    if let Some(x) = tier_date(v, &before, fig, |q, r| q == "none" && day(r)) {
        return (Some(x), AsOfBasis::Text);
    }
    // 「被害額は当初の約5500万円から」: an earlier-word in the figure's clause.
    let text_before = &v.text[s.range.start..fig.start];
    let clause = text_before.rsplit(['、', '。', ',']).next().unwrap_or("");
    if m.earlier.iter().any(|w| clause.contains(w.as_str())) {
        return (None, AsOfBasis::Earlier);
    }
    match v.published {
        Some(d) => (Some(d.to_string()), AsOfBasis::Published),
        None => (None, AsOfBasis::None),
    }
}

/// The date mention in `sr` nearest `fig` that passes `ok(qualifier, row)`.
fn tier_date(
    v: &DocView<'_>,
    sr: &Range<usize>,
    fig: &Range<usize>,
    ok: impl Fn(&str, &MentionRow) -> bool,
) -> Option<String> {
    v.mentions_in(sr)
        .filter(|x| is_date(x.row) && x.row.value.is_some() && !x.row.boilerplate)
        .filter(|x| ok(&x.row.qualifier, x.row))
        .min_by_key(|x| {
            if x.range.end <= fig.start {
                fig.start - x.range.end
            } else {
                x.range.start.saturating_sub(fig.end)
            }
        })
        .and_then(|x| x.row.value.clone())
}

/// Whether the figure at `fig` of sentence `s` is about more than the incident: a word of
/// `broader` (「統計」, 「年間」, 「業界全体」), two of `broader_weak` (「国内の…全体で」), or a
/// year outside the window of the figure's incident (「2018年の被害額」, 「昨年」 in a 2019
/// article), with no name of an incident between that word and the figure (「業界全体を
/// 揺るがした7payの被害額」 is the incident's).
fn broader(v: &DocView<'_>, m: &Measures, s: &Sent<'_, '_>, fig: &Range<usize>) -> bool {
    let text = &v.text[s.range.clone()];
    let find = |words: &[String]| -> Vec<(usize, usize)> {
        words
            .iter()
            .enumerate()
            .flat_map(|(k, w)| {
                text.match_indices(w.as_str())
                    .map(move |(i, _)| (s.range.start + i, k))
            })
            .collect()
    };
    let mut cues: Vec<usize> = find(&m.broader).into_iter().map(|c| c.0).collect();
    let weak = find(&m.broader_weak);
    let distinct_weak = {
        let mut kinds: Vec<usize> = weak.iter().map(|c| c.1).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds.len()
    };
    if !cues.is_empty() || distinct_weak >= 2 {
        cues.extend(weak.iter().map(|c| c.0));
    }
    if let Some((lo, hi)) = v
        .found
        .at(fig.start)
        .and_then(|i| v.incidents.incidents[i].window())
    {
        // A year named alone (a year's statistic), outside the incident's years.
        cues.extend(
            v.mentions_in(&s.range)
                .filter(|x| is_date(x.row))
                .filter(|x| {
                    x.row
                        .value
                        .as_deref()
                        .and_then(|y| (y.len() == 4).then(|| y.parse::<i32>().ok()).flatten())
                        .is_some_and(|y| y < lo.year || y > hi.year)
                })
                .map(|x| x.range.start),
        );
    }
    if cues.is_empty() {
        return false;
    }
    let names: Vec<usize> = {
        let all = &v.found.mentions;
        let a = all.partition_point(|x| x.range.start < s.range.start);
        let b = all.partition_point(|x| x.range.start < s.range.end);
        all[a..b.max(a)]
            .iter()
            .filter(|x| x.range.end <= s.range.end)
            .map(|x| x.range.start)
            .collect()
    };
    cues.iter().any(|&c| {
        let (a, b) = if c < fig.start {
            (c, fig.start)
        } else {
            (fig.end, c)
        };
        !names.iter().any(|&n| n > a && n < b)
    })
}

/// The product (else organisation) the body of the document names most often.
fn dominant_subject(v: &DocView<'_>) -> Option<String> {
    for ty in [EntityType::Product, EntityType::Organization] {
        let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
        for (i, e) in v.entities.iter().enumerate() {
            if e.entity_type == ty && !e.boilerplate {
                let c = counts.entry(e.canonical.as_str()).or_insert((0, i));
                c.0 += 1;
            }
        }
        if let Some((name, _)) = counts
            .into_iter()
            .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        {
            return Some(name.to_string());
        }
    }
    None
}

/// The subject named in the figure's sentence: for incident measures the product named
/// last before the figure (「7payの被害は…」 in an article about 7iD); for `sentence`
/// measures the product (else organisation) nearest the figure, preceding first, else the
/// last one of the previous sentence (「7iDに…結びつけた。約1650万人の会員」). `None`
/// leaves it to the document's.
fn subject(
    v: &DocView<'_>,
    index: &DocIndex,
    s: &Sent<'_, '_>,
    fig: &Range<usize>,
    mode: SubjectMode,
) -> Option<String> {
    let before = s.range.start..fig.start;
    let after = fig.end..s.range.end;
    let last_before = |ty| {
        v.entities_in(&before, ty)
            .next_back()
            .map(|e| e.canonical.clone())
    };
    match mode {
        SubjectMode::Document => last_before(EntityType::Product),
        SubjectMode::Sentence => {
            let first_after = |ty| {
                v.entities_in(&after, ty)
                    .next()
                    .map(|e| e.canonical.clone())
            };
            last_before(EntityType::Product)
                .or_else(|| first_after(EntityType::Product))
                .or_else(|| last_before(EntityType::Organization))
                .or_else(|| first_after(EntityType::Organization))
                .or_else(|| {
                    // The paragraph's topic (「7iDは、…。会員数は約1650万人に上る。」), else
                    // the product the previous sentence named last.
                    let para = index.paragraph_start(s.range.start);
                    let topic = v
                        .entities
                        .partition_point(|e| e.range.start < s.range.start)
                        .checked_sub(1)
                        .and_then(|last| index.last_topic[last])
                        .map(|t| &v.entities[t])
                        .filter(|e| e.range.start >= para && e.range.end <= s.range.start);
                    let p = s.si.checked_sub(1)?;
                    let pr = v.sentences[p].range.clone();
                    topic.map(|e| e.canonical.clone()).or_else(|| {
                        let window = para.max(pr.start)..s.range.start;
                        v.entities_in(&window, EntityType::Product)
                            .next_back()
                            .map(|e| e.canonical.clone())
                    })
                })
        }
    }
}

fn telegraphic(v: &DocView<'_>, si: usize) -> bool {
    !v.text[v.sentences[si].range.clone()].contains(['。', '！', '？', '!', '?'])
}

/// Drops bindings of telegraphic lines that the body of the article contradicts.
fn reconcile_telegraphic(v: &DocView<'_>, facts: &mut Vec<Fact>) {
    let key = |f: &Fact| {
        let r = v.mentions[f.mention].row;
        (r.value.as_deref(), r.unit.as_deref())
    };
    // The measures the body binds each (value, unit) to.
    let mut body: HashMap<(Option<&str>, Option<&str>), Vec<usize>> = HashMap::new();
    for f in facts.iter().filter(|f| !telegraphic(v, f.sentence)) {
        let measures = body.entry(key(f)).or_default();
        if !measures.contains(&f.measure) {
            measures.push(f.measure);
        }
    }
    facts.retain(|f| {
        if !telegraphic(v, f.sentence) {
            return true;
        }
        let (val, unit) = key(f);
        val.is_none()
            || !body
                .get(&(val, unit))
                .is_some_and(|ms| ms.iter().any(|&m| m != f.measure))
    });
}

/// What the binder needs to know about a document besides its text.
pub struct About<'a> {
    /// Its publication date, given or inferred ([`crate::dating`]).
    pub published: &'a Dated,
    /// The incident list.
    pub incidents: &'a Incidents,
    /// The document's incidents ([`Incidents::detect`]).
    pub found: &'a DocIncidents,
}

/// The `facts` rows of one analysed document, from its mention rows and entities.
pub fn fact_rows(
    doc: &crate::corpus::Document,
    p: &crate::prepared::Prepared<'_>,
    spans: &crate::prepared::Spans<'_>,
    mentions: &[MentionRow],
    entities: &[Entity],
    measures: &Measures,
    about: &About<'_>,
) -> Vec<crate::output::rows::FactRow> {
    let located = locate(mentions, &doc.text, &p.norm, &p.sentences);
    let published = about.published;
    let view = DocView {
        text: &p.norm.text,
        sentences: &p.sentences,
        tokens: &p.tokens,
        mentions: &located,
        entities,
        published: published.day(),
        incidents: about.incidents,
        found: about.found,
    };
    bind(&view, measures)
        .into_iter()
        .map(|f| {
            let men = &located[f.mention];
            let r = men.row;
            let measure = &measures.measures[f.measure];
            let mut qualifier = r.qualifier.clone();
            if f.per {
                qualifier = if qualifier == "none" || qualifier.is_empty() {
                    "per".into()
                } else {
                    format!("{qualifier}+per")
                };
            }
            crate::output::rows::FactRow {
                doc: doc.doc.clone(),
                source: doc.meta.source.clone(),
                published: published.iso(),
                measure: measure.name.clone(),
                value: r.value.clone(),
                unit: r.unit.clone(),
                approx: r.approx || f.hedged,
                qualifier,
                as_of: f.as_of,
                text: spans.original(men.range.clone()).to_string(),
                offsets: spans.offsets(men.range.clone()),
                as_of_basis: f.as_of_basis.as_str().to_string(),
                cue: f.cue,
                sentence: f.sentence as i64,
                subject: f.subject,
                comparable: measure.compare,
                incident: f.incident.map(|i| about.incidents.incidents[i].id.clone()),
                sentence_text: spans.visible(p.sentences[f.sentence].range.clone()),
            }
        })
        .collect()
}
