//! Facts on short articles written for these tests: each binding rule of `src/facts`, run
//! through the whole analysis (extracted mentions, entities, facts).

mod common;

use shiten::analyze::DocAnalysis;
use shiten::calendar::Date;
use shiten::corpus::Document;
use shiten::output::rows::FactRow;

fn analyze(text: &str, published: Option<(i32, u32, u32)>) -> DocAnalysis {
    let mut doc = Document::from_str("t.txt", text);
    doc.meta.published = published.and_then(|(y, m, d)| Date::new(y, m, d));
    common::analyzer()
        .worker()
        .analyze(&doc)
        .expect("analysis runs")
}

/// `measure value as_of basis` per fact, in document order.
fn facts(text: &str) -> Vec<String> {
    let a = analyze(text, Some((2019, 8, 5)));
    a.facts.iter().map(line).collect()
}

fn line(f: &FactRow) -> String {
    format!(
        "{} {} {} {}",
        f.measure,
        f.value.as_deref().unwrap_or("-"),
        f.as_of.as_deref().unwrap_or("-"),
        f.as_of_basis
    )
}

#[test]
fn topic_cues_and_as_of_expressions() {
    assert_eq!(
        facts("同社によると、8月2日10時現在の被害者は312人、被害額は1234万5678円。"),
        [
            "victims 312 2019-08-02T10:00 text",
            "damage_amount 12345678 2019-08-02T10:00 text"
        ]
    );
    // A list shares its cue; each figure takes the measure its unit fits.
    assert_eq!(
        facts("被害は約300人、約2000万円に上った。"),
        [
            "victims 300 2019-08-05 published",
            "damage_amount 20000000 2019-08-05 published"
        ]
    );
    // 被害額 does not fit a count of people: the 被害 inside it does.
    assert_eq!(
        facts("調査の結果、被害額は312人 / 12,345,678円であった。"),
        [
            "victims 312 2019-08-05 published",
            "damage_amount 12345678 2019-08-05 published"
        ]
    );
}

#[test]
fn figures_governed_by_other_words_are_not_victims_or_damage() {
    let f = facts(
        "登録者は150万人で、1日に2万円以上をチャージし、2万円以上をその日のうちに使った取引を集計して被害を試算した。",
    );
    assert_eq!(
        f,
        [
            "registered_users 1500000 2019-08-05 published",
            "charge_amount 20000 2019-08-05 published"
        ]
    );
    let a = analyze(
        "1日に2万円以上をチャージした利用者がいた。",
        Some((2019, 8, 5)),
    );
    assert_eq!(a.facts[0].qualifier, "lower+per");
    assert!(facts("7iD、1650万人のパスワードを一斉リセット").is_empty());
    // A cue must head the compound: 被害対策 modifies チーム, 会員 modifies 情報.
    assert!(facts("同社は被害対策チーム10人を置いた。").is_empty());
    assert!(facts("46万件の会員情報が閲覧された可能性がある。").is_empty());
    // 「もしくは」 is no hypothetical.
    assert_eq!(
        facts("被害は約300人、もしくはそれ以上とみられる。"),
        ["victims 300 2019-08-05 published"]
    );
    assert!(facts("会員は日本の人口（約1億2600万人）の1割強に当たる。").len() <= 1);
    assert!(
        facts("会員は日本の人口（約1億2600万人）の1割強に当たる。")
            .iter()
            .all(|f| !f.contains("126000000"))
    );
    assert!(facts("仮にその全員が平均3万円をチャージしていれば、被害は100億円になる。").is_empty());
}

#[test]
fn predicates_and_nouns_after_the_figure() {
    assert_eq!(
        facts("同社は5日、約300人が計約2000万円の被害に遭ったと発表した。"),
        [
            "victims 300 2019-08-05 text",
            "damage_amount 20000000 2019-08-05 text"
        ]
    );
    assert_eq!(
        facts("約400IDに不正アクセスがあった。"),
        ["unauthorized_access_accounts 400 2019-08-05 published"]
    );
    assert_eq!(
        facts("警視庁は男3人を詐欺の疑いで逮捕した。"),
        ["arrests 3 2019-08-05 published"]
    );
    assert_eq!(
        facts("開始から数日で100万を超える登録を集めた。"),
        ["registered_users 1000000 2019-08-05 published"]
    );
}

