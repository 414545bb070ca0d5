//! Boilerplate marking: which lines of a normalized page are navigation, share buttons,
//! related-article lists, ads, comments prompts and copyright lines rather than the article.
//!
//! Nothing is deleted: the result is a list of line ranges (normalized byte offsets).
//! Mentions and entities found there carry a `boilerplate` flag; facts, frames and the
//! aggregates read only the article body.
//!
//! The rules are line-based:
//! 1. a line with a strong marker (©, 関連記事, シェア, ログイン, 広告, breadcrumbs
//!    `ホーム > 経済`, rules made of ━ or -, ...) is boilerplate; a long line that reads like
//!    prose (ends with 。 and has 40+ characters) never is, unless it carries ©;
//! 2. after a list heading (関連記事, あわせて読みたい, 人気記事, Popular, ...) the following
//!    short lines are list items, up to a blank line followed by prose;
//! 3. a short line without sentence punctuation between two boilerplate lines is
//!    boilerplate too (a headline in a widget), while one next to prose stays body.

use std::ops::Range;

/// Strong markers: a line containing one of these (and not reading like prose) is
/// boilerplate wherever the marker stands.
const STRONG_MARKERS: &[&str] = &[
    "©",
    "Copyright",
    "COPYRIGHT",
    "All Rights Reserved",
    "All rights reserved",
    "無断転載",
    "無断複製",
    "ツイート",
    "はてブ",
    "はてなブックマーク",
    "LINEで送る",
    "Pocket",
    "利用規約",
    "プライバシーポリシー",
    "サイトマップ",
    "ページの先頭",
    "トップへ戻る",
];

/// Weak markers: words that also occur in news prose (「新規会員登録を停止」,
/// 「お問い合わせがあった」). They mark a line only when they start it or make up at least
/// [`WEAK_SHARE`] of its characters (「ログイン | 会員登録(無料)」).
const WEAK_MARKERS: &[&str] = &[
    "シェア",
    "いいね",
    "フォロー",
    "ログイン",
    "会員登録",
    "新規登録",
    "会員限定",
    "有料会員",
    "購読",
    "広告",
    "スポンサー",
    "お問い合わせ",
    "媒体資料",
    "次の記事",
    "前の記事",
    "続きを読む",
    "続きは",
    "もっと見る",
    "コメント",
    "印刷",
    "文字サイズ",
    "今なら",
    "初月無料",
    "無料登録",
    "ご登録",
    "クリック",
    "ランキング",
    "バナー",
    "メールマガジン",
    "メルマガ",
    "友達追加",
    "保存",
    "登録",
    "無料",
];

/// Share of a line's characters that weak markers must cover.
const WEAK_SHARE: f64 = 0.4;

/// One automaton per marker list: a line is scanned once, not once per marker.
fn automaton(words: &[&str]) -> aho_corasick::AhoCorasick {
    aho_corasick::AhoCorasick::new(words).expect("marker lists are small literal sets")
}

static STRONG: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| automaton(STRONG_MARKERS));
static WEAK: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| automaton(WEAK_MARKERS));

fn has_marker(t: &str) -> bool {
    if STRONG.is_match(t) {
        return true;
    }
    let core = t.trim_start_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '■' | '□' | '●' | '◆' | '▼' | '【' | '[' | '(' | '<' | '・' | '※'
            )
    });
    // An advertisement label: "PR 夏のポイント祭り", "PR:".
    if core.starts_with("PR") && !core[2..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return true;
    }
    // Short words (登録, 無料) are too common to mark a line by starting it.
    if WEAK_MARKERS
        .iter()
        .any(|m| m.chars().count() >= 3 && core.starts_with(m))
    {
        return true;
    }
    // Characters covered by weak markers, each counted once. Each marker's occurrences
    // are taken left to right without overlapping each other (as `str::match_indices`
    // would: クリックリック holds one クリック), from one overlapping scan for all markers.
    let mut covered = vec![false; t.len()];
    let mut last_end = [0usize; WEAK_MARKERS.len()];
    for m in WEAK.find_overlapping_iter(t) {
        let k = m.pattern().as_usize();
        if m.start() >= last_end[k] {
            last_end[k] = m.end();
            covered[m.range()].iter_mut().for_each(|c| *c = true);
        }
    }
    let covered_chars = t.char_indices().filter(|&(i, _)| covered[i]).count();
    covered_chars as f64 >= WEAK_SHARE * t.chars().count() as f64
}

