//! Stage 2: original text -> [`NormalizedText`], a folded copy plus an offset map back.
//!
//! Every later stage reads the normalized string; every span it reports is mapped back
//! through [`OffsetMap`] so that `&original[span]` is exactly what the page printed
//! (「３８６１万円」, not 「3861万円」). The map is a sorted list of segments, each either an
//! identity run (copied bytes, mapped linearly) or a replacement (one original range became
//! zero or more normalized bytes). Invariants, checked by the tests and property tests:
//!
//! - the map is monotonic: a later normalized position never maps before an earlier one;
//! - `map_range` of any range on normalized char boundaries lands on original char
//!   boundaries, and covers the whole original text of the characters in that range.
//!
//! What is folded, and why:
//! - full-width ASCII (`３８，６１５`, `ＩＤ`) to ASCII, the ideographic space to a space,
//!   half-width katakana to full-width (so numbers and words look the same everywhere);
//! - wave dashes `〜` and `～` to `~` (ranges: 1~2カ月);
//! - `\r\n` and lone `\r` to `\n`; control characters (NUL padding, form feeds) and
//!   zero-width characters are removed;
//! - HTML (for `.html` input): tags and comments removed, block tags become `\n`, `script`
//!   and `style` content removed, character references decoded;
//! - PDF-style spaces inside figures are removed: 「38,615,473 円」, 「7 月 31 日 17:00」,
//!   「808 人」, also a single line break between a digit and its unit (「808\n人」).
//!
//! Not folded: kanji numerals (the extractor reads them), circled digits (① is a list label,
//! not 1), and spelling variants such as 二段階/2段階 (the frame lexicon and entity aliases
//! fold those where they match, so tokenization sees the text as printed).

use std::ops::Range;

/// A normalized copy of a document's text with a map back to the original.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    /// The folded text that later stages read.
    pub text: String,
    /// Maps byte offsets in `text` to byte offsets in the original.
    pub map: OffsetMap,
    /// Lines (normalized byte ranges) known to be boilerplate before any line rule runs:
    /// for a web page, the lines outside its main content.
    pub marked: Vec<Range<usize>>,
}

/// One run of the offset map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg {
    n_start: u32,
    n_len: u32,
    o_start: u32,
    o_len: u32,
    identity: bool,
}

/// Sorted, gap-free segments covering both the normalized and the original text.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    segs: Vec<Seg>,
    orig_len: u32,
    norm_len: u32,
}

impl OffsetMap {
    /// Maps a normalized start offset to the original start offset.
    ///
    /// A position inside a replacement maps to the replacement's start, so a span never
    /// begins in the middle of an original character.
    pub fn map_start(&self, p: usize) -> usize {
        let p = p as u32;
        if p >= self.norm_len {
            return self.orig_len as usize;
        }
        // First non-empty segment whose normalized end lies beyond p.
        let i = self.segs.partition_point(|s| s.n_start + s.n_len <= p);
        let Some(s) = self.segs.get(i) else {
            return self.orig_len as usize;
        };
        if s.identity {
            (s.o_start + (p - s.n_start)) as usize
        } else {
            s.o_start as usize
        }
    }

    /// Maps a normalized end offset (exclusive) to the original end offset.
    ///
    /// A position inside a replacement maps to the replacement's end; deleted text right
    /// after the span (a removed PDF space) is not included.
    pub fn map_end(&self, p: usize) -> usize {
        let p = p as u32;
        if p == 0 {
            return 0;
        }
        // Last non-empty segment that starts before p.
        let i = self.segs.partition_point(|s| s.n_start < p);
        let mut j = i;
        while j > 0 {
            j -= 1;
            let s = &self.segs[j];
            if s.n_len == 0 {
                continue;
            }
            return if s.identity {
                (s.o_start + (p.min(s.n_start + s.n_len) - s.n_start)) as usize
            } else {
                (s.o_start + s.o_len) as usize
            };
        }
        0
    }

    /// Maps a normalized byte range to the original byte range.
    pub fn map_range(&self, r: Range<usize>) -> Range<usize> {
        if r.start >= r.end {
            let s = self.map_start(r.start);
            return s..s;
        }
        self.map_start(r.start)..self.map_end(r.end)
    }

    /// Length of the original text in bytes.
    pub fn orig_len(&self) -> usize {
        self.orig_len as usize
    }

