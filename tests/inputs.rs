//! Inputs as users have them (issues 16.4, 17.1, 17.5, 19): exports of many articles
//! (JSON Lines, CSV, Parquet) analysed like the folder they came from, real web pages,
//! damaged text, file names that are not UTF-8, the same name in two folders, and a run
//! inside its own corpus folder.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use common::{corpus_files, read_csv, shiten};
use shiten::output::table::{Column, Table, Values};

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

use common::{expect_code as ok, run_on as run};

/// A table's rows as maps from column to cell.
fn rows(out: &Path, table: &str) -> Vec<BTreeMap<String, String>> {
    let (h, rows) = read_csv(&out.join(format!("{table}.csv")));
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect())
        .collect()
}

/// The sample corpus as (file, decoded text, metadata cells by column).
fn sample() -> Vec<(String, String, BTreeMap<String, String>)> {
    let src = common::root().join("corpus");
    let (mh, mrows) = read_csv(&src.join("metadata.csv"));
    corpus_files()
        .into_iter()
        .map(|f| {
            let bytes = fs::read(src.join(&f)).unwrap();
            let text = shiten::corpus::decode(&bytes, None).unwrap().text;
            let row = mrows.iter().find(|r| r[0] == f).expect("a metadata row");
            let meta = mh
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .filter(|(k, _)| k != "file")
                .collect();
            (f, text, meta)
        })
        .collect()
}

/// `table` with the document keys made comparable: `prefix` removed from `doc`, and the
/// columns that describe the file rather than the article left out.
fn comparable(out: &Path, table: &str, prefix: &str) -> Vec<BTreeMap<String, String>> {
    let mut v: Vec<BTreeMap<String, String>> = rows(out, table)
        .into_iter()
        .map(|mut r| {
            if let Some(d) = r.get_mut("doc") {
                *d = d.strip_prefix(prefix).unwrap_or(d).to_string();
            }
            r
        })
        .collect();
    v.sort();
    v
}

