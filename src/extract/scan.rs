//! The sentence scanner: walks one sentence of normalized text and emits raw mentions
//! (quantities with their values; temporal expressions still to be resolved by
//! [`resolve`](super::resolve)).
//!
//! A hand-written scanner, not regexes: at each position where a numeral, a relative-date
//! word, a weekday or an era can start, recognizers are tried in a fixed order (ASCII
//! dates and times, ranges, Japanese date chains, clock times, counters, bare large
//! numbers, copyright years). A recognized core is then widened by [`Ctx::finish`]:
//! hedges before it (約, 少なくとも), words after it (以上, 強, ごろ, 以降), and the
//! context that only sets qualifiers (から, まで, 現在, を超える, あたり).
//!
//! Traps are kept out in three ways: ASCII runs holding letters (7pay, Omni7, 2FA, URLs)
//! and phone numbers are excluded before scanning; a kanji numeral counts only when the
//! tokenizer says so (一部, 一方, 第三者, 十分 are words); and a number without a counter
//! is not a mention (list labels, ages, codes, 財務3表, 2段階).

use std::borrow::Cow;
use std::ops::Range;

use super::dates::{Anchor, RelExpr, RelUnit, TExpr};
use super::numerals::{self, Decimal, Numeral};
use super::types::{IsoDuration, Kind, Qualifiers, Value};
use crate::tokenize::{NounKind, Pos, Token};

/// A mention before document-level resolution.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub range: Range<usize>,
    pub sentence: usize,
    pub kind: Kind,
    pub value: Option<Value>,
    pub upper: Option<Value>,
    pub unit: Option<Cow<'static, str>>,
    pub approx: bool,
    pub quals: Qualifiers,
    /// A date expression to resolve against the document's reference date.
    pub temporal: Option<TExpr>,
    /// A bound hedge (少なくとも, 最大) that also governs the following list items.
    pub governs: Qualifiers,
}

impl Raw {
    pub fn new(range: Range<usize>, sentence: usize, kind: Kind) -> Raw {
        Raw {
            range,
            sentence,
            kind,
            value: None,
            upper: None,
            unit: None,
            approx: false,
            quals: Qualifiers::NONE,
            temporal: None,
            governs: Qualifiers::NONE,
        }
    }
}

/// Units of time, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DurUnit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
}

impl DurUnit {
    pub fn set(self, d: &mut IsoDuration, v: u32) {
        match self {
            DurUnit::Year => d.years += v,
            DurUnit::Month => d.months += v,
            DurUnit::Week => d.weeks += v,
            DurUnit::Day => d.days += v,
            DurUnit::Hour => d.hours += v,
            DurUnit::Minute => d.minutes += v,
            DurUnit::Second => d.seconds += v,
        }
    }
}

/// Adds `v` units to `d`, a fraction going into the smaller units: 1.5時間 = PT1H30M,
/// 0.5日 = PT12H, 1.5年 = P1Y6M. A month's fraction counts 30 days (as ja-timex does); a
/// fraction left over after seconds gives `None`.
pub(crate) fn add_length(d: &mut IsoDuration, unit: DurUnit, v: Decimal) -> Option<()> {
    let (whole, mut frac) = v.split_fraction()?;
    unit.set(d, u32::try_from(whole).ok()?);
    let mut u = unit;
    while !frac.is_zero() {
        let (next, factor) = match u {
            DurUnit::Year => (DurUnit::Month, 12),
            DurUnit::Month => (DurUnit::Day, 30),
            DurUnit::Week => (DurUnit::Day, 7),
            DurUnit::Day => (DurUnit::Hour, 24),
            DurUnit::Hour => (DurUnit::Minute, 60),
            DurUnit::Minute => (DurUnit::Second, 60),
            DurUnit::Second => {
                let (ms, rest) = frac.mul_int(1000)?.split_fraction()?;
                if !rest.is_zero() {
                    return None;
                }
                d.millis += u32::try_from(ms).ok()?;
                return Some(());
            }
        };
        let (w, f) = frac.mul_int(factor)?.split_fraction()?;
        next.set(d, u32::try_from(w).ok()?);
        frac = f;
        u = next;
    }
    Some(())
}

/// What a counter after a numeral makes of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    Money(&'static str),
    Count(&'static str),
    /// A counter outside [`COUNTERS`], found by its part of speech: the unit is the counter
    /// as written (or its English name from [`COUNTER_NAMES`]).
    Counter,
    Percent,
    Times,
    /// 割: tenths, reported in percent.
    Wari,
    Dur(DurUnit),
}

/// Counters, longest first where one is a prefix of another.
const COUNTERS: &[(&str, Unit)] = &[
    ("パーセント", Unit::Percent),
    ("アカウント", Unit::Count("account")),
    ("ページ", Unit::Count("page")),
    ("ユーロ", Unit::Money("EUR")),
    ("ドル", Unit::Money("USD")),
    ("ヶ月間", Unit::Dur(DurUnit::Month)),
    ("カ月間", Unit::Dur(DurUnit::Month)),
    ("か月間", Unit::Dur(DurUnit::Month)),
    ("ヵ月間", Unit::Dur(DurUnit::Month)),
    ("ケ月間", Unit::Dur(DurUnit::Month)),
    ("箇月間", Unit::Dur(DurUnit::Month)),
    ("ヶ月", Unit::Dur(DurUnit::Month)),
    ("カ月", Unit::Dur(DurUnit::Month)),
    ("か月", Unit::Dur(DurUnit::Month)),
    ("ヵ月", Unit::Dur(DurUnit::Month)),
    ("ケ月", Unit::Dur(DurUnit::Month)),
    ("箇月", Unit::Dur(DurUnit::Month)),
    ("カ所", Unit::Count("place")),
    ("か所", Unit::Count("place")),
    ("ヶ所", Unit::Count("place")),
    ("ケ所", Unit::Count("place")),
    ("ヵ所", Unit::Count("place")),
    ("箇所", Unit::Count("place")),
    ("カ国", Unit::Count("country")),
    ("か国", Unit::Count("country")),
    ("ヶ国", Unit::Count("country")),
    ("ヵ国", Unit::Count("country")),
    ("年間", Unit::Dur(DurUnit::Year)),
    ("週間", Unit::Dur(DurUnit::Week)),
    ("日間", Unit::Dur(DurUnit::Day)),
    ("時間", Unit::Dur(DurUnit::Hour)),
    ("分間", Unit::Dur(DurUnit::Minute)),
    ("秒間", Unit::Dur(DurUnit::Second)),
    ("連休", Unit::Dur(DurUnit::Day)),
    ("店舗", Unit::Count("store")),
    ("文字", Unit::Count("character")),
    ("通り", Unit::Count("combination")),
    ("世帯", Unit::Count("household")),
    ("口座", Unit::Count("account")),
    ("円", Unit::Money("JPY")),
    ("%", Unit::Percent),
    ("倍", Unit::Times),
    ("割", Unit::Wari),
    ("人", Unit::Count("person")),
    ("名", Unit::Count("person")),
    ("氏", Unit::Count("person")),
    ("児", Unit::Count("person")),
    ("件", Unit::Count("case")),
    ("社", Unit::Count("company")),
    ("店", Unit::Count("store")),
    ("行", Unit::Count("bank")),
    ("ID", Unit::Count("account")),
    ("回", Unit::Count("occurrence")),
    ("つ", Unit::Count("item")),
    ("個", Unit::Count("item")),
    ("点", Unit::Count("item")),
    ("桁", Unit::Count("digit")),
    ("頁", Unit::Count("page")),
    ("枚", Unit::Count("sheet")),
    ("票", Unit::Count("vote")),
    ("台", Unit::Count("machine")),
    ("冊", Unit::Count("book")),
    ("軒", Unit::Count("house")),
    ("校", Unit::Count("school")),
    ("週", Unit::Dur(DurUnit::Week)),
    ("秒", Unit::Dur(DurUnit::Second)),
    ("分", Unit::Dur(DurUnit::Minute)),
    // Only reached when the date recognizer declined (3年, 45日, 数日, 4年ほど前).
    ("年", Unit::Dur(DurUnit::Year)),
    ("日", Unit::Dur(DurUnit::Day)),
];

/// English names of counters found by part of speech (the seeds' and realdev's units);
/// any other counter is its own unit (匹, 本, 台).
const COUNTER_NAMES: &[(&str, &str)] = &[
    ("カートン", "carton"),
    ("種類", "type"),
    ("銘柄", "stock"),
    ("サイト", "site"),
    ("ステップ", "step"),
    ("段階", "step"),
    ("銀行", "bank"),
    ("ユーザー", "person"),
    ("世代", "generation"),
];

