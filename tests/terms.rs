//! Words (issue 20): the `terms` table ranks each outlet's characteristic words, the
//! `cooccurrence` table holds pairs said together, `shiten kwic` finds every occurrence,
//! and `add` updates the tables as one run would.
//!
//! The corpus is written here (our own sentences): outlet 朝報 dwells on 縦割り and
//! ガバナンス, outlet 夕刊 on リスト型攻撃; both name セブンペイ in every article, twice, so that
//! each is an article on the 7pay incident.

mod common;

use std::ffi::OsStr;
use std::path::Path;

const CHOHO: [&str; 3] = [
    "セブンペイの問題では、縦割りの組織がガバナンスの欠如を招いたとの見方が強い。\
     縦割りの弊害でガバナンスが働かず、経営陣の判断が遅れた。\
     専門家は縦割りを改めてガバナンスを立て直すべきだと指摘した。\
     セブンペイの今後が注目される。",
    "セブンペイの失敗の背景には、グループの縦割り体質とガバナンスの弱さがある。\
     縦割りの部門の間で情報が共有されず、ガバナンスの仕組みも形だけだった。\
     セブンペイの今後が注目される。",
    "セブンペイの問題を受けて、グループ全体でガバナンスの改革が始まった。\
     縦割りをなくすことが最大の課題だという。\
     セブンペイの今後が注目される。",
];

const YUKAN: [&str; 3] = [
    "セブンペイへの不正アクセスはリスト型攻撃によるものとみられる。\
     リスト型攻撃では、他のサイトから流出したパスワードが使われる。\
     利用者がパスワードを使い回していたことがリスト型攻撃を許した。\
     セブンペイの今後が注目される。",
    "警察はセブンペイへのリスト型攻撃について捜査を進めている。\
     リスト型攻撃を防ぐには二段階認証が有効だと専門家は話す。\
     セブンペイの今後が注目される。",
    "セブンペイの利用者の被害はリスト型攻撃で広がった。\
     運営会社はリスト型攻撃への対策を急ぐ。\
     セブンペイの今後が注目される。",
];

fn write_corpus(dir: &Path, outlet: &str, prefix: &str, texts: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut meta = String::from("file,source,title,url,published,desk\n");
    for (i, t) in texts.iter().enumerate() {
        let name = format!("{prefix}{i}.txt");
        std::fs::write(dir.join(&name), t).unwrap();
        meta.push_str(&format!("{name},{outlet},記事{i},,2019-07-1{i},経済部\n"));
    }
    std::fs::write(dir.join("metadata.csv"), meta).unwrap();
}

