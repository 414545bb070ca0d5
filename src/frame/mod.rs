//! Stage 6: frames. Sentences of one document -> [`FrameHit`]s: which cause explanation
//! (frame) a body sentence gives, through which cue, and with which [`Stance`].
//!
//! - [`lexicon`] reads `dictionaries/frames.toml` once (shared by all threads);
//! - [`fold`] folds spelling variants so that cues match spans of text, not tokens;
//! - [`pattern`] is the lexicon's small pattern language;
//! - [`stance`] decides asserted / reported / doubted / negated.
//!
//! Invariants: only article-body sentences are read (boilerplate never yields a hit); at
//! most one hit per (sentence, frame), at the frame's leftmost qualifying cue; a hit's cue
//! range lies inside its sentence.

pub mod eval;
pub mod fold;
pub mod lexicon;
pub mod pattern;
pub mod stance;
pub mod suggest;

use std::ops::Range;

use crate::segment::Sentence;
use fold::Folded;
pub use lexicon::Lexicon;
pub use stance::Stance;
use stance::{Elsewhere, Marker, View};

/// A frame cue found in a body sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHit {
    /// Index of the frame in the lexicon.
    pub frame: usize,
    /// Index of the sentence in the document's sentence list.
    pub sentence: usize,
    /// The cue: a byte range of the normalized text.
    pub cue: Range<usize>,
    /// Its stance.
    pub stance: Stance,
    /// What decided the stance (normalized byte range), if a marker did.
    pub stance_cue: Option<Range<usize>>,
    /// Where the stance marker is, if not in the hit's own sentence.
    pub stance_from: Option<StanceFrom>,
}

/// A stance marker outside the hit's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StanceFrom {
    /// A later sentence (doubt or denial referring back), by sentence index.
    Later(usize),
    /// The lead-in of the list the hit is an item of, by sentence index.
    ListLead(usize),
    /// The speaker label of the transcript turn (清水執行役員：).
    Speaker,
}

/// A hit before its offsets are mapped back: (body position, frame, folded cue range,
/// stance, deciding marker).
type Pending = (usize, usize, Range<usize>, Stance, Option<Marker>);

/// One body sentence, folded.
struct Body {
    /// Index into the document's sentences.
    idx: usize,
    range: Range<usize>,
    folded: Folded,
    block: usize,
    heading: bool,
    list_item: bool,
    /// Normalized range of the speaker label of the transcript turn the sentence is in.
    speaker: Option<Range<usize>>,
}

fn starts_list_item(t: &str) -> bool {
    let t = t.trim_start();
    let mut cs = t.chars();
    let Some(c) = cs.next() else { return false };
    if matches!(c, '・' | '･' | '-' | '*' | '①'..='⑳' | '•') {
        return true;
    }
    if c.is_ascii_digit() {
        let rest: String = cs.take(2).collect();
        return rest.starts_with(['.', ')', '、'])
            || rest.starts_with(|d: char| d.is_ascii_digit());
    }
    false
}

fn is_heading_marker(c: char) -> bool {
    matches!(
        c,
        '■' | '□' | '◆' | '◇' | '●' | '▼' | '▲' | '【' | '#' | '＃' | '◎' | '〔'
    )
}

/// The line breaks of a text, found once: looking for the line of each sentence by
/// scanning the text around it was quadratic in a text without line breaks (issue 16.2).
struct Lines {
    breaks: Vec<usize>,
    len: usize,
}

impl Lines {
    fn new(text: &str) -> Lines {
        Lines {
            breaks: text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
            len: text.len(),
        }
    }

    /// The line holding byte `at`, as a range (without its line break).
    fn line_of(&self, at: usize) -> Range<usize> {
        let k = self.breaks.partition_point(|&b| b < at);
        let start = k.checked_sub(1).map_or(0, |j| self.breaks[j] + 1);
        let end = self.breaks.get(k).copied().unwrap_or(self.len);
        start..end
    }
}

/// A transcript speaker label at the start of a line: 「清水執行役員：」, 「記者A:」.
fn speaker_label(line: &str) -> Option<usize> {
    let first = line.chars().next()?;
    if is_heading_marker(first)
        || first.is_whitespace()
        || first.is_ascii_digit()
        || matches!(
            first,
            '・' | '-' | '*' | '<' | '(' | '「' | '※' | '[' | '＜'
        )
    {
        return None;
    }
    for (n, (i, c)) in line.char_indices().enumerate() {
        if n > 15 {
            return None;
        }
        match c {
            ':' | '：' if n > 0 => return Some(i + c.len_utf8()),
            '。' | '、' | '「' | '」' | ' ' | '\u{3000}' | '/' => return None,
            c if c.is_ascii_digit() => return None,
            _ => {}
        }
    }
    None
}

