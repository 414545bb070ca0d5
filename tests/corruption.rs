//! A damaged or foreign file in `OUT/.shiten/` is detected with an error naming it and
//! telling the way out; it is never silently used, the output tables stay as they were,
//! and `--rebuild-state` recovers.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_files, corpus_files, shiten, snapshot};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn run(corpus: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        OsStr::new("run"),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    shiten(&args)
}

/// Output files (names and bytes), without the store.
fn output_bytes(out: &Path) -> Vec<(String, Vec<u8>)> {
    common::output_files(out)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect()
}

fn first_part(out: &Path, name: &str) -> PathBuf {
    let parts = out.join(".shiten/parts");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&parts)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs[0].join(name)
}

fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut r = common::Rng(seed | 1);
    (0..len).map(|_| r.next() as u8).collect()
}

fn header_update(ledger: &Path, key: &str, value: &str) {
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.execute("UPDATE header SET value = ?1 WHERE key = ?2", [value, key])
        .unwrap();
}

#[test]
fn damaged_or_foreign_store_files_are_named_and_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let names = corpus_files();
    let corpus = dir.path().join("corpus");
    copy_files(&common::root().join("corpus"), &corpus, &names, true);
    let base = dir.path().join("base");
    let o = run(&corpus, &base, &["-q"]);
    assert_eq!(o.status.code(), Some(0));
    let clean = snapshot(&base);
    let ledger = |out: &Path| out.join(".shiten/ledger.sqlite");
    assert!(
        !base.join(".shiten/ledger.sqlite-wal").exists(),
        "the WAL is checkpointed when a run ends"
    );
    type Damage = Box<dyn Fn(&Path) -> PathBuf>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "truncated ledger",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                let len = fs::metadata(&p).unwrap().len();
                fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .unwrap()
                    .set_len(len / 2)
                    .unwrap();
                p
            }),
            "damaged",
        ),
        (
            "random bytes as ledger",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                let len = fs::metadata(&p).unwrap().len() as usize;
                fs::write(&p, garbage(len, 7)).unwrap();
                p
            }),
            "not a database",
        ),
        (
            "empty ledger",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                fs::write(&p, b"").unwrap();
                p
            }),
            "empty",
        ),
        (
            "foreign SQLite database",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                fs::remove_file(&p).unwrap();
                rusqlite::Connection::open(&p)
                    .unwrap()
                    .execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hi');")
                    .unwrap();
                p
            }),
            "not a shiten ledger",
        ),
        (
            "wrong magic",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                header_update(&p, "magic", "someone-else");
                p
            }),
            "magic",
        ),
        (
            "newer format",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                header_update(&p, "format", "99");
                p
            }),
            "format 99",
        ),
        (
            "part replaced by garbage of the same size",
            Box::new(|out: &Path| {
                let p = first_part(out, "documents.parquet");
                let len = fs::metadata(&p).unwrap().len() as usize;
                fs::write(&p, garbage(len, 11)).unwrap();
                p
            }),
            "checksum",
        ),
        (
            "part replaced by a shorter file",
            Box::new(|out: &Path| {
                let p = first_part(out, "documents.parquet");
                fs::write(&p, b"PAR1 not really PAR1").unwrap();
                p
            }),
            "bytes",
        ),
        (
            "part missing",
            Box::new(|out: &Path| {
                let p = first_part(out, "documents.parquet");
                fs::remove_file(&p).unwrap();
                p
            }),
            "cannot read",
        ),
        (
            "ledger missing beside parts",
            Box::new(move |out: &Path| {
                let p = ledger(out);
                fs::remove_file(&p).unwrap();
                p
            }),
            "missing",
        ),
    ];
    for (i, (what, damage, expect)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("case{i}"));
        copy_dir(&base, &out);
        let before = output_bytes(&out);
        let file = damage(&out);
        let o = run(&corpus, &out, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(&file.display().to_string()),
            "{what}: the error names {}:\n{err}",
            file.display()
        );
        assert!(
            err.contains(expect),
            "{what}: expected {expect:?} in:\n{err}"
        );
        assert!(
            err.contains("--rebuild-state"),
            "{what}: the error tells the way out:\n{err}"
        );
        assert_eq!(output_bytes(&out), before, "{what}: outputs untouched");
        // `status` reports it too, and fails.
        let o = shiten(&[OsStr::new("status"), OsStr::new("--out"), out.as_os_str()]);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(1), "{what}: status:\n{said}");
        assert!(
            said.contains(&file.display().to_string()),
            "{what}: status names the file:\n{said}"
        );
        // The way out works and gives the clean result.
        let o = run(&corpus, &out, &["-q", "--rebuild-state"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(snapshot(&out), clean, "{what}: rebuilt outputs");
    }
}

#[test]
fn an_unknown_file_in_the_store_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let names = corpus_files();
    let corpus = dir.path().join("corpus");
    copy_files(&common::root().join("corpus"), &corpus, &names, true);
    let out = dir.path().join("out");
    assert_eq!(run(&corpus, &out, &["-q"]).status.code(), Some(0));
    let stray = out.join(".shiten/notes.txt");
    fs::write(&stray, "mine").unwrap();
    let o = run(&corpus, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&stray.display().to_string()) && err.contains("left alone"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&stray).unwrap(), "mine");
}
