//! Incremental runs through the real binary: adding in batches equals one run, re-adding
//! changes nothing, duplicates are counted once, modified files replace their rows,
//! removed files are pruned, metadata and configuration changes re-analyse, the lock
//! names its holder, and `--shard` slices the corpus.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use common::{copy_files, corpus_files, read_csv, shiten, snapshot};

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

use common::{expect_code as ok, run_on as run};

fn status(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![os("status"), os("--out"), out.as_os_str()];
    args.extend(extra.iter().map(|s| os(s)));
    let o = shiten(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn docs(out: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let (h, rows) = read_csv(&out.join("documents.csv"));
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect())
        .collect()
}

/// Bytes and modification times of every output file.
fn files(out: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    common::output_files(out)
}

/// A snapshot with the folder labels `labels` taken out of every cell (`grown:001.txt` ->
/// `001.txt`), rows sorted again.
fn unlabel(
    mut snap: std::collections::BTreeMap<String, common::Csv>,
    labels: &[&str],
) -> std::collections::BTreeMap<String, common::Csv> {
    for (_, rows) in snap.values_mut() {
        for row in rows.iter_mut() {
            for cell in row.iter_mut() {
                for l in labels {
                    *cell = cell.replace(&format!("{l}:"), "");
                }
            }
        }
        rows.sort();
    }
    snap
}

#[test]
fn three_adds_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("corpus");
    let names = corpus_files();
    let full = dir.path().join("full");
    copy_files(&src, &full, &names, true);
    let out_full = dir.path().join("out-full");
    ok(&run("run", &full, &out_full, &["-q"]), 0);
    let want = snapshot(&out_full);
    assert_eq!(want["documents"].1.len(), names.len());

    // The plan in pages of 2 documents (all but the first read back from the page file),
    // committed in batches of 3: the same tables.
    let out_paged = dir.path().join("out-paged");
    ok(
        &run(
            "run",
            &full,
            &out_paged,
            &["-q", "--page-docs", "2", "--batch-docs", "3"],
        ),
        0,
    );
    assert_eq!(snapshot(&out_paged), want, "small pages and batches");

    // One folder that grows in three steps, added after each step.
    let grown = dir.path().join("grown");
    let out_grown = dir.path().join("out-grown");
    let thirds: Vec<&[String]> = names.chunks(names.len().div_ceil(3)).collect();
    assert_eq!(thirds.len(), 3);
    for (i, part) in thirds.iter().enumerate() {
        copy_files(&src, &grown, part, true);
        let err = ok(
            &run("add", &grown, &out_grown, &[]),
            if i < 2 { 2 } else { 0 },
        );
        assert!(
            err.contains(&format!("{} new", part.len())),
            "step {i}: only the new files are analysed:\n{err}"
        );
    }
    // Documents of an added folder are keyed with its label ("grown:001.txt").
    assert_eq!(
        unlabel(snapshot(&out_grown), &["grown"]),
        want,
        "a growing folder added three times"
    );

    // Three separate folders, each with its own metadata rows.
    let (mh, mrows) = read_csv(&src.join("metadata.csv"));
    let out_three = dir.path().join("out-three");
    for (i, part) in thirds.iter().enumerate() {
        let folder = dir.path().join(format!("batch{i}"));
        copy_files(&src, &folder, part, false);
        let mut w = csv::Writer::from_path(folder.join("metadata.csv")).unwrap();
        w.write_record(&mh).unwrap();
        for r in mrows.iter().filter(|r| part.contains(&r[0])) {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        ok(&run("add", &folder, &out_three, &["-q"]), 0);
    }
    assert_eq!(
        unlabel(snapshot(&out_three), &["batch0", "batch1", "batch2"]),
        want,
        "three folders added one by one"
    );
    let st = status(&out_three, &[]);
    assert!(st.contains("in 3 batch(es)"), "{st}");
    assert!(st.contains("outputs    up to date"), "{st}");
}

#[test]
fn readding_duplicates_modifications_removals_and_config_changes() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("corpus");
    let names = corpus_files();
    let corpus = dir.path().join("corpus");
    copy_files(&src, &corpus, &names, true);
    let out = dir.path().join("out");
    ok(&run("run", &corpus, &out, &[]), 0);
    let first = snapshot(&out);
    let before = files(&out);

    // Re-running and re-adding the same files changes nothing, not even a timestamp.
    let err = ok(&run("run", &corpus, &out, &[]), 0);
    assert!(err.contains(&format!("{} unchanged", names.len())), "{err}");
    assert!(err.contains("outputs already up to date"), "{err}");
    ok(&run("add", &corpus, &out, &["-q"]), 0);
    assert_eq!(files(&out), before, "nothing rewritten");

    // Same content under a new name: reported as a duplicate, counted once.
    let orig = &names[3];
    fs::copy(corpus.join(orig), corpus.join("zz_copy.txt")).unwrap();
    let err = ok(&run("run", &corpus, &out, &[]), 2);
    assert!(err.contains("1 duplicate"), "{err}");
    let (_, skipped) = read_csv(&out.join("skipped.csv"));
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0][0], "zz_copy.txt");
    assert!(skipped[0][1].contains(orig.as_str()), "{skipped:?}");
    assert_eq!(docs(&out).len(), names.len(), "counted once");
    assert_eq!(snapshot(&out)["documents"], first["documents"]);
    // ... and stays reported, with nothing rewritten, on the next run.
    let before = files(&out);
    ok(&run("run", &corpus, &out, &["-q"]), 2);
    assert_eq!(files(&out), before);
    fs::remove_file(corpus.join("zz_copy.txt")).unwrap();

    // A modified file replaces its rows.
    let target = &names[5];
    let mut text = fs::read(corpus.join(target)).unwrap();
    text.extend_from_slice("\n追記：被害者は約900人に上った。\n".as_bytes());
    fs::write(corpus.join(target), &text).unwrap();
    let st = status(&out, &["--corpus", corpus.to_str().unwrap()]);
    assert!(st.contains("1 changed"), "{st}");
    let err = ok(&run("run", &corpus, &out, &[]), 0);
    assert!(err.contains("1 changed"), "{err}");
    let d = docs(&out);
    assert_eq!(d.len(), names.len(), "no row counted twice");
    let row = d.iter().find(|r| r["doc"] == *target).unwrap();
    assert_eq!(row["bytes"], text.len().to_string());
    assert_eq!(
        row["content_hash"],
        blake3::hash(&text).to_hex().to_string()
    );
    assert!(read_csv(&out.join("skipped.csv")).1.is_empty());

    // A removed file stays (reported) until --prune.
    let gone = &names[0];
    fs::remove_file(corpus.join(gone)).unwrap();
    let err = ok(&run("run", &corpus, &out, &[]), 2);
    assert!(err.contains("1 removed (kept"), "{err}");
    assert_eq!(docs(&out).len(), names.len());
    let st = status(&out, &[]);
    assert!(st.contains("1 removed"), "{st}");
    let err = ok(&run("run", &corpus, &out, &["--prune"]), 2);
    assert!(err.contains("removed (pruned)"), "{err}");
    let d = docs(&out);
    assert_eq!(d.len(), names.len() - 1);
    assert!(!d.iter().any(|r| r["doc"] == *gone));
    let st = status(&out, &[]);
    assert!(st.contains("0 removed"), "{st}");

    // A metadata change re-analyses the document it concerns.
    let md = fs::read_to_string(corpus.join("metadata.csv")).unwrap();
    let other = &names[7];
    let line = md.lines().find(|l| l.starts_with(other.as_str())).unwrap();
    let fields: Vec<&str> = line.splitn(3, ',').collect();
    let new_line = format!("{},改名新聞,{}", fields[0], fields[2]);
    fs::write(corpus.join("metadata.csv"), md.replace(line, &new_line)).unwrap();
    let err = ok(&run("run", &corpus, &out, &[]), 2);
    assert!(err.contains("1 metadata changed"), "{err}");
    let d = docs(&out);
    assert_eq!(
        d.iter().find(|r| r["doc"] == *other).unwrap()["source"],
        "改名新聞"
    );
    assert_eq!(d.len(), names.len() - 1);

    // A lexicon change makes every document stale and re-analyses it.
    let dicts = dir.path().join("dictionaries");
    fs::create_dir_all(&dicts).unwrap();
    for f in [
        "user.csv",
        "entities.toml",
        "measures.toml",
        "frames.toml",
        "incidents.toml",
    ] {
        fs::copy(common::root().join("dictionaries").join(f), dicts.join(f)).unwrap();
    }
    let with = ["--dictionaries", dicts.to_str().unwrap()];
    ok(&run("run", &corpus, &out, &with), 2);
    // (A comment alone is not a change: the fingerprint covers what the lexicon means.)
    let frames = fs::read_to_string(dicts.join("frames.toml")).unwrap();
    let edited = frames.replacen("adjacent_chars = 8", "adjacent_chars = 9", 1);
    assert_ne!(edited, frames);
    fs::write(
        dicts.join("frames.toml"),
        edited + "\n# an edit by the user\n",
    )
    .unwrap();
    let st = status(&out, &with);
    assert!(
        st.contains(&format!(
            "{} document(s) analysed under another",
            names.len() - 1
        )),
        "{st}"
    );
    let err = ok(&run("run", &corpus, &out, &with), 2);
    assert!(err.contains(&format!("{} stale", names.len() - 1)), "{err}");
    let st = status(&out, &with);
    assert!(st.contains("every document is current"), "{st}");
    assert_eq!(docs(&out).len(), names.len() - 1);
}