#[test]
fn jsonl_csv_and_parquet_exports_give_what_the_folder_gives() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = sample();
    assert_eq!(corpus.len(), 23);
    let columns: Vec<String> = corpus[0].2.keys().cloned().collect();

    // JSON Lines, in a folder with a line that is not JSON.
    let jdir = dir.path().join("jsonl");
    fs::create_dir_all(&jdir).unwrap();
    let mut jsonl = String::new();
    for (f, text, meta) in &corpus {
        let mut o = serde_json::Map::new();
        o.insert("id".into(), f.clone().into());
        o.insert("text".into(), text.clone().into());
        for (k, v) in meta {
            o.insert(k.clone(), v.clone().into());
        }
        jsonl.push_str(&serde_json::Value::Object(o).to_string());
        jsonl.push('\n');
    }
    jsonl.push_str("{\"id\": \"broken\", \"text\": \n");
    fs::write(jdir.join("export.jsonl"), &jsonl).unwrap();

    // CSV with the text under another name, given as the corpus itself.
    let csv_path = dir.path().join("export.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    let mut header = vec!["article_id".to_string(), "honbun".to_string()];
    header.extend(columns.iter().cloned());
    w.write_record(&header).unwrap();
    for (f, text, meta) in &corpus {
        let mut r = vec![f.clone(), text.clone()];
        r.extend(columns.iter().map(|c| meta[c].clone()));
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();

    // Parquet, written by shiten's own writer.
    let pdir = dir.path().join("parquet");
    fs::create_dir_all(&pdir).unwrap();
    let col = |name: &str, values: Vec<Option<String>>| Column {
        name: name.into(),
        values: Values::Str(values),
    };
    let mut cols = vec![
        col("id", corpus.iter().map(|c| Some(c.0.clone())).collect()),
        col(
            "content",
            corpus.iter().map(|c| Some(c.1.clone())).collect(),
        ),
    ];
    for c in &columns {
        cols.push(col(
            c,
            corpus
                .iter()
                .map(|x| Some(x.2[c].clone()).filter(|v| !v.is_empty()))
                .collect(),
        ));
    }
    let table = Table {
        name: "articles".into(),
        columns: cols,
    };
    let mut f = fs::File::create(pdir.join("export.parquet")).unwrap();
    shiten::output::parquet::write_parquet(&table, &mut f).unwrap();
    drop(f);

    let out_folder = dir.path().join("out-folder");
    ok(
        &run("run", &common::root().join("corpus"), &out_folder, &["-q"]),
        0,
    );
    let out_j = dir.path().join("out-jsonl");
    let err = ok(&run("run", &jdir, &out_j, &[]), 2);
    assert!(
        err.contains("export.jsonl:24"),
        "the bad line is named: {err}"
    );
    let skipped = rows(&out_j, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["path"], "export.jsonl:24");
    let out_c = dir.path().join("out-csv");
    ok(
        &run(
            "run",
            &csv_path,
            &out_c,
            &["-q", "--text-column", "honbun", "--id-column", "article_id"],
        ),
        0,
    );
    let out_p = dir.path().join("out-parquet");
    ok(&run("run", &pdir, &out_p, &["-q"]), 0);

    for (out, prefix) in [
        (&out_j, "export.jsonl#"),
        (&out_c, "export.csv#"),
        (&out_p, "export.parquet#"),
    ] {
        let docs = rows(out, "documents");
        assert_eq!(docs.len(), 23, "{prefix}");
        assert!(docs.iter().all(|d| d["doc"].starts_with(prefix)));
        // Metadata columns travel as variables.
        assert!(docs.iter().any(|d| d["source_type"] == "press_release"));
        for table in ["mentions", "entities", "facts", "frame_hits"] {
            let want = comparable(&out_folder, table, "");
            assert!(!want.is_empty(), "{table}");
            assert_eq!(comparable(out, table, prefix), want, "{prefix} {table}");
        }
    }
    // The keys are the file plus the id; offsets point into the text as stored.
    let m = rows(&out_j, "mentions");
    let texts: BTreeMap<&str, &str> = corpus
        .iter()
        .map(|c| (c.0.as_str(), c.1.as_str()))
        .collect();
    for r in &m {
        let id = r["doc"].strip_prefix("export.jsonl#").unwrap();
        let (a, b): (usize, usize) = (
            r["byte_start"].parse().unwrap(),
            r["byte_end"].parse().unwrap(),
        );
        assert_eq!(&texts[id][a..b], r["text"].trim_start_matches('\''));
    }
}

#[test]
fn a_re_exported_file_analyses_only_its_new_and_changed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = sample();
    let folder = dir.path().join("feed");
    fs::create_dir_all(&folder).unwrap();
    let line = |id: &str, text: &str, source: &str| {
        serde_json::json!({"id": id, "text": text, "source": source, "published": "2019-07-05"})
            .to_string()
            + "\n"
    };
    let first: String = corpus[..10]
        .iter()
        .map(|c| line(&c.0, &c.1, &c.2["source"]))
        .collect();
    fs::write(folder.join("feed.jsonl"), &first).unwrap();
    let out = dir.path().join("out");
    let err = ok(&run("run", &folder, &out, &[]), 0);
    assert!(err.contains("10 new"), "{err}");
    // The export again, in another order, one row changed, five new.
    let mut again: Vec<String> = corpus[..15]
        .iter()
        .map(|c| line(&c.0, &c.1, &c.2["source"]))
        .collect();
    again[3] = line(
        &corpus[3].0,
        &format!("{}\n追記：被害者は約900人。", corpus[3].1),
        "改訂",
    );
    again.reverse();
    fs::write(folder.join("feed.jsonl"), again.concat()).unwrap();
    let err = ok(&run("add", &folder, &out, &[]), 0);
    assert!(
        err.contains("5 new") && err.contains("1 changed") && err.contains("9 unchanged"),
        "{err}"
    );
    let docs = rows(&out, "documents");
    assert_eq!(docs.len(), 15);
    let changed = docs
        .iter()
        .find(|d| d["doc"] == format!("feed.jsonl#{}", corpus[3].0))
        .unwrap();
    assert_eq!(changed["source"], "改訂");
    // The same file again: nothing to do.
    let err = ok(&run("run", &folder, &out, &[]), 0);
    assert!(err.contains("15 unchanged"), "{err}");
    // An export file added on its own is labelled by its folder.
    let out2 = dir.path().join("out2");
    ok(&run("add", &folder.join("feed.jsonl"), &out2, &["-q"]), 0);
    let docs = rows(&out2, "documents");
    assert_eq!(docs.len(), 15);
    assert!(
        docs.iter()
            .all(|d| d["doc"].starts_with("feed:feed.jsonl#")),
        "{docs:?}"
    );
}