/// Headings that start a list of links.
const LIST_HEADINGS: &[&str] = &[
    "関連記事",
    "関連ニュース",
    "関連リンク",
    "あわせて読みたい",
    "合わせて読みたい",
    "こちらもおすすめ",
    "おすすめ記事",
    "人気記事",
    "よく読まれている記事",
    "アクセスランキング",
    "最新記事",
    "最新ニュース",
    "新着記事",
    "注目記事",
    "Popular",
    "Recommended",
    "Related",
    "RANKING",
    "Ranking",
    "コメント",
    "Comments",
    "一覧",
];

fn is_rule_line(t: &str) -> bool {
    let n = t.chars().count();
    n >= 3
        && t.chars().all(|c| {
            matches!(
                c,
                '━' | '─'
                    | '-'
                    | '='
                    | '_'
                    | '*'
                    | '＊'
                    | '~'
                    | '・'
                    | '↓'
                    | '↑'
                    | '→'
                    | '«'
                    | '»'
                    | '|'
                    | '/'
                    | ' '
            )
        })
}

fn reads_like_prose(t: &str) -> bool {
    let n = t.chars().count();
    n >= 40 && (t.ends_with('。') || t.ends_with('」') || t.ends_with(')')) && t.contains('。')
}

fn is_breadcrumb(t: &str) -> bool {
    (t.contains(" > ") || t.contains(">") && t.starts_with("ホーム"))
        || t.starts_with("ホーム") && t.chars().count() < 40
        || t.starts_with("トップ >")
}

fn is_list_heading(t: &str) -> bool {
    let core = t.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '■' | '□' | '●' | '◆' | '▼' | '【' | '】' | '[' | ']' | ':' | '<' | '>'
            )
    });
    LIST_HEADINGS.iter().any(|h| {
        core == *h || (core.starts_with(h) && core.chars().count() <= h.chars().count() + 6)
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Blank,
    Body,
    Boiler,
    Neutral,
}

/// Line ranges (normalized byte offsets, without the line break) that are boilerplate,
/// merged and sorted.
pub fn mark(text: &str) -> Vec<Range<usize>> {
    let mut lines: Vec<(Range<usize>, Class)> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let r = start..start + content.len();
        start += line.len();
        let t = content.trim();
        let class = if t.is_empty() {
            Class::Blank
        } else if reads_like_prose(t) && !t.contains('©') && !t.contains("Copyright") {
            Class::Body
        } else if is_rule_line(t) || is_breadcrumb(t) || is_list_heading(t) || has_marker(t) {
            Class::Boiler
        } else if t.contains('。') && t.chars().count() >= 15 {
            Class::Body
        } else {
            Class::Neutral
        };
        lines.push((r, class));
    }
    // 2. list items after a list heading.
    let mut i = 0;
    while i < lines.len() {
        let t = text[lines[i].0.clone()].trim();
        if lines[i].1 == Class::Boiler && is_list_heading(t) {
            let mut j = i + 1;
            let mut blanks = 0;
            while j < lines.len() {
                match lines[j].1 {
                    Class::Blank => blanks += 1,
                    Class::Body => break,
                    Class::Neutral => {
                        // A blank line followed by a long line ends the list.
                        let len = text[lines[j].0.clone()].trim().chars().count();
                        if blanks > 0 && len >= 40 {
                            break;
                        }
                        lines[j].1 = Class::Boiler;
                        blanks = 0;
                    }
                    Class::Boiler => blanks = 0,
                }
                j += 1;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    // 3. short neutral lines between boilerplate neighbours.
    let non_blank: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].1 != Class::Blank)
        .collect();
    let snapshot: Vec<Class> = lines.iter().map(|l| l.1).collect();
    for (pos, &k) in non_blank.iter().enumerate() {
        if snapshot[k] != Class::Neutral {
            continue;
        }
        let prev = pos.checked_sub(1).map(|p| snapshot[non_blank[p]]);
        let next = non_blank.get(pos + 1).map(|&n| snapshot[n]);
        let boiler_or_edge = |c: Option<Class>| matches!(c, Some(Class::Boiler) | None);
        let short = text[lines[k].0.clone()].trim().chars().count() < 30;
        let some_boiler = prev == Some(Class::Boiler) || next == Some(Class::Boiler);
        if short && boiler_or_edge(prev) && boiler_or_edge(next) && some_boiler {
            lines[k].1 = Class::Boiler;
        }
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    for (r, c) in lines {
        if c != Class::Boiler || r.is_empty() {
            continue;
        }
        out.push(r);
    }
    out
}

/// The union of `ranges` (from [`mark`]) and the lines `marked` beforehand (a web page's
/// lines outside its main content), sorted, overlapping ranges merged.
pub fn with_marked(mut ranges: Vec<Range<usize>>, marked: &[Range<usize>]) -> Vec<Range<usize>> {
    if marked.is_empty() {
        return ranges;
    }
    ranges.extend(marked.iter().cloned());
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start < last.end || (r.start == last.start && r.end == last.end) => {
                last.end = last.end.max(r.end)
            }
            _ => out.push(r),
        }
    }
    out
}

