//! Stage 6b: the stance of a frame hit, from its sentence's quote structure and markers.
//!
//! Decision order for one hit (first that applies):
//! 1. **negated**: a denial after the cue in the same voice (inside the cue's quote, or
//!    outside quotes when the cue is): 「脆弱性はない」, 〜とは考えておりません; it may begin
//!    inside the cue when it negates the cue's own words (「使い回しはしていない」).
//! 2. **doubted**: a doubt in the outlet's own voice: outside quotes, not the verb of an
//!    attributed quote (「…」と首をかしげる), and not scoped by an attribution (a 〜と指摘した
//!    after it, a 〜によると before it). Hearsay endings (〜といいます) do not take a doubt
//!    away from the outlet: the blogger who writes 「…だけでは説明のつかない被害もあるといいます」
//!    is doubting.
//!    Then a plain 〜ではない right after the cue is a denial (after the doubts, so that
//!    〜だけではない, "not only", stays a doubt).
//! 3. **reported**: the cue is in attributed speech (a quote followed by と/って/との, a
//!    speaker turn 「清水執行役員：」, a sentence that is one quote), or an attribution marker
//!    follows the cue (と説明した, としている) or a source precedes it (によると), or the
//!    sentence is a list item whose lead-in attributes (ニュースで言われてるのは…), or it ends
//!    in hearsay (という。).
//! 4. **asserted** otherwise: the outlet's own voice (for a press release, the company's).
//!
//! Across sentences (see [`Lexicon::find_frames`](super::Lexicon::find_frames)): a doubt without a cue of its own reaches
//! back to the frames of the nearest earlier sentence in its paragraph (「同社は…と説明する。
//! だが、…本当に問題の核心を突いているのだろうか」), and a denial that refers back (そこ, それ)
//! applies to the previous sentence.

use std::ops::Range;

use super::fold::Folded;
use super::lexicon::{StanceRules, WordSet};

/// The stance of a frame hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stance {
    /// The outlet says it in its own voice.
    Asserted,
    /// Attributed to the company, police, experts, interviewees.
    Reported,
    /// The outlet questions it.
    Doubted,
    /// Someone denies it.
    Negated,
}

impl Stance {
    /// All stances, in output order.
    pub const ALL: [Stance; 4] = [
        Stance::Asserted,
        Stance::Reported,
        Stance::Doubted,
        Stance::Negated,
    ];

    /// The name used in the tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Asserted => "asserted",
            Stance::Reported => "reported",
            Stance::Doubted => "doubted",
            Stance::Negated => "negated",
        }
    }

    /// Parses a table value.
    pub fn parse(s: &str) -> Option<Stance> {
        Stance::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

impl std::fmt::Display for Stance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What decided a stance: a folded byte range in some sentence, or a fixed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Folded byte range in the sentence that holds the marker.
    pub range: Range<usize>,
    /// Whether the marker sits in another sentence (propagated doubt or denial, list lead).
    pub elsewhere: Option<Elsewhere>,
}

/// Where a marker outside the hit's own sentence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elsewhere {
    /// A later sentence of the paragraph (doubt or denial reaching back).
    Later(usize),
    /// The lead-in sentence of the list the hit is an item of.
    ListLead(usize),
    /// The speaker label of the transcript turn the sentence belongs to.
    Speaker,
}

/// A quoted stretch 「…」 of a sentence (outermost level).
#[derive(Debug, Clone)]
struct Quote {
    /// Folded bytes from the opening to the closing bracket, inclusive.
    span: Range<usize>,
    /// Whether it is someone's attributed speech.
    attributed: bool,
    /// The attribution right after it (「…」と述べた -> と述べた), if attributed by one.
    tail: Option<Range<usize>>,
}

/// One sentence prepared for stance decisions.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// Folded sentence.
    pub folded: &'a Folded,
    quotes: Vec<Quote>,
    /// Whether the sentence is in a transcript turn (清水執行役員：…).
    pub speaker: bool,
    exceptions: Vec<Range<usize>>,
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn anchored(set: &WordSet, text: &str, at: usize) -> Option<Range<usize>> {
    set.patterns
        .iter()
        .filter_map(|p| p.match_at(text, at))
        .max_by_key(|r| r.end)
}