const PAGE_UTF8: &str = r##"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>セブンペイ不正利用、被害3861万円に拡大 | 東西経済新聞</title>
<meta property="og:title" content="セブンペイ不正利用、被害3861万円に拡大">
<meta property="og:site_name" content="東西経済新聞">
<meta property="article:published_time" content="2019-07-04T18:05:00+09:00">
<link rel="stylesheet" href="/css/main.css">
<style>.share a{color:#333}</style>
<script>window.dataLayer=[{"page":"article","price":"9800円"}];</script>
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"NewsArticle","headline":"セブンペイ不正利用、被害3861万円に拡大",
 "datePublished":"2019-07-04T18:05:00+09:00","author":{"@type":"Person","name":"山田太郎"},
 "publisher":{"@type":"Organization","name":"東西経済新聞社"}}
</script>
</head>
<body>
<header class="site-header">
  <div class="logo"><a href="/">東西経済新聞</a></div>
  <nav class="global-nav"><ul><li><a href="/">トップ</a></li><li><a href="/economy">経済</a></li><li><a href="/tech">テクノロジー</a></li><li><a href="/login">ログイン</a></li></ul></nav>
</header>
<div class="breadcrumb"><a href="/">ホーム</a> &gt; <a href="/economy">経済</a> &gt; 記事</div>
<main>
<article class="article">
  <h1 class="article-title">セブンペイ不正利用、被害3861万円に拡大</h1>
  <div class="article-meta"><time datetime="2019-07-04T18:05:00+09:00">2019年7月4日 18:05</time> <span class="author">山田太郎</span></div>
  <div class="share-buttons"><a href="#">ツイート</a> <a href="#">シェア</a> <a href="#">はてブ</a></div>
  <div class="article-body">
    <p>セブン&amp;アイ・ホールディングスは4日、スマートフォン決済「7pay（セブンペイ）」で不正アクセスがあり、約900人が被害に遭ったと発表した。</p>
    <p>同社の小林強社長は記者会見で&ldquo;二段階認証の仕組みを導入していなかった&rdquo;と説明し、&nbsp;外部からのリスト型攻撃の可能性があるとの見方を示した。</p>
    <p>被害を受けた利用者には全額を補償する方針で、新規登録は当面停止する。</p>
    <noscript><p>JavaScriptを有効にすると被害総額4億円の試算が表示されます。</p></noscript>
  </div>
  <aside class="related"><h2>関連記事</h2><ul>
    <li><a href="/a/1">ファミペイ、7月1日開始　利用者100万人目標</a></li>
    <li><a href="/a/2">キャッシュレス還元、10月から5%</a></li>
    <li><a href="/a/3">決済アプリの不正、昨年は1200件</a></li>
  </ul></aside>
</article>
</main>
<div class="ranking"><h3>アクセスランキング</h3><ol><li><a href="/r/1">株価、一時500円安</a></li><li><a href="/r/2">新型スマホ、9万8000円から</a></li></ol></div>
<footer><p>&copy; 2019 東西経済新聞社 All Rights Reserved.</p><a href="/privacy">プライバシーポリシー</a></footer>
</body>
</html>
"##;

const PAGE_SJIS: &str = r#"<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>7pay、サービス廃止へ ― 地方ニュース</title>
<meta name="author" content="佐藤花子">
</head>
<body>
<div id="header"><a href="/">ホーム</a> | <a href="/news">ニュース</a> | <a href="/sports">スポーツ</a></div>
<div id="sidebar"><h3>人気記事</h3><ul><li><a href="/1">地銀が新アプリ、手数料0円</a></li><li><a href="/2">駅前再開発に30億円</a></li></ul></div>
<div id="main-content">
<h1>7pay、サービス廃止へ</h1>
<p class="date">公開日：<time datetime="2019-08-01">2019年8月1日</time></p>
<p>セブン&amp;アイ・ホールディングスは1日、不正アクセス問題が起きたスマホ決済「7pay」のサービスを9月30日で廃止すると発表した。</p>
<p>被害は808人、計3861万円にのぼった。同社は「外部IDとの連携にも課題があった」としている。</p>
</div>
<div id="footer">Copyright &copy; 地方ニュース. 無断転載を禁じます。</div>
</body>
</html>
"#;

