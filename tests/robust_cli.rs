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

/// An output table as rows by column name.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    common::read_records(path)
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
            assert!(out.join(format!("{t}.parquet")).exists(), "{t}");
        }
        let parquet =
            shiten::output::parquet::read_parquet(&out.join("documents.parquet"), "documents")
                .unwrap();
        assert_eq!(parquet.column_names().len(), header.len());
        assert!(parquet.column("meta_status").is_some());
    }
}

/// A copy of the repository's dictionaries folder in `dir`.
fn copy_dictionaries(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for e in fs::read_dir(common::root().join("dictionaries")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

fn run_with(corpus: &Path, out: &Path, dictionaries: &Path) -> Output {
    shiten(&[
        "run".as_ref(),
        corpus.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--dictionaries".as_ref(),
        dictionaries.as_os_str(),
    ])
}

#[test]
fn missing_or_broken_lexicons_are_fatal_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        // Missing.
        ("entities.toml", None, &["entity dictionary", "is missing"]),
        ("measures.toml", None, &["measure lexicon", "is missing"]),
        ("frames.toml", None, &["frame lexicon", "is missing"]),
        ("user.csv", None, &["user dictionary", "is missing"]),
        // Broken.
        (
            "entities.toml",
            Some("[[entity]]\ntype = \"org\"\nname = \"x\"\n"),
            &["unknown type \"org\""],
        ),
        ("measures.toml", Some("measure = [\n"), &["line 1"]),
        ("frames.toml", Some("[[frame]\n"), &[":1:"]),
        (
            "user.csv",
            Some(
                "セブンペイ,1288,1288,abc,名詞,固有名詞,一般,*,*,*,セブンペイ,セブンペイ,セブンペイ\n",
            ),
            &["abc"],
        ),
        // A context id lindera accepts and then panics on in every sentence with the word.
        (
            "user.csv",
            Some(
                "セブンペイ,5000,5000,-3500,名詞,固有名詞,一般,*,*,*,セブンペイ,セブンペイ,セブンペイ\n",
            ),
            &["line 1", "context id 5000"],
        ),
    ];
    for (k, (file, content, want)) in cases.iter().enumerate() {
        let dicts = tmp.path().join(format!("dict{k}"));
        copy_dictionaries(&dicts);
        match content {
            None => fs::remove_file(dicts.join(file)).unwrap(),
            Some(c) => fs::write(dicts.join(file), c).unwrap(),
        }
        let o = run_with(&corpus, &tmp.path().join(format!("o{k}")), &dicts);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file} {content:?}: {err}");
        assert!(!err.contains("panicked"), "{file}: {err}");
        let path = dicts.join(file);
        assert!(
            err.contains(&*path.to_string_lossy()),
            "{file}: the message names the file: {err}"
        );
        for w in *want {
            assert!(err.contains(w), "{file} {content:?}: {w:?} in {err}");
        }
    }
}

#[test]
fn an_empty_measure_lexicon_is_said_in_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    let dicts = tmp.path().join("d");
    copy_dictionaries(&dicts);
    fs::write(dicts.join("measures.toml"), "# no measures on purpose\n").unwrap();
    let o = run_with(&corpus, &tmp.path().join("o"), &dicts);
    let err = stderr(&o);
    assert!(err.contains("measures.toml lists no measure"), "{err}");
    let (_, facts) = read_csv(&tmp.path().join("o").join("facts.csv"));
    assert!(facts.is_empty());
}