impl<'a> View<'a> {
    /// Builds the view: finds quotes and whether each is attributed.
    pub fn new(folded: &'a Folded, rules: &StanceRules, speaker: bool) -> Self {
        let t = folded.text.as_str();
        let exceptions = rules.exceptions.find_all_in(folded);
        let mut quotes = Vec::new();
        let mut depth = 0usize;
        let mut open = 0usize;
        for (i, c) in t.char_indices() {
            match c {
                '「' => {
                    if depth == 0 {
                        open = i;
                    }
                    depth += 1;
                }
                '」' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        quotes.push(Quote {
                            span: open..i + c.len_utf8(),
                            attributed: false,
                            tail: None,
                        });
                    }
                }
                _ => {}
            }
        }
        if depth > 0 {
            quotes.push(Quote {
                span: open..t.len(),
                attributed: false,
                tail: None,
            });
        }
        for q in &mut quotes {
            let span = q.span.clone();
            // (後藤副社長)「…」: a speaker in brackets right before the quote, at the start.
            let before = &t[..span.start];
            let speaker_before = before.starts_with('(') && before.ends_with(')');
            // A sentence that is one quote is someone's speech.
            let rest = t[span.end..].trim_start_matches(['。', '.', '!', '?', ')']);
            let whole = span.start == 0 && rest.is_empty();
            // After the closing bracket: skip a parenthetical (（ITジャーナリスト）).
            let mut at = span.end;
            if t[at..].starts_with('(')
                && let Some(close) = t[at..].find(')')
                && t[at..at + close].chars().count() <= 30
            {
                at += close + 1;
            }
            let mut tail = None;
            if anchored(&rules.quote_not_attribution, t, at).is_none()
                && let Some(r) = anchored(&rules.quote_attribution, t, at)
            {
                // The attribution runs to the next comma or stop, at most 20 characters.
                let end = t[r.start..]
                    .char_indices()
                    .take(20)
                    .find(|&(_, c)| matches!(c, '、' | '。' | ',' | '「'))
                    .map_or_else(
                        || {
                            t[r.start..]
                                .char_indices()
                                .nth(20)
                                .map_or(t.len(), |(j, _)| r.start + j)
                        },
                        |(j, _)| r.start + j,
                    );
                tail = Some(span.end..end.max(r.end));
            }
            q.attributed = tail.is_some() || speaker_before || whole;
            q.tail = tail;
        }
        View {
            folded,
            quotes,
            speaker,
            exceptions,
        }
    }

    fn quote_of(&self, pos: usize) -> Option<&Quote> {
        self.quotes
            .iter()
            .find(|q| q.span.start < pos && pos < q.span.end)
    }

    fn in_quote(&self, r: &Range<usize>) -> bool {
        self.quotes.iter().any(|q| overlaps(&q.span, r))
    }

    fn in_tail(&self, r: &Range<usize>) -> bool {
        self.quotes
            .iter()
            .filter_map(|q| q.tail.as_ref())
            .any(|t| overlaps(t, r))
    }

    /// Matches of `set` that no exception covers.
    fn matches(&self, set: &WordSet) -> Vec<Range<usize>> {
        set.find_all_in(self.folded)
            .into_iter()
            .filter(|m| !self.exceptions.iter().any(|e| overlaps(e, m)))
            .collect()
    }

    /// A denial after the cue in the cue's voice (inside its quote, or outside quotes);
    /// `adjacent` looks for `negated_adjacent` markers right after the cue instead.
    pub fn denial(
        &self,
        rules: &StanceRules,
        cue: &Range<usize>,
        adjacent: bool,
    ) -> Option<Range<usize>> {
        let region = self.quote_of(cue.start).map(|q| q.span.clone());
        let same_region = |m: &Range<usize>| match &region {
            Some(q) => q.start < m.start && m.end <= q.end,
            None => !self.in_quote(m),
        };
        let adjacent_limit = self.after_chars(cue.end, rules.adjacent_chars);
        if adjacent {
            self.matches(&rules.negated_adjacent)
                .into_iter()
                .find(|m| m.start >= cue.end && m.start <= adjacent_limit && same_region(m))
        } else {
            // A denial may begin inside the cue when it negates the cue's own words
            // (「他のサービスとの使い回し」+「使い回しはしていない」, 「…不備」+「不備はなかった」).
            self.matches(&rules.negated).into_iter().find(|m| {
                (m.start >= cue.end || (m.start > cue.start && m.end > cue.end)) && same_region(m)
            })
        }
    }

    /// A denial anywhere in the sentence (for one that refers back).
    pub fn any_denial(&self, rules: &StanceRules) -> Option<Range<usize>> {
        let anaphor = self.matches(&rules.anaphora).into_iter().next()?;
        self.matches(&rules.negated)
            .into_iter()
            .find(|m| m.start > anaphor.start)
    }

    /// A doubt in the outlet's own voice anywhere in the sentence.
    pub fn outlet_doubt(&self, rules: &StanceRules) -> Option<Range<usize>> {
        self.outlet(rules, &rules.doubted, |_| true)
    }

    /// A doubt in the outlet's voice right after the cue (「リスト型攻撃だけではない」).
    pub fn adjacent_doubt(&self, rules: &StanceRules, cue: &Range<usize>) -> Option<Range<usize>> {
        let limit = self.after_chars(cue.end, rules.adjacent_chars);
        self.outlet(rules, &rules.doubted_adjacent, |m| {
            m.start >= cue.end && m.start <= limit
        })
    }

    /// The byte offset `n` characters after `from` (or the end).
    fn after_chars(&self, from: usize, n: usize) -> usize {
        let t = &self.folded.text;
        t[from..]
            .char_indices()
            .nth(n)
            .map_or(t.len(), |(j, _)| from + j)
    }

    /// A match of `set` in the outlet's own voice: outside quotes, not the verb of an
    /// attributed quote, not followed by an attribution verb, not after a source phrase.
    fn outlet(
        &self,
        rules: &StanceRules,
        set: &WordSet,
        keep: impl Fn(&Range<usize>) -> bool,
    ) -> Option<Range<usize>> {
        if self.speaker {
            return None;
        }
        let reported: Vec<_> = self
            .matches(&rules.reported)
            .into_iter()
            .filter(|m| !self.in_quote(m))
            .collect();
        let sources: Vec<_> = self
            .matches(&rules.reported_source)
            .into_iter()
            .filter(|m| !self.in_quote(m))
            .collect();
        self.matches(set).into_iter().find(|d| {
            if !keep(d) || self.in_quote(d) || self.in_tail(d) {
                return false;
            }
            let attributed_after = reported.iter().any(|r| r.start >= d.start);
            let sourced_before = sources.iter().any(|s| {
                s.start < d.start
                    && !reported
                        .iter()
                        .any(|r| s.start < r.start && r.start < d.start)
            });
            !attributed_after && !sourced_before
        })
    }

    /// Attribution of the cue: speech, a following attribution verb or a preceding source.
    pub fn attribution(&self, rules: &StanceRules, cue: &Range<usize>) -> Option<Marker> {
        let here = |range| Marker {
            range,
            elsewhere: None,
        };
        if self.speaker {
            return Some(Marker {
                range: 0..0,
                elsewhere: Some(Elsewhere::Speaker),
            });
        }
        if let Some(q) = self.quote_of(cue.start)
            && q.attributed
        {
            return Some(here(q.tail.clone().unwrap_or_else(|| q.span.clone())));
        }
        let outer = |m: &Range<usize>| !self.in_quote(m);
        self.matches(&rules.reported)
            .into_iter()
            .find(|m| m.start >= cue.start && outer(m))
            .or_else(|| {
                self.matches(&rules.reported_source)
                    .into_iter()
                    .find(|m| m.start < cue.start && outer(m))
            })
            .map(here)
    }

    /// Hearsay ending after the cue.
    pub fn hearsay(&self, rules: &StanceRules, cue: &Range<usize>) -> Option<Range<usize>> {
        self.matches(&rules.hearsay)
            .into_iter()
            .find(|m| m.start >= cue.start && !self.in_quote(m))
    }

    /// Whether the sentence attributes what it introduces (for a list lead-in).
    pub fn lead_attribution(&self, rules: &StanceRules) -> Option<Range<usize>> {
        [
            &rules.list_lead,
            &rules.reported,
            &rules.reported_source,
            &rules.hearsay,
        ]
        .into_iter()
        .flat_map(|s| self.matches(s))
        .find(|m| !self.in_quote(m))
    }

    /// The stance of a cue at `cue` (folded range), with the marker that decided it.
    /// `list_lead` is the attribution of the list this sentence is an item of, if any.
    pub fn stance(
        &self,
        rules: &StanceRules,
        cue: &Range<usize>,
        list_lead: Option<Marker>,
    ) -> (Stance, Option<Marker>) {
        let here = |r: Range<usize>| {
            Some(Marker {
                range: r,
                elsewhere: None,
            })
        };
        if let Some(m) = self.denial(rules, cue, false) {
            return (Stance::Negated, here(m));
        }
        // An adjacent doubt (リスト型攻撃だけではない) before an adjacent denial (ではない).
        if let Some(m) = self
            .outlet_doubt(rules)
            .or_else(|| self.adjacent_doubt(rules, cue))
        {
            return (Stance::Doubted, here(m));
        }
        if let Some(m) = self.denial(rules, cue, true) {
            return (Stance::Negated, here(m));
        }
        if let Some(m) = self.attribution(rules, cue) {
            return (Stance::Reported, Some(m));
        }
        if let Some(m) = list_lead {
            return (Stance::Reported, Some(m));
        }
        if let Some(m) = self.hearsay(rules, cue) {
            return (Stance::Reported, here(m));
        }
        (Stance::Asserted, None)
    }
}
