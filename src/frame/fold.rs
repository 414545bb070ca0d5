//! Variant folding for cue matching: a sentence of normalized text -> a folded string
//! plus a map from each folded byte back to the normalized bytes it came from.
//!
//! Cues and sentences go through the same [`fold`], so a cue written one way matches every
//! spelling that folds to the same string. Folding is per character and may delete
//! characters; it never reorders them, so the map is monotonic and a folded match maps
//! back to one contiguous normalized range.
//!
//! What is folded, and why (each from a real spelling difference between outlets):
//! - kanji digits 〇一二…九 to ASCII digits: 二段階 = 2段階 (full-width ２ is already ASCII
//!   after normalization);
//! - ASCII letters to lower case: ID = id, Facebook = facebook, 7iD = 7id;
//! - small vowel kana to full size and ヴ to ブ: ツィッター = ツイッター, フェイス = フエイス;
//! - a long-vowel mark ー ending a katakana word is dropped: セキュリティー = セキュリティ,
//!   ユーザー = ユーザ (inside a word it stays: パスワード);
//! - white space (including line breaks of hard-wrapped print text) and the middle dots ・･
//!   are dropped: 「パスワ\nード」, 「外部 ID 連携」, ID・パスワード = IDパスワード;
//! - hyphen and dash variants to `-`, 『』 to 「」.

use std::ops::Range;

/// A folded string with its map back to the input.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// The folded text.
    pub text: String,
    /// For each byte of `text`: the input byte range of the character it came from.
    src: Vec<(u32, u32)>,
    /// Where the lexicon's cue patterns may match `text` ((global cue pattern id, start
    /// byte) pairs, sorted), when the lexicon has scanned it once for all its cue sets
    /// ([`super::Lexicon::scan`]); `None` until then.
    pub(crate) starts: Option<Vec<(u32, u32)>>,
    /// The same for the lexicon's context and stance words, computed the first time a
    /// context or stance set is asked about this sentence (most sentences hold no cue and
    /// are never asked).
    pub(crate) context_starts: std::cell::OnceCell<Vec<(u32, u32)>>,
}

impl Folded {
    /// The input byte range (relative to the folded input) of the folded byte range `r`.
    pub fn source_range(&self, r: Range<usize>) -> Range<usize> {
        if r.is_empty() {
            let p = self.src.get(r.start).map_or_else(
                || self.src.last().map_or(0, |x| x.1 as usize),
                |x| x.0 as usize,
            );
            return p..p;
        }
        self.src[r.start].0 as usize..self.src[r.end - 1].1 as usize
    }

    /// Whether the folded text is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー'
}

/// The folded form of one character, `None` to drop it. `next` is the following input
/// character (for the word-final long-vowel rule), `prev` the previous one.
fn fold_char(prev: Option<char>, c: char, next: Option<char>) -> Option<char> {
    let c = match c {
        // Full-width ASCII, in case the text was not normalized.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{FF65}' => '・',
        _ => c,
    };
    Some(match c {
        c if c.is_whitespace() => return None,
        '・' => return None,
        'ー' | 'ｰ' => {
            let after_kana = prev.is_some_and(|p| is_katakana(p) && p != 'ー');
            let word_final = !next.is_some_and(is_katakana);
            if after_kana && word_final {
                return None;
            }
            'ー'
        }
        'A'..='Z' => c.to_ascii_lowercase(),
        '〇' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'ヴ' => 'ブ',
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '－' => '-',
        '『' => '「',
        '』' => '」',
        _ => c,
    })
}

/// Folds `s`. Positions in the map are byte offsets into `s`.
pub fn fold(s: &str) -> Folded {
    let mut out = Folded {
        text: String::with_capacity(s.len()),
        src: Vec::with_capacity(s.len()),
        starts: None,
        context_starts: std::cell::OnceCell::new(),
    };
    let mut prev = None;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let next = it.peek().map(|&(_, n)| n);
        if let Some(f) = fold_char(prev, c, next) {
            let range = (i as u32, (i + c.len_utf8()) as u32);
            out.text.push(f);
            for _ in 0..f.len_utf8() {
                out.src.push(range);
            }
        }
        // Dropped white space does not break a katakana word (「セキュリティ ー」 is rare;
        // a line break inside 「パスワ\nード」 is common), so it does not become `prev`.
        if !c.is_whitespace() {
            prev = Some(c);
        }
    }
    out
}

/// Folds a lexicon string (a cue or marker fragment) the same way, without the map.
pub fn fold_str(s: &str) -> String {
    fold(s).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_the_variants_outlets_use() {
        for (a, b) in [
            ("二段階認証", "2段階認証"),
            ("ＩＤ・パスワード", "idパスワード"),
            ("セキュリティー体制", "セキュリティ体制"),
            ("ツィッター", "ツイッター"),
            ("外部 ID 連携", "外部ID連携"),
            ("パスワ\nード再設定", "パスワード再設定"),
            ("セブン‐イレブン", "セブン-イレブン"),
            ("『見切り発車』", "「見切り発車」"),
            ("Ｆａｃｅｂｏｏｋ", "facebook"),
        ] {
            assert_eq!(fold_str(a), fold_str(b), "{a} vs {b}");
        }
        // The long-vowel mark inside a word stays.
        assert_eq!(fold_str("パスワード"), "パスワード");
        assert_eq!(fold_str("ユーザーID"), "ユーザid");
    }

    #[test]
    fn maps_back_to_the_input() {
        let s = "外部 ＩＤ・連携の不備";
        let f = fold(s);
        assert_eq!(f.text, "外部id連携の不備");
        let at = f.text.find("id連携").unwrap();
        let r = f.source_range(at..at + "id連携".len());
        assert_eq!(&s[r], "ＩＤ・連携");
        let r = f.source_range(0..f.text.len());
        assert_eq!(&s[r], s);
    }
}