#[test]
fn news_pages_give_title_date_source_and_body_offsets_into_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("pages");
    fs::create_dir_all(&corpus).unwrap();
    fs::write(corpus.join("toyo.html"), PAGE_UTF8).unwrap();
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(PAGE_SJIS);
    assert!(!unmappable);
    fs::write(corpus.join("chiho.htm"), &sjis).unwrap();

    // Stage 1: the page's own metadata.
    let md = shiten::corpus::Metadata::default();
    let read = |name: &str| {
        let f = shiten::corpus::SourceFile::new(name, corpus.join(name));
        shiten::corpus::read_document(&f, &md, 1 << 20).unwrap()
    };
    let toyo = read("toyo.html");
    let d = |y, m, day| shiten::calendar::Date::new(y, m, day);
    assert_eq!(toyo.page.published, d(2019, 7, 4));
    assert_eq!(toyo.page.published_time.as_deref(), Some("18:05"));
    assert_eq!(toyo.page.site_name.as_deref(), Some("東西経済新聞"));
    assert_eq!(toyo.page.author.as_deref(), Some("山田太郎"));
    assert_eq!(toyo.page.publisher.as_deref(), Some("東西経済新聞社"));
    let chiho = read("chiho.htm");
    assert_eq!(chiho.encoding, "Shift_JIS");
    assert_eq!(chiho.page.published, d(2019, 8, 1));
    assert_eq!(chiho.page.title.as_deref(), Some("7pay、サービス廃止へ"));
    assert_eq!(chiho.page.author.as_deref(), Some("佐藤花子"));

    // The run: title and source in `documents`, body mentions slicing the page.
    let out = dir.path().join("out");
    ok(&run("run", &corpus, &out, &["-q"]), 0);
    let docs = rows(&out, "documents");
    let doc = |name: &str| docs.iter().find(|r| r["doc"] == name).unwrap().clone();
    assert_eq!(
        doc("toyo.html")["title"],
        "セブンペイ不正利用、被害3861万円に拡大"
    );
    assert_eq!(doc("toyo.html")["source"], "東西経済新聞");
    assert_eq!(doc("chiho.htm")["title"], "7pay、サービス廃止へ");
    assert_eq!(
        doc("chiho.htm")["source"],
        "chiho",
        "no site name: the file name"
    );
    let texts = BTreeMap::from([
        ("toyo.html", toyo.text.clone()),
        ("chiho.htm", chiho.text.clone()),
    ]);
    let mentions = rows(&out, "mentions");
    let body: Vec<&BTreeMap<String, String>> = mentions
        .iter()
        .filter(|m| m["boilerplate"] == "false")
        .collect();
    for m in &mentions {
        let (a, b): (usize, usize) = (
            m["byte_start"].parse().unwrap(),
            m["byte_end"].parse().unwrap(),
        );
        assert_eq!(&texts[m["doc"].as_str()][a..b], m["text"], "{m:?}");
    }
    let body_texts: Vec<(&str, &str)> = body
        .iter()
        .map(|m| (m["doc"].as_str(), m["text"].as_str()))
        .collect();
    // The headline's figure once (from <h1>), not from <title>, og:title or JSON-LD.
    assert_eq!(
        body_texts
            .iter()
            .filter(|(d, t)| *d == "toyo.html" && t.contains("3861"))
            .count(),
        1,
        "{body_texts:?}"
    );
    assert!(
        body_texts.contains(&("toyo.html", "約900人")),
        "{body_texts:?}"
    );
    assert!(
        body_texts.contains(&("chiho.htm", "808人")),
        "{body_texts:?}"
    );
    // Scripts, noscript, navigation, related lists, rankings: not body.
    for t in [
        "9800円",
        "4億円",
        "100万人",
        "1200件",
        "500円",
        "9万8000円",
        "30億円",
        "0円",
    ] {
        assert!(
            !body_texts.iter().any(|(_, x)| x.contains(t)),
            "{t} counted as body: {body_texts:?}"
        );
    }
    assert!(
        !mentions
            .iter()
            .any(|m| m["text"].contains("4億円") || m["text"].contains("9800"))
    );
    // Evidence reads as the page reads: no entity left.
    let hits = rows(&out, "frame_hits");
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(!h["sentence_text"].contains('&'), "{h:?}");
    }
    assert!(
        hits.iter().any(|h| h["sentence_text"]
            .contains("\u{201C}二段階認証の仕組みを導入していなかった\u{201D}")),
        "{hits:?}"
    );
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!report.contains("&amp;ldquo;") && !report.contains("&amp;nbsp;"));
}