#[test]
fn a_bad_file_is_a_skip_and_keeps_the_earlier_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("corpus");
    let names = corpus_files();
    let corpus = dir.path().join("corpus");
    copy_files(&src, &corpus, &names, true);
    let out = dir.path().join("out");
    ok(&run("run", &corpus, &out, &["-q"]), 0);
    let first = snapshot(&out);
    // A stored document turns into binary garbage, and a new binary file appears.
    fs::write(
        corpus.join(&names[2]),
        [0u8, 1, 2, 3, 0xFF, 0xFE, 0, 7].repeat(64),
    )
    .unwrap();
    fs::write(corpus.join("new_binary.txt"), [0u8, 1, 2, 0xFF].repeat(64)).unwrap();
    let err = ok(&run("run", &corpus, &out, &[]), 2);
    assert!(err.contains("binary"), "{err}");
    let snap = snapshot(&out);
    assert_eq!(snap["documents"], first["documents"], "stored data kept");
    let skipped = &snap["skipped"].1;
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|r| r[0] == names[2] && r[1].contains("earlier version is kept"))
    );
    assert!(skipped.iter().any(|r| r[0] == "new_binary.txt"));
    // Restoring the file clears its skip.
    fs::copy(src.join(&names[2]), corpus.join(&names[2])).unwrap();
    fs::remove_file(corpus.join("new_binary.txt")).unwrap();
    ok(&run("run", &corpus, &out, &["-q", "--prune"]), 0);
    assert_eq!(snapshot(&out), first);
}

