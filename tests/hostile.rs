//! Hostile inputs, generated here (nothing large is committed): for each one the run
//! completes, the file is listed in `skipped` with a precise reason or in `documents` with
//! a warning, the other documents are unaffected, nothing outside the corpus and `--out`
//! folders is written, and the exit code tells whether anything was skipped.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

type Row = HashMap<String, String>;

/// A CSV table (a file, or a row table's folder of files) with rows by column name.
fn read_csv(path: &Path) -> Vec<Row> {
    let (headers, rows) = common::read_csv(path);
    rows.into_iter()
        .map(|r| headers.iter().cloned().zip(r).collect())
        .collect()
}

fn shiten(args: &[&std::ffi::OsStr]) -> std::process::Output {
    common::dict_dir();
    Command::new(common::bin())
        .args(args)
        .arg("--dictionaries")
        .arg(common::root().join("dictionaries"))
        .output()
        .expect("shiten starts")
}

fn run(corpus: &Path, out: &Path) -> std::process::Output {
    shiten(&[
        "run".as_ref(),
        corpus.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let md = fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                stack.push(p);
            } else {
                out.insert(p, (md.len(), md.modified().unwrap()));
            }
        }
    }
    out
}

const ARTICLE: &str = "セブン・ペイは7月4日、スマホ決済「7pay」で不正アクセスがあり、\
    約900人が計約5500万円の被害を受けたと発表した。同社は全額を補償する。\n";

struct Case {
    file: &'static str,
    /// Expected outcome: `Err(fragments of the skip reason)` or `Ok(fragments of the
    /// document warning, empty = status ok)`.
    expect: Result<&'static [&'static str], &'static [&'static str]>,
}