#[test]
fn three_bad_bytes_are_a_warning_not_a_lost_file() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    fs::create_dir_all(&corpus).unwrap();
    let good = "セブン・ペイは4日、不正アクセスの被害が約900人、約5500万円にのぼると発表した。\n"
        .repeat(8);
    let mut bytes = good.clone().into_bytes();
    let at = good.find("約5500").unwrap() - 3;
    bytes.splice(at..at, [0xFF, 0xFE, 0xFF]);
    fs::write(corpus.join("damaged.txt"), &bytes).unwrap();
    let mut nul = good.into_bytes();
    nul.splice(30..30, [0, 0]);
    fs::write(corpus.join("nul.txt"), &nul).unwrap();
    let out = dir.path().join("out");
    ok(&run("run", &corpus, &out, &["-q"]), 0);
    let docs = rows(&out, "documents");
    let d = docs.iter().find(|d| d["doc"] == "damaged.txt").unwrap();
    assert_eq!(d["status"], "warning");
    assert!(
        d["warnings"].contains("3 byte(s) not valid UTF-8")
            && d["warnings"].contains(&format!("first at byte {at}")),
        "{d:?}"
    );
    let n = docs.iter().find(|d| d["doc"] == "nul.txt").unwrap();
    assert_eq!(n["status"], "warning");
    assert!(n["warnings"].contains("2 NUL byte(s)"), "{n:?}");
    // The text after the bad bytes is read, with offsets into the decoded text.
    let m = rows(&out, "mentions");
    assert!(
        m.iter()
            .filter(|r| r["doc"] == "damaged.txt" && r["text"] == "約5500万円")
            .count()
            >= 8
    );
}

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_stay_apart() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    fs::create_dir_all(&corpus).unwrap();
    let a = "セブン・ペイは4日、被害が約900人にのぼると発表した。\n";
    let b = "ファミリーマートは1日、ファミペイの利用者が100万人を超えたと発表した。\n";
    fs::write(corpus.join(OsStr::from_bytes(b"\xff.txt")), a).unwrap();
    fs::write(corpus.join(OsStr::from_bytes(b"\xfe.txt")), b).unwrap();
    fs::write(corpus.join("%FF.txt"), "別の記事。被害は3件だった。\n").unwrap();
    let out = dir.path().join("out");
    ok(&run("run", &corpus, &out, &["-q"]), 0);
    let docs = rows(&out, "documents");
    let keys: Vec<&str> = docs.iter().map(|d| d["doc"].as_str()).collect();
    assert_eq!(keys.len(), 3);
    for k in ["%FF.txt", "%FE.txt", "%25FF.txt"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    let m = rows(&out, "mentions");
    let of = |doc: &str| -> Vec<String> {
        m.iter()
            .filter(|r| r["doc"] == doc)
            .map(|r| r["text"].clone())
            .collect()
    };
    assert!(of("%FF.txt").contains(&"約900人".to_string()));
    assert!(of("%FE.txt").contains(&"100万人".to_string()));
    // A second run changes nothing: the keys are stable.
    let err = ok(&run("run", &corpus, &out, &[]), 0);
    assert!(err.contains("3 unchanged"), "{err}");
}

