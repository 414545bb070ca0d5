//! Span invariants of the extractor: on arbitrary input it never panics, every mention lies
//! on character boundaries and slices back to its text (bytes and code points agree), and
//! mentions are sorted and disjoint. End to end: every row of `shiten run corpus`'s
//! mentions.csv slices back to its text in the decoded article.

mod common;

use std::process::Command;

use proptest::prelude::*;
use shiten::corpus::Document;

/// Fragments that exercise the recognizers, mixed with arbitrary characters.
fn fragment() -> impl Strategy<Value = String> {
    let pieces: Vec<&'static str> = vec![
        "0",
        "1",
        "7",
        "12",
        "2019",
        "３",
        "１０",
        "一",
        "二",
        "十",
        "百",
        "千",
        "万",
        "億",
        "〇",
        "数",
        "年",
        "月",
        "日",
        "時",
        "分",
        "秒",
        "円",
        "人",
        "件",
        "社",
        "%",
        "％",
        "割",
        "倍",
        "カ月",
        "ヶ月",
        "週間",
        "日間",
        "時間",
        "約",
        "およそ",
        "少なくとも",
        "最大",
        "以上",
        "未満",
        "超",
        "強",
        "弱",
        "余り",
        "ほど",
        "ごろ",
        "末",
        "上旬",
        "中旬",
        "から",
        "まで",
        "現在",
        "時点",
        "に",
        "の",
        "、",
        "。",
        "~",
        "〜",
        "～",
        "/",
        "-",
        ".",
        ",",
        ":",
        "：",
        " ",
        "　",
        "\n",
        "\r\n",
        "\r",
        "(",
        ")",
        "（木）",
        "本日",
        "同日",
        "昨年",
        "今月",
        "前日",
        "翌日",
        "午前",
        "午後",
        "早朝",
        "夜",
        "令和",
        "元",
        "平成",
        "金曜",
        "7pay",
        "Omni7",
        "二段階認証",
        "一部",
        "第三者",
        "http://x.jp/2019/07/04",
        "0120-192-044",
        "©",
        "あたり",
        "前",
        "後",
        "間",
        "この",
        "ここ",
        "ID",
        "ｶﾞ",
        "&amp;",
        "<b>",
        "🎉",
        "\u{301C}",
        "\u{FF5E}",
        "\u{2212}",
    ];
    prop_oneof![
        3 => proptest::sample::select(pieces).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(fragment(), 0..48).prop_map(|v| v.concat()),
        1 => any::<String>(),
    ]
}

fn published() -> impl Strategy<Value = Option<shiten::calendar::Date>> {
    prop_oneof![
        Just(None),
        (1990i32..2030, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| shiten::calendar::Date::new(y, m, d)),
    ]
}

proptest! {
    // 400 cases by default; PROPTEST_CASES raises it for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn spans_slice_back_on_arbitrary_input(s in text(), pubd in published(), html in any::<bool>()) {
        let mut doc = Document::from_str(if html { "p.html" } else { "p.txt" }, &s);
        doc.is_html = html;
        doc.meta.published = pubd;
        let an = common::analyzer().worker().analyze(&doc).expect("analysis never fails");
        let mut last_end = 0i64;
        for m in &an.mentions {
            let (bs, be) = (m.offsets.byte_start as usize, m.offsets.byte_end as usize);
            prop_assert!(bs < be, "empty span {m:?}");
            prop_assert!(s.is_char_boundary(bs) && s.is_char_boundary(be), "{m:?}");
            prop_assert_eq!(&s[bs..be], m.text.as_str());
            prop_assert_eq!(s[..bs].chars().count() as i64, m.offsets.char_start);
            prop_assert_eq!(s[..be].chars().count() as i64, m.offsets.char_end);
            prop_assert!(m.offsets.byte_start >= last_end, "overlap or disorder: {m:?}");
            last_end = m.offsets.byte_end;
            prop_assert!(!m.qualifier.is_empty());
        }
    }
}

#[test]
fn typed_mentions_are_sorted_disjoint_and_on_char_boundaries() {
    let text = "少なくとも約900人、約5500万円。7月4日18時5分現在、同日夜に。1日に2回、この1、2年。";
    let doc = Document::from_str("t.txt", text);
    let mut w = common::analyzer().worker();
    let p = w.prepare(&doc).unwrap();
    let ms = shiten::extract::extract(&p, shiten::calendar::Date::new(2019, 7, 5));
    assert_eq!(ms.len(), 7, "{ms:?}");
    for pair in ms.windows(2) {
        assert!(pair[0].range.end <= pair[1].range.start, "{pair:?}");
    }
    for m in &ms {
        assert!(p.norm.text.is_char_boundary(m.range.start));
        assert!(p.norm.text.is_char_boundary(m.range.end));
    }
    // The as-of marker is visible on the datetime for the facts stage.
    let dt = ms
        .iter()
        .find(|m| m.kind == shiten::extract::Kind::DateTime)
        .unwrap();
    assert!(dt.is_as_of());
    assert_eq!(dt.value_text().as_deref(), Some("2019-07-04T18:05"));
    let money = ms
        .iter()
        .find(|m| m.kind == shiten::extract::Kind::Money)
        .unwrap();
    assert_eq!(
        money
            .value
            .and_then(|v| v.number())
            .and_then(|d| d.to_i64()),
        Some(55_000_000)
    );
    assert!(
        money
            .qualifiers
            .contains(shiten::extract::Qualifiers::LOWER)
    );
}

#[test]
fn every_mentions_csv_row_of_the_corpus_slices_back_to_its_text() {
    common::dict_dir();
    let corpus = common::root().join("corpus");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::new(common::bin())
        .args(["run", "--quiet"])
        .arg(&corpus)
        .arg("--out")
        .arg(&out)
        .arg("--dictionaries")
        .arg(common::root().join("dictionaries"))
        .output()
        .expect("shiten runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metadata = shiten::corpus::Metadata::load(&corpus);
    let found = shiten::corpus::discover(&corpus).unwrap();
    let texts: std::collections::HashMap<String, String> = found
        .files
        .iter()
        .map(|f| {
            let d =
                shiten::corpus::read_document(f, &metadata, shiten::corpus::DEFAULT_MAX_FILE_BYTES)
                    .unwrap();
            (d.doc.clone(), d.text)
        })
        .collect();
    let (headers, records) = common::read_csv(&out.join("mentions.csv"));
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (doc, text, kind) = (col("doc"), col("text"), col("kind"));
    let (cs, ce, bs, be) = (
        col("char_start"),
        col("char_end"),
        col("byte_start"),
        col("byte_end"),
    );
    let mut rows = 0;
    for r in records {
        let t = &texts[&r[doc]];
        let mut surface = r[text].to_string();
        // Undo the spreadsheet guard.
        if surface.starts_with('\'') && surface[1..].starts_with(['=', '+', '-', '@', '\t', '\r']) {
            surface.remove(0);
        }
        let n = |i: usize| r[i].parse::<usize>().unwrap();
        assert_eq!(&t[n(bs)..n(be)], surface, "{:?}", r);
        let chars: String = t.chars().skip(n(cs)).take(n(ce) - n(cs)).collect();
        assert_eq!(chars, surface, "{:?}", r);
        assert!(!r[kind].is_empty());
        rows += 1;
    }
    assert!(rows > 400, "only {rows} mention rows");
}