fn gap_has_blank_line(gap: &str) -> bool {
    let mut newlines = 0;
    for c in gap.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines >= 2 {
                return true;
            }
        } else if !c.is_whitespace() {
            newlines = 0;
        }
    }
    false
}

/// The paragraph (block of lines between blank lines) of each sentence, counting body
/// sentences only; `None` for boilerplate sentences.
pub fn paragraphs(text: &str, sentences: &[Sentence]) -> Vec<Option<usize>> {
    let mut block = 0;
    let mut prev_end: Option<usize> = None;
    sentences
        .iter()
        .map(|s| {
            if s.boilerplate {
                return None;
            }
            if let Some(p) = prev_end
                && gap_has_blank_line(&text[p..s.range.start])
            {
                block += 1;
            }
            prev_end = Some(s.range.end);
            Some(block)
        })
        .collect()
}

fn prepare_body(text: &str, sentences: &[Sentence]) -> Vec<Body> {
    let mut out: Vec<Body> = Vec::new();
    let blocks = paragraphs(text, sentences);
    let lines = Lines::new(text);
    for (idx, s) in sentences.iter().enumerate() {
        let Some(block) = blocks[idx] else {
            continue;
        };
        let st = &text[s.range.clone()];
        let line = lines.line_of(s.range.start);
        let alone = text[line.clone()].trim() == st.trim();
        let first = st.chars().next().unwrap_or(' ');
        let list_item = starts_list_item(st);
        let ends_open = !st
            .trim_end()
            .ends_with(['。', '!', '?', '！', '？', '」', ')', '』', '.']);
        let heading = !list_item
            && (is_heading_marker(first) || (alone && ends_open && st.chars().count() <= 30));
        let folded = fold::fold(st);
        // A speaker label on this sentence's line, before the sentence ends.
        let speaker = speaker_label(&text[line.clone()])
            .filter(|&n| line.start + n <= s.range.end)
            .map(|n| line.start..line.start + n);
        out.push(Body {
            idx,
            range: s.range.clone(),
            folded,
            block,
            heading,
            list_item,
            speaker,
        });
    }
    out
}

