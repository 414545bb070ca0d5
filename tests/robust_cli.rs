//! Faults a hostile user or an unlucky operator meets (issue 16 and issue 17.4), end to end
//! through the binary: metadata columns named like ours, missing or broken lexicons, a
//! closed pipe, CRLF metadata, control characters in file names, `--out` on a file, a
//! comment-only lexicon edit, usage errors. Each ends with a clear message and the
//! documented exit code, never a panic.

mod common;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

type Row = HashMap<String, String>;

fn read_csv(path: &Path) -> (Vec<String>, Vec<Row>) {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

/// Runs shiten with the repository's dictionaries (unless `args` names others).
fn shiten(args: &[&OsStr]) -> Output {
    common::dict_dir();
    Command::new(common::bin())
        .args(args)
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .output()
        .expect("shiten starts")
}

fn run(corpus: &Path, out: &Path) -> Output {
    shiten(&[
        "run".as_ref(),
        corpus.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const ARTICLE: &str = "セブン・ペイは7月4日、スマホ決済「7pay」で不正アクセスがあり、\
    約900人が計約5500万円の被害を受けたと発表した。同社は全額を補償する。\n";

#[test]
fn metadata_columns_named_like_ours_are_renamed_and_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    fs::write(corpus.join("b.txt"), ARTICLE.replace("900", "800")).unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,source,status,chars,bytes,warnings,doc,content_hash,author,Author,source,meta_extra\n\
         a.txt,A新聞,draft,12,3,none,d1,h1,森田,田中,B,x\n\
         b.txt,B新聞,final,,,,d2,,鈴木,,,\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    for round in 0..2 {
        let o = run(&corpus, &out);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "round {round}: {err}");
        // Said once per column, naming the file, the column and its new name.
        for (col, new) in [
            ("status", "meta_status"),
            ("chars", "meta_chars"),
            ("bytes", "meta_bytes"),
            ("warnings", "meta_warnings"),
            ("doc", "meta_doc"),
            ("content_hash", "meta_content_hash"),
            ("author", "author_2"),
            ("source", "meta_source"),
            ("meta_extra", "meta_meta_extra"),
        ] {
            let said = err
                .lines()
                .filter(|l| l.contains("metadata.csv") && l.contains(&format!("'{col}'")))
                .collect::<Vec<_>>();
            assert_eq!(said.len(), 1, "{col}: {err}");
            assert!(said[0].contains(&format!("'{new}'")), "{col}: {err}");
        }
        let (header, docs) = read_csv(&out.join("documents.csv"));
        let mut unique = header.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), header.len(), "{header:?}");
        let a = docs.iter().find(|r| r["doc"] == "a.txt").unwrap();
        // Ours are ours; theirs are kept under their new names.
        assert_eq!(a["status"], "ok");
        assert_eq!(a["source"], "A新聞");
        assert_ne!(a["chars"], "12");
        assert_eq!(a["meta_status"], "draft");
        assert_eq!(a["meta_chars"], "12");
        assert_eq!(a["meta_doc"], "d1");
        assert_eq!(a["author"], "森田");
        assert_eq!(a["author_2"], "田中");
        assert_eq!(a["meta_source"], "B");
        assert_eq!(a["meta_meta_extra"], "x");
        // Every table is published, Parquet too.
        for t in ["documents", "mentions", "facts", "frame_hits", "entities"] {
            assert!(out.join(format!("{t}.parquet")).is_file(), "{t}");
        }
        let parquet =
            shiten::output::parquet::read_parquet(&out.join("documents.parquet"), "documents")
                .unwrap();
        assert_eq!(parquet.column_names().len(), header.len());
        assert!(parquet.column("meta_status").is_some());
    }
}