/// Counters in IPADIC (名詞,接尾,助数詞) that do not count things: labels and ordinals
/// (3番, 5号室, 2位, 1丁目, 第3報), ages (20歳, 50代), calendar and clock units that the
/// date and duration recognizers read, multipliers and ratios, and currencies other than
/// those [`COUNTERS`] names (money is in yen).
const NOT_COUNTS: &[&str] = &[
    // ages
    "歳",
    "才",
    "歳児",
    "代",
    "代目",
    // labels, ranks and ordinals
    "番",
    "番目",
    "番地",
    "番線",
    "番手",
    "号",
    "号室",
    "号館",
    "号棟",
    "号機",
    "号線",
    "号証",
    "丁目",
    "位",
    "等",
    "等地",
    "等席",
    "級",
    "次",
    "期",
    "期生",
    "年生",
    "回生",
    "回戦",
    "条",
    "項",
    "章",
    "節",
    "報",
    "版",
    "限",
    "時限",
    "親等",
    "幕",
    "区",
    "世",
    "型",
    "式",
    "重",
    "対",
    "方",
    "内",
    "様",
    "子",
    "進数",
    "乗",
    "分の",
    "分ノ",
    "つ折り",
    "つ折",
    "字詰め",
    "年版",
    // calendar and clock (dates, times and durations read these)
    "年",
    "月",
    "日",
    "時",
    "分",
    "秒",
    "週",
    "年度",
    "時半",
    "時間",
    "日間",
    "年間",
    "週間",
    "分間",
    "秒間",
    "年代",
    "年来",
    "年余",
    "周年",
    "周忌",
    "回忌",
    "個月",
    "ヵ年",
    "カ年",
    "ヶ年",
    "ケ年",
    "か年",
    "個年",
    "箇年",
    "とせ",
    "人月",
    "時点",
    "現在",
    // multipliers and ratios
    "億",
    "割",
    "倍",
    "%",
    "パーセント",
    "パーミル",
    "分目",
    // currencies other than yen, dollars and euros
    "元",
    "銭",
    "セント",
    "ウォン",
    "ウオン",
    "ポンド",
    "フラン",
    "スイスフラン",
    "マルク",
    "ペソ",
    "ルーブル",
    "リラ",
    "ルピー",
    "ルピア",
    "バーツ",
    "ディナール",
    "ギルダー",
    "クローナ",
    "シリング",
    "ペニー",
    "ペンス",
    "ペニヒ",
    "ペセタ",
    "ドラクマ",
    "リンギ",
    "スクレ",
    "カナダドル",
    "シンガポールドル",
    "マレーシアドル",
    "人民元",
    "ボリバル",
    "ランド",
    "リアル",
    "エスクード",
    "エクスード",
    "グァラニ",
    "サンチーム",
    "ソル",
    "マルカ",
    "ダーハム",
    "SDR",
    "文",
    "匁",
];

/// Words after a money / count / ratio kept in the surface: (word, approx, qualifier).
const QTY_SUFFIX: &[(&str, bool, Qualifiers)] = &[
    ("以上", false, Qualifiers::LOWER),
    ("以下", false, Qualifiers::UPPER),
    ("未満", false, Qualifiers::UPPER),
    ("以内", false, Qualifiers::UPPER),
    ("超え", false, Qualifiers::LOWER),
    ("超", false, Qualifiers::LOWER),
    ("強", true, Qualifiers::LOWER),
    ("弱", true, Qualifiers::UPPER),
    ("余り", true, Qualifiers::LOWER),
    ("あまり", true, Qualifiers::LOWER),
    ("前後", true, Qualifiers::NONE),
    ("ほど", true, Qualifiers::NONE),
    ("程度", true, Qualifiers::NONE),
    ("くらい", true, Qualifiers::NONE),
    ("ぐらい", true, Qualifiers::NONE),
    ("近く", true, Qualifiers::UPPER),
    ("目", false, Qualifiers::NONE),
];

/// Words after a duration kept in the surface.
const DUR_SUFFIX: &[(&str, bool, Qualifiers)] = &[
    ("間", false, Qualifiers::NONE),
    ("以上", false, Qualifiers::LOWER),
    ("以内", false, Qualifiers::UPPER),
    ("未満", false, Qualifiers::UPPER),
    ("超え", false, Qualifiers::LOWER),
    ("超", false, Qualifiers::LOWER),
    ("強", true, Qualifiers::LOWER),
    ("弱", true, Qualifiers::UPPER),
    ("余り", true, Qualifiers::LOWER),
    ("あまり", true, Qualifiers::LOWER),
    ("足らず", true, Qualifiers::UPPER),
    ("近く", true, Qualifiers::UPPER),
    ("前後", true, Qualifiers::NONE),
    ("ほど", true, Qualifiers::NONE),
    ("程度", true, Qualifiers::NONE),
    ("くらい", true, Qualifiers::NONE),
    ("ぐらい", true, Qualifiers::NONE),
    ("越し", false, Qualifiers::NONE),
    ("ぶり", false, Qualifiers::NONE),
    ("目", false, Qualifiers::NONE),
];

/// Words after a date, time or relative date kept in the surface.
const DATE_SUFFIX: &[(&str, bool, Qualifiers)] = &[
    ("以降", false, Qualifiers::LOWER),
    ("以前", false, Qualifiers::UPPER),
    ("ごろ", true, Qualifiers::NONE),
    ("頃", true, Qualifiers::NONE),
    ("過ぎ", true, Qualifiers::NONE),
    ("前後", true, Qualifiers::NONE),
];

/// Hedges before a number kept in the surface: (word, approx, qualifier, governs a list).
const PREFIXES: &[(&str, bool, Qualifiers, bool)] = &[
    ("約", true, Qualifiers::NONE, false),
    ("およそ", true, Qualifiers::NONE, false),
    ("おおよそ", true, Qualifiers::NONE, false),
    ("凡そ", true, Qualifiers::NONE, false),
    ("少なくとも", false, Qualifiers::LOWER, true),
    ("最低", false, Qualifiers::LOWER, true),
    ("最大", false, Qualifiers::UPPER, true),
    ("最長", false, Qualifiers::UPPER, true),
];

/// Words before money or a count that make it a rate (not in the surface): 月額980円,
/// 年間100万人.
const PER_PREFIX: &[&str] = &[
    "月額", "月々", "年額", "日額", "週額", "時給", "日給", "月給", "年間", "月間", "毎年", "毎月",
    "毎日", "毎週",
];

/// Idioms holding a numeral that are never quantities.
const IDIOMS: &[&str] = &[
    "一日も早",
    "一日中",
    "一日一",
    "一日千",
    "一人ひとり",
    "一人一人",
    "一つ一つ",
    "十人十色",
];

/// Verbs after a length that make it the point when it has passed (conditional or
/// sequential forms, not the past-tense statement 2ヶ月が経過した).
const ELAPSED: &[&str] = &[
    "経過後",
    "経過したら",
    "経過してから",
    "経ったら",
    "経ってから",
    "たったら",
    "過ぎたら",
    "過ぎてから",
];

/// Endings of dates spelled in hiragana; a sentence without one is not searched for them.
const KANA_MARKS: &[&str] = &["がつ", "ようび", "じつ", "にち", "しゅう", "げつ"];

/// Proverbs whose numeral follows the words that make them one: 石の上にも三年 ("three
/// years on a stone", perseverance) is no length of time.
const PROVERB_LEADS: &[&str] = &["石の上にも"];

/// One step of the scanner (short-lived, on the stack: not worth boxing).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    Emit(Raw),
    Skip(usize),
    Nothing,
}

/// A sentence being scanned.
pub(crate) struct Ctx<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
    pub s0: usize,
    pub s1: usize,
    pub sentence: usize,
    /// Codes, URLs and phone numbers, found when first needed (most sentences have no
    /// character that may start a mention).
    excluded: std::cell::OnceCell<Vec<Range<usize>>>,
    /// Whether the sentence may hold a date spelled in hiragana (ろくがつ, かようび,
    /// らいしゅう): only then are hiragana characters tried as starts.
    kana: bool,
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

/// Characters that glue letters and digits into one code-like word (7pay, 7&i, omni7-1,
/// SP800-63B, No.1). Colons and commas do not: 「記者E:7月1日」 is a label and a date.
fn is_ascii_run_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./&#@'".contains(c)
}

/// Characters that may continue a URL.
fn is_url_char(c: char) -> bool {
    c.is_ascii_graphic() && !"\"'<>()[]{}`".contains(c)
}