    /// Whether the normalized text is byte-for-byte the original.
    pub fn is_identity(&self) -> bool {
        self.segs.iter().all(|s| s.identity)
    }
}

/// Builds the normalized string and its map at the same time.
struct Builder {
    out: String,
    segs: Vec<Seg>,
}

impl Builder {
    fn with_capacity(n: usize) -> Self {
        Builder {
            out: String::with_capacity(n),
            segs: Vec::with_capacity(64),
        }
    }

    /// Copies `orig[range]` unchanged.
    fn copy(&mut self, orig: &str, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let n_start = self.out.len() as u32;
        self.out.push_str(&orig[range.clone()]);
        let len = (range.end - range.start) as u32;
        if let Some(last) = self.segs.last_mut()
            && last.identity
            && last.n_start + last.n_len == n_start
            && last.o_start + last.o_len == range.start as u32
        {
            last.n_len += len;
            last.o_len += len;
            return;
        }
        self.segs.push(Seg {
            n_start,
            n_len: len,
            o_start: range.start as u32,
            o_len: len,
            identity: true,
        });
    }

    /// Replaces `orig[range]` with `with` (which may be empty: a deletion).
    fn replace(&mut self, range: Range<usize>, with: &str) {
        let n_start = self.out.len() as u32;
        self.out.push_str(with);
        self.segs.push(Seg {
            n_start,
            n_len: with.len() as u32,
            o_start: range.start as u32,
            o_len: (range.end - range.start) as u32,
            identity: false,
        });
    }

    fn finish(self, orig_len: usize) -> NormalizedText {
        let norm_len = self.out.len() as u32;
        NormalizedText {
            text: self.out,
            marked: Vec::new(),
            map: OffsetMap {
                segs: self.segs,
                orig_len: orig_len as u32,
                norm_len,
            },
        }
    }
}

/// Folds one character; `None` means "keep as is".
fn fold_char(c: char) -> Option<char> {
    match c {
        // Full-width ASCII variants (！ .. ～); the full-width tilde becomes a range mark.
        '\u{FF5E}' | '\u{301C}' => Some('~'),
        '\u{FF01}'..='\u{FF5D}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        // Minus sign and full-width hyphen-minus variants used in figures.
        '\u{2212}' => Some('-'),
        _ => None,
    }
}

/// Invisible characters that carry no text: C0/C1 controls other than tab and line feed
/// (NUL padding, form feeds), zero-width spaces and joiners, a byte-order mark inside the
/// text. They are removed (and mapped), so that they never split a word or a figure.
fn is_dropped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn is_halfwidth_katakana(c: char) -> bool {
    ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

/// Spaces that a PDF or a careless copy puts inside figures. The ideographic space is not
/// one of them: Japanese layout uses it on purpose (「2　日経平均」 is a rank label and a
/// word, not 「2日」).
fn is_hspace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{00A0}')
}

/// Characters that follow a figure as its unit or counter, across which a PDF-style space
/// or a line break is removed: 「808 人」, 「38,615,473 円」, 「7 月」.
fn is_unit_char(c: char) -> bool {
    matches!(
        c,
        '円' | '人'
            | '名'
            | '件'
            | '社'
            | '年'
            | '月'
            | '日'
            | '時'
            | '分'
            | '秒'
            | '万'
            | '億'
            | '兆'
            | '千'
            | '%'
            | '％'
            | '倍'
            | '割'
            | '個'
            | '回'
            | '店'
            | '点'
            | 'つ'
            | '歳'
            | '台'
            | '枚'
            | 'カ'
            | 'ヶ'
            | 'ケ'
            | 'か'
            | '箇'
    )
}

/// Characters after which a space before a digit is removed: 「7 月 31 日」, 「約 900 人」.
fn joins_following_digit(c: char) -> bool {
    matches!(c, '年' | '月' | '日' | '時' | '分' | '約' | '計' | '第')
}

