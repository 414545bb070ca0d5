//! The whole analyzer on arbitrary text (issue 16): no panic, and every row's span slices
//! the original text to what the row says it is.
//!
//! Texts run up to 64 KB and mix what broke the analyzer before: spaces, commas, ASCII and
//! full-width digits, kanji numerals, brackets 「」（）, long runs without 。 (the segmenter
//! cuts them), line breaks, plus article sentences that give entities, facts and frame hits,
//! and any Unicode scalar. Checked for every mention, entity, fact and frame hit: its byte
//! offsets lie on character boundaries of the original text, slice it to the row's text,
//! and agree with its character offsets; rows come in document order (mentions and
//! entities also never overlap).
//!
//! Cases: `PROPTEST_CASES` when set (CI sets 4096 with a fixed `PROPTEST_RNG_SEED`, see
//! `.ci/run`), else 2048. Most texts are short and a few long, so that 4096 cases take about
//! a minute in a debug build. Linear time is `tests/linear.rs`'s business.

mod common;

use proptest::prelude::*;
use shiten::corpus::Document;
use shiten::output::rows::Offsets;

/// Longest text generated (bytes).
const MAX_BYTES: usize = 64 * 1024;

/// Pieces of text: the characters that broke the analyzer, numerals of every script,
/// brackets, and words the lexicons know.
fn piece() -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = vec![
        " ",
        "  ",
        "\u{3000}",
        "\t",
        "、",
        ",",
        "，",
        "。",
        "\n",
        "\r\n",
        "\n\n",
        "0",
        "1",
        "7",
        "12",
        "3.14",
        "2019",
        "1,000",
        "38,615,473",
        "０",
        "１",
        "８",
        "３８６１",
        "一",
        "二",
        "三",
        "十",
        "百",
        "千",
        "万",
        "億",
        "〇",
        "数",
        "「",
        "」",
        "（",
        "）",
        "(",
        ")",
        "『",
        "』",
        "【",
        "】",
        "年",
        "月",
        "日",
        "時",
        "分",
        "円",
        "人",
        "件",
        "%",
        "割",
        "約",
        "計",
        "最大",
        "以上",
        "現在",
        "時点",
        "までに",
        "翌日",
        "前日",
        "同日",
        "の",
        "は",
        "が",
        "を",
        "に",
        "と",
        "・",
        "-",
        "/",
        ":",
        "~",
        "〜",
        "人が いた、",
        "3.14 一 ",
        "7pay",
        "セブンペイ",
        "セブン・ペイ",
        "7iD",
        "オムニ7",
        "小林強社長",
        "清水氏",
        "被害",
        "被害額",
        "被害者",
        "登録者",
        "会員数",
        "二段階認証",
        "2段階認証",
        "リスト型攻撃",
        "見切り発車",
        "と説明した",
        "ではない",
        "だろうか",
        "関連記事",
        "© 2019",
        "https://example.jp/a?b=1",
        "&amp;",
        "<p>",
        "</p>",
        "ｶﾞ",
        "🎉",
        "\u{200B}",
        "\u{FEFF}",
        "\u{301C}",
        "\u{2212}",
    ];
    prop_oneof![
        8 => proptest::sample::select(pieces).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Sentences of a 7pay article, so that facts and frame hits occur.
fn sentence() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "セブン・ペイは7月4日、不正アクセスで約900人が計約5500万円の被害を受けたと発表した。",
        "被害者は808人、被害額は3861万5473円に上る(7月31日17時現在)。",
        "7iDの会員数は約1650万人。登録者は3日までに約150万人だった。",
        "小林強社長は「二段階認証は導入していなかった」と述べた。",
        "専門家は、リスト型攻撃だけでは説明がつかないと指摘する。",
        "・ 808 人 / 38,615,473 円\n・約5億円",
        "1日に1万円以上をチャージした2人を逮捕した。会見の3日後に停止した。",
        "開始を急いだ見切り発車ではないか。",
    ])
    .prop_map(str::to_string)
}