#[test]
fn hostile_corpus_completes_with_precise_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let out = tmp.path().join("out");
    fs::create_dir(&corpus).unwrap();
    let w = |name: &str, bytes: &[u8]| fs::write(corpus.join(name), bytes).unwrap();

    w("good.txt", ARTICLE.as_bytes());
    w("empty.txt", b"");
    w("whitespace.txt", " \n\t\u{3000}\r\n  ".as_bytes());
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    w("binary.txt", &binary);
    // 50 MB with no line break: over the default 16 MiB limit.
    w(
        "huge_one_line.txt",
        "あ".repeat(50 * 1024 * 1024 / 3).as_bytes(),
    );
    // 2 MB with no line break and no punctuation: analysed, cut into bounded sentences.
    w(
        "long_one_line.txt",
        "不正アクセス".repeat(2 * 1024 * 1024 / 18).as_bytes(),
    );
    // One stray byte between two characters, at byte ARTICLE.len().
    let mut bad_utf8 = ARTICLE.repeat(20).into_bytes();
    bad_utf8.insert(ARTICLE.len(), 0xFF);
    w("bad_utf8.txt", &bad_utf8);
    bad_utf8.extend_from_slice("宣言付き。\n".as_bytes());
    w("bad_utf8_declared.txt", &bad_utf8);
    // A UTF-8 article followed by a Shift_JIS one: read piecewise.
    let (sjis_half, _, _) = encoding_rs::SHIFT_JIS.encode(ARTICLE);
    let mut mixed = ARTICLE.as_bytes().to_vec();
    mixed.extend_from_slice(&sjis_half);
    w("mixed_encodings.txt", &mixed);
    let vendor = "①被害は㈱セブン・ペイの髙橋氏が説明した。約900人。\n";
    let (sjis_vendor, _, unmappable) = encoding_rs::SHIFT_JIS.encode(vendor);
    assert!(!unmappable);
    w("sjis_vendor.txt", &sjis_vendor);
    let utf16: Vec<u8> = ARTICLE.encode_utf16().flat_map(u16::to_le_bytes).collect();
    w("utf16le_nobom.txt", &utf16);
    let mut nul_few = ARTICLE.repeat(30).into_bytes();
    nul_few.extend_from_slice(b"\0\0");
    w("nul_padding.txt", &nul_few);
    let mut nul_many = ARTICLE.as_bytes().to_vec();
    nul_many.extend(std::iter::repeat_n(0u8, 500));
    w("nul_many.txt", &nul_many);
    w(
        "long_number.txt",
        format!("被害額は{}円だった。\n", "9".repeat(10_000)).as_bytes(),
    );
    w(
        "hedges.txt",
        format!("被害は{}900人にのぼった。\n", "約".repeat(20_000)).as_bytes(),
    );
    let weird = "記事 一;a&b$(touch pwned)`id`'\".txt";
    w(
        weird,
        format!("{ARTICLE}名前の奇妙なファイル。\n").as_bytes(),
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&corpus, corpus.join("loop")).unwrap();
        let outside = tmp.path().join("secret.txt");
        fs::write(&outside, "外の秘密").unwrap();
        std::os::unix::fs::symlink(&outside, corpus.join("outside_link.txt")).unwrap();
        let st = Command::new("mkfifo")
            .arg(corpus.join("pipe.txt"))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let mut md = csv::Writer::from_path(corpus.join("metadata.csv")).unwrap();
    md.write_record(["file", "source", "title", "url", "published", "encoding"])
        .unwrap();
    let rows: Vec<[&str; 6]> = vec![
        ["good.txt", "日経", "良い記事", "", "2019-07-05", ""],
        [
            "bad_utf8_declared.txt",
            "宣言",
            "",
            "",
            "2019-07-05",
            "UTF-8",
        ],
        ["sjis_vendor.txt", "S", "", "", "2019-07-05", ""],
        [weird, "奇妙", "", "", "2019-07-05", ""],
        ["good.txt", "重複", "", "", "2019-07-06", ""],
        ["missing.txt", "幽霊", "", "", "2019-07-05", ""],
        ["../../etc/passwd", "悪意", "", "", "2019-07-05", ""],
        ["/etc/passwd", "悪意", "", "", "2019-07-05", ""],
        ["hedges.txt", "H", "", "", "2019-13-45", ""],
        ["long_number.txt", "L", "", "", "", "klingon"],
    ];
    for r in rows {
        md.write_record(r).unwrap();
    }
    md.write_record(["utf16le_nobom.txt", "too", "few"])
        .unwrap_or(());
    drop(md);
    // The csv writer refuses ragged rows; append one by hand.
    let mut text = fs::read_to_string(corpus.join("metadata.csv")).unwrap();
    if !text.contains("too,few") {
        text.push_str("utf16le_nobom.txt,too,few\n");
        fs::write(corpus.join("metadata.csv"), text).unwrap();
    }

    let before_corpus = listing(&corpus);
    let before_root: Vec<PathBuf> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let o = run(&corpus, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "done with skips: {stderr}");

    // Nothing outside --out was written; the corpus is untouched.
    assert_eq!(listing(&corpus), before_corpus, "corpus modified");
    let mut after_root: Vec<PathBuf> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    after_root.retain(|p| p != &out);
    assert_eq!(
        after_root.len(),
        before_root.len(),
        "files created beside corpus/out: {after_root:?}"
    );
    assert!(!tmp.path().join("pwned").exists() && !corpus.join("pwned").exists());

    let docs = read_csv(&out.join("documents.csv"));
    let skipped = read_csv(&out.join("skipped.csv"));
    let doc = |f: &str| docs.iter().find(|r| r["doc"] == f);
    let skip = |f: &str| skipped.iter().find(|r| r["path"] == f);

    let cases = [
        Case {
            file: "good.txt",
            expect: Ok(&[]),
        },
        Case {
            file: "empty.txt",
            expect: Err(&["empty file"]),
        },
        Case {
            file: "whitespace.txt",
            expect: Err(&["no text", "whitespace"]),
        },
        Case {
            file: "binary.txt",
            expect: Err(&["binary data", "at byte"]),
        },
        Case {
            file: "huge_one_line.txt",
            expect: Err(&["over the limit", "--max-file-mb"]),
        },
        Case {
            file: "long_one_line.txt",
            expect: Ok(&["no row in metadata.csv"]),
        },
        Case {
            file: "bad_utf8_declared.txt",
            expect: Ok(&["1 byte(s) not valid UTF-8", "first at byte"]),
        },
        Case {
            file: "bad_utf8.txt",
            expect: Ok(&["1 byte(s) not valid UTF-8", "first at byte"]),
        },
        Case {
            file: "mixed_encodings.txt",
            expect: Ok(&["mixed encodings", "Shift_JIS"]),
        },
        Case {
            file: "sjis_vendor.txt",
            expect: Ok(&[]),
        },
        Case {
            file: "utf16le_nobom.txt",
            expect: Ok(&["no row in metadata.csv"]),
        },
        Case {
            file: "nul_padding.txt",
            expect: Ok(&["NUL byte(s) read as U+FFFD", "first at byte"]),
        },
        Case {
            file: "nul_many.txt",
            expect: Err(&["binary data", "NUL", "first at byte"]),
        },
        Case {
            file: "long_number.txt",
            expect: Ok(&[]),
        },
        Case {
            // Its metadata row's date is unreadable: a warning on the document.
            file: "hedges.txt",
            expect: Ok(&["metadata.csv:10", "'2019-13-45' is not a date"]),
        },
        Case {
            file: weird,
            expect: Ok(&[]),
        },
        #[cfg(unix)]
        Case {
            file: "loop",
            expect: Err(&["loop"]),
        },
        #[cfg(unix)]
        Case {
            file: "outside_link.txt",
            expect: Err(&["outside the corpus", "not followed"]),
        },
        #[cfg(unix)]
        Case {
            file: "pipe.txt",
            expect: Err(&["not a regular file"]),
        },
    ];
    for c in &cases {
        match c.expect {
            Err(fragments) => {
                let s =
                    skip(c.file).unwrap_or_else(|| panic!("{} not skipped: {skipped:?}", c.file));
                for f in fragments {
                    assert!(
                        s["reason"].contains(f),
                        "{}: reason {:?} lacks {f:?}",
                        c.file,
                        s["reason"]
                    );
                }
                assert!(
                    doc(c.file).is_none(),
                    "{} both skipped and analysed",
                    c.file
                );
            }
            Ok(fragments) => {
                let d = doc(c.file).unwrap_or_else(|| {
                    panic!("{} not analysed; skipped: {:?}", c.file, skip(c.file))
                });
                if fragments.is_empty() {
                    assert_eq!(d["status"], "ok", "{}: {}", c.file, d["warnings"]);
                } else {
                    assert_eq!(d["status"], "warning", "{}", c.file);
                    for f in fragments {
                        assert!(
                            d["warnings"].contains(f),
                            "{}: {:?} lacks {f:?}",
                            c.file,
                            d["warnings"]
                        );
                    }
                }
            }
        }
    }
    // Specific facts about the survivors.
    let at = format!("first at byte {}", ARTICLE.len());
    assert!(doc("bad_utf8.txt").unwrap()["warnings"].contains(&at));
    assert_eq!(doc("sjis_vendor.txt").unwrap()["encoding"], "Shift_JIS");
    let mixed = doc("mixed_encodings.txt").unwrap();
    assert_eq!(mixed["encoding"], "UTF-8 + Shift_JIS");
    assert!(mixed["warnings"].contains(&format!("from byte {}", ARTICLE.len())));
    assert_eq!(
        mixed["chars"].parse::<usize>().unwrap(),
        2 * ARTICLE.chars().count()
    );
    assert_eq!(doc("utf16le_nobom.txt").unwrap()["encoding"], "UTF-16LE");
    assert_eq!(doc("bad_utf8_declared.txt").unwrap()["encoding"], "UTF-8");
    assert_eq!(
        doc("good.txt").unwrap()["source"],
        "日経",
        "the first of two rows wins"
    );
    assert_eq!(doc(weird).unwrap()["source"], "奇妙");
    let long = doc("long_one_line.txt").unwrap();
    assert!(
        long["sentences"].parse::<i64>().unwrap() >= 100,
        "runaway line is cut: {long:?}"
    );
    // Metadata problems, each with its line.
    let md_reason = |line: usize| {
        skip(&format!("metadata.csv:{line}"))
            .map(|r| r["reason"].clone())
            .unwrap_or_else(|| panic!("metadata.csv:{line} not reported: {skipped:?}"))
    };
    assert!(md_reason(6).contains("second row for 'good.txt'"));
    assert!(md_reason(7).contains("missing.txt"));
    assert!(md_reason(8).contains("outside the corpus"));
    assert!(md_reason(9).contains("outside the corpus"));
    assert!(md_reason(12).contains("fields"));
    assert!(stderr.contains("2019-13-45"), "bad date reported: {stderr}");
    assert!(
        stderr.contains("klingon"),
        "unknown encoding label reported: {stderr}"
    );
    // The good article is unaffected by its neighbours.
    let alone = tmp.path().join("alone");
    fs::create_dir(&alone).unwrap();
    fs::write(alone.join("good.txt"), ARTICLE).unwrap();
    let out2 = tmp.path().join("out2");
    assert_eq!(run(&alone, &out2).status.code(), Some(0));
    let d2 = read_csv(&out2.join("documents.csv"));
    for col in ["chars", "sentences", "tokens", "boilerplate_chars"] {
        assert_eq!(d2[0][col], doc("good.txt").unwrap()[col], "{col}");
    }
}

