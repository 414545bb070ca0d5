//! Syndicated and near-identical copies (issue 17): a wire story printed by four outlets
//! (one with its headline changed, one with a paragraph cut, one byte for byte) is a
//! document of each, the later three marked as copies of the first-seen one; `figures` counts the wire figure as
//! one independent text; the same bytes under another name from the same outlet stay one
//! document; and "run, then add the earlier copy" publishes what one full run publishes.
//!
//! The articles are written for this test (a fictional water-utility breach).

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use common::{expect_code, read_records, run_on, snapshot};

/// The wire story, paragraph by paragraph (the first line is the headline).
const HEADLINE: &str = "水道局にサイバー攻撃　利用者情報流出か";
const PARAGRAPHS: [&str; 9] = [
    "北東市水道局は4日、料金システムのサーバーが外部から不正にアクセスされ、\
     利用者の氏名や住所などが流出した可能性があると発表した。",
    "水道局によると、被害に遭った利用者は約1万2千人に上るという。\
     流出した恐れのある情報に口座番号やクレジットカード番号は含まれていない。",
    "2月下旬、委託先の保守業者が使っていた管理用のパスワードが盗まれ、\
     深夜に何者かが繰り返しログインしていたことがログの調査で分かった。",
    "水道局は問題のサーバーをネットワークから切り離し、\
     警察に被害を相談するとともに、専門の会社に詳しい調査を依頼した。",
    "現時点で、盗まれた情報が悪用された例は確認されていないという。",
    "利用者には郵送で経緯を知らせ、不審な電話や手紙に注意するよう呼びかけている。\
     問い合わせ窓口は平日の午前9時から午後5時まで受け付ける。",
    "局長は記者会見で「市民の皆さまに多大なご心配をおかけし、深くおわびする」と述べ、\
     委託先の管理体制を含めて再発防止策をまとめる考えを示した。",
    "市によると、水道局の料金システムは5年前に更新され、\
     保守作業の多くを外部の業者に任せていた。市議会からは監督の甘さを問う声が出ている。",
    "情報セキュリティーに詳しい大学教授は「自治体の委託先が狙われる例は全国で相次いでいる。\
     パスワードだけに頼らない認証の仕組みを急いで整えるべきだ」と指摘している。",
];

fn story(headline: &str, skip: Option<usize>) -> String {
    let mut s = format!("{headline}\n\n");
    for (i, p) in PARAGRAPHS.iter().enumerate() {
        if Some(i) != skip {
            s.push_str(p);
            s.push_str("\n\n");
        }
    }
    s
}

const UNRELATED: &str = "港の朝市に冬の味覚\n\n\
    南浜町の漁港で5日、恒例の朝市が開かれ、\
    水揚げされたばかりのズワイガニやタラを求めて早朝から多くの家族連れが訪れた。\n\n\
    漁協によると、今季は海水温が下がって漁が安定し、カニの水揚げは昨年の1.5倍に増えた。\
    会場では鍋の試食も振る舞われ、湯気の立つ椀を手にした子どもたちの笑顔が広がった。\n\n\
    漁協の組合長は「寒い中で来てくれた人に、港の元気を感じてもらえたらうれしい」と話していた。\n";

/// The corpus: `first` holds the articles of the first run (`None`: all of them).
fn write_corpus(dir: &Path, files: &[(&str, &str, &str, String)]) {
    fs::create_dir_all(dir).unwrap();
    let mut meta = String::from("file,source,title,url,published\n");
    for (name, source, published, text) in files {
        fs::write(dir.join(name), text).unwrap();
        meta.push_str(&format!("{name},{source},,,{published}\n"));
    }
    fs::write(dir.join("metadata.csv"), meta).unwrap();
}

fn articles() -> Vec<(&'static str, &'static str, &'static str, String)> {
    vec![
        // The first-seen copy: the earliest publication date.
        ("iwate.txt", "岩手日報", "2024-03-04", story(HEADLINE, None)),
        // The same bytes under another name from the same outlet: one document.
        (
            "iwate_web.txt",
            "岩手日報",
            "2024-03-04",
            story(HEADLINE, None),
        ),
        // Another headline.
        (
            "tokyo.txt",
            "東京新聞",
            "2024-03-05",
            story("北東市水道局、1万2千人分の個人情報流出の恐れ", None),
        ),
        // A paragraph cut, a day later.
        (
            "kahoku.txt",
            "河北新報",
            "2024-03-05",
            story(HEADLINE, Some(4)),
        ),
        // The same bytes from another outlet: a document of that outlet.
        (
            "kanagawa.txt",
            "神奈川新聞",
            "2024-03-05",
            story(HEADLINE, None),
        ),
        (
            "asaichi.txt",
            "河北新報",
            "2024-03-05",
            UNRELATED.to_string(),
        ),
    ]
}