/// A run: a piece or a sentence, repeated (mostly once; sometimes into a long run without
/// a full stop or a long run of spaces).
fn run() -> impl Strategy<Value = String> {
    let times = prop_oneof![
        85 => Just(1usize),
        12 => 2usize..80,
        3 => 80usize..2500,
    ];
    (prop_oneof![4 => piece(), 1 => sentence()], times).prop_map(|(p, n)| p.repeat(n))
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(run(), 0..40).prop_map(|runs| {
        let mut s = runs.concat();
        if s.len() > MAX_BYTES {
            let mut end = MAX_BYTES;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
        }
        s
    })
}

fn published() -> impl Strategy<Value = Option<shiten::calendar::Date>> {
    prop_oneof![
        Just(None),
        (1990i32..2030, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| shiten::calendar::Date::new(y, m, d)),
    ]
}

fn cases() -> u32 {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default().cases
    } else {
        2048
    }
}

/// Checks one row's span against the original text: on character boundaries, slicing to
/// `text`, character offsets counted right. `chars_before[b]` is the number of characters
/// before byte `b` (for boundaries).
fn check_span(
    orig: &str,
    chars_before: &[i64],
    o: &Offsets,
    text: &str,
    what: &str,
) -> Result<(), TestCaseError> {
    let (bs, be) = (o.byte_start, o.byte_end);
    prop_assert!(
        0 <= bs && bs <= be && be as usize <= orig.len(),
        "{what}: span {bs}..{be} outside 0..{}",
        orig.len()
    );
    let (bs, be) = (bs as usize, be as usize);
    prop_assert!(
        orig.is_char_boundary(bs) && orig.is_char_boundary(be),
        "{what}: {bs}..{be} not on character boundaries"
    );
    prop_assert_eq!(&orig[bs..be], text, "{}: text", what);
    prop_assert_eq!(chars_before[bs], o.char_start, "{}: char_start", what);
    prop_assert_eq!(chars_before[be], o.char_end, "{}: char_end", what);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_span_slices_the_original_text(
        s in text(),
        pubd in published(),
        html in prop::bool::weighted(0.1),
    ) {
        let mut doc = Document::from_str(if html { "p.html" } else { "p.txt" }, &s);
        doc.is_html = html;
        doc.meta.published = pubd;
        let a = common::analyzer().worker().analyze(&doc).expect("analysis never fails");
        // Characters before each byte (-1 inside a character).
        let mut chars_before = vec![-1i64; s.len() + 1];
        let mut n = 0;
        for (i, _) in s.char_indices() {
            chars_before[i] = n;
            n += 1;
        }
        chars_before[s.len()] = n;
        prop_assert_eq!(a.document.chars, n);

        let mut last = 0;
        for m in &a.mentions {
            check_span(&s, &chars_before, &m.offsets, &m.text, "mention")?;
            prop_assert!(m.offsets.byte_start < m.offsets.byte_end, "empty mention {:?}", m);
            prop_assert!(m.offsets.byte_start >= last, "mentions overlap or out of order: {:?}", m);
            last = m.offsets.byte_end;
        }
        let mut last = 0;
        for e in &a.entities {
            check_span(&s, &chars_before, &e.offsets, &e.text, "entity")?;
            prop_assert!(e.offsets.byte_start < e.offsets.byte_end, "empty entity {:?}", e);
            prop_assert!(e.offsets.byte_start >= last, "entities overlap or out of order: {:?}", e);
            last = e.offsets.byte_end;
        }
        let mut last = 0;
        for f in &a.facts {
            check_span(&s, &chars_before, &f.offsets, &f.text, "fact")?;
            // A fact is a mention bound to a measure: the same span.
            prop_assert!(
                a.mentions.iter().any(|m| m.offsets == f.offsets),
                "fact without its mention: {:?}", f
            );
            prop_assert!(f.offsets.byte_start >= last, "facts out of order: {:?}", f);
            last = f.offsets.byte_start;
        }
        let mut last = (0, 0);
        for h in &a.frame_hits {
            check_span(&s, &chars_before, &h.offsets, &h.cue, "frame cue")?;
            prop_assert!(!h.cue.is_empty(), "empty cue {:?}", h);
            prop_assert!(h.sentence_text.contains(h.cue.as_str()), "cue outside its sentence {:?}", h);
            let key = (h.sentence, h.offsets.byte_start);
            prop_assert!(h.sentence >= last.0, "frame hits out of order: {:?}", h);
            last = key;
        }
    }
}
