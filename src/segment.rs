//! Stage 3: normalized text -> [`Sentence`] spans.
//!
//! A sentence ends at 。！？!? (with any closing brackets that follow) or at a line
//! break, but never inside 「」『』() unless the bracket runs on for more than
//! [`MAX_QUOTE_BYTES`]: a quoted statement 「…お詫びする。…再開したい」と述べた stays one
//! sentence, so its attribution (と述べた) is seen with it. A hard-wrapped paragraph (text
//! copied from a PDF, lines broken mid-sentence) is rejoined: a line of 20+ characters that
//! does not end a sentence continues on the next non-empty line unless that line starts a
//! list item or is boilerplate. Over-long runs without punctuation are cut at
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
            let continues = lt.chars().count() >= 20
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
            boiler
                .iter()
                .any(|b| b.start <= tr.start && tr.end <= b.end)
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
            // Prefer cutting a very long run at a comma or space.
            let rest = &text[at..block.end];
            if !rest[..rest.len().min(MAX_SENTENCE_BYTES / 2)].contains(is_terminal) {
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
    fn cuts_runaway_text() {
        let t = "あ".repeat(10_000);
        let s = split(&t, &[]);
        assert!(s.len() >= 2);
        assert!(s.iter().all(|x| x.range.len() <= MAX_SENTENCE_BYTES + 3));
        assert_eq!(s.last().unwrap().range.end, t.len());
    }

    #[test]
    fn flags_boilerplate_sentences() {
        let t = "関連記事\n本文の文。";
        let boilerplate = std::iter::once(0.."関連記事".len()).collect::<Vec<_>>();
        let s = split(t, &boilerplate);
        assert!(s[0].boilerplate);
        assert!(!s[1].boilerplate);
    }
}