impl Lexicon {
    /// Finds frame hits in one document. `text` is the normalized text, `sentences` its
    /// sentences (boilerplate ones are skipped). Every body sentence counts, whatever
    /// incident the article is about: the frames name causes, not companies.
    pub fn find_frames(&self, text: &str, sentences: &[Sentence]) -> Vec<FrameHit> {
        let mut body = prepare_body(text, sentences);
        if body.is_empty() || self.frames.is_empty() {
            return Vec::new();
        }
        // One scan per sentence tells every word set which of its patterns may match.
        for b in &mut body {
            self.scan(&mut b.folded);
        }
        let section_heading: Vec<Option<usize>> = body
            .iter()
            .scan(None, |h, b| {
                if b.heading {
                    *h = Some(b.idx);
                }
                Some(*h)
            })
            .collect();
        // Body sentences are in document order: their indices ascend.
        let by_idx = |idx: usize| body.binary_search_by_key(&idx, |b| b.idx).ok();

        // (body position, frame, folded cue range)
        let mut found: Vec<(usize, usize, Range<usize>)> = Vec::new();
        for (i, b) in body.iter().enumerate() {
            let mut sets: Vec<(usize, usize)> = b
                .folded
                .starts
                .iter()
                .flatten()
                .map(|&(k, _)| self.cue_owner[k as usize])
                .collect();
            sets.dedup();
            let mut best: Vec<(usize, Range<usize>)> = Vec::new();
            for (fi, si) in sets {
                let set = &self.frames[fi].cue_sets[si];
                let Some(m) = set.cues.find_in(&b.folded) else {
                    continue;
                };
                if !self.context_ok(set, &body, i, &section_heading, &by_idx) {
                    continue;
                }
                match best.iter_mut().find(|(f, _)| *f == fi) {
                    Some((_, r))
                        if (m.start, std::cmp::Reverse(m.end))
                            < (r.start, std::cmp::Reverse(r.end)) =>
                    {
                        *r = m
                    }
                    Some(_) => {}
                    None => best.push((fi, m)),
                }
            }
            best.sort_by_key(|(f, _)| *f);
            found.extend(best.into_iter().map(|(f, r)| (i, f, r)));
        }
        if found.is_empty() {
            return Vec::new();
        }

        let rules = &self.stance;
        // The lead-in of each list item: the nearest earlier non-item body sentence.
        let lead_in: Vec<Option<usize>> = body
            .iter()
            .enumerate()
            .scan(None, |last, (j, b)| {
                let lead = if b.list_item { *last } else { None };
                if !b.list_item {
                    *last = Some(j);
                }
                Some(lead)
            })
            .collect();
        // Views (quotes, exceptions) only where a stance may be decided: sentences with hits,
        // lead-ins of lists, and later sentences that may hold a doubt or a denial.
        let mut needed = vec![false; body.len()];
        for &(i, _, _) in &found {
            needed[i] = true;
            if let Some(j) = lead_in[i] {
                needed[j] = true;
            }
            for j in i + 1..=(i + rules.doubt_reach).min(body.len() - 1) {
                let f = &body[j].folded;
                if rules.doubted.is_match_in(f) || rules.negated.is_match_in(f) {
                    needed[j] = true;
                }
            }
        }
        let views: Vec<Option<View<'_>>> = body
            .iter()
            .zip(&needed)
            .map(|(b, &n)| n.then(|| View::new(&b.folded, rules, b.speaker.is_some())))
            .collect();
        let view = |i: usize| views[i].as_ref();
        let list_lead = |i: usize| -> Option<Marker> {
            let j = lead_in[i]?;
            view(j)?.lead_attribution(rules).map(|r| Marker {
                range: r,
                elsewhere: Some(Elsewhere::ListLead(j)),
            })
        };
        let mut hits: Vec<Pending> = found
            .into_iter()
            .map(|(i, f, r)| {
                let (st, m) = match view(i) {
                    Some(v) => v.stance(rules, &r, list_lead(i)),
                    None => (Stance::Asserted, None),
                };
                (i, f, r, st, m)
            })
            .collect();

        // A doubt reaches back to the frames of the nearest earlier sentence(s) with hits.
        // Hits are in body order: the hits of body sentences lo..hi are one slice of them.
        let slice_of = |hits: &[Pending], lo: usize, hi: usize| {
            hits.partition_point(|h| h.0 < lo)..hits.partition_point(|h| h.0 < hi)
        };
        for j in 0..body.len() {
            let Some(vj) = view(j) else { continue };
            if body[j].heading {
                continue;
            }
            let own: Vec<usize> = hits[slice_of(&hits, j, j + 1)]
                .iter()
                .map(|h| h.1)
                .collect();
            let doubt = vj.outlet_doubt(rules);
            if let Some(d) = doubt {
                let lo = j.saturating_sub(rules.doubt_reach);
                let earlier = |i: usize| i >= lo && i < j && body[i].block == body[j].block;
                let window = slice_of(&hits, lo, j);
                let targets: Vec<usize> = if own.is_empty() {
                    let nearest = hits[window.clone()]
                        .iter()
                        .filter(|h| earlier(h.0))
                        .map(|h| h.0)
                        .max();
                    window.filter(|&k| Some(hits[k].0) == nearest).collect()
                } else {
                    window
                        .filter(|&k| earlier(hits[k].0) && own.contains(&hits[k].1))
                        .collect()
                };
                for k in targets {
                    if matches!(hits[k].3, Stance::Asserted | Stance::Reported) {
                        hits[k].3 = Stance::Doubted;
                        hits[k].4 = Some(Marker {
                            range: d.clone(),
                            elsewhere: Some(Elsewhere::Later(j)),
                        });
                    }
                }
            } else if own.is_empty()
                && j > 0
                && body[j - 1].block == body[j].block
                && let Some(n) = vj.any_denial(rules)
            {
                let prev = slice_of(&hits, j - 1, j);
                for h in &mut hits[prev] {
                    if h.3 != Stance::Doubted {
                        h.3 = Stance::Negated;
                        h.4 = Some(Marker {
                            range: n.clone(),
                            elsewhere: Some(Elsewhere::Later(j)),
                        });
                    }
                }
            }
        }

        hits.into_iter()
            .map(|(i, f, r, st, m)| {
                let b = &body[i];
                let cue = b.folded.source_range(r);
                let (stance_cue, stance_from) = match m {
                    None => (None, None),
                    Some(Marker { range, elsewhere }) => {
                        let (holder, from) = match elsewhere {
                            Some(Elsewhere::Speaker) => {
                                let r = b.speaker.clone().unwrap_or(b.range.start..b.range.start);
                                return FrameHit {
                                    frame: f,
                                    sentence: b.idx,
                                    cue: b.range.start + cue.start..b.range.start + cue.end,
                                    stance: st,
                                    stance_cue: Some(r),
                                    stance_from: Some(StanceFrom::Speaker),
                                };
                            }
                            None => (b, None),
                            Some(Elsewhere::Later(j)) => {
                                (&body[j], Some(StanceFrom::Later(body[j].idx)))
                            }
                            Some(Elsewhere::ListLead(j)) => {
                                (&body[j], Some(StanceFrom::ListLead(body[j].idx)))
                            }
                        };
                        let r = holder.folded.source_range(range);
                        (
                            Some(holder.range.start + r.start..holder.range.start + r.end),
                            from,
                        )
                    }
                };
                FrameHit {
                    frame: f,
                    sentence: b.idx,
                    cue: b.range.start + cue.start..b.range.start + cue.end,
                    stance: st,
                    stance_cue,
                    stance_from,
                }
            })
            .collect()
    }