fn is_digit_like(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Normalizes plain text. See the module documentation for what is folded.
pub fn normalize(orig: &str) -> NormalizedText {
    let mut b = Builder::with_capacity(orig.len());
    normalize_into(orig, 0..orig.len(), &mut b);
    b.finish(orig.len())
}

/// Normalizes `orig[range]` into the builder (shared by the plain-text and HTML paths).
fn normalize_into(orig: &str, range: Range<usize>, b: &mut Builder) {
    let s = &orig[range.clone()];
    let base = range.start;
    let mut copy_from = base; // start of the pending identity run
    let mut prev: Option<char> = b.out.chars().next_back();
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let at = base + i;
        let end = at + c.len_utf8();
        // CR LF / lone CR -> LF.
        if c == '\r' {
            b.copy(orig, copy_from..at);
            if matches!(iter.peek(), Some((_, '\n'))) {
                b.replace(at..end, "");
            } else {
                b.replace(at..end, "\n");
                prev = Some('\n');
            }
            copy_from = end;
            continue;
        }
        // PDF-style spaces inside figures: a run of horizontal spaces (or one line break)
        // between a digit and a unit, or between a date unit / hedge and a digit. Only
        // after such a character is the run read ahead: reading it from each of its
        // spaces made a long run of spaces quadratic.
        let may_join = |p: char| p.is_ascii_digit() || p == ',' || joins_following_digit(p);
        if (is_hspace(c) || c == '\n') && prev.is_some_and(may_join) {
            let mut j = end;
            let mut newlines = usize::from(c == '\n');
            let mut rest = s[j - base..].chars();
            let mut next = None;
            for d in rest.by_ref() {
                if is_hspace(d) {
                    j += d.len_utf8();
                } else if d == '\n' && newlines == 0 {
                    newlines += 1;
                    j += 1;
                } else if d == '\r' && newlines == 0 {
                    j += 1;
                } else {
                    next = Some(d);
                    break;
                }
            }
            if let (Some(p), Some(n)) = (prev, next) {
                let digit_then_unit = (p.is_ascii_digit() || p == ',') && is_unit_char(n);
                let unit_then_digit = newlines == 0 && joins_following_digit(p) && is_digit_like(n);
                // A line break joins only a digit to its unit (「808\n人」), never two words.
                if digit_then_unit || unit_then_digit {
                    b.copy(orig, copy_from..at);
                    b.replace(at..j, "");
                    copy_from = j;
                    // Skip the consumed characters.
                    while let Some(&(k, _)) = iter.peek() {
                        if base + k < j {
                            iter.next();
                        } else {
                            break;
                        }
                    }
                    continue;
                }
            }
        }
        if is_halfwidth_katakana(c) {
            // Compose with a following half-width voiced / semi-voiced mark (ｶﾞ -> ガ).
            let mut j = end;
            if let Some(&(_, n)) = iter.peek()
                && matches!(n, '\u{FF9E}' | '\u{FF9F}')
            {
                iter.next();
                j += n.len_utf8();
            }
            let folded: String =
                unicode_normalization::UnicodeNormalization::nfkc(&orig[at..j]).collect();
            b.copy(orig, copy_from..at);
            b.replace(at..j, &folded);
            copy_from = j;
            prev = folded.chars().next_back();
            continue;
        }
        if is_dropped(c) {
            b.copy(orig, copy_from..at);
            b.replace(at..end, "");
            copy_from = end;
            continue;
        }
        if let Some(f) = fold_char(c) {
            b.copy(orig, copy_from..at);
            let mut buf = [0u8; 4];
            b.replace(at..end, f.encode_utf8(&mut buf));
            copy_from = end;
            prev = Some(f);
            continue;
        }
        prev = Some(c);
    }
    b.copy(orig, copy_from..range.end);
}

/// Normalizes a web page through its [`Layout`](crate::corpus::html::Layout): text is
/// normalized as plain text, character references become what they decode to (folded
/// like text; a no-break space becomes a space), block markup a line break, other markup
/// and dropped content (scripts, styles, comments) nothing. Spans still map into the HTML
/// source. Lines holding only boilerplate pieces (outside the page's main content) are
/// returned in [`NormalizedText::marked`].
pub fn normalize_html(orig: &str, layout: &crate::corpus::html::Layout) -> NormalizedText {
    use crate::corpus::html::PieceKind;
    let mut b = Builder::with_capacity(orig.len());
    // Normalized ranges of text pieces, and whether they are boilerplate.
    let mut texts: Vec<(Range<usize>, bool)> = Vec::new();
    for p in &layout.pieces {
        let r = p.start as usize..p.end as usize;
        let n0 = b.out.len();
        match p.kind {
            PieceKind::Text => normalize_into(orig, r, &mut b),
            PieceKind::Ref { .. } => {
                let folded: String = layout
                    .decoded_of(p)
                    .chars()
                    .map(|c| match c {
                        '\u{A0}' => ' ',
                        c if is_dropped(c) => ' ',
                        c => fold_char(c).unwrap_or(c),
                    })
                    .collect();
                b.replace(r, &folded);
            }
            PieceKind::Break => b.replace(r, "\n"),
            PieceKind::Drop => b.replace(r, ""),
        }
        if matches!(p.kind, PieceKind::Text | PieceKind::Ref { .. }) && b.out.len() > n0 {
            texts.push((n0..b.out.len(), p.boilerplate));
        }
    }
    let mut n = b.finish(orig.len());
    n.marked = boilerplate_lines(&n.text, &texts);
    n
}