fn rows(out: &Path, table: &str) -> Vec<HashMap<String, String>> {
    let (h, rows) = read_records(&out.join(format!("{table}.csv")));
    let _ = h;
    rows
}

#[test]
fn wire_copies_are_documents_of_each_outlet_marked_and_counted_once() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let out = tmp.path().join("out");
    write_corpus(&corpus, &articles());
    // Exit 2: the same-outlet duplicate is reported as skipped.
    let err = expect_code(&run_on("run", &corpus, &out, &[]), 2);

    // Every outlet's copy is a document of that outlet; the same-outlet duplicate is not.
    let docs = rows(&out, "documents");
    let mut by_doc: Vec<(String, String)> = docs
        .iter()
        .map(|r| (r["doc"].clone(), r["source"].clone()))
        .collect();
    by_doc.sort();
    assert_eq!(
        by_doc,
        [
            ("asaichi.txt".to_string(), "河北新報".to_string()),
            ("iwate.txt".into(), "岩手日報".into()),
            ("kahoku.txt".into(), "河北新報".into()),
            ("kanagawa.txt".into(), "神奈川新聞".into()),
            ("tokyo.txt".into(), "東京新聞".into()),
        ],
        "{err}"
    );
    let skipped = rows(&out, "skipped");
    assert!(
        skipped
            .iter()
            .any(|r| r["path"] == "iwate_web.txt" && r["reason"].contains("iwate.txt")),
        "{skipped:?}"
    );

    // copy_of marks the later copies with the first-seen one.
    let copies: HashMap<String, (String, String)> = rows(&out, "copies")
        .into_iter()
        .map(|r| {
            (
                r["doc"].clone(),
                (r["copy_of"].clone(), r["group_docs"].clone()),
            )
        })
        .collect();
    let mark = |d: &str| copies.get(d).map(|(c, n)| (c.as_str(), n.as_str()));
    assert_eq!(mark("iwate.txt"), Some(("", "4")));
    assert_eq!(mark("tokyo.txt"), Some(("iwate.txt", "4")));
    assert_eq!(mark("kahoku.txt"), Some(("iwate.txt", "4")));
    assert_eq!(mark("kanagawa.txt"), Some(("iwate.txt", "4")));
    assert_eq!(mark("asaichi.txt"), Some(("", "1")));

    // The wire figure: four outlets, one independent text.
    let figures: Vec<HashMap<String, String>> = rows(&out, "figures")
        .into_iter()
        .filter(|r| r["measure"] == "victims")
        .collect();
    let sources: Vec<&str> = figures.iter().map(|r| r["source"].as_str()).collect();
    assert_eq!(figures.len(), 4, "{figures:?}");
    for s in ["岩手日報", "東京新聞", "河北新報", "神奈川新聞"] {
        assert!(sources.contains(&s), "{figures:?}");
    }
    let independent: i64 = figures
        .iter()
        .map(|r| r["independent_docs"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(independent, 1, "{figures:?}");
    let verdicts: Vec<&str> = figures.iter().map(|r| r["verdict"].as_str()).collect();
    assert_eq!(
        verdicts.iter().filter(|v| **v == "copy").count(),
        3,
        "{figures:?}"
    );
}

#[test]
fn adding_the_earlier_copy_later_equals_one_full_run() {
    let tmp = tempfile::tempdir().unwrap();
    let all = articles();
    let full = tmp.path().join("full");
    write_corpus(&full, &all);
    let out_full = tmp.path().join("out-full");
    expect_code(&run_on("run", &full, &out_full, &["--quiet"]), 2);

    // The same folder grown: first the later copies, then the first-seen one.
    let grown = tmp.path().join("grown");
    let later: Vec<_> = all
        .iter()
        .filter(|a| !a.0.starts_with("iwate"))
        .cloned()
        .collect();
    write_corpus(&grown, &later);
    let out_inc = tmp.path().join("out-inc");
    expect_code(&run_on("run", &grown, &out_inc, &["--quiet"]), 0);
    let before: HashMap<String, String> = rows(&out_inc, "copies")
        .into_iter()
        .map(|r| (r["doc"].clone(), r["copy_of"].clone()))
        .collect();
    // Before the first-seen copy is added, the earliest copy stored stands for the text.
    assert_eq!(before["tokyo.txt"], "kahoku.txt");
    assert_eq!(before["kanagawa.txt"], "kahoku.txt");
    write_corpus(&grown, &all);
    expect_code(&run_on("add", &grown, &out_inc, &["--quiet"]), 2);
    assert_eq!(snapshot(&out_full), snapshot(&out_inc));
}