#[test]
fn relative_clauses_clefts_and_headlines() {
    // The cue reaches into the clause modifying the head: victims, not users.
    assert_eq!(
        facts("被害を受けた利用者は約1200人に上った。"),
        ["victims 1200 2019-08-05 published"]
    );
    assert_eq!(
        facts("利用者が500万人を突破した。"),
        ["users 5000000 2019-08-05 published"]
    );
    assert_eq!(
        facts("不正アクセスを受けたのは約2000アカウントだった。"),
        ["unauthorized_access_accounts 2000 2019-08-05 published"]
    );
    assert_eq!(
        facts("不正ログインの被害に遭ったアカウントは約2万件に上る。"),
        ["unauthorized_access_accounts 20000 2019-08-05 published"]
    );
    assert_eq!(
        facts("セブンペイの被害、312人に"),
        ["victims 312 2019-08-05 published"]
    );
    let a = analyze(
        "同社の試算では、1日あたり最大で約3000万円の不正利用があった。",
        Some((2019, 8, 5)),
    );
    assert_eq!(a.facts[0].qualifier, "per");
}

#[test]
fn list_under_a_heading_takes_its_cue_and_as_of() {
    let text = "お知らせ\n\n3. 被害について（8月2日正午現在）\n・ 312 人 / 12,345,678 円\n・なお、新たな被害は確認されておりません。\n";
    assert_eq!(
        facts(text),
        [
            "victims 312 2019-08-02T12:00 heading",
            "damage_amount 12345678 2019-08-02T12:00 heading"
        ]
    );
}

#[test]
fn earlier_figures_periods_and_broken_lists() {
    assert_eq!(
        facts("関係者によると、被害額は当初の約2000万円から見直しが進んでいる。"),
        ["damage_amount 20000000 - earlier"]
    );
    assert_eq!(
        facts("セブンペイの登録者は3日までに約150万人に上っていた。"),
        ["registered_users 1500000 2019-08-03 text"]
    );
    assert_eq!(
        facts("サービス開始から7月31日までの一ヶ月間で312人。1200万円の被害が出ました。"),
        [
            "victims 312 2019-07-31 text",
            "damage_amount 12000000 2019-07-31 text"
        ]
    );
    // A generic head (推計) refers back to the cues of the sentence before.
    assert_eq!(
        facts(
            "7月31日17時現在の被害者は312人、被害額は1200万円。当初4日に公表した推計（約400人、約2000万円）を下回った。"
        ),
        [
            "victims 312 2019-07-31T17:00 text",
            "damage_amount 12000000 2019-07-31T17:00 text",
            "victims 400 2019-07-04 text",
            "damage_amount 20000000 2019-07-04 text"
        ]
    );
}

#[test]
fn a_headline_gives_way_to_the_body() {
    let text = "たばこ大量購入で20万円の不正利用\n\nたばこを買うことで20万円のチャージを使った事例があった。\n";
    assert_eq!(facts(text), ["charge_amount 200000 2019-08-05 published"]);
}

#[test]
fn subjects_separate_products() {
    let a = analyze(
        "セブンペイの問題で、7iDの会員は約1650万人に上る。セブンペイの登録者は約150万人だった。被害は約300人に上った。",
        Some((2019, 8, 5)),
    );
    let subjects: Vec<(&str, Option<&str>)> = a
        .facts
        .iter()
        .map(|f| (f.measure.as_str(), f.subject.as_deref()))
        .collect();
    assert_eq!(
        subjects,
        [
            ("registered_users", Some("7iD")),
            ("registered_users", Some("7pay")),
            ("victims", Some("7pay")),
        ]
    );
    // Charges are facts, not figures to compare.
    let a = analyze("チャージは5000円。", None);
    assert!(!a.facts[0].comparable);
    assert_eq!(a.facts[0].as_of_basis, "none");
}