#[test]
fn adding_another_folder_with_the_same_names_keeps_both() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = dir.path().join("2019-07-04");
    let day2 = dir.path().join("2019-07-05");
    fs::create_dir_all(&day1).unwrap();
    fs::create_dir_all(&day2).unwrap();
    fs::write(
        day1.join("001.txt"),
        "セブン・ペイは4日、被害が約900人にのぼると発表した。\n",
    )
    .unwrap();
    fs::write(
        day2.join("001.txt"),
        "ファミリーマートは5日、ファミペイの利用者が100万人を超えたと発表した。\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&run("run", &day1, &out, &["-q"]), 0);
    let err = ok(&run("add", &day2, &out, &[]), 0);
    assert!(
        err.contains("1 new"),
        "a new document, not a changed one: {err}"
    );
    let docs = rows(&out, "documents");
    let keys: Vec<&str> = docs.iter().map(|d| d["doc"].as_str()).collect();
    assert_eq!(keys, ["001.txt", "2019-07-05:001.txt"]);
    // Adding the same folder again changes nothing.
    let before: Vec<(String, Vec<u8>)> = common::output_files(&out)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect();
    let err = ok(&run("add", &day2, &out, &[]), 0);
    assert!(
        err.contains("1 unchanged") && err.contains("already up to date"),
        "{err}"
    );
    let mut after: Vec<(String, Vec<u8>)> = common::output_files(&out)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert!(before == after, "re-adding the same folder rewrote outputs");
    // A changed file at the same place replaces its own analysis only.
    fs::write(
        day2.join("001.txt"),
        "ファミリーマートは5日、利用者が150万人を超えたと発表した。\n",
    )
    .unwrap();
    let err = ok(&run("add", &day2, &out, &[]), 0);
    assert!(err.contains("1 changed"), "{err}");
    let m = rows(&out, "mentions");
    let texts: Vec<(&str, &str)> = m
        .iter()
        .map(|r| (r["doc"].as_str(), r["text"].as_str()))
        .collect();
    assert!(texts.contains(&("001.txt", "約900人")), "{texts:?}");
    assert!(
        texts.contains(&("2019-07-05:001.txt", "150万人")),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.1 == "100万人"), "{texts:?}");
    // status names each folder and its label.
    let o = shiten(&[
        os("status"),
        os("--out"),
        out.as_os_str(),
        os("--documents"),
    ]);
    let st = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        st.contains("2019-07-05:") && st.contains(&*day2.canonicalize().unwrap().to_string_lossy()),
        "{st}"
    );
    assert!(
        st.lines()
            .any(|l| l.starts_with("2019-07-05:001.txt") && l.contains("2019-07-05")),
        "{st}"
    );
}

#[test]
fn a_run_inside_its_own_corpus_folder_never_reads_its_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    common::copy_files(
        &common::root().join("corpus"),
        &corpus,
        &corpus_files()[..4],
        false,
    );
    fs::write(corpus.join("notes.pdf"), b"%PDF-1.4").unwrap();
    let go = || {
        common::dict_dir();
        std::process::Command::new(common::bin())
            .args(["run", "."])
            .current_dir(&corpus)
            .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
            .output()
            .unwrap()
    };
    let first = go();
    let err = ok(&first, 2);
    assert!(err.contains("pdftotext"), "what to do with a PDF: {err}");
    fs::remove_file(corpus.join("notes.pdf")).unwrap();
    let second = go();
    let err = ok(&second, 0);
    assert!(err.contains("4 unchanged"), "{err}");
    assert!(err.contains("left out of the corpus"), "{err}");
    let docs = rows(&corpus.join("outputs"), "documents");
    assert_eq!(docs.len(), 4);
    assert!(rows(&corpus.join("outputs"), "skipped").is_empty());
    // The outputs written into the corpus folder itself are left out too.
    let third = std::process::Command::new(common::bin())
        .args(["run", ".", "--out", "."])
        .current_dir(&corpus)
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .output()
        .unwrap();
    ok(&third, 0);
    let again = std::process::Command::new(common::bin())
        .args(["run", ".", "--out", "."])
        .current_dir(&corpus)
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .output()
        .unwrap();
    let err = ok(&again, 0);
    assert!(err.contains("4 unchanged"), "{err}");
}