/// Whether `r` lies inside one of the sorted `ranges`.
pub fn covers(ranges: &[Range<usize>], r: &Range<usize>) -> bool {
    let i = ranges.partition_point(|b| b.end < r.end);
    ranges
        .get(i)
        .is_some_and(|b| b.start <= r.start && r.end <= b.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked_lines(text: &str) -> Vec<&str> {
        mark(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn marks_navigation_share_related_and_copyright() {
        let page = "ホーム > 経済 > IT\n\
                    ツイート シェア はてブ\n\
                    セブンペイ、新規登録を停止\n\
                    \n\
                    セブン&アイ・ホールディングスは4日、スマホ決済「7pay」で不正アクセスがあったと発表した。被害は約900人、約5500万円にのぼる。\n\
                    \n\
                    関連記事\n\
                    ファミペイ、7月1日開始\n\
                    PayPay、100億円キャンペーン再び\n\
                    \n\
                    © 2019 Example News\n";
        let got = marked_lines(page);
        assert_eq!(
            got,
            [
                "ホーム > 経済 > IT",
                "ツイート シェア はてブ",
                "関連記事",
                "ファミペイ、7月1日開始",
                "PayPay、100億円キャンペーン再び",
                "© 2019 Example News",
            ]
        );
    }

    #[test]
    fn prose_mentioning_a_marker_word_stays_body() {
        let page = "同社は会見で、ログイン時の本人確認を強化すると説明した。外部IDによるログインも停止している。\n";
        assert!(mark(page).is_empty());
    }

    #[test]
    fn weak_markers_need_to_dominate_a_line() {
        for (line, want) in [
            ("同日18時5分 新規会員登録を停止", false),
            (
                "7月2日 利用者から「身に覚えがない」とのお問い合わせを受けた",
                false,
            ),
            ("セブンペイ、新規登録を停止", false),
            ("ログイン | 会員登録(無料)", true),
            ("有料会員なら初月無料 →今すぐ登録", true),
            ("PR 夏のポイント祭り 総額1億円分が当たる!", true),
            ("【本件に関するお問い合わせ先】", true),
            ("© 2019 Example News", true),
        ] {
            assert_eq!(has_marker(line), want, "{line}");
        }
    }

    #[test]
    fn weak_marker_cover_counts_each_occurrence_once() {
        // クリック overlaps itself: クリックリック holds one occurrence (4 characters),
        // not two overlapping ones covering 7 (7 of 12 would make the line boilerplate).
        assert!(!has_marker("あいうえおクリックリック"));
        assert!(has_marker("あいうえおクリックのクリック"));
    }

    #[test]
    fn covers_checks_containment() {
        let ranges = vec![0..10, 20..30];
        assert!(covers(&ranges, &(2..5)));
        assert!(covers(&ranges, &(20..30)));
        assert!(!covers(&ranges, &(8..12)));
        assert!(!covers(&ranges, &(12..15)));
    }
}
