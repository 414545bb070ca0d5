//! Stage 3: normalized text -> [`Sentence`] spans.
//!
//! A sentence ends at 。！？!? (with any closing brackets that follow) or at a line
//! break, but never inside 「」『』() unless the bracket runs on for more than
//! [`MAX_QUOTE_BYTES`]: a quoted statement 「…お詫びする。…再開したい」と述べた stays one
//! sentence, so its attribution (と述べた) is seen with it. A hard-wrapped paragraph (text
//! copied from a PDF, lines broken mid-sentence) is rejoined: a line of 20+ characters that
//! does not end a sentence continues on the next non-empty line unless that line starts a
//! list item or is boilerplate; so does a shorter line ending in 、 or a case particle, which
//! no headline or sentence ends with (a print column wrapped at 「被害額は」). Over-long runs without punctuation are cut at
//! [`MAX_SENTENCE_BYTES`] (at a 、 or space when there is one) so that no later stage sees
//! unbounded input.

use std::ops::Range;

use crate::boilerplate;

/// A bracket that stays open longer than this no longer prevents splitting.
pub const MAX_QUOTE_BYTES: usize = 1200;
/// Longest sentence handed to later stages.
pub const MAX_SENTENCE_BYTES: usize = 6000;

/// A sentence: a byte range of the normalized text, trimmed of surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Normalized byte range.
    pub range: Range<usize>,
    /// Whether it lies in boilerplate.
    pub boilerplate: bool,
}

fn is_terminal(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?')
}

fn is_closer(c: char) -> bool {
    matches!(c, '」' | '』' | ')' | '）' | '】' | '"' | '”' | '’')
}

fn starts_list_item(t: &str) -> bool {
    let mut cs = t.chars();
    let Some(c) = cs.next() else { return false };
    if matches!(
        c,
        '・' | '■'
            | '□'
            | '●'
            | '○'
            | '◆'
            | '◇'
            | '▼'
            | '▲'
            | '※'
            | '-'
            | '*'
            | '【'
            | '<'
            | '('
            | '①'..='⑳'
    ) {
        return true;
    }
    // "1." "2)" style labels.
    if c.is_ascii_digit() {
        let rest: String = cs.take(3).collect();
        return rest.starts_with('.') || rest.starts_with(')') || rest.starts_with('、');
    }
    false
}

/// Whether a line ends inside a clause: after 、 or a case particle.
fn ends_mid_clause(line: &str) -> bool {
    line.ends_with([
        '、', ',', 'は', 'が', 'を', 'に', 'で', 'の', 'と', 'も', 'へ',
    ]) && line.chars().count() >= 2
}

/// Splits `text` (normalized) into sentences, flagging those inside `boiler` ranges.
pub fn split(text: &str, boiler: &[Range<usize>]) -> Vec<Sentence> {
    // First pass: logical lines, rejoining hard-wrapped prose.
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    for l in text.split_inclusive('\n') {
        let content_len = l.strip_suffix('\n').map_or(l.len(), str::len);
        lines.push(start..start + content_len);
        start += l.len();
    }
    let mut blocks: Vec<Range<usize>> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let mut r = lines[i].clone();
        loop {
            let t = text[r.clone()].trim_end();
            let last_line = &text[lines[i].clone()];
            let lt = last_line.trim();
            let continues = (lt.chars().count() >= 20 || ends_mid_clause(lt))
                && !lt
                    .ends_with(|c: char| is_terminal(c) || is_closer(c) || matches!(c, ':' | '：'))
                && !t.is_empty()
                && !boilerplate::covers(boiler, &lines[i]);
            if !continues || i + 1 >= lines.len() {
                break;
            }
            let next = &lines[i + 1];
            let nt = text[next.clone()].trim();
            if nt.is_empty() || starts_list_item(nt) || boilerplate::covers(boiler, next) {
                break;
            }
            r.end = next.end;
            i += 1;
        }
        blocks.push(r);
        i += 1;
    }
    let mut out = Vec::new();
    for b in blocks {
        split_block(text, b, boiler, &mut out);
    }
    out
}