/// The content ranges of the lines of `text` whose visible characters all come from
/// boilerplate pieces.
fn boilerplate_lines(text: &str, texts: &[(Range<usize>, bool)]) -> Vec<Range<usize>> {
    let mut starts = vec![0usize];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    // 0: nothing seen, 1: boilerplate only, 2: body text.
    let mut state = vec![0u8; starts.len()];
    for (r, boiler) in texts {
        let mut line = starts.partition_point(|&s| s <= r.start) - 1;
        while line < starts.len() && starts[line] < r.end.max(r.start + 1) {
            let end = starts.get(line + 1).map_or(text.len(), |&e| e - 1);
            let (a, z) = (r.start.max(starts[line]), r.end.min(end));
            if a < z && !text[a..z].trim().is_empty() {
                state[line] = if *boiler { state[line].max(1) } else { 2 };
            }
            line += 1;
        }
    }
    state
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == 1)
        .map(|(i, _)| {
            let end = starts.get(i + 1).map_or(text.len(), |&e| e - 1);
            starts[i]..end
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orig_of<'a>(orig: &'a str, n: &NormalizedText, needle: &str) -> &'a str {
        let at = n.text.find(needle).expect("needle in normalized text");
        &orig[n.map.map_range(at..at + needle.len())]
    }

    #[test]
    fn folds_fullwidth_digits_and_maps_back() {
        let orig = "被害額は３８６１万円。";
        let n = normalize(orig);
        assert_eq!(n.text, "被害額は3861万円。");
        assert_eq!(orig_of(orig, &n, "3861万円"), "３８６１万円");
        assert_eq!(orig_of(orig, &n, "被害額"), "被害額");
    }

    #[test]
    fn joins_pdf_spaced_figures() {
        for (orig, want, surface, orig_surface) in [
            (
                "808 人 / 38,615,473 円(7 月 31 日 17:00 現在)",
                "808人 / 38,615,473円(7月31日17:00 現在)",
                "38,615,473円",
                "38,615,473 円",
            ),
            (
                "(7 月 31 日 17:00 現在)",
                "(7月31日17:00 現在)",
                "7月31日17:00",
                "7 月 31 日 17:00",
            ),
            ("2001 年には", "2001年には", "2001年", "2001 年"),
            ("被害は808\n人に", "被害は808人に", "808人", "808\n人"),
            ("約 900 人", "約900人", "約900人", "約 900 人"),
        ] {
            let n = normalize(orig);
            assert_eq!(n.text, want, "{orig}");
            assert_eq!(orig_of(orig, &n, surface), orig_surface, "{orig}");
        }
    }

    #[test]
    fn keeps_spaces_between_words() {
        let n = normalize("7月1日 セブンペイサービス開始。\n7月3日 不正利用");
        assert_eq!(n.text, "7月1日 セブンペイサービス開始。\n7月3日 不正利用");
        // A line break never joins a date unit to the next line's digits.
        let n = normalize("7月4日\n2019年");
        assert_eq!(n.text, "7月4日\n2019年");
    }

    #[test]
    fn crlf_and_halfwidth_katakana() {
        let orig = "ｶﾞｲﾄﾞ\r\n次\r行";
        let n = normalize(orig);
        assert_eq!(n.text, "ガイド\n次\n行");
        assert_eq!(orig_of(orig, &n, "ガイド"), "ｶﾞｲﾄﾞ");
        assert_eq!(orig_of(orig, &n, "次"), "次");
        // A deleted character before a span is not part of it.
        assert_eq!(orig_of(orig, &n, "\n次"), "\n次");
    }

    #[test]
    fn html_is_reduced_to_text_with_offsets_into_the_source() {
        let orig = "<html><head><style>p{color:red}</style><title>見出し</title></head>\
                    <body><p>被害額は<b>３８６１万円</b>&amp;808人&ldquo;だった&rdquo;。</p>\
                    <script>var x='<p>';</script></body>";
        let (layout, _) = crate::corpus::html::parse(orig);
        let n = normalize_html(orig, &layout);
        assert!(n.text.contains("見出し"));
        assert!(
            n.text
                .contains("被害額は3861万円&808人\u{201C}だった\u{201D}。"),
            "{}",
            n.text
        );
        assert!(!n.text.contains("color"));
        assert!(!n.text.contains("var x"));
        assert_eq!(orig_of(orig, &n, "3861万円"), "３８６１万円");
        assert_eq!(orig_of(orig, &n, "&808"), "&amp;808");
        // The title line is boilerplate; the paragraph is not.
        let marked: Vec<&str> = n.marked.iter().map(|r| &n.text[r.clone()]).collect();
        assert_eq!(marked, ["見出し"]);
    }

    #[test]
    fn drops_invisible_characters() {
        let orig = "38\u{200B},615\0円\u{FEFF}";
        let n = normalize(orig);
        assert_eq!(n.text, "38,615円");
        assert_eq!(orig_of(orig, &n, "38,615円"), "38\u{200B},615\0円");
    }

    #[test]
    fn map_is_monotonic_and_total() {
        let orig = "ＡＢ　３ 円\r\n<x>ｶﾞ";
        let n = normalize(orig);
        let mut last = 0;
        for (i, _) in n.text.char_indices().chain([(n.text.len(), ' ')]) {
            let s = n.map.map_start(i);
            assert!(s >= last, "start map not monotonic at {i}");
            assert!(orig.is_char_boundary(s));
            last = s;
        }
        assert_eq!(n.map.map_end(n.text.len()), orig.len());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the characters that normalization treats specially, plus any
    /// Unicode scalar now and then.
    fn messy() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            "0",
            "7",
            "３",
            "８",
            ",",
            "，",
            " ",
            "\u{3000}",
            "\n",
            "\r",
            "\t",
            "円",
            "人",
            "月",
            "日",
            "年",
            "約",
            "万",
            "あ",
            "漢",
            "ｶ",
            "ﾞ",
            "ﾟ",
            "~",
            "〜",
            "～",
            "<",
            ">",
            "/",
            "&",
            "amp;",
            "#x3042;",
            "<p>",
            "</p>",
            "<script>",
            "</script>",
            "<!--",
            "-->",
            "\"",
            "\u{0}",
            "\u{200B}",
            "\u{FEFF}",
            "−",
            "Ａ",
            "①",
        ])
        .prop_map(str::to_string);
        let any = any::<char>().prop_map(|c| c.to_string());
        prop::collection::vec(prop_oneof![8 => special, 1 => any], 0..80).prop_map(|v| v.concat())
    }

    fn check(orig: &str, n: &NormalizedText) -> Result<(), TestCaseError> {
        let bounds: Vec<usize> = n
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain([n.text.len()])
            .collect();
        let mut last_start = 0;
        let mut last_end = 0;
        for &i in &bounds {
            let s = n.map.map_start(i);
            let e = n.map.map_end(i);
            prop_assert!(
                orig.is_char_boundary(s) && orig.is_char_boundary(e),
                "boundary at {i}"
            );
            prop_assert!(s >= last_start && e >= last_end, "not monotonic at {i}");
            last_start = s;
            last_end = e;
        }
        for w in bounds.windows(2) {
            let r = n.map.map_range(w[0]..w[1]);
            prop_assert!(r.start < r.end, "char at {} maps to empty original", w[0]);
            prop_assert!(r.end <= orig.len());
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn plain_text_map_is_valid(orig in messy()) {
            let n = normalize(&orig);
            check(&orig, &n)?;
        }

        #[test]
        fn html_map_is_valid(orig in messy()) {
            let (layout, _) = crate::corpus::html::parse(&orig);
            let n = normalize_html(&orig, &layout);
            check(&orig, &n)?;
        }

        #[test]
        fn text_without_foldable_characters_is_unchanged(orig in "[a-zあ-ん漢字。、]{0,40}") {
            let n = normalize(&orig);
            prop_assert_eq!(&n.text, &orig);
            prop_assert!(n.map.is_identity());
        }
    }
}