#[test]
fn a_second_run_is_refused_with_the_holders_name_and_a_killed_holder_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let names = corpus_files();
    copy_files(&common::root().join("corpus"), &corpus, &names, true);
    let out = dir.path().join("out");
    common::dict_dir();
    let mut holder = std::process::Command::new(common::bin())
        .args([os("run"), corpus.as_os_str(), os("--out"), out.as_os_str()])
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .env("SHITEN_TEST_PAUSE_MS", "3000")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it holds the lock (it announces its first test point after locking).
    let lock = out.join(".shiten/lock");
    let t0 = std::time::Instant::now();
    while !fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
        assert!(t0.elapsed().as_secs() < 120, "the first run never locked");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = run("add", &corpus, &out, &[]);
    let err = ok(&o, 1);
    assert!(err.contains(&format!("pid {}", holder.id())), "{err}");
    assert!(err.contains("another shiten run"), "{err}");
    let st = status(&out, &[]);
    assert!(st.contains(&format!("held by pid {}", holder.id())), "{st}");
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(
        fs::read_to_string(&lock).unwrap().contains("pid"),
        "the killed run's lock file is left behind"
    );
    ok(&run("run", &corpus, &out, &["-q"]), 0);
    assert_eq!(docs(&out).len(), names.len());
}