#[test]
fn metadata_with_wrong_columns_is_reported_and_articles_still_run() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    fs::write(
        corpus.join("metadata.csv"),
        "name;outlet;date\na.txt;X;2019-07-05\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let o = run(&corpus, &out);
    assert_eq!(o.status.code(), Some(2));
    let skipped = read_csv(&out.join("skipped.csv"));
    assert!(
        skipped
            .iter()
            .any(|r| r["path"] == "metadata.csv" && r["reason"].contains("no 'file' column")),
        "{skipped:?}"
    );
    let docs = read_csv(&out.join("documents.csv"));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["source"], "a");
}

#[test]
fn fatal_errors_exit_1_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), ARTICLE).unwrap();
    // An unusable dictionary folder.
    let bad_dict = tmp.path().join("dict");
    fs::create_dir(&bad_dict).unwrap();
    fs::write(bad_dict.join("metadata.json"), "{ not json").unwrap();
    let o = shiten(&[
        "run".as_ref(),
        corpus.as_os_str(),
        "--out".as_ref(),
        tmp.path().join("o").as_os_str(),
        "--dict".as_ref(),
        bad_dict.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error:") && err.contains(&*bad_dict.to_string_lossy()),
        "{err}"
    );
    // A corpus folder that does not exist.
    let o = run(&tmp.path().join("nope"), &tmp.path().join("o"));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}