impl<'a> Ctx<'a> {
    pub fn new(
        text: &'a str,
        tokens: &'a [Token],
        range: Range<usize>,
        sentence: usize,
    ) -> Ctx<'a> {
        Ctx {
            text,
            tokens,
            s0: range.start,
            s1: range.end,
            sentence,
            excluded: std::cell::OnceCell::new(),
            kana: {
                let t = &text[range.clone()];
                KANA_MARKS.iter().any(|m| t.contains(m))
            },
        }
    }

    // ------------------------------------------------------------ text helpers

    pub fn rest(&self, i: usize) -> &'a str {
        if i >= self.s1 {
            ""
        } else {
            &self.text[i..self.s1]
        }
    }

    pub fn before(&self, i: usize) -> &'a str {
        &self.text[self.s0..i.clamp(self.s0, self.s1)]
    }

    pub fn starts(&self, i: usize, w: &str) -> bool {
        self.rest(i).starts_with(w)
    }

    pub fn char_at(&self, i: usize) -> Option<char> {
        self.rest(i).chars().next()
    }

    pub fn char_before(&self, i: usize) -> Option<char> {
        self.before(i).chars().next_back()
    }

    /// Position after any spaces at `i`.
    pub fn skip_spaces(&self, mut i: usize) -> usize {
        while let Some(c) = self.char_at(i) {
            if c == ' ' || c == '\t' {
                i += 1;
            } else {
                break;
            }
        }
        i
    }

    /// The token containing byte `pos`.
    pub fn token_at(&self, pos: usize) -> Option<&'a Token> {
        let k = self.tokens.partition_point(|t| (t.end as usize) <= pos);
        self.tokens
            .get(k)
            .filter(|t| (t.start as usize) <= pos && pos < t.end as usize)
    }

    /// Whether a word may start or end at `pos`: a token boundary, a space or
    /// punctuation, or the sentence edge.
    pub fn boundary(&self, pos: usize) -> bool {
        if pos <= self.s0 || pos >= self.s1 {
            return true;
        }
        if let Some(c) = self.char_before(pos)
            && (c.is_whitespace() || c.is_ascii_punctuation())
        {
            return true;
        }
        match self.token_at(pos) {
            Some(t) => t.start as usize == pos,
            None => true,
        }
    }

    /// Whether the kanji at `pos` is a numeral there (the tokenizer's judgement).
    pub fn kanji_ok(&self, pos: usize) -> bool {
        let Some(t) = self.token_at(pos) else {
            return false;
        };
        if t.pos == Pos::Noun(NounKind::Number) {
            return true;
        }
        // Tokens that glue a kanji numeral to a date unit or つ: 七月, 十二月, 二十日, 三つ.
        let s = t.surface(self.text);
        let mut cs = s.chars();
        let last = cs.next_back();
        let body = cs.as_str();
        let all_num = !body.is_empty() && body.chars().all(numerals::is_kanji_numeral_char);
        match last {
            Some('月' | '日') if all_num => return true,
            Some('つ') if all_num => return body != "一",
            _ => {}
        }
        // 数カ月 is one token: 数 followed by a counter.
        if let Some(rest) = s.strip_prefix('数')
            && t.start as usize == pos
        {
            return COUNTERS.iter().any(|(w, _)| *w == rest);
        }
        false
    }

    pub fn numeral(&self, pos: usize) -> Option<Numeral> {
        if pos >= self.s1 || self.excluded_end(pos).is_some() {
            return None;
        }
        let c = self.char_at(pos)?;
        if !numerals::starts_numeral(c) {
            return None;
        }
        numerals::parse(self.text, pos, self.s1, &|p| self.kanji_ok(p))
    }

    /// The run of ASCII digits at `pos` alone (no separators, no kanji).
    pub fn digits_at(&self, pos: usize) -> Option<Numeral> {
        let len = self
            .rest(pos)
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if len == 0 || len > 18 {
            return None;
        }
        let v: i128 = self.text[pos..pos + len].parse().ok()?;
        Some(Numeral {
            start: pos,
            end: pos + len,
            value: Some(Decimal::int(v)),
            vague: false,
            plain: true,
            kanji: false,
            multiplier: false,
            chars: len,
        })
    }

    // ------------------------------------------------------------ exclusions

    /// End of the excluded range starting at or containing `pos`.
    pub fn excluded_end(&self, pos: usize) -> Option<usize> {
        let excluded = self.excluded.get_or_init(|| self.find_excluded());
        let k = excluded.partition_point(|r| r.end <= pos);
        excluded.get(k).filter(|r| r.start <= pos).map(|r| r.end)
    }

    /// ASCII runs with letters (brands, codes, URLs, file names), user-dictionary terms
    /// holding numerals (7pay, オムニ7, 二段階認証), and phone numbers.
    fn find_excluded(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        // User-dictionary tokens with numerals are terms, not quantities; they also cut
        // ASCII runs (7iD1650万人 = 7iD + 1650万人).
        let mut cuts: Vec<Range<usize>> = Vec::new();
        let a = self.tokens.partition_point(|t| (t.end as usize) <= self.s0);
        for t in &self.tokens[a..] {
            if t.start as usize >= self.s1 {
                break;
            }
            if t.user {
                let s = t.surface(self.text);
                if s.chars()
                    .any(|c| c.is_ascii_digit() || numerals::is_kanji_numeral_char(c))
                {
                    out.push(t.range());
                }
                cuts.push(t.range());
            }
        }
        let s = &self.text[self.s0..self.s1];
        let mut run_start: Option<usize> = None;
        // A run with letters is a code or a name (unless digits + ID, a counter); a run
        // of digit groups may be a phone number.
        let classify = |p: Range<usize>, out: &mut Vec<Range<usize>>| {
            let t = &self.text[p.clone()];
            // Q3, 2019Q3: quarters.
            let quarter = t.len() >= 2
                && t.as_bytes()[t.len() - 2] == b'Q'
                && (b'1'..=b'4').contains(&t.as_bytes()[t.len() - 1])
                && (t.len() == 2 || (t.len() == 6 && t[..4].bytes().all(|b| b.is_ascii_digit())));
            // R3年: an era's letter and year before 年.
            let era_year = t.len() <= 3
                && t.starts_with(['M', 'T', 'S', 'H', 'R'])
                && t[1..].bytes().all(|b| b.is_ascii_digit())
                && self.text[p.end..].starts_with('年');
            if t.bytes().any(|b| b.is_ascii_alphabetic())
                && !super::dates::is_era_abbrev(t)
                && !is_am_pm_clock(t)
                && !era_year
                && !quarter
            {
                let digits_then_id = t.strip_suffix("ID").is_some_and(|d| {
                    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit() || b == b',')
                });
                if !digits_then_id {
                    out.push(p);
                }
            } else if t.contains('-') && is_phone(t) {
                out.push(p);
            }
        };
        let push_run = |r: Range<usize>, out: &mut Vec<Range<usize>>| {
            // Split the run at user tokens (rarely needed: skip the allocation otherwise).
            if !cuts.iter().any(|c| c.end > r.start && c.start < r.end) {
                classify(r, out);
                return;
            }
            let mut pieces = vec![r.clone()];
            for c in &cuts {
                if c.end <= r.start || c.start >= r.end {
                    continue;
                }
                pieces = pieces
                    .into_iter()
                    .flat_map(|p| {
                        let mut v = Vec::new();
                        if p.start < c.start.min(p.end) {
                            v.push(p.start..c.start.min(p.end));
                        }
                        if c.end.max(p.start) < p.end {
                            v.push(c.end.max(p.start)..p.end);
                        }
                        v
                    })
                    .collect();
            }
            for p in pieces {
                classify(p, out);
            }
        };
        // One pass over the bytes: non-ASCII bytes end a run (UTF-8 continuation and lead
        // bytes are >= 0x80, so this never splits a character).
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if run_start.is_none()
                && (c == b'h' || c == b'w')
                && ["http://", "https://", "www."]
                    .iter()
                    .any(|p| s[i..].starts_with(p))
            {
                // A URL, whole (its ':' and '?' do not end it).
                let len = s[i..]
                    .bytes()
                    .take_while(|&c| c < 0x80 && is_url_char(c as char))
                    .count();
                out.push(self.s0 + i..self.s0 + i + len);
                i += len;
                continue;
            }
            if c < 0x80 && is_ascii_run_char(c as char) {
                run_start.get_or_insert(self.s0 + i);
            } else if let Some(st) = run_start.take() {
                push_run(st..self.s0 + i, &mut out);
            }
            i += 1;
        }
        if let Some(st) = run_start {
            push_run(st..self.s1, &mut out);
        }
        out.sort_by_key(|r| (r.start, r.end));
        // Merge overlaps so that lookups stay simple.
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

    // ------------------------------------------------------------ the scan

    /// Scans the sentence, appending raw mentions in order.
    pub fn scan(&self, out: &mut Vec<Raw>) {
        let first = out.len();
        let bytes = self.text.as_bytes();
        let mut i = self.s0;
        while i < self.s1 {
            // Fast path: most characters cannot start anything.
            let b = bytes[i];
            // July 3, 2019 (a page's English date stamp): read before the letters are
            // excluded as a word.
            if matches!(b, b'J' | b'F' | b'M' | b'A' | b'S' | b'O' | b'N' | b'D')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase)
                && !self
                    .char_before(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                && let Some(raw) = self.english_date_at(i)
            {
                let floor = out[first..].last().map_or(self.s0, |r| r.range.end);
                let raw = self.finish(raw, floor);
                i = raw.range.end.max(i + 1);
                out.push(raw);
                continue;
            }
            let am_pm = matches!(b, b'A' | b'P' | b'a' | b'p')
                && matches!(bytes.get(i + 1), Some(b'm' | b'M' | b'.'));
            if b < 0x80
                && !b.is_ascii_digit()
                && !am_pm
                && !matches!(b, b'$' | b'M' | b'T' | b'S' | b'H' | b'R' | b'Q')
            {
                i += 1;
                continue;
            }
            let Some(c) = self.char_at(i) else { break };
            if !(may_start(c) || (self.kana && is_hiragana(c))) {
                i += c.len_utf8();
                continue;
            }
            // Codes, URLs, phone numbers and dictionary terms start with an ASCII
            // character or a numeral; words like 本日 or 午後 need no look at them.
            if (c.is_ascii() || numerals::starts_numeral(c))
                && let Some(end) = self.excluded_end(i)
            {
                i = end.max(i + 1);
                while i < self.s1 && !self.text.is_char_boundary(i) {
                    i += 1;
                }
                continue;
            }
            let floor = out[first..].last().map_or(self.s0, |r| r.range.end);
            let prev = out[first..].last();
            match self.step(i, c, prev) {
                Step::Emit(raw) => {
                    let raw = self.finish(raw, floor);
                    i = raw.range.end.max(i + c.len_utf8());
                    out.push(raw);
                }
                Step::Skip(end) => i = end.max(i + c.len_utf8()),
                Step::Nothing => i += c.len_utf8(),
            }
        }
        govern_lists(self, &mut out[first..]);
    }

    fn step(&self, i: usize, c: char, prev: Option<&Raw>) -> Step {
        if self.kana
            && is_hiragana(c)
            && let Some(r) = self.kana_word_at(i)
        {
            return Step::Emit(r);
        }
        if c == '四'
            && self.starts(i, "四半世紀")
            && let Some(r) = self.half_at(i)
        {
            return Step::Emit(r);
        }
        if numerals::starts_numeral(c) {
            if let Some(idiom) = IDIOMS.iter().find(|w| self.starts(i, w)) {
                return Step::Skip(i + idiom.len());
            }
            if PROVERB_LEADS.iter().any(|w| self.before(i).ends_with(w))
                && let Some(n) = self.numeral(i)
            {
                return Step::Skip(self.counter_at(&n).map_or(n.end, |(_, e)| e));
            }
            if let Some(n) = self.numeral(i) {
                return self.numeral_at(n, prev);
            }
        }
        if matches!(c, '¥' | '￥' | '$')
            && let Some(n) = self.numeral(i + c.len_utf8())
        {
            let mut r = Raw::new(i..n.end, self.sentence, Kind::Money);
            r.value = n.value.map(Value::Number);
            r.unit = Some(Cow::Borrowed(if c == '$' { "USD" } else { "JPY" }));
            r.approx = n.vague;
            return Step::Emit(r);
        }
        if c == 'Q'
            && let Some(n) = self.digits_at(i + 1).filter(|n| n.chars == 1)
            && !self
                .char_at(n.end)
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && !self.char_before(i).is_some_and(|c| c.is_ascii_alphabetic())
            && let Some(r) = self.quarter_at(i, &n, n.end)
        {
            // Q3, 2019Q3: a quarter.
            return Step::Emit(r);
        }
        if c.is_ascii_alphabetic() {
            // PM11時10分, AM 9:00.
            if self.am_pm_at(i).is_some()
                && let Some((t, end)) = self.clock_at(i)
            {
                let mut r = Raw::new(i..end, self.sentence, Kind::Time);
                r.value = Some(Value::Time(t));
                return Step::Emit(r);
            }
            return match self.era_abbrev_at(i) {
                Some(r) => Step::Emit(r),
                None => Step::Nothing,
            };
        }
        if c == '半'
            && let Some(r) = self.half_at(i)
        {
            return Step::Emit(r);
        }
        if let Some(r) = self.relative_word_at(i) {
            return Step::Emit(r);
        }
        if let Some(r) = self.era_at(i) {
            return Step::Emit(r);
        }
        match self.weekday_at(i) {
            Step::Nothing => {}
            s => return s,
        }
        if let Some(r) = self.time_word_at(i, prev) {
            return Step::Emit(r);
        }
        if let Some(r) = self.bare_month_part_at(i, prev) {
            return Step::Emit(r);
        }
        Step::Nothing
    }

    /// Everything that can start with a numeral.
    fn numeral_at(&self, n: Numeral, prev: Option<&Raw>) -> Step {
        // Ordinals (第3回, 第三者) are not quantities; 第2四半期 is a quarter.
        if self.char_before(n.start) == Some('第') {
            if self.starts(n.end, "四半期")
                && let Some(r) = self.quarter_at(n.start - "第".len(), &n, n.end + "四半期".len())
            {
                return Step::Emit(r);
            }
            return Step::Skip(n.end);
        }
        // A digit glued to a preceding ASCII separator inside a code (omni7-1, 1.0.2).
        if let Some(b) = self.char_before(n.start)
            && matches!(b, '-' | '_' | '.')
            && self
                .char_before(n.start - 1)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return Step::Skip(n.end);
        }
        if let Some(d) = self.digits_at(n.start) {
            // Read as plain digits: 2019.07.09 is a date, not the decimal 2019.07.
            if let Some(r) = self.slash_or_iso(&d) {
                return r;
            }
            if self.colon_time(n.start).is_some()
                && let Some((t, end)) = self.clock_at(n.start)
            {
                let mut r = Raw::new(n.start..end, self.sentence, Kind::Time);
                r.value = Some(Value::Time(t));
                return Step::Emit(r);
            }
        }
        if let Some(r) = self.clock_span_at(&n) {
            return Step::Emit(r);
        }
        if let Some(r) = self.range_at(&n) {
            return Step::Emit(r);
        }
        if let Some(r) = self.continued_clock(&n, prev) {
            return Step::Emit(r);
        }
        // 毎時01分: a minute of every hour (a rate of times).
        if self.before(n.start).ends_with("毎時")
            && self.starts(n.end, "分")
            && !self.starts(n.end + "分".len(), "間")
            && let Some(m) = n.int().filter(|m| (0..60).contains(m))
        {
            let mut r = Raw::new(n.start..n.end + "分".len(), self.sentence, Kind::Time);
            r.value = Some(Value::MinuteOfHour(m as u32));
            r.quals = Qualifiers::PER;
            return Step::Emit(r);
        }
        match self.date_at(&n, prev) {
            Step::Nothing => {}
            s => return s,
        }
        if let Some((t, end)) = self.clock_at(n.start) {
            let mut r = Raw::new(n.start..end, self.sentence, Kind::Time);
            r.value = Some(Value::Time(t));
            return Step::Emit(r);
        }
        if let Some(end) = self.one_of_idiom(&n) {
            return Step::Skip(end);
        }
        if let Some(r) = self.quantity_at(&n) {
            return Step::Emit(r);
        }
        if let Some(r) = self.bare_count_at(&n) {
            return Step::Emit(r);
        }
        if let Some(r) = self.elided_yen_at(&n) {
            return Step::Emit(r);
        }
        if let Some(r) = self.copyright_at(&n) {
            return Step::Emit(r);
        }
        Step::Skip(n.end)
    }

    /// Hours with 時 written once: 「15~18時」 is one time range, 15:00 to 18:00.
    fn clock_span_at(&self, n: &Numeral) -> Option<Raw> {
        let h0 = u32::try_from(n.int()?).ok()?;
        if !self.starts(n.end, "~") || h0 > 29 {
            return None;
        }
        let m = self.numeral(n.end + 1)?;
        if !self.starts(m.end, "時") {
            return None;
        }
        let (t1, end) = self.clock_at(m.start)?;
        if t1.hour <= h0 {
            return None;
        }
        let t0 = super::types::ClockTime {
            hour: h0,
            minute: 0,
            second: None,
        };
        let mut r = Raw::new(n.start..end, self.sentence, Kind::Time);
        r.value = Some(Value::Time(t0));
        r.upper = Some(Value::Time(t1));
        r.quals = Qualifiers::RANGE;
        Some(r)
    }

    /// The second end of a clock range, written short: 「午後5時から6時」 (the part of day
    /// carries: 18:00), 「14時5分から6分」 (the hour carries: 14:06).
    fn continued_clock(&self, n: &Numeral, prev: Option<&Raw>) -> Option<Raw> {
        let prev = prev?;
        let t0 = match prev.value? {
            Value::Time(t) | Value::DateTime(_, t) => t,
            _ => return None,
        };
        let between = self
            .text
            .get(prev.range.end..n.start)?
            .trim_matches([' ', '\t']);
        if !matches!(between, "から" | "~" | "-" | "より") {
            return None;
        }
        let t = if self.starts(n.end, "時") {
            let (mut t, end) = self.clock_at(n.start)?;
            if (12..24).contains(&t0.hour) && t.hour < 12 && t.hour + 12 > t0.hour {
                t.hour += 12;
            }
            (t, end)
        } else if self.starts(n.end, "分") && !self.starts(n.end + "分".len(), "間") {
            let m = u32::try_from(n.int()?).ok()?;
            (m < 60 && m > t0.minute).then_some(())?;
            let t = super::types::ClockTime {
                hour: t0.hour,
                minute: m,
                second: None,
            };
            (t, n.end + "分".len())
        } else {
            return None;
        };
        let mut r = Raw::new(n.start..t.1, self.sentence, Kind::Time);
        r.value = Some(Value::Time(t.0));
        Some(r)
    }

    // ------------------------------------------------------------ counters

    /// The counter right after numeral `n`.
    pub fn counter_at(&self, n: &Numeral) -> Option<(Unit, usize)> {
        let mut p = n.end;
        // 百 日, 四 分間: a space between a kanji numeral and a unit of time.
        if n.kanji
            && self.starts(p, " ")
            && COUNTERS.iter().any(|(w, u)| {
                matches!(u, Unit::Dur(_))
                    && self.starts(p + 1, w)
                    && !self
                        .char_at(p + 1 + w.len())
                        .is_some_and(|c| c.is_alphanumeric() && !"間".contains(c))
            })
        {
            p += 1;
        }
        let r = self.rest(p);
        for &(w, unit) in COUNTERS {
            if !r.starts_with(w) {
                continue;
            }
            let end = p + w.len();
            let next = self.char_at(end);
            let ok = match w {
                // 3年生, 小学5年 are school years, not lengths.
                "年" => {
                    !self.starts(end, "代")
                        && (n
                            .value
                            .is_none_or(|v| v < Decimal::int(1000) && !n.multiplier)
                            || n.value.is_some_and(|v| v >= Decimal::int(10_000))
                            || self.ago_or_later_at(end))
                        && !self.starts(end, "生")
                        && !["小学", "中学", "高校", "大学", "学年", "小", "中", "高"]
                            .iter()
                            .any(|w| self.before(n.start).ends_with(w))
                }
                // 5分の1 is a fraction.
                "分" => !self.starts(end, "の"),
                "ID" => !next.is_some_and(|c| c.is_ascii_alphanumeric()),
                // 行 is a counter for banks only as a suffix token (10行超), not 行う.
                // 行 counts banks (10行超, 35行あった), not 行う / 行った / 行かない.
                "行" => !next.is_some_and(|c| "うっわいえおかきくけこ".contains(c)),
                _ => true,
            };
            if ok {
                return Some((unit, end));
            }
        }
        self.pos_counter_at(n).map(|end| (Unit::Counter, end))
    }

    /// A counter after numeral `n` found by its part of speech, not listed in
    /// [`COUNTERS`]: the end of the counter.
    ///
    /// - IPADIC's counters (名詞,接尾,助数詞: 匹, 本, 台, 枚, 冊, 杯) except those in
    ///   [`NOT_COUNTS`].
    /// - A common noun used as a counter, as Japanese does freely (3種類, 10銘柄,
    ///   40カートン, 2サイト, 100ダウンロード): only after Arabic digits (kanji numerals
    ///   glued to a noun are mostly names: 十六銀行, 三菱), only when the noun ends its
    ///   phrase (2段階認証 and 3ワードアドレス are compounds naming one thing), and not after
    ///   a year (東京2020大会).
    fn pos_counter_at(&self, n: &Numeral) -> Option<usize> {
        let t = self.token_at(n.end)?;
        if t.start as usize != n.end || t.end as usize > self.s1 {
            return None;
        }
        let w = t.surface(self.text);
        // A lone 一 before a counter is mostly a fixed word (一度 once, 一杯 full, 一夜にして
        // overnight, 一面 all over); the counters that count with it are in COUNTERS.
        if n.kanji && n.chars == 1 && n.value == Some(Decimal::int(1)) {
            return None;
        }
        // 2段階認証, 2要素の認証: the name of an authentication scheme, not a count.
        let after = self.rest(t.end as usize);
        if after.starts_with("認証") || after.starts_with("の認証") {
            return None;
        }
        if !matches!(
            t.pos,
            Pos::Noun(NounKind::Counter | NounKind::General | NounKind::Verbal)
        ) || NOT_COUNTS.contains(&w)
        {
            return None;
        }
        match t.pos {
            Pos::Noun(NounKind::Counter) => Some(t.end as usize),
            Pos::Noun(NounKind::General | NounKind::Verbal) => {
                // Arabic digits, with 万/億 allowed (50万ダウンロード).
                let kanji_digits = self.text[n.start..n.end]
                    .chars()
                    .any(|c| numerals::is_kanji_numeral_char(c) && !"万億兆".contains(c));
                // Things are counted in whole numbers; 2011.3時点 is a date, not a count.
                if kanji_digits
                    || w.chars().any(|c| c.is_ascii())
                    || n.value.is_none_or(|v| !v.is_integer())
                {
                    return None;
                }
                // The noun must head its phrase: what follows is not another noun (a
                // bracket or a symbol the dictionary does not know is no noun).
                let next = self.token_at(t.end as usize).filter(|x| x.start == t.end);
                if next.is_some_and(|x| {
                    matches!(x.pos, Pos::Noun(k) if k != NounKind::Dependent && k != NounKind::Adverbial)
                        && x.surface(self.text).chars().next().is_some_and(char::is_alphanumeric)
                }) {
                    return None;
                }
                // A year before a noun names an event or a model (東京2020大会, 2020年版).
                if n.plain && n.chars == 4 && n.int().is_some_and(|v| (1900..=2100).contains(&v)) {
                    return None;
                }
                Some(t.end as usize)
            }
            _ => None,
        }
    }

    /// 一/1 with a counter that does not count: 「もう一人」 (the other one), 「一人も…ない」
    /// (not a single one), 「被害者の一人」 and 「アプリの1機能」 (one of them). The end of
    /// the counter, to skip.
    fn one_of_idiom(&self, n: &Numeral) -> Option<usize> {
        if n.value != Some(Decimal::int(1)) {
            return None;
        }
        let (unit, end) = self.counter_at(n)?;
        if !matches!(unit, Unit::Count(_) | Unit::Counter) {
            return None;
        }
        let b = self.before(n.start);
        let another = b.ends_with("もう");
        let not_one = self.starts(end, "も") && !self.starts(end, "もの");
        // Partitive: a noun, の, one: 「被害者の一人」. Not 「1日の1人」 (a number before の).
        let partitive = b.ends_with('の')
            && n.start > self.s0 + 'の'.len_utf8()
            && self.token_at(n.start - 'の'.len_utf8() - 1).is_some_and(|t| {
                matches!(t.pos, Pos::Noun(k) if !matches!(k, NounKind::Number | NounKind::Counter))
                    || matches!(t.surface(self.text), "」" | "』" | ")")
            });
        (another || not_one || partitive).then_some(end)
    }

    /// Whether 前 or 後 (after a hedge: ほど, 近く, ...) at `p` makes the length before it a
    /// relative date (4年前, 1000年ほど前), not 前後 (around), 前半, 後半.
    pub fn ago_or_later_at(&self, mut p: usize) -> bool {
        for h in ["ほど", "余り", "近く", "くらい", "ぐらい", "ばかり"] {
            if self.starts(p, h) {
                p += h.len();
                break;
            }
        }
        if self.starts(p, "まえ") {
            return true;
        }
        (self.starts(p, "前") || self.starts(p, "後"))
            && !self
                .char_at(p + "前".len())
                .is_some_and(|c| "後半年日期者任述記".contains(c))
    }

    /// A numeral with a counter: money, count, ratio, duration, or a relative date
    /// (4年ほど前, 約1ヶ月後, 数日後).
    pub fn quantity_at(&self, n: &Numeral) -> Option<Raw> {
        let (unit, mut end) = self.counter_at(n)?;
        let mut r = Raw::new(n.start..end, self.sentence, Kind::Count);
        r.approx = n.vague;
        match unit {
            Unit::Money(u) => {
                r.kind = Kind::Money;
                r.unit = Some(Cow::Borrowed(u));
                r.value = n.value.map(Value::Number);
            }
            Unit::Count(u) => {
                r.kind = Kind::Count;
                r.unit = Some(Cow::Borrowed(u));
                r.value = n.value.map(Value::Number);
            }
            Unit::Counter => {
                r.kind = Kind::Count;
                let w = &self.text[n.end..end];
                r.unit = Some(match COUNTER_NAMES.iter().find(|(c, _)| *c == w) {
                    Some((_, name)) => Cow::Borrowed(*name),
                    None => Cow::Owned(w.to_string()),
                });
                r.value = n.value.map(Value::Number);
            }
            Unit::Percent | Unit::Times => {
                r.kind = Kind::Ratio;
                r.unit = Some(Cow::Borrowed(if unit == Unit::Times {
                    "times"
                } else {
                    "percent"
                }));
                r.value = n.value.map(Value::Number);
            }
            Unit::Wari => {
                r.kind = Kind::Ratio;
                r.unit = Some(Cow::Borrowed("percent"));
                let mut v = n.value.and_then(|v| v.mul_int(10));
                // 3割5分 = 35%.
                if let Some(m) = self.numeral(end)
                    && self.starts(m.end, "分")
                    && let (Some(a), Some(b)) = (v, m.value)
                    && b < Decimal::int(10)
                {
                    v = a.checked_add(b);
                    end = m.end + "分".len();
                }
                r.value = v.map(Value::Number);
            }
            Unit::Dur(du) => {
                r.kind = Kind::Duration;
                let mut d = IsoDuration::default();
                // 1.5時間 = PT1H30M: a fraction goes into the smaller units.
                let known = match n.value {
                    Some(v) => {
                        add_length(&mut d, du, v)?;
                        true
                    }
                    None if n.vague => false,
                    None => return None,
                };
                // Compound durations: 1分48秒, 2年3カ月, 1時間30分.
                let mut last = du;
                while known && let Some(m) = self.numeral(end) {
                    let Some((Unit::Dur(u2), e2)) = self.counter_at(&m) else {
                        break;
                    };
                    let Some(v2) = m.int().and_then(|x| u32::try_from(x).ok()) else {
                        break;
                    };
                    if u2 <= last {
                        break;
                    }
                    u2.set(&mut d, v2);
                    last = u2;
                    end = e2;
                }
                // 9秒58: the hundredths of a timed result, written after 秒.
                if known
                    && last == DurUnit::Second
                    && d.millis == 0
                    && let Some(f) = self.digits_at(end).filter(|f| f.chars <= 3)
                    && self.counter_at(&f).is_none()
                    && !self.char_at(f.end).is_some_and(|c| ".,:/".contains(c))
                {
                    let frac = Decimal::new(i128::from(f.int()?), f.chars as u32);
                    if add_length(&mut d, DurUnit::Second, frac).is_some() {
                        end = f.end;
                    }
                }
                // 1年半, 2時間半, 5ヶ月半: and a half of the last unit written.
                if known
                    && self.starts(end, "半")
                    && !self.starts(end, "半ば")
                    && add_length(&mut d, last, Decimal::new(5, 1)).is_some()
                {
                    end += "半".len();
                }
                r.value = known.then_some(Value::Duration(d));
                r.range.end = end;
                if let Some(rel) = self.relative_offset(&r, du, n.vague) {
                    return Some(rel);
                }
            }
        }
        // 1本半, 2杯半: and a half of the thing counted (半 a word of its own, not 半分).
        if r.kind == Kind::Count
            && let Some(Value::Number(v)) = r.value
            && v.is_integer()
            && let Some(t) = self.token_at(end)
            && t.start as usize == end
            && t.surface(self.text) == "半"
        {
            r.value = v.checked_add(Decimal::new(5, 1)).map(Value::Number);
            end = t.end as usize;
        }
        r.range.end = end;
        Some(r)
    }

    /// Halves and quarters of a unit: 半年 (`P6M`), 半日 (`PT12H`), 半月 (`P15D`), 半世紀
    /// (`P50Y`), 四半世紀 (`P25Y`), and the relative dates 半年前, 半世紀後.
    fn half_at(&self, i: usize) -> Option<Raw> {
        let (w, unit, v) = [
            ("四半世紀", DurUnit::Year, 25),
            ("半世紀", DurUnit::Year, 50),
            ("半年", DurUnit::Month, 6),
            ("半月", DurUnit::Day, 15),
            ("半日", DurUnit::Hour, 12),
        ]
        .into_iter()
        .find(|(w, ..)| self.starts(i, w))?;
        let mut end = i + w.len();
        if !self.boundary(i) || !self.boundary(end) {
            return None;
        }
        // Not the head of a compound (半月板, 半日陰).
        if self.token_at(end).is_some_and(|t| {
            t.start as usize == end
                && matches!(
                    t.pos,
                    Pos::Noun(NounKind::General | NounKind::Proper | NounKind::Verbal)
                )
        }) {
            return None;
        }
        if self.starts(end, "間") {
            end += "間".len();
        }
        let mut d = IsoDuration::default();
        unit.set(&mut d, v);
        let mut r = Raw::new(i..end, self.sentence, Kind::Duration);
        r.value = Some(Value::Duration(d));
        if let Some(rel) = self.relative_offset(&r, unit, false) {
            return Some(rel);
        }
        Some(r)
    }

    /// `N<unit>(ほど)前/後` turns a duration into a relative date, at the precision of
    /// the smallest unit written (4年前 a year, 1年半前 and 3年5カ月後 a month, 10日後 a
    /// day); `N日目` is the Nth day counting the event's day as the first.
    fn relative_offset(&self, r: &Raw, du: DurUnit, vague: bool) -> Option<Raw> {
        let mut p = r.range.end;
        let mut approx = r.approx;
        let d = match r.value {
            Some(Value::Duration(d)) => Some(d),
            _ => None,
        };
        // 4日目: the event's day is the first.
        if self.starts(p, "目")
            && du == DurUnit::Day
            && self.text[r.range.clone()].ends_with('日')
            && let Some(d) = d
        {
            let mut out = Raw::new(
                r.range.start..p + "目".len(),
                self.sentence,
                Kind::RelativeDate,
            );
            out.temporal = Some(TExpr::Rel(RelExpr {
                anchor: Anchor::Event,
                unit: RelUnit::Day,
                offset: i64::from(d.days) - 1,
                hint: self.event_hint(r.range.start),
                ..RelExpr::default()
            }));
            return Some(out);
        }
        for h in ["ほど", "余り", "近く", "くらい", "ぐらい", "ばかり"] {
            if self.starts(p, h) {
                p += h.len();
                approx = true;
                break;
            }
        }
        let (sign, len) = if self.starts(p, "前") {
            (-1, "前".len())
        } else if self.starts(p, "まえ") {
            (-1, "まえ".len())
        } else if self.starts(p, "後") {
            (1, "後".len())
        } else if let Some(w) = ELAPSED.iter().find(|w| self.starts(p, w)) {
            // 2ヶ月経ったら, 3日経過後に: when the length has passed, a point after it.
            (1, w.len())
        } else {
            return None;
        };
        // 前後 (around), 前半, 後半, 前年, 後日... are other words.
        if len == "前".len()
            && let Some(c) = self.char_at(p + len)
            && "後半年日期者任述記".contains(c)
        {
            return None;
        }
        let (unit, offset, extra_days) = match d {
            Some(d) if d.hours + d.minutes + d.seconds > 0 => (RelUnit::Hour, 0, 0),
            Some(d) if d.years + d.months == 0 => {
                (RelUnit::Day, 7 * i64::from(d.weeks) + i64::from(d.days), 0)
            }
            Some(d) if d.months > 0 || d.weeks + d.days > 0 => (
                RelUnit::Month,
                12 * i64::from(d.years) + i64::from(d.months),
                7 * i64::from(d.weeks) + i64::from(d.days),
            ),
            Some(d) => (RelUnit::Year, i64::from(d.years), 0),
            None => (
                match du {
                    DurUnit::Year => RelUnit::Year,
                    DurUnit::Month => RelUnit::Month,
                    DurUnit::Week | DurUnit::Day => RelUnit::Day,
                    _ => RelUnit::Hour,
                },
                0,
                0,
            ),
        };
        let hint = self.event_hint(r.range.start);
        let anchor = if sign > 0 || hint.is_some() {
            Anchor::Event
        } else {
            Anchor::Publication
        };
        let mut out = Raw::new(r.range.start..p + len, self.sentence, Kind::RelativeDate);
        out.approx = approx || vague;
        out.temporal = Some(TExpr::Rel(RelExpr {
            anchor,
            unit,
            offset: offset * sign,
            extra_days: extra_days * sign,
            vague: vague || d.is_none(),
            // Months from a named event's day keep the day (「フォーラムの約1ヶ月後」, seeds).
            keep_day: unit == RelUnit::Month && hint.is_some(),
            hint,
            ..RelExpr::default()
        }));
        Some(out)
    }

    /// The noun phrase before 「の」 at `start` (「フォーラムの約1ヶ月後」), naming the event a
    /// relative date counts from.
    pub fn event_hint(&self, start: usize) -> Option<Range<usize>> {
        // Skip hedges in front of the number.
        let mut s = start;
        for (w, ..) in PREFIXES {
            if self.before(s).ends_with(w) {
                s -= w.len();
            }
        }
        if !self.before(s).ends_with('の') {
            return None;
        }
        let end = s - 'の'.len_utf8();
        let k = self
            .tokens
            .partition_point(|t| (t.end as usize) <= end.saturating_sub(1));
        let mut begin = end;
        let mut j = k + 1;
        while j > 0 {
            j -= 1;
            let Some(t) = self.tokens.get(j) else {
                continue;
            };
            if (t.end as usize) != begin || (t.start as usize) < self.s0 {
                break;
            }
            let noun = matches!(t.pos, Pos::Noun(k) if k != NounKind::Number && k != NounKind::Pronoun && k != NounKind::Dependent);
            let bracket = matches!(t.surface(self.text), "」" | "』");
            if !noun && !bracket {
                break;
            }
            begin = t.start as usize;
            if end - begin > 90 {
                break;
            }
        }
        let hint = self.text[begin..end].trim_matches(|c| matches!(c, '」' | '』' | '「' | '『'));
        (hint.chars().count() >= 2).then(|| {
            let off = self.text[begin..end].find(hint).unwrap_or(0);
            begin + off..begin + off + hint.len()
        })
    }

    /// `7、8社`, `2、3回`, `この1、2年`, `1~2カ月`: one span, value low, upper high.
    fn range_at(&self, n: &Numeral) -> Option<Raw> {
        let low = n.value?;
        let p = n.end;
        let c = self.char_at(p)?;
        // 10-20% reads like 10~20%; dates and phone numbers were taken before. 1から2日間:
        // から between two numbers joins them like ~.
        let kara = self.starts(p, "から");
        let tilde = c == '~' || c == '-' || kara;
        if !(tilde || c == '、' || c == ',') {
            return None;
        }
        let m = self.numeral(p + if kara { "から".len() } else { c.len_utf8() })?;
        let high = m.value?;
        if tilde {
            if low >= high {
                return None;
            }
        } else if n.chars > 2 || high != low.checked_add(Decimal::int(1))? {
            return None;
        }
        let r2 = self.quantity_at(&m)?;
        // 4~6日 are days of the month (dates); only 4~6日間 is a length.
        if r2.kind == Kind::Duration && self.text[r2.range.clone()].ends_with('日') {
            return None;
        }
        if !matches!(
            r2.kind,
            Kind::Money | Kind::Count | Kind::Ratio | Kind::Duration
        ) {
            return None;
        }
        // 1~2万円: the multiplier written once applies to both ends.
        let scale = if m.multiplier && !n.multiplier {
            match self.text[m.start..m.end].chars().next_back() {
                Some('万') => 4,
                Some('億') => 8,
                Some('兆') => 12,
                _ => 0,
            }
        } else {
            0
        };
        let low = low.mul_pow10(scale)?;
        let mut r = r2.clone();
        r.range.start = n.start;
        r.quals.insert(Qualifiers::RANGE);
        r.upper = r2.value;
        r.value = match r2.value? {
            Value::Number(_) => {
                let v =
                    if r2.kind == Kind::Ratio && self.text[m.end..r2.range.end].starts_with('割') {
                        low.mul_int(10)?
                    } else {
                        low
                    };
                Some(Value::Number(v))
            }
            Value::Duration(d) => {
                let lv = u32::try_from(low.to_i64()?).ok()?;
                let mut ld = IsoDuration::default();
                let unit = [
                    (d.years, DurUnit::Year),
                    (d.months, DurUnit::Month),
                    (d.weeks, DurUnit::Week),
                    (d.days, DurUnit::Day),
                    (d.hours, DurUnit::Hour),
                    (d.minutes, DurUnit::Minute),
                    (d.seconds, DurUnit::Second),
                ]
                .into_iter()
                .find(|(v, _)| *v > 0)?
                .1;
                unit.set(&mut ld, lv);
                Some(Value::Duration(ld))
            }
            _ => return None,
        };
        Some(r)
    }

    /// A large or vague number without a counter, before a noun: 「約150万強の登録」,
    /// 「150万を超える登録」, 「数十のサイト」.
    /// A small number counts only what a countable noun names: 「11の銀行」.
    fn bare_count_at(&self, n: &Numeral) -> Option<Raw> {
        let large = n.multiplier || n.vague;
        if !large && (n.kanji || n.value.is_none_or(|v| !v.is_integer())) {
            return None;
        }
        let mut r = Raw::new(n.start..n.end, self.sentence, Kind::Count);
        r.value = n.value.map(Value::Number);
        r.approx = n.vague;
        let mut p = n.end;
        for &(w, approx, q) in &QTY_SUFFIX[..10] {
            if self.starts(p, w) {
                p += w.len();
                r.approx |= approx;
                r.quals.insert(q);
                break;
            }
        }
        r.range.end = p;
        let noun_at = if self.starts(p, "の") {
            p + "の".len()
        } else {
            let verb = ["を超える", "を超す", "を上回る"]
                .into_iter()
                .find(|v| self.starts(p, v))?;
            r.quals.insert(Qualifiers::LOWER);
            p + verb.len()
        };
        let t = self.token_at(noun_at)?;
        if !matches!(t.pos, Pos::Noun(k) if k != NounKind::Number && k != NounKind::Suffix && k != NounKind::Dependent)
        {
            return None;
        }
        r.unit = noun_unit(t.surface(self.text)).map(Cow::Borrowed);
        if !large && (r.unit.is_none() || !self.starts(n.end, "の")) {
            return None;
        }
        Some(r)
    }

    /// Amounts listed without their unit, which the sentence states once with a sum in
    /// yen: 「10万、9万、2万と引き落とされ、全部で21万円」. Only myriad numerals (万, 億,
    /// 兆) listed with 、 take it; a lone 150万 may count anything.
    fn elided_yen_at(&self, n: &Numeral) -> Option<Raw> {
        const SEP: char = '、';
        const MYRIADS: [char; 3] = ['万', '億', '兆'];
        if !n.multiplier || n.vague || !self.text[n.start..n.end].ends_with(MYRIADS) {
            return None;
        }
        let listed_after = self.char_at(n.end) == Some(SEP)
            && self
                .numeral(n.end + SEP.len_utf8())
                .is_some_and(|m| m.multiplier && self.text[m.start..m.end].ends_with(MYRIADS));
        let listed_before = self.char_before(n.start) == Some(SEP)
            && self.before(n.start - SEP.len_utf8()).ends_with(MYRIADS);
        if !listed_after && !listed_before {
            return None;
        }
        // The yen amount that gives the unit follows within the sentence (a bounded look,
        // so a long list costs linear time).
        let mut hi = (n.end + 240).min(self.s1);
        while !self.text.is_char_boundary(hi) {
            hi -= 1;
        }
        let tail = &self.text[n.end..hi];
        let yen = tail.match_indices('円').any(|(k, _)| {
            tail[..k]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit() || MYRIADS.contains(&c))
        });
        if !yen {
            return None;
        }
        let mut r = Raw::new(n.start..n.end, self.sentence, Kind::Money);
        r.value = n.value.map(Value::Number);
        r.unit = Some(Cow::Borrowed("JPY"));
        Some(r)
    }

    // ------------------------------------------------------------ widening

    /// Adds the words around a recognized core: suffixes and prefixes in the surface,
    /// particles and as-of markers as qualifiers only.
    pub fn finish(&self, mut r: Raw, floor: usize) -> Raw {
        let suffixes = match r.kind {
            Kind::Money | Kind::Count | Kind::Ratio => QTY_SUFFIX,
            Kind::Duration => DUR_SUFFIX,
            _ => DATE_SUFFIX,
        };
        for _ in 0..2 {
            let Some(&(w, approx, q)) = suffixes
                .iter()
                .find(|(w, ..)| self.starts(r.range.end, w) && self.suffix_ok(r.range.end, w, &r))
            else {
                break;
            };
            r.range.end += w.len();
            r.approx |= approx;
            if !(q.has_bound() && r.quals.has_bound()) {
                r.quals.insert(q);
            }
        }
        // Negative figures: −2.5%, マイナス3%, ▲5億円 (▲ and △ mark losses in tables).
        if matches!(r.kind, Kind::Money | Kind::Count | Kind::Ratio)
            && let Some(Value::Number(d)) = r.value
        {
            let b = self.before(r.range.start);
            let sign = if b.ends_with("マイナス") {
                "マイナス".len()
            } else if b.ends_with(['▲', '△']) {
                '▲'.len_utf8()
            } else if b.ends_with('ー')
                && !b[..b.len() - 'ー'.len_utf8()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| ('\u{30A0}'..='\u{30FF}').contains(&c))
            {
                // ー typed for a minus sign (not the long vowel ending a katakana word).
                'ー'.len_utf8()
            } else if b.ends_with('-')
                && !b[..b.len() - 1].chars().next_back().is_some_and(|c| {
                    c.is_ascii_alphanumeric()
                        || numerals::is_kanji_numeral_char(c)
                        || "-~".contains(c)
                })
            {
                1
            } else {
                0
            };
            if sign > 0 && r.range.start - sign >= floor {
                r.range.start -= sign;
                r.value = Some(Value::Number(-d));
            }
        }
        // Hedges before, innermost first: 少なくとも約900人.
        loop {
            let b = self.before(r.range.start);
            let found = PREFIXES.iter().find(|(w, ..)| {
                b.ends_with(w)
                    && r.range.start - w.len() >= floor
                    && self.boundary(r.range.start - w.len())
            });
            let Some(&(w, approx, q, governs)) = found else {
                // この1、2年, ここ2週間: the deictic is part of a period.
                if r.kind == Kind::Duration
                    && let Some(w) = ["この", "ここ"].into_iter().find(|w| b.ends_with(w))
                    && r.range.start - w.len() >= floor
                    && self.boundary(r.range.start - w.len())
                {
                    r.range.start -= w.len();
                }
                break;
            };
            if r.kind.is_temporal()
                && r.kind != Kind::Duration
                && r.kind != Kind::RelativeDate
                && !approx
            {
                break;
            }
            r.range.start -= w.len();
            r.approx |= approx;
            if !q.is_empty() && !r.quals.has_bound() {
                r.quals.insert(q);
            }
            if governs {
                r.governs = q;
            }
        }
        self.context_after(&mut r);
        self.context_before(&mut r, floor);
        r
    }

    fn suffix_ok(&self, at: usize, w: &str, r: &Raw) -> bool {
        let end = at + w.len();
        match w {
            // Single kanji: only as a word of its own (not 強化, 超高速, 目標).
            "目" if r.kind == Kind::Money => false,
            "超" | "強" | "弱" | "目" | "頃" => self.boundary(end) && self.boundary(at),
            "間" => r.kind == Kind::Duration && !self.text[r.range.clone()].ends_with('間'),
            _ => true,
        }
    }

    fn context_after(&self, r: &mut Raw) {
        let mut p = self.skip_spaces(r.range.end);
        if r.kind.is_temporal() {
            p = self.skip_bracket_weekday(p);
            p = self.skip_spaces(p);
            let q = if self.starts(p, "まで") || self.starts(p, "にかけて") {
                Qualifiers::UPPER
            } else if self.starts(p, "から")
                || self.starts(p, "以来")
                || self.starts(p, "~")
                || self.yori_from(p)
            {
                Qualifiers::LOWER
            } else if r.kind != Kind::Duration
                && (self.starts(p, "現在") || self.starts(p, "時点") || self.starts(p, "付"))
            {
                Qualifiers::AS_OF
            } else {
                Qualifiers::NONE
            };
            if r.kind == Kind::Duration {
                // から/まで after a length do not bound it (開始から4日で).
                if q == Qualifiers::LOWER && self.starts(p, "~") {
                    r.quals.insert(q);
                }
            } else if !(q.has_bound() && r.quals.has_bound()) {
                r.quals.insert(q);
            }
        } else {
            if ["を超える", "を超す", "を超え", "を上回"]
                .iter()
                .any(|w| self.starts(p, w))
                && !r.quals.has_bound()
            {
                r.quals.insert(Qualifiers::LOWER);
            }
            if ["を下回", "に満たな"].iter().any(|w| self.starts(p, w)) && !r.quals.has_bound()
            {
                r.quals.insert(Qualifiers::UPPER);
            }
            if self.starts(p, "~") && !r.quals.has_bound() && !r.quals.contains(Qualifiers::RANGE) {
                r.quals.insert(Qualifiers::LOWER);
            }
        }
        // Rates: 1人あたり, 1つの口座あたり, 1時間あたり.
        if matches!(r.kind, Kind::Count | Kind::Duration)
            && r.value.is_some_and(|v| match v {
                Value::Number(d) => d == Decimal::int(1),
                Value::Duration(d) => {
                    d.years + d.months + d.weeks + d.days + d.hours + d.minutes + d.seconds == 1
                }
                _ => false,
            })
            && self.per_follows(r.range.end)
        {
            r.quals.insert(Qualifiers::PER);
        }
    }

    /// 「より」 meaning "from" (7月1日より提供), not "than" (昨年より1割増, 昨年より多い).
    fn yori_from(&self, p: usize) -> bool {
        if !self.starts(p, "より") {
            return false;
        }
        let q = p + "より".len();
        let comparative = self.char_at(q).is_some_and(|c| {
            numerals::starts_numeral(c)
                || c.is_ascii_digit()
                || "多少高低増減大小早遅前後もは約".contains(c)
        });
        !comparative
    }

    /// `あたり`, `当たり`, `につき`, directly or after `の<noun>`.
    fn per_follows(&self, p: usize) -> bool {
        const PER: [&str; 3] = ["あたり", "当たり", "につき"];
        if PER.iter().any(|w| self.starts(p, w)) {
            return true;
        }
        if !self.starts(p, "の") {
            return false;
        }
        let mut q = p + "の".len();
        for _ in 0..8 {
            if PER.iter().any(|w| self.starts(q, w)) {
                return true;
            }
            match self.char_at(q) {
                Some(c) if !c.is_whitespace() && !"、。,.()「」".contains(c) && !is_hiragana(c) => {
                    q += c.len_utf8()
                }
                _ => return false,
            }
        }
        false
    }

    fn context_before(&self, r: &mut Raw, floor: usize) {
        let b = self.before(r.range.start).trim_end_matches([' ', '\t']);
        if b.ends_with('~') && !r.quals.has_bound() {
            r.quals.insert(Qualifiers::UPPER);
        }
        // Not when the word ends the previous mention (3年間100万人).
        if matches!(r.kind, Kind::Money | Kind::Count)
            && PER_PREFIX
                .iter()
                .any(|w| b.ends_with(w) && self.s0 + b.len() - w.len() >= floor)
        {
            r.quals.insert(Qualifiers::PER);
        }
    }

    /// Skips a bracketed weekday after a date: `(木)`, `(金曜)`, `(月曜日)`.
    pub fn skip_bracket_weekday(&self, p: usize) -> usize {
        if !self.starts(p, "(") {
            return p;
        }
        let mut q = p + 1;
        let Some(c) = self.char_at(q) else { return p };
        if !"月火水木金土日祝".contains(c) {
            return p;
        }
        q += c.len_utf8();
        for w in ["曜日", "曜", "・祝", "祝"] {
            if self.starts(q, w) {
                q += w.len();
                break;
            }
        }
        if self.starts(q, ")") { q + 1 } else { p }
    }
}

