//! End to end: the `shiten run` binary on small corpora built by the test, and on the
//! repository's sample corpus.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

/// A CSV table (a file, or a row table's folder of files) with rows by column name.
fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let (headers, rows) = common::read_csv(path);
    rows.into_iter()
        .map(|r| headers.iter().cloned().zip(r).collect())
        .collect()
}

fn run(corpus: &Path, out: &Path) -> std::process::Output {
    // Build (or find) the dictionary in-process first so the binary finds it cached.
    common::dict_dir();
    Command::new(common::bin())
        .args(["run", "--quiet"])
        .arg(corpus)
        .arg("--out")
        .arg(out)
        .arg("--dictionaries")
        .arg(common::root().join("dictionaries"))
        .output()
        .expect("shiten runs")
}

#[test]
fn mixed_encodings_metadata_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    let text = "セブン・ペイは4日、不正アクセスの被害が約900人、約5500万円にのぼると発表した。\n";
    fs::write(corpus.join("a_utf8.txt"), text).unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    fs::write(corpus.join("b_sjis.txt"), &sjis).unwrap();
    let (euc, _, _) = encoding_rs::EUC_JP.encode(text);
    fs::write(corpus.join("c_euc.txt"), &euc).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    fs::write(corpus.join("d_bom.txt"), &bom).unwrap();
    fs::write(corpus.join("e_empty.txt"), "").unwrap();
    fs::write(
        corpus.join("f_binary.txt"),
        [0u8, 1, 2, 3, 0xFF, 0xFE, 0, 0, 7, 8].repeat(50),
    )
    .unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,source,title,url,published,source_type\n\
         a_utf8.txt,日経,見出しA,https://example.jp/a,2019-07-05,national_daily\n\
         b_sjis.txt,ITmedia,見出しB,,2019/07/05,it_trade\n\
         c_euc.txt,共同,,,,wire\n\
         ghost.txt,幽霊,,,2019-07-05,blog\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&corpus, &out);
    assert_eq!(
        o.status.code(),
        Some(2),
        "skips give exit code 2: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let docs = read_csv(&out.join("documents.csv"));
    let by_doc = |d: &str| {
        docs.iter()
            .find(|r| r["doc"] == d)
            .unwrap_or_else(|| panic!("{d} missing"))
    };
    assert_eq!(docs.len(), 4);
    assert_eq!(by_doc("a_utf8.txt")["encoding"], "UTF-8");
    assert_eq!(by_doc("a_utf8.txt")["source"], "日経");
    assert_eq!(by_doc("a_utf8.txt")["published"], "2019-07-05");
    assert_eq!(by_doc("a_utf8.txt")["source_type"], "national_daily");
    assert_eq!(by_doc("a_utf8.txt")["status"], "ok");
    assert_eq!(by_doc("b_sjis.txt")["encoding"], "Shift_JIS");
    assert_eq!(by_doc("b_sjis.txt")["published"], "2019-07-05");
    assert_eq!(by_doc("c_euc.txt")["encoding"], "EUC-JP");
    assert_eq!(by_doc("c_euc.txt")["published"], "");
    assert_eq!(by_doc("d_bom.txt")["encoding"], "UTF-8 (BOM)");
    assert_eq!(by_doc("d_bom.txt")["status"], "warning", "no metadata row");
    assert_eq!(by_doc("d_bom.txt")["source"], "d_bom");
    // Same text in every encoding: same counts.
    for d in ["b_sjis.txt", "c_euc.txt", "d_bom.txt"] {
        for col in ["chars", "sentences", "tokens"] {
            assert_eq!(by_doc(d)[col], by_doc("a_utf8.txt")[col], "{d} {col}");
        }
    }
    assert_eq!(by_doc("a_utf8.txt")["sentences"], "1");
    let skipped = read_csv(&out.join("skipped.csv"));
    let reason = |p: &str| {
        skipped
            .iter()
            .find(|r| r["path"].starts_with(p))
            .map(|r| r["reason"].clone())
            .unwrap_or_else(|| panic!("{p} not in skipped: {skipped:?}"))
    };
    assert!(reason("e_empty.txt").contains("empty"));
    assert!(reason("f_binary.txt").contains("binary"));
    assert!(reason("metadata.csv:5").contains("ghost.txt"));
    for t in [
        "documents",
        "mentions",
        "entities",
        "facts",
        "frame_hits",
        "skipped",
    ] {
        assert!(out.join(format!("{t}.parquet")).exists(), "{t}.parquet");
    }
}

#[test]
fn clean_corpus_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("x.txt"), "本文です。").unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,source,title,url,published\nx.txt,S,,,2019-07-01\n",
    )
    .unwrap();
    let o = run(&corpus, &dir.path().join("o"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn sample_corpus_gives_one_ok_row_per_article() {
    let corpus = common::root().join("corpus");
    let md = corpus.join("metadata.csv");
    if !md.is_file() {
        panic!("corpus/metadata.csv is missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&corpus, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let meta = read_csv(&md);
    let docs = read_csv(&out.join("documents.csv"));
    assert_eq!(docs.len(), meta.len(), "one row per metadata row");
    for m in &meta {
        let d = docs
            .iter()
            .find(|r| r["doc"] == m["file"])
            .unwrap_or_else(|| panic!("{} missing", m["file"]));
        assert_eq!(d["status"], "ok", "{}: {}", m["file"], d["warnings"]);
        assert_eq!(d["source"], m["source"]);
        // published: metadata.csv's when it gives one, else inferred (never blank here:
        // every article of corpus/ names its incident).
        assert_eq!(d["published_metadata"], m["published"]);
        if m["published"].is_empty() {
            assert_ne!(d["published_basis"], "metadata", "{}", m["file"]);
            assert!(!d["published"].is_empty(), "{}", m["file"]);
        } else {
            assert_eq!(d["published"], m["published"]);
            assert_eq!(d["published_basis"], "metadata");
        }
        for col in ["chars", "sentences", "tokens"] {
            assert!(d[col].parse::<i64>().unwrap() > 0, "{} {col}", m["file"]);
        }
    }
    let encodings: std::collections::BTreeSet<&str> =
        docs.iter().map(|d| d["encoding"].as_str()).collect();
    for e in ["UTF-8", "Shift_JIS", "EUC-JP", "UTF-8 (BOM)"] {
        assert!(
            encodings.contains(e),
            "no {e} article in corpus/: {encodings:?}"
        );
    }
    assert!(
        docs.iter()
            .any(|d| d["boilerplate_chars"].parse::<i64>().unwrap() > 0),
        "boilerplate is marked somewhere"
    );
    assert!(read_csv(&out.join("skipped.csv")).is_empty());
}