#[test]
fn a_comment_only_lexicon_edit_reanalyses_nothing_but_a_real_edit_does() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    let dicts = tmp.path().join("d");
    copy_dictionaries(&dicts);
    let out = tmp.path().join("o");
    let analysed = |o: &Output| {
        let err = stderr(o);
        assert!(o.status.success(), "{err}");
        !err.contains("nothing new")
    };
    assert!(analysed(&run_with(&corpus, &out, &dicts)));
    // Comments, blank lines and CRLF line endings in every lexicon: nothing is stale.
    for name in ["frames.toml", "entities.toml", "measures.toml"] {
        let p = dicts.join(name);
        let text = fs::read_to_string(&p).unwrap();
        fs::write(
            &p,
            format!("# edited by hand\n\n{}", text.replace('\n', "\r\n")),
        )
        .unwrap();
    }
    let user = fs::read_to_string(dicts.join("user.csv")).unwrap();
    fs::write(dicts.join("user.csv"), format!("{user}\n\n")).unwrap();
    assert!(!analysed(&run_with(&corpus, &out, &dicts)));
    // A real edit: a new entity spelling.
    let p = dicts.join("entities.toml");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(
        &p,
        format!("{text}\n[[entity]]\ntype = \"organization\"\nname = \"東邦通信社\"\n"),
    )
    .unwrap();
    let o = run_with(&corpus, &out, &dicts);
    assert!(analysed(&o));
    assert!(
        stderr(&o).contains("configuration changed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_have_their_own_exit_code_and_help_lists_all() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    // A misspelt flag: a usage error, not "done with skips" (issue 17.4).
    let out = tmp.path().join("o");
    for args in [
        vec!["run", "--outt", "x"],
        vec!["run"],
        vec!["frobnicate"],
        vec!["status", "--threads", "two"],
    ] {
        let o = shiten(&args.iter().map(OsStr::new).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error:"), "{args:?}: {}", stderr(&o));
    }
    assert!(!out.exists(), "a usage error does nothing");
    // A real skip still exits 2, a clean run 0.
    let o = run(&corpus, &out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(corpus.join("empty.txt"), "").unwrap();
    let o = run(&corpus, &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // --help lists every code, at the top and for each command.
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["status", "--help"],
    ] {
        let o = shiten(&args.iter().map(OsStr::new).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0));
        let help = String::from_utf8_lossy(&o.stdout);
        for code in ["0 ", "1 ", "2 ", "64 "] {
            assert!(
                help.lines()
                    .skip_while(|l| !l.starts_with("Exit codes"))
                    .any(|l| l.trim_start().starts_with(code)),
                "{args:?} lists exit code {code}: {help}"
            );
        }
    }
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    let out = tmp.path().join("o");
    assert!(run(&corpus, &out).status.success());
    // `shiten status | head -0`: the reading end is closed before shiten writes, so every
    // write fails (deterministically, unlike a reader that closes after a line).
    let mut child = Command::new(common::bin())
        .args([
            "status".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            "--corpus".as_ref(),
            corpus.as_os_str(),
        ])
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}

#[test]
fn control_characters_of_file_names_are_escaped_in_every_message() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    // A name that would print as a second, reassuring log line; one with a terminal escape.
    let fake = "x.txt\nwarning: all good, 0 skipped";
    fs::write(corpus.join(fake), "not an article").unwrap();
    fs::write(corpus.join("esc\u{1b}[2Jred.txt"), "").unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,source\na.txt,A\n\"gone\rwarning: fine.txt\",B\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let o = run(&corpus, &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
    assert!(
        !err.lines()
            .any(|l| l.starts_with("warning: all good") || l.starts_with("warning: fine")),
        "{err}"
    );
    // A file name with a control character is named by its key (README, *Document keys*:
    // control characters and `%#:` written `%XX`); a metadata cell by `printable`.
    assert!(err.contains("x.txt%0Awarning%3A all good"), "{err}");
    assert!(err.contains("esc%1B[2Jred.txt"), "{err}");
    assert!(err.contains("gone\\rwarning: fine.txt"), "{err}");
    let (_, skipped) = read_csv(&out.join("skipped.csv"));
    let paths: Vec<&str> = skipped.iter().map(|r| r["path"].as_str()).collect();
    assert!(
        paths.contains(&"x.txt%0Awarning%3A all good, 0 skipped"),
        "{paths:?}"
    );
    assert!(paths.contains(&"esc%1B[2Jred.txt"), "{paths:?}");
    assert!(
        skipped
            .iter()
            .all(|r| !r["path"].contains(char::is_control)
                && !r["reason"].contains(char::is_control)),
        "{skipped:?}"
    );
    // The raw CSV has one line per row.
    let raw = fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert_eq!(raw.lines().count(), skipped.len() + 1, "{raw}");
}

#[test]
fn out_naming_a_file_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    let file = tmp.path().join("outputs.csv");
    fs::write(&file, "x").unwrap();
    let o = run(&corpus, &file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is a file, not a folder") && err.contains(&*file.to_string_lossy()),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "x",
        "the file is left alone"
    );
    // A file where a parent folder should be.
    let o = run(&corpus, &file.join("sub"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{} is a file", file.display())),
        "{err}"
    );
    let o = shiten(&["status".as_ref(), "--out".as_ref(), file.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is a file, not a folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn long_runs_without_a_full_stop_are_analysed() {
    // Issue 16.1's repros: the segmenter sliced inside a character and the article was
    // lost as an internal error.
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("x.txt"), "人が いた、".repeat(600)).unwrap();
    fs::write(corpus.join("y.txt"), "3.14 一 ".repeat(1500)).unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "file,source\nx.txt,X\ny.txt,Y\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let o = run(&corpus, &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let (_, docs) = read_csv(&out.join("documents.csv"));
    assert_eq!(docs.len(), 2, "{err}");
    assert!(docs.iter().all(|d| d["status"] == "ok"), "{docs:?}");
}
