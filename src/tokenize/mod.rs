//! Stage 4: normalized text -> [`Token`]s, with lindera and IPADIC plus our user dictionary.
//!
//! Only [`lindera`](self::lindera) touches the lindera crate: it copies what we need
//! (byte span, part of speech) into our own [`Token`], so a lindera upgrade touches one
//! file. [`ipadic`] obtains and builds the system dictionary once and caches it.
//!
//! [`Tokenizer`] is shared read-only by all threads; each thread makes one
//! [`TokenWorker`] (lindera's lattice buffers) with [`Tokenizer::worker`].

pub mod ipadic;
pub mod lindera;

pub use self::lindera::{TokenWorker, Tokenizer};

/// Kind of noun, from IPADIC's first two sub-categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NounKind {
    /// 一般
    General,
    /// 固有名詞,一般 (products, events, ...)
    Proper,
    /// 固有名詞,人名
    Person,
    /// 固有名詞,組織
    Organization,
    /// 固有名詞,地域
    Place,
    /// 数 (digits, kanji numerals)
    Number,
    /// 接尾 other than counters (社長, 都, 的, さん)
    Suffix,
    /// 接尾,助数詞: counters (人, 円, 匹, 本, 台, 枚, 種, 階)
    Counter,
    /// サ変接続 (認証, 利用)
    Verbal,
    /// 形容動詞語幹, ナイ形容詞語幹
    Adjectival,
    /// 副詞可能 (一部, 一時, 今回)
    Adverbial,
    /// 代名詞
    Pronoun,
    /// 非自立, 特殊, 引用文字列, 接続詞的, 動詞非自立的
    Dependent,
}

/// Part of speech, reduced to what later stages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pos {
    /// 名詞
    Noun(NounKind),
    /// 動詞
    Verb,
    /// 形容詞
    Adjective,
    /// 副詞
    Adverb,
    /// 連体詞
    Adnominal,
    /// 接続詞
    Conjunction,
    /// 助詞
    Particle,
    /// 助動詞
    AuxVerb,
    /// 接頭詞
    Prefix,
    /// 記号
    Symbol,
    /// 感動詞, フィラー, その他
    Other,
    /// No dictionary entry matched (unknown word without details).
    Unknown,
}

impl Pos {
    /// Maps IPADIC's first two fields to a [`Pos`].
    pub fn from_ipadic(pos: &str, sub1: &str, sub2: &str) -> Pos {
        match pos {
            "名詞" => Pos::Noun(match sub1 {
                "固有名詞" => match sub2 {
                    "人名" => NounKind::Person,
                    "組織" => NounKind::Organization,
                    "地域" => NounKind::Place,
                    _ => NounKind::Proper,
                },
                "数" => NounKind::Number,
                "接尾" if sub2 == "助数詞" => NounKind::Counter,
                "接尾" => NounKind::Suffix,
                "サ変接続" => NounKind::Verbal,
                "形容動詞語幹" | "ナイ形容詞語幹" => NounKind::Adjectival,
                "副詞可能" => NounKind::Adverbial,
                "代名詞" => NounKind::Pronoun,
                "一般" => NounKind::General,
                _ => NounKind::Dependent,
            }),
            "動詞" => Pos::Verb,
            "形容詞" => Pos::Adjective,
            "副詞" => Pos::Adverb,
            "連体詞" => Pos::Adnominal,
            "接続詞" => Pos::Conjunction,
            "助詞" => Pos::Particle,
            "助動詞" => Pos::AuxVerb,
            "接頭詞" => Pos::Prefix,
            "記号" => Pos::Symbol,
            "UNK" | "" => Pos::Unknown,
            _ => Pos::Other,
        }
    }

    /// Every part of speech, in [`Pos::code`] order.
    const ALL: [Pos; 24] = [
        Pos::Noun(NounKind::General),
        Pos::Noun(NounKind::Proper),
        Pos::Noun(NounKind::Person),
        Pos::Noun(NounKind::Organization),
        Pos::Noun(NounKind::Place),
        Pos::Noun(NounKind::Number),
        Pos::Noun(NounKind::Suffix),
        Pos::Noun(NounKind::Counter),
        Pos::Noun(NounKind::Verbal),
        Pos::Noun(NounKind::Adjectival),
        Pos::Noun(NounKind::Adverbial),
        Pos::Noun(NounKind::Pronoun),
        Pos::Noun(NounKind::Dependent),
        Pos::Verb,
        Pos::Adjective,
        Pos::Adverb,
        Pos::Adnominal,
        Pos::Conjunction,
        Pos::Particle,
        Pos::AuxVerb,
        Pos::Prefix,
        Pos::Symbol,
        Pos::Other,
        Pos::Unknown,
    ];

    /// A compact code, 1 and up (0 is free for "not known yet" in caches).
    pub fn code(self) -> u8 {
        Pos::ALL
            .iter()
            .position(|&p| p == self)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The part of speech of a [`Pos::code`]; `None` for 0 or an unused code.
    pub fn from_code(code: u8) -> Option<Pos> {
        (code as usize)
            .checked_sub(1)
            .and_then(|i| Pos::ALL.get(i).copied())
    }

    /// Whether this is a proper noun of any kind.
    pub fn is_proper(self) -> bool {
        matches!(
            self,
            Pos::Noun(
                NounKind::Proper | NounKind::Person | NounKind::Organization | NounKind::Place
            )
        )
    }
}

/// One token: a byte span of the normalized text and its part of speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Start byte in the normalized text.
    pub start: u32,
    /// End byte (exclusive) in the normalized text.
    pub end: u32,
    /// Part of speech.
    pub pos: Pos,
    /// Whether the entry came from our user dictionary.
    pub user: bool,
    /// Its dictionary form (基本形) as a handle into the [`TokenWorker`] that made it
    /// ([`TokenWorker::base_form`]); 0 when it is the surface itself (or was not looked
    /// up). Looked up once per word id, like the part of speech.
    pub base: u32,
}

impl Token {
    /// The token's byte range in the normalized text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The token's surface in `text` (the normalized text it was made from).
    pub fn surface<'t>(&self, text: &'t str) -> &'t str {
        &text[self.range()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_codes_round_trip() {
        for p in Pos::ALL {
            assert_eq!(Pos::from_code(p.code()), Some(p));
            assert_ne!(p.code(), 0);
        }
        assert_eq!(Pos::from_code(0), None);
        assert_eq!(Pos::from_code(200), None);
    }
}