/// Whether a mention can start at `c` (a numeral, a currency sign, or the first character
/// of a relative-date word, an era, a weekday, a part of day or a month part). One match,
/// so that the scan costs little on ordinary text.
fn may_start(c: char) -> bool {
    matches!(
        c,
        '0'..='9'
            | '〇' | '零' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九'
            | '十' | '百' | '千' | '数' | '何'
            | '¥' | '￥' | '$' | '半' | 'M' | 'T' | 'S' | 'H' | 'R' | 'A' | 'P' | 'a' | 'p' | 'Q'
            // relative-date words
            | 'お' | '明' | 'あ' | '今' | '本' | '昨' | 'き' | '前' | '翌' | '同' | '当' | '先'
            | '来' | '去' | '再' | '現' | '次' | 'こ'
            // eras
            | '令' | '平' | '昭' | '大'
            // weekdays
            | '月' | '火' | '水' | '木' | '金' | '土' | '日'
            // parts of day and clock words
            | '午' | '朝' | '夜' | '夕' | '深' | '早' | '未' | '正' | '昼' | '晩'
            // month parts after から
            | '上' | '初' | '中' | '下'
    )
}

/// Whether an ASCII run is a clock hour with AM/PM (`10PM`, `PM11`, `pm`), which the
/// clock recognizer reads.
fn is_am_pm_clock(t: &str) -> bool {
    if t.len() > 6 {
        return false;
    }
    let digits = |d: &[u8]| d.len() <= 2 && d.iter().all(u8::is_ascii_digit);
    let b = t.as_bytes();
    ["am", "pm", "a.m.", "p.m."].iter().any(|w| {
        let w = w.as_bytes();
        let n = b.len();
        n >= w.len()
            && ((b[n - w.len()..].eq_ignore_ascii_case(w) && digits(&b[..n - w.len()]))
                || (b[..w.len()].eq_ignore_ascii_case(w) && digits(&b[w.len()..])))
    })
}