fn push_trimmed(text: &str, r: Range<usize>, boiler: &[Range<usize>], out: &mut Vec<Sentence>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead == s.len() {
        return;
    }
    let r = r.start + lead..r.end - trail;
    // A sentence spanning lines is boilerplate only if every line of it is.
    let boilerplate = text[r.clone()]
        .split('\n')
        .scan(r.start, |pos, line| {
            let lr = *pos..*pos + line.len();
            *pos += line.len() + 1;
            Some(lr)
        })
        .filter(|lr| !text[lr.clone()].trim().is_empty())
        .all(|lr| {
            let t = text[lr.clone()].trim();
            let lead = text[lr.clone()].len() - text[lr.clone()].trim_start().len();
            let tr = lr.start + lead..lr.start + lead + t.len();
            // A binary search: a scan of every range for every line was quadratic.
            boilerplate::covers(boiler, &tr)
        });
    out.push(Sentence {
        range: r,
        boilerplate,
    });
}

fn split_block(text: &str, block: Range<usize>, boiler: &[Range<usize>], out: &mut Vec<Sentence>) {
    let s = &text[block.clone()];
    let mut depth: u32 = 0;
    let mut open_at = 0usize;
    let mut sent_start = block.start;
    // The next terminal at or after the scan position (`usize::MAX`: none in the block),
    // found once per terminal, not once per comma, so that the look-ahead stays linear.
    let mut next_terminal: Option<usize> = None;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let at = block.start + i;
        match c {
            '「' | '『' | '(' | '（' | '【' => {
                if depth == 0 {
                    open_at = at;
                }
                depth += 1;
            }
            '」' | '』' | ')' | '）' | '】' => depth = depth.saturating_sub(1),
            '\n' if depth == 0 || at - open_at > MAX_QUOTE_BYTES => {
                // A line break inside a rejoined block is a space, not an end.
                depth = 0;
            }
            _ => {}
        }
        if depth > 0 && at - open_at > MAX_QUOTE_BYTES {
            depth = 0;
        }
        let mut end = None;
        if is_terminal(c) && depth == 0 {
            let mut e = at + c.len_utf8();
            // Keep closing brackets and repeated marks with the sentence (。」 ！？).
            while let Some(&(j, d)) = it.peek() {
                if is_closer(d) || is_terminal(d) {
                    e = block.start + j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            end = Some(e);
        } else if at + c.len_utf8() - sent_start >= MAX_SENTENCE_BYTES {
            end = Some(at + c.len_utf8());
        } else if matches!(c, '、' | ' ')
            && at + c.len_utf8() - sent_start >= MAX_SENTENCE_BYTES / 2
        {
            // Prefer cutting a very long run at a comma or space, unless a terminal comes
            // soon. (A byte bound: slicing the text there could split a character.)
            let t = match next_terminal {
                Some(t) if t >= at => t,
                _ => text[at..block.end]
                    .find(is_terminal)
                    .map_or(usize::MAX, |k| at + k),
            };
            next_terminal = Some(t);
            if t - at >= MAX_SENTENCE_BYTES / 2 {
                end = Some(at + c.len_utf8());
            }
        }
        if let Some(e) = end {
            push_trimmed(text, sent_start..e, boiler, out);
            sent_start = e;
        }
    }
    if sent_start < block.end {
        push_trimmed(text, sent_start..block.end, boiler, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        split(text, &[])
            .into_iter()
            .map(|s| &text[s.range])
            .collect()
    }

    #[test]
    fn splits_at_terminals_and_lines() {
        assert_eq!(
            texts("被害は約900人。約5500万円だった!\n見出し\n次の文です"),
            [
                "被害は約900人。",
                "約5500万円だった!",
                "見出し",
                "次の文です"
            ]
        );
    }

    #[test]
    fn keeps_quotes_together() {
        assert_eq!(
            texts("小林社長は「深くお詫びする。再開したい」と述べた。次。"),
            ["小林社長は「深くお詫びする。再開したい」と述べた。", "次。"]
        );
        assert_eq!(texts("「本当か。」\n"), ["「本当か。」"]);
    }

    #[test]
    fn rejoins_hard_wrapped_prose_but_not_lists() {
        let t = "読売新聞の報道によればサービス開始後に不正利用が見つかっても\n当初は楽観論が支配的だったという。\n・項目一\n・項目二";
        assert_eq!(
            texts(t),
            [
                "読売新聞の報道によればサービス開始後に不正利用が見つかっても\n当初は楽観論が支配的だったという。",
                "・項目一",
                "・項目二"
            ]
        );
    }

    #[test]
    fn rejoins_short_lines_broken_mid_clause() {
        let t = "記者会見では、\n約九百人、約五千五百万円の被害が出ている\nと明らかにした。\n被害者は八百八人、被害額は\n三千八百六十一万円に上る。\n見出し\n本文。";
        assert_eq!(
            texts(t),
            [
                "記者会見では、\n約九百人、約五千五百万円の被害が出ている\nと明らかにした。",
                "被害者は八百八人、被害額は\n三千八百六十一万円に上る。",
                "見出し",
                "本文。"
            ]
        );
    }

    #[test]
    fn cuts_runaway_text() {
        let t = "あ".repeat(10_000);
        let s = split(&t, &[]);
        assert!(s.len() >= 2);
        assert!(s.iter().all(|x| x.range.len() <= MAX_SENTENCE_BYTES + 3));
        assert_eq!(s.last().unwrap().range.end, t.len());
    }

    #[test]
    fn cuts_long_runs_without_full_stops_on_character_boundaries() {
        // Issue 16.1: the look-ahead for a full stop sliced the text at a fixed byte count,
        // inside a character (「人が いた、」×600 panicked at byte 3000).
        for t in [
            "人が いた、".repeat(600),
            "3.14 一 ".repeat(1500),
            format!("{}。", "あ、".repeat(2000)),
        ] {
            let s = split(&t, &[]);
            assert!(s.len() >= 2, "{}", &t[..30]);
            for x in &s {
                assert!(t.is_char_boundary(x.range.start) && t.is_char_boundary(x.range.end));
                assert!(x.range.len() <= MAX_SENTENCE_BYTES);
            }
            assert_eq!(s.last().unwrap().range.end, t.trim_end().len());
        }
        // A comma cut is taken only when no full stop follows soon.
        let t = format!("{}、{}。", "あ".repeat(1200), "い".repeat(100));
        assert_eq!(split(&t, &[]).len(), 1);
    }

    #[test]
    fn flags_boilerplate_sentences() {
        let t = "関連記事\n本文の文。";
        let heading = 0.."関連記事".len();
        let s = split(t, std::slice::from_ref(&heading));
        assert!(s[0].boilerplate);
        assert!(!s[1].boilerplate);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn messy() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "。",
            "、",
            "!",
            "?",
            "「",
            "」",
            "『",
            "』",
            "(",
            ")",
            "\n",
            " ",
            "・",
            "1.",
            "①",
            "関連記事",
            "© 2019",
            "ツイート",
            "ホーム > 経済",
            "本文の文です",
            "あ",
            "━━━",
            "ログイン",
        ])
        .prop_map(str::to_string);
        let any = any::<char>().prop_map(|c| c.to_string());
        prop::collection::vec(prop_oneof![6 => piece, 1 => any], 0..120).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn sentences_and_boilerplate_are_valid(text in messy()) {
            let boiler = crate::boilerplate::mark(&text);
            let mut last = 0;
            for r in &boiler {
                prop_assert!(r.start >= last && r.start <= r.end && r.end <= text.len());
                prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                last = r.end;
            }
            let sentences = split(&text, &boiler);
            let mut last = 0;
            for s in &sentences {
                let r = &s.range;
                prop_assert!(r.start >= last && r.start < r.end && r.end <= text.len(), "{r:?}");
                prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                prop_assert_eq!(text[r.clone()].trim(), &text[r.clone()]);
                last = r.end;
            }
            // Nothing but whitespace is left out.
            let covered: usize = sentences.iter().map(|s| s.range.len()).sum();
            let non_space: usize = text.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum();
            prop_assert!(covered >= non_space);
        }
    }
}