fn run(args: &[&OsStr]) -> std::process::Output {
    let out = common::shiten(args);
    assert!(
        out.status.success(),
        "shiten {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Rows of a CSV table as maps from column to cell.
fn records(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let (header, rows) = common::read_csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// The `n` words of highest keyness of `source`.
fn top(
    terms: &[std::collections::BTreeMap<String, String>],
    source: &str,
    n: usize,
) -> Vec<String> {
    let mut rows: Vec<(f64, String)> = terms
        .iter()
        .filter(|r| r["source"] == source)
        .map(|r| (r["keyness"].parse::<f64>().unwrap(), r["term"].clone()))
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    rows.into_iter().take(n).map(|r| r.1).collect()
}

#[test]
fn keyness_cooccurrence_kwic_and_add() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let a = w.join("choho");
    let b = w.join("yukan");
    write_corpus(&a, "朝報", "a", &CHOHO);
    write_corpus(&b, "夕刊", "b", &YUKAN);
    let both = w.join("both");
    write_corpus(&both, "朝報", "a", &CHOHO);
    {
        // The same articles in one folder, with one metadata.csv.
        let mut meta = std::fs::read_to_string(both.join("metadata.csv")).unwrap();
        for (i, t) in YUKAN.iter().enumerate() {
            std::fs::write(both.join(format!("b{i}.txt")), t).unwrap();
            meta.push_str(&format!("b{i}.txt,夕刊,記事{i},,2019-07-1{i},経済部\n"));
        }
        std::fs::write(both.join("metadata.csv"), meta).unwrap();
    }
    let one = w.join("one");
    run(&[
        OsStr::new("run"),
        both.as_os_str(),
        OsStr::new("--out"),
        one.as_os_str(),
        OsStr::new("--quiet"),
    ]);

    // Keyness: each outlet's own words on top.
    let terms = records(&one.join("terms.csv"));
    let choho = top(&terms, "朝報", 2);
    assert!(
        choho.contains(&"縦割り".to_string()) && choho.contains(&"ガバナンス".to_string()),
        "朝報's top words: {choho:?}"
    );
    assert_eq!(top(&terms, "夕刊", 1), ["リスト型攻撃"], "夕刊's top word");
    // The report lists each outlet's characteristic words with their counts.
    let report = std::fs::read_to_string(one.join("report.html")).unwrap();
    let section = &report[report.find("媒体ごとの特徴語").expect("words section")..];
    let words_of = |outlet: &str| {
        let at = section
            .find(&format!("<dt>{outlet}</dt><dd>"))
            .unwrap_or_else(|| panic!("{outlet} not in the section"));
        let dd = &section[at..];
        dd[..dd.find("</dd>").unwrap()].to_string()
    };
    let choho = words_of("朝報");
    assert!(
        choho.contains("縦割り</a> (6)") && choho.contains("ガバナンス</a> ("),
        "{choho}"
    );
    assert!(words_of("夕刊").contains("リスト型攻撃</a> (7)"));
    // Each word links to its concordance lines in the same page: the first use in each
    // article holding it, with the outlet, the article and its date.
    let link_of = |html: &str, word: &str| {
        let end = html
            .find(&format!("\">{word}</a>"))
            .unwrap_or_else(|| panic!("{word} is not a link"));
        let start = html[..end].rfind("href=\"#").unwrap() + 7;
        html[start..end].to_string()
    };
    let anchor = link_of(&choho, "縦割り");
    let at = report
        .find(&format!("<section class=\"kwic\" id=\"{anchor}\">"))
        .unwrap_or_else(|| panic!("no section #{anchor}"));
    let kwic = &report[at..];
    let kwic = &kwic[..kwic.find("</section>").unwrap()];
    assert!(kwic.contains("<h4>縦割り "), "{kwic}");
    let rows: Vec<&str> = kwic.split("<tr><td class=\"left\">").skip(1).collect();
    assert_eq!(rows.len(), 3, "one line per article holding it: {kwic}");
    for (row, doc) in rows.iter().zip(["a0.txt", "a1.txt", "a2.txt"]) {
        assert!(
            row.contains("<mark>縦割り</mark>") && row.contains("<td>朝報</td>"),
            "{row}"
        );
        assert!(row.contains(&format!(">{doc}<")), "earliest first: {row}");
    }
    assert!(
        kwic.contains("3 本の記事に 6 回") && kwic.contains("ほか 3 件"),
        "{kwic}"
    );
    assert!(kwic.contains("shiten kwic 縦割り --out ."), "{kwic}");
    let list = &report[report.find("<dt>夕刊</dt>").unwrap()..];
    let anchor = link_of(list, "リスト型攻撃");
    let at = report
        .find(&format!("id=\"{anchor}\""))
        .expect("its section");
    let kwic = &report[at..];
    let kwic = &kwic[..kwic.find("</section>").unwrap()];
    assert_eq!(kwic.matches("<td>夕刊</td>").count(), 3, "{kwic}");
    assert!(!kwic.contains("朝報"), "{kwic}");
    // And the co-occurrence network, drawn inline, holds the pair.
    let svg = &section[section.find("<svg class=\"network\"").expect("network")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(
        svg.contains(">縦割り</text>") && svg.contains(">ガバナンス</text>"),
        "{svg}"
    );
    assert!(svg.contains("<line"), "{svg}");
    // Its words link to the same lines.
    let node = &svg[..svg.find(">縦割り</text>").unwrap()];
    let node = &node[node.rfind("<a href=\"#").expect("the word is a link") + 10..];
    assert_eq!(&node[..node.find('"').unwrap()], link_of(&choho, "縦割り"));
    // Every link of the page has its target.
    for (at, _) in report.match_indices("href=\"#") {
        let id = &report[at + 7..at + 7 + report[at + 7..].find('"').unwrap()];
        assert!(
            report.contains(&format!("id=\"{id}\"")),
            "no target for #{id}"
        );
    }
    // Counts, dictionary forms, the corpus-wide list, the incident.
    let row = |source: &str, term: &str| {
        terms
            .iter()
            .find(|r| r["source"] == source && r["term"] == term)
            .unwrap_or_else(|| panic!("no row {source} {term}"))
    };
    assert_eq!(row("朝報", "縦割り")["count"], "6");
    assert_eq!(row("朝報", "縦割り")["docs"], "3");
    assert_eq!(row("夕刊", "リスト型攻撃")["count"], "7");
    assert_eq!(row("*", "セブンペイ")["docs"], "6");
    assert_eq!(row("*", "セブンペイ")["incident"], "7pay");
    assert!(
        row("夕刊", "防ぐ")["pos"] == "動詞",
        "verbs count by their dictionary form"
    );
    assert!(
        !terms
            .iter()
            .any(|r| ["する", "こと", "の", "は"].contains(&r["term"].as_str())),
        "stop words and function words are left out"
    );
    let shared: f64 = row("夕刊", "セブンペイ")["keyness"].parse().unwrap();
    assert!(
        shared.abs() < 1.0,
        "a word both use is not characteristic: {shared}"
    );
    let q: f64 = row("朝報", "縦割り")["q_value"].parse().unwrap();
    let p: f64 = row("朝報", "縦割り")["p_value"].parse().unwrap();
    assert!(p < 0.01 && q >= p && q <= 1.0, "p {p}, q {q}");

    // Co-occurrence.
    let cooc = records(&one.join("cooccurrence.csv"));
    let pair = cooc
        .iter()
        .find(|r| r["term_a"] == "ガバナンス" && r["term_b"] == "縦割り")
        .expect("縦割り–ガバナンス is a pair");
    assert_eq!(pair["sentences"], "5", "{pair:?}");
    assert!(cooc.iter().all(|r| r["term_a"] < r["term_b"]));

    // KWIC: every occurrence of 縦割り, with its outlet and metadata.
    let out = run(&[
        OsStr::new("kwic"),
        OsStr::new("縦割り"),
        OsStr::new("--out"),
        one.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("csv"),
    ]);
    let kwic_csv = w.join("kwic.csv");
    std::fs::write(&kwic_csv, &out.stdout).unwrap();
    let lines = records(&kwic_csv);
    assert_eq!(lines.len(), 6, "{lines:?}");
    for l in &lines {
        assert_eq!(l["source"], "朝報");
        assert_eq!(l["keyword"], "縦割り");
        assert_eq!(
            l["desk"], "経済部",
            "metadata variables travel with the line"
        );
        let text = std::fs::read_to_string(both.join(&l["doc"])).unwrap();
        let (s, e): (usize, usize) = (
            l["byte_start"].parse().unwrap(),
            l["byte_end"].parse().unwrap(),
        );
        assert_eq!(&text[s..e], "縦割り");
    }
    // By dictionary form: 使い回す finds 使い回して.
    let out = run(&[
        OsStr::new("kwic"),
        OsStr::new("広がる"),
        OsStr::new("--out"),
        one.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("【広がっ】") && text.contains("夕刊"),
        "{text}"
    );

    // Incremental: 朝報 first, then 夕刊 added, gives the same word tables.
    let inc = w.join("inc");
    run(&[
        OsStr::new("run"),
        a.as_os_str(),
        OsStr::new("--out"),
        inc.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    run(&[
        OsStr::new("add"),
        b.as_os_str(),
        OsStr::new("--out"),
        inc.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    for t in ["terms", "cooccurrence"] {
        assert_eq!(
            common::read_table(&inc, t),
            common::read_table(&one, t),
            "{t}"
        );
    }
    // KWIC after add, and a changed file is reported.
    let out = run(&[
        OsStr::new("kwic"),
        OsStr::new("リスト型攻撃"),
        OsStr::new("--out"),
        inc.as_os_str(),
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 7);
    std::fs::write(b.join("b0.txt"), "書き換えた記事。リスト型攻撃。").unwrap();
    let out = common::shiten(&[
        OsStr::new("kwic"),
        OsStr::new("リスト型攻撃"),
        OsStr::new("--out"),
        inc.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b0.txt") && err.contains("changed since it was analysed"),
        "{err}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
}