/// Whether an ASCII run is a phone number: `0120-192-044`, `03-1234-5678`.
fn is_phone(t: &str) -> bool {
    let t = t.trim_matches(|c: char| !c.is_ascii_digit());
    let groups: Vec<&str> = t.split('-').collect();
    if groups.len() < 2
        || groups
            .iter()
            .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    // ISO dates (2019-08-03) are not phone numbers.
    let iso = groups.len() == 3 && groups[0].len() == 4 && !groups[0].starts_with('0');
    !iso && (groups[0].starts_with('0') || groups.len() >= 3) && (8..=13).contains(&digits)
}

/// The counted thing of a noun after a bare number (「150万の登録」).
fn noun_unit(noun: &str) -> Option<&'static str> {
    Some(match noun {
        "登録" | "登録者" => "registration",
        "会員" | "人" | "利用者" | "ユーザー" | "顧客" | "人々" => "person",
        "サイト" => "site",
        "ID" | "アカウント" | "口座" => "account",
        "店" | "店舗" => "store",
        "件" | "案件" => "case",
        "社" | "企業" | "会社" => "company",
        "銀行" => "bank",
        _ => return None,
    })
}

/// A bound hedge in the first item of a list qualifies the rest (少なくとも約900人、約5500万円).
fn govern_lists(cx: &Ctx<'_>, raws: &mut [Raw]) {
    for k in 1..raws.len() {
        let g = raws[k - 1].governs;
        if g.is_empty() {
            continue;
        }
        let between = cx.text[raws[k - 1].range.end..raws[k].range.start].trim();
        let joined = matches!(between, "、" | "・" | "," | "と" | "/" | "及び" | "および");
        let quantity = matches!(raws[k].kind, Kind::Money | Kind::Count | Kind::Ratio);
        if joined && quantity && !raws[k].quals.has_bound() {
            raws[k].quals.insert(g);
            raws[k].governs = g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{P, check};
    use super::*;

    #[test]
    fn counters_from_the_dictionary() {
        check(&[
            (P, "庭に猫が3匹いた。", &["3匹 count 3 匹"]),
            (
                P,
                "鉛筆を12本と画用紙を5枚買った。",
                &["12本 count 12 本", "5枚 count 5 sheet"],
            ),
            (P, "スープを2杯半飲んだ。", &["2杯半 count 2.5 杯"]),
            (
                P,
                "ジュースを8本強用意した。",
                &["8本強 count 8 本 ~ lower"],
            ),
            (P, "約三十人が集まった。", &["約三十人 count 30 person ~"]),
            // Labels, ranks, ages and ordinals are counters that do not count.
            (P, "彼は25歳で、父は60代だ。", &[]),
            (P, "2番目の走者が1位になった。", &[]),
            (P, "本店は3丁目5番地にある。", &[]),
        ]);
    }

    #[test]
    fn nouns_used_as_counters() {
        check(&[
            (P, "全部で4種類のプランがある。", &["4種類 count 4 type"]),
            (
                P,
                "アプリは50万ダウンロードを超えた。",
                &["50万ダウンロード count 500000 ダウンロード lower"],
            ),
            (
                P,
                "倉庫から段ボール30カートンが消えた。",
                &["30カートン count 30 carton"],
            ),
            (P, "被害は5サイト(国内)に及ぶ。", &["5サイト count 5 site"]),
            // A compound names one thing; a year names an event; kanji numerals glued to
            // a noun are names.
            (P, "3ワードアドレスを使う。", &[]),
            (P, "2段階の認証を導入した。", &[]),
            (P, "東京2020大会の会場", &[]),
            (P, "三菱と十六銀行が提携した。", &[]),
            // A small number before の counts what a countable noun names.
            (P, "被害は8の銀行に広がった。", &["8 count 8 bank"]),
        ]);
    }

    #[test]
    fn amounts_listed_without_their_yen() {
        check(&[
            (
                P,
                "3万、5万、1万と引き出され、合計9万円を失った。",
                &[
                    "3万 money 30000 JPY",
                    "5万 money 50000 JPY",
                    "1万 money 10000 JPY",
                    "9万円 money 90000 JPY",
                ],
            ),
            // No yen in the sentence, or a lone figure: the unit is unknown.
            (P, "参加者は3万、5万と増えた。", &[]),
            (
                P,
                "登録は150万、被害は500万円だった。",
                &["500万円 money 5000000 JPY"],
            ),
        ]);
    }

    #[test]
    fn one_of_idioms_and_proverbs() {
        check(&[
            (P, "もう一人は否認している。", &[]),
            (P, "容疑者の一人は黙秘した。", &[]),
            (P, "「アプリ」の1機能にすぎない。", &[]),
            (P, "一人も同席しなかった。", &[]),
            (P, "一度は断った。", &[]),
            (P, "石の上にも三年という。", &[]),
            // Other counts with one stay counts.
            (
                P,
                "子ども1人につき500円。",
                &["1人 count 1 person per", "500円 money 500 JPY"],
            ),
        ]);
    }

    #[test]
    fn lengths_with_fractions_and_halves() {
        check(&[
            (P, "移動に1.5時間かかる。", &["1.5時間 duration PT1H30M"]),
            (P, "工事は2.5日間続いた。", &["2.5日間 duration P2DT12H"]),
            (P, "試験期間は1.5年間だ。", &["1.5年間 duration P1Y6M"]),
            (P, "5ヶ月半で完成した。", &["5ヶ月半 duration P5M15D"]),
            (P, "2週間半の休暇", &["2週間半 duration P2W3DT12H"]),
            (P, "記録は9秒58だった。", &["9秒58 duration PT9.58S"]),
            (
                P,
                "半世紀と四半世紀と半月",
                &[
                    "半世紀 duration P50Y",
                    "四半世紀 duration P25Y",
                    "半月 duration P15D",
                ],
            ),
            (P, "半月板を痛めた。", &[]),
        ]);
    }

    #[test]
    fn lengths_back_and_ahead_are_relative_dates() {
        check(&[
            (P, "1年半前に始まった。", &["1年半前 relative_date 2018-01"]),
            (
                P,
                "3年5カ月後に完成する。",
                &["3年5カ月後 relative_date 2022-12"],
            ),
            (
                P,
                "4年ほど前から続く。",
                &["4年ほど前 relative_date 2015 ~ lower"],
            ),
            (
                P,
                "およそ1000年前の遺跡",
                &["およそ1000年前 relative_date 1019 ~"],
            ),
            (P, "半世紀前の建物", &["半世紀前 relative_date 1969"]),
            (
                P,
                "3カ月経ったら見直す。",
                &["3カ月経ったら relative_date 2019-10"],
            ),
            (P, "2カ月が経過した。", &["2カ月 duration P2M"]),
            (
                P,
                "開始から3日目に止まった。",
                &["3日目 relative_date 2019-07-06"],
            ),
            (P, "発売5日で完売した。", &["5日 duration P5D"]),
        ]);
    }

    #[test]
    fn clock_ranges_written_short() {
        check(&[
            (
                P,
                "午後3時から5時まで休む。",
                &["午後3時 time 15:00 lower", "5時 time 17:00 upper"],
            ),
            (
                P,
                "10時20分から25分にかけて",
                &["10時20分 time 10:20 lower", "25分 time 10:25 upper"],
            ),
            (P, "受付は9~17時です。", &["9~17時 time 09:00..17:00 range"]),
            (P, "毎時30分に発車する。", &["30分 time XX:30 per"]),
        ]);
    }

    #[test]
    fn phone_numbers() {
        assert!(is_phone("0120-192-044"));
        assert!(is_phone("03-1234-5678"));
        assert!(!is_phone("2019-08-03"));
        assert!(!is_phone("800-63"));
        assert!(!is_phone("1234"));
    }
}