    /// Whether a `near` word of `set` is in folded sentence `f`, outside ignored spans.
    fn near_in(&self, set: &lexicon::CueSet, f: &fold::Folded) -> bool {
        if !set.near.is_match_in(f) {
            return false;
        }
        let ignore = self.context_ignore.find_all_in(f);
        ignore.is_empty()
            || set
                .near
                .find_all_in(f)
                .iter()
                .any(|m| !ignore.iter().any(|g| g.start < m.end && m.start < g.end))
    }

    fn context_ok(
        &self,
        set: &lexicon::CueSet,
        body: &[Body],
        i: usize,
        section_heading: &[Option<usize>],
        by_idx: &dyn Fn(usize) -> Option<usize>,
    ) -> bool {
        if set.near.is_empty() {
            return set.unless.is_empty() || !set.unless.is_match_in(&body[i].folded);
        }
        if self.near_in(set, &body[i].folded) {
            return true;
        }
        if set.unless.is_match_in(&body[i].folded) {
            return false;
        }
        let block = body[i].block;
        let lo = i.saturating_sub(set.window);
        let hi = (i + set.window).min(body.len() - 1);
        if (lo..=hi)
            .filter(|&j| j != i && body[j].block == block)
            .any(|j| self.near_in(set, &body[j].folded))
        {
            return true;
        }
        set.heading
            && section_heading[i]
                .and_then(by_idx)
                .is_some_and(|h| h != i && self.near_in(set, &body[h].folded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate;
    use crate::normalize;
    use crate::segment;

    fn lexicon() -> &'static Lexicon {
        static L: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        L.get_or_init(|| {
            Lexicon::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries"))
                .unwrap()
        })
    }

    /// (frame, stance, cue) of each hit in `text`, the body of a 7pay article. (Boilerplate
    /// marking is left out here: it has its own tests, and short test lines would trip it.)
    fn hits(text: &str) -> Vec<(String, &'static str, String)> {
        let lx = lexicon();
        let norm = normalize::normalize(text);
        let sents = segment::split(&norm.text, &[]);
        lx.find_frames(&norm.text, &sents)
            .into_iter()
            .map(|h| {
                (
                    lx.frames[h.frame].id.clone(),
                    h.stance.as_str(),
                    norm.text[h.cue].to_string(),
                )
            })
            .collect()
    }

    fn one(text: &str) -> Option<(String, &'static str)> {
        let h = hits(text);
        assert!(h.len() <= 1, "{text}: {h:?}");
        h.into_iter().next().map(|(f, s, _)| (f, s))
    }

    #[test]
    fn stance_of_single_sentences() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            // The outlet's own voice.
            (
                "セブンペイには二段階認証の仕組みがなかった。",
                Some(("two_factor_auth", "asserted")),
            ),
            (
                "二段階認証を導入していれば被害は防げたはずだ。",
                Some(("two_factor_auth", "asserted")),
            ),
            (
                "原因は、他のサイトから流出したIDとパスワードを使う「リスト型攻撃」とみられる。",
                Some(("list_based_attack", "asserted")),
            ),
            // Attributed: quotes, verbs, sources, hearsay.
            (
                "専門家は「2段階認証がないサービスは格好の標的になる」と指摘する。",
                Some(("two_factor_auth", "reported")),
            ),
            (
                "同社はリスト型アカウントハッキングの可能性が高いと説明した。",
                Some(("list_based_attack", "reported")),
            ),
            (
                "関係者によると、開発を外部のベンダーに任せきりにしていたことが背景にある。",
                Some(("governance_management", "reported")),
            ),
            (
                "開始を急いだことが原因だとの見方もある。",
                Some(("rushed_launch", "reported")),
            ),
            (
                "二段階認証の不在を問題視する声は多い。",
                Some(("two_factor_auth", "reported")),
            ),
            (
                "店主は「準備が足りないまま始めてしまったのではないか」と首をかしげる。",
                Some(("rushed_launch", "reported")),
            ),
            (
                "記者E：7月1日の開始を急いだ結果、準備が不足していたのではありませんか。",
                Some(("rushed_launch", "reported")),
            ),
            (
                "ネットでは「開発を外注に丸投げしたのが原因」って書いてる人もいますが、ほんとかどうかわかりません。",
                Some(("governance_management", "doubted")),
            ),
            // Company denials.
            (
                "清水氏は「二段階認証がなかったことが原因だとは考えていない」と述べた。",
                Some(("two_factor_auth", "negated")),
            ),
            (
                "同社は「外部IDによるログインに問題はなかった」と強調した。",
                Some(("external_id_login", "negated")),
            ),
            (
                "小林社長は「サービス開始を急いだわけではない」と反論した。",
                Some(("rushed_launch", "negated")),
            ),
            (
                "同社は、見切り発車だったとの指摘を否定した。",
                Some(("rushed_launch", "negated")),
            ),
            // The outlet's doubt, and a doubt that belongs to someone else.
            (
                "だが、リスト型攻撃だけでは被害の集中を説明できない。",
                Some(("list_based_attack", "doubted")),
            ),
            (
                "本当にリスト型攻撃だけが原因なのだろうか。",
                Some(("list_based_attack", "doubted")),
            ),
            (
                "専門家は、リスト型攻撃だけでは説明がつかないと指摘する。",
                Some(("list_based_attack", "reported")),
            ),
            (
                "ITジャーナリストはリスト型攻撃説に疑問を呈した。",
                Some(("list_based_attack", "reported")),
            ),
            (
                "同社は、消費増税前のサービス開始に間に合わせようとした。",
                Some(("rushed_launch", "asserted")),
            ),
            (
                "ログインはIDとパスワードだけで認証できる、素晴らしい手軽さが裏目に出た。",
                Some(("two_factor_auth", "asserted")),
            ),
            // Not negations: a question, a hedge, an admission.
            (
                "同社はリスト型攻撃が原因だと説明しているが、専門家の多くは懐疑的だ。",
                Some(("list_based_attack", "reported")),
            ),
            (
                "被害を広げたのは、リスト型攻撃だけではない。",
                Some(("list_based_attack", "doubted")),
            ),
            (
                "今回の問題の本質は、見切り発車ではない。",
                Some(("rushed_launch", "negated")),
            ),
            (
                "専門家の一人は「ID連携の実装に不備があった可能性は低い」とみる。",
                Some(("external_id_login", "negated")),
            ),
            (
                "見切り発車だったのではないか。",
                Some(("rushed_launch", "asserted")),
            ),
            (
                "二段階認証を入れれば全ての不正を防げるわけではないが、導入すべきだった。",
                Some(("two_factor_auth", "asserted")),
            ),
            (
                "二段階認証を導入していなかったことを含め、対策が十分ではなかったと認識している。",
                Some(("two_factor_auth", "asserted")),
            ),
            (
                "この経路が悪用された可能性も否定できない外部ID連携には注意が要る。",
                Some(("external_id_login", "asserted")),
            ),
        ];
        for (text, want) in cases {
            let got = one(text);
            let got = got.as_ref().map(|(f, s)| (f.as_str(), *s));
            assert_eq!(got, *want, "{text}");
        }
    }