#[test]
fn boilerplate_gives_no_facts() {
    let text = "本文です。\n\n関連記事\n・被害は約300人、約2000万円（7月4日）\n・ランキング\n";
    let a = analyze(text, Some((2019, 8, 5)));
    assert!(a.facts.is_empty(), "{:?}", a.facts);
}

mod prop {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any mix of figures, cue words, dates and punctuation analyses without panicking,
        /// and every fact points at its own surface in the original text.
        #[test]
        fn facts_never_panic_and_slice_back(parts in prop::collection::vec(prop::sample::select(vec![
            "被害", "被害額は", "被害者", "約900人", "808 人", "3,861万円", "38,615,473 円", "、", "。",
            "・", "\n", "(", ")", "7月31日17時現在", "4日時点", "当初の", "登録者は", "の", "に", "を",
            "チャージ", "1日に", "会員", "7iD", "セブンペイ", "2.", ":", "仮に", "規模", "は", " ",
        ]), 0..40)) {
            let text: String = parts.concat();
            let a = super::analyze(&text, Some((2019, 8, 1)));
            for f in &a.facts {
                let s = f.offsets.byte_start as usize;
                let e = f.offsets.byte_end as usize;
                prop_assert_eq!(&text[s..e], f.text.as_str());
            }
        }
    }
}

#[test]
fn a_national_statistic_is_no_figure_of_the_incident() {
    // A 7pay article quoting nation-wide statistics and another incident.
    let text = "セブンペイの不正利用の被害額は約5500万円に上った。\n\
                日本クレジット協会の統計では、2018年のクレジットカード不正利用の被害額は235億円だった。\n\
                昨年1年間の不正送金の被害額は68.5億円だった。\n\
                国内のキャッシュレス決済全体の被害額は100億円を超える。\n\
                7payの被害者は約900人で、全国に広がった。\n\
                業界全体に衝撃を与えた7payの被害額は3861万円。\n\
                ドコモ口座でも被害額は1800万円に上る。";
    let a = analyze(text, Some((2019, 7, 5)));
    assert_eq!(a.document.incidents, "7pay");
    let of = |value: &str| {
        let f = a
            .facts
            .iter()
            .find(|f| f.value.as_deref() == Some(value))
            .unwrap_or_else(|| panic!("no fact {value}: {:#?}", a.facts));
        (
            f.measure.as_str(),
            f.incident.as_deref(),
            f.subject.as_deref(),
        )
    };
    // Statistics: still a damage amount, but of no incident and no product.
    for v in ["23500000000", "6850000000", "10000000000"] {
        assert_eq!(of(v), ("damage_amount", None, None), "{v}");
    }
    // 全国 alone is a place, and an incident named after the word wins.
    assert_eq!(of("900"), ("victims", Some("7pay"), Some("7pay")));
    assert_eq!(
        of("38610000"),
        ("damage_amount", Some("7pay"), Some("7pay"))
    );
    // Another incident's figure is that incident's, without this article's product.
    let docomo = of("18000000");
    assert_eq!((docomo.0, docomo.1), ("damage_amount", Some("docomo")));
    assert_ne!(docomo.2, Some("7pay"));
    // So 7pay's figures compare only with each other: no conflict with 68.5億円.
    let rows = shiten::facts::figures(&a.facts);
    let pay: Vec<_> = rows
        .iter()
        .filter(|r| r.incident.as_deref() == Some("7pay") && r.measure == "damage_amount")
        .collect();
    assert!(
        pay.iter()
            .all(|r| matches!(r.value.as_deref(), Some("55000000" | "38610000"))),
        "{pay:#?}"
    );
    assert!(
        rows.iter().filter(|r| r.incident.is_none()).all(|r| r
            .compared_with
            .as_deref()
            .is_none_or(|c| !c.contains("55000000"))),
        "{rows:#?}"
    );
}