#[test]
fn shards_split_the_corpus_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let names = corpus_files();
    copy_files(&common::root().join("corpus"), &corpus, &names, true);
    let whole = dir.path().join("whole");
    ok(&run("run", &corpus, &whole, &["-q"]), 0);
    let want = snapshot(&whole);
    let mut union: Vec<Vec<String>> = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard{i}"));
        let shard = format!("{i}/3");
        ok(&run("run", &corpus, &out, &["-q", "--shard", &shard]), 0);
        union.extend(snapshot(&out)["documents"].1.clone());
        // A store made for one shard refuses another.
        let o = run("run", &corpus, &out, &["--shard", "0/2"]);
        assert!(ok(&o, 1).contains("shard"));
    }
    union.sort();
    assert_eq!(
        union, want["documents"].1,
        "the shards partition the corpus"
    );
}

/// The stat cache: an unchanged folder is not read again, but a file whose bytes changed
/// is, even with its size and modification time put back (its change time moved), and
/// `--rehash` reads everything.
#[test]
fn unchanged_files_are_not_read_again_but_any_write_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let out = dir.path().join("out");
    fs::create_dir_all(&corpus).unwrap();
    let texts = [
        (
            "a.txt",
            "東西銀行は5日、不正送金の被害が12件あったと発表した。",
        ),
        (
            "b.txt",
            "南北電機は6日、顧客情報約3000件が流出した可能性があると明らかにした。",
        ),
        (
            "c.txt",
            "中央ペイは7日、サービスを9月30日で終えると発表した。",
        ),
    ];
    for (name, text) in texts {
        fs::write(corpus.join(name), text).unwrap();
    }
    ok(&run("run", &corpus, &out, &[]), 0);
    // Entries are trusted only for files last written a settling time before the scan
    // that hashed them: wait, and hash once more to record settled entries.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let err = ok(&run("run", &corpus, &out, &["--rehash"]), 0);
    assert!(!err.contains("known unchanged"), "{err}");
    let err = ok(&run("run", &corpus, &out, &[]), 0);
    assert!(
        err.contains("0 read and hashed, 3 known unchanged"),
        "nothing read:\n{err}"
    );
    // Same size, same modification time, other bytes.
    let a = corpus.join("a.txt");
    let mtime = fs::metadata(&a).unwrap().modified().unwrap();
    let changed = texts[0].1.replace("12件", "34件");
    assert_eq!(changed.len(), texts[0].1.len());
    fs::write(&a, &changed).unwrap();
    fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(fs::metadata(&a).unwrap().modified().unwrap(), mtime);
    let err = ok(&run("run", &corpus, &out, &[]), 0);
    assert!(err.contains("1 changed"), "the write is seen:\n{err}");
    assert!(
        err.contains("1 read and hashed, 2 known unchanged"),
        "{err}"
    );
    let counts: Vec<String> = read_csv(&out.join("mentions.csv"))
        .1
        .into_iter()
        .flatten()
        .filter(|c| c.ends_with('件'))
        .collect();
    assert!(counts.iter().any(|c| c == "34件"), "{counts:?}");
    assert!(!counts.iter().any(|c| c == "12件"), "{counts:?}");
}