    /// Causes worded as outlets word them, without the frame's key term (sentences written
    /// for this test, one per pattern family).
    #[test]
    fn paraphrases_of_each_cause() {
        let cases: &[(&str, (&str, &str))] = &[
            // Credentials obtained elsewhere, used here.
            (
                "犯人は、別のサービスから盗み出したIDとパスワードを使ってログインを試みたとみられる。",
                ("list_based_attack", "asserted"),
            ),
            (
                "何者かが他社のサイトから不正に入手したパスワードでログインしていた。",
                ("list_based_attack", "asserted"),
            ),
            (
                "アカウントの乗っ取りは、流出したパスワードによるものとみられる。",
                ("list_based_attack", "asserted"),
            ),
            (
                "利用者の多くが複数のサイトで同じパスワードを使っていた。",
                ("list_based_attack", "asserted"),
            ),
            // Tests cut short, the schedule slipped.
            (
                "システム全体のテストも当初の計画より2週間遅れていた。",
                ("rushed_launch", "asserted"),
            ),
            (
                "負荷試験を省略したまま公開に踏み切った。",
                ("rushed_launch", "asserted"),
            ),
            (
                "会員の獲得を急いだ結果、不正対策は手薄になった。",
                ("rushed_launch", "asserted"),
            ),
            (
                "安全対策よりもサービスの早期開始が優先された。",
                ("rushed_launch", "asserted"),
            ),
            (
                "十分なテスト期間を確保できないまま公開した。",
                ("rushed_launch", "asserted"),
            ),
            // Responsibility and corporate culture.
            (
                "運営側の責任は重いと言わざるを得ない。",
                ("governance_management", "asserted"),
            ),
            (
                "今回の事態は、同社の企業体質を露呈した。",
                ("governance_management", "asserted"),
            ),
            (
                "セキュリティーへの意識の低さが招いた事態だ。",
                ("governance_management", "asserted"),
            ),
            // Weak identity checks.
            (
                "口座番号と暗証番号だけで銀行口座をひも付けられる仕組みだった。",
                ("two_factor_auth", "asserted"),
            ),
            (
                "本人確認が不十分なまま口座の開設を認めていた。",
                ("two_factor_auth", "asserted"),
            ),
            (
                "同社は、携帯電話による認証を導入すべきだったと認めた。",
                ("two_factor_auth", "reported"),
            ),
            // Another login route.
            (
                "旧サービスのアカウントを経由した不正ログインが可能になっていた。",
                ("external_id_login", "asserted"),
            ),
            // A shared ID or an app not built for payments.
            (
                "そもそも決済を前提に設計されたIDではなかった。",
                ("omni7_integration", "asserted"),
            ),
            (
                "決済機能は、ポイントアプリに後付けされたものだった。",
                ("omni7_integration", "asserted"),
            ),
            // Password reset.
            (
                "誰でも他人のパスワードを再設定できる状態だった。",
                ("password_reset_flaw", "asserted"),
            ),
            // Stance: a denial of the cue's own verb, a hedged doubt, a question put.
            (
                "乗っ取られた被害者は、IDとパスワードを使い回していなかったと話している。",
                ("list_based_attack", "negated"),
            ),
            (
                "パスワードが漏れて乗っ取られた、とも言い切れないようだ。",
                ("list_based_attack", "doubted"),
            ),
            (
                "社長は、二段階認証を導入しなかった理由を問われ、答えに詰まった。",
                ("two_factor_auth", "reported"),
            ),
            (
                "ネットには「セキュリティー意識が低すぎる」などの声も寄せられている。",
                ("governance_management", "reported"),
            ),
        ];
        for (text, want) in cases {
            let got = one(text);
            let got = got.as_ref().map(|(f, s)| (f.as_str(), *s));
            assert_eq!(got, Some(*want), "{text}");
        }
    }

    #[test]
    fn mentions_are_not_explanations() {
        for text in [
            // Services in a list, measures, the incident's name.
            "7iDは、オムニ7やセブン-イレブンのアプリなど、グループの多くのサービスで使われている。",
            "同社は11日、フェイスブックやLINEなど外部のサービスのIDを使ったログインも停止した。",
            "外部IDでのログイン機能も、不正アクセス問題を受けて停止された。",
            "同社は30日、7iDの全会員のパスワードを一斉にリセットした。",
            "各社はキャッシュレス決済の普及を急いでいた。",
            "経営陣がそろって謝罪した。",
            "お客様には、パスワードを他のサービスと同一のものにしないようお願いいたします。",
            "SMSで確認コードを送る仕組みを来月から導入する。",
            "セブン・ペイは、開発を委託した会社とともに原因を調べている。",
            "加盟店はキャッシュレス決済の導入を急いでいる。",
            "7pay問題をきっかけに、各社はセキュリティー体制の見直しを進めている。",
            // Measures and advice in other incidents: a forced reset, a closed route, a promise.
            "パスワードリセットが完了した会員から、順にサービスを再開する。",
            "なりすましの被害を防ぐため、すべての利用者のパスワードを一斉に初期化した。",
            "他のサービスとは異なるパスワードを設定するよう呼びかけている。",
            "パスワードを使い回していないか、確認してほしい。",
            "NNIDを経由してログインする機能は、本日廃止した。",
            "同社は、企業の責任として被害の全額を補償する方針だ。",
            "同社は、脆弱性の有無を含めて調査を続けている。",
            "審査が甘く、誰でも作れてしまうカードだ。",
            "同社は、セキュリティー体制を強化するため、専門の部署を新設した。",
            "パスワードを忘れた場合は、再設定画面から手続きをしてください。",
            "キャッシュレス決済各社は、ポイント還元で利用者の獲得を競っている。",
        ] {
            assert_eq!(hits(text), [], "{text}");
        }
    }

    #[test]
    fn doubts_and_denials_reach_back() {
        let h = hits(
            "同社は、リスト型アカウントハッキングの可能性が高いと説明する。だが、問題をそこに帰着させるだけでは本質を見誤る。",
        );
        assert_eq!(h[0].1, "doubted", "{h:?}");
        let h = hits(
            "宮地執行役員：外部IDでのログインも調査の対象です。ただ、現時点でそこに問題があったという事実は確認しておりません。",
        );
        assert_eq!(h[0].1, "negated", "{h:?}");
        // A new paragraph does not inherit a doubt.
        let h = hits("同社はリスト型攻撃の可能性が高いと説明した。\n\n本当にそうだろうか。");
        assert_eq!(h[0].1, "reported", "{h:?}");
    }

    #[test]
    fn lists_inherit_their_lead_in() {
        let h = hits(
            "ニュースで言われているのをまとめると、こんな感じ。\n\n・二段階認証がなかった\n・パスワード再設定のメールを、登録していないアドレスに送れた\n",
        );
        assert_eq!(
            h.iter().map(|x| (x.0.as_str(), x.1)).collect::<Vec<_>>(),
            [
                ("two_factor_auth", "reported"),
                ("password_reset_flaw", "reported")
            ]
        );
    }

    #[test]
    fn every_incident_counts_but_boilerplate_does_not() {
        let lx = lexicon();
        // No topic gate: the cause is the same in a Uniqlo article as in a 7pay one.
        let h = hits(
            "ユニクロの通販サイトに不正ログインがあった。\n他のサイトから流出したIDとパスワードを使う「リスト型攻撃」を受けたとみられる。\n",
        );
        assert_eq!(
            h.iter().map(|x| (x.0.as_str(), x.1)).collect::<Vec<_>>(),
            [("list_based_attack", "asserted")]
        );
        // The same sentence in a related-articles list of a 7pay page.
        let text = "セブンペイは1日に始まった。\n\n関連記事\n・二段階認証がなかったセブンペイ\n";
        let norm = normalize::normalize(text);
        let bp = boilerplate::mark(&norm.text);
        let sents = segment::split(&norm.text, &bp);
        assert!(lx.find_frames(&norm.text, &sents).is_empty());
    }

    #[test]
    fn cue_spans_slice_back_to_the_text() {
        let text = "背景には、グループ共通の会員ＩＤ「７ｉＤ」に決済機能を安易に結びつけた設計の問題もあろう。\nさらに言えば、セキュリティーへの意識が低く、パスワ\nード再設定の仕組みに不備があった。";
        let lx = lexicon();
        let norm = normalize::normalize(text);
        let sents = segment::split(&norm.text, &[]);
        let found = lx.find_frames(&norm.text, &sents);
        let cues: Vec<&str> = found.iter().map(|h| &norm.text[h.cue.clone()]).collect();
        // Within a sentence, hits come in lexicon order.
        assert_eq!(
            cues,
            [
                "グループ共通",
                "パスワ\nード再設定の仕組みに不備",
                "セキュリティーへの意識が低"
            ]
        );
        for h in &found {
            assert!(
                sents[h.sentence].range.start <= h.cue.start
                    && h.cue.end <= sents[h.sentence].range.end
            );
        }
    }
}
