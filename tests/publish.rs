//! Publishing what changed gives what publishing everything gives: a full run over a
//! corpus and "run, then add, then add" over the same corpus grown in three steps publish
//! the same rows in every table, the same aggregates and the same report, byte for byte;
//! so do a full run and an incremental run after files were changed and removed (their
//! batches' files and summaries computed again from the rows still live). The adds write
//! only the new batches' files and the aggregates.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use common::{copy_files, generate_corpus, shiten, snapshot};

fn run(cmd: &str, corpus: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        OsStr::new(cmd),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--batch-docs"),
        OsStr::new("4"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let o = shiten(&args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        matches!(o.status.code(), Some(0) | Some(2)),
        "{cmd} failed:\n{err}"
    );
    err
}

/// Every table's rows, the report's bytes, and each output's row count in the manifest.
fn published(out: &Path) -> (common::Snapshot, Vec<u8>, Vec<(String, u64)>) {
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut rows: Vec<(String, u64)> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    (
        snapshot(out),
        fs::read(out.join("report.html")).unwrap(),
        rows,
    )
}

/// "N file(s) written, M unchanged" from a run's summary.
fn written_unchanged(err: &str) -> (usize, usize) {
    let line = err
        .lines()
        .find(|l| l.contains("file(s) written"))
        .unwrap_or_else(|| panic!("no publish line in:\n{err}"));
    let num = |before: &str| -> usize {
        let head = &line[..line.find(before).unwrap()];
        head.split_whitespace().last().unwrap().parse().unwrap()
    };
    (num("file(s) written"), num("unchanged"))
}

#[test]
fn run_add_add_publishes_what_one_full_run_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let gen_dir = dir.path().join("gen");
    let names = generate_corpus(&gen_dir, 96, 21);
    let corpus = dir.path().join("corpus");
    let full = dir.path().join("out-full");
    let inc = dir.path().join("out-inc");

    // The whole corpus at once.
    copy_files(&gen_dir, &corpus, &names, true);
    run("run", &corpus, &full, &["-q"]);
    let want = published(&full);
    assert!(want.0["figures"].1.len() > 10 && want.0["frame_hits"].1.len() > 50);

    // The same folder grown in three steps: run, add, add (same keys: the folder keeps
    // the empty label `run` gave it).
    fs::remove_dir_all(&corpus).unwrap();
    let thirds: Vec<&[String]> = names.chunks(32).collect();
    copy_files(&gen_dir, &corpus, thirds[0], true);
    run("run", &corpus, &inc, &["-q"]);
    let mut last = (0, 0);
    for part in &thirds[1..] {
        copy_files(&gen_dir, &corpus, part, true);
        last = written_unchanged(&run("add", &corpus, &inc, &[]));
    }
    let got = published(&inc);
    assert_eq!(got.0, want.0, "every table, aggregates included");
    assert_eq!(got.2, want.2, "the manifest's row counts");
    assert!(got.1 == want.1, "report.html, byte for byte");
    // The last add wrote its 8 new batches' files (every row table, CSV and Parquet),
    // the row tables' joined CSV files and the single-file tables (skipped and the
    // aggregates, CSV and Parquet, and the report); it linked the other 16 batches' files.
    let tables = shiten::state::parts::ROW_TABLES.len();
    let singles = 2 * 6 + 1; // skipped, copies, source_frames, figures, terms, cooccurrence; report
    let (written, unchanged) = last;
    assert!(
        unchanged >= 16 * 2 * tables,
        "{written} written, {unchanged} unchanged"
    );
    assert!(
        written <= 8 * 2 * tables + tables + singles,
        "{written} written, {unchanged} unchanged"
    );
    // 24 batches: the merge tree has inner nodes, cached in the store.
    let cached = fs::read_dir(inc.join(".shiten/summaries")).unwrap().count();
    assert!(cached >= 3, "{cached} cached summaries");

    // Files changed in several batches, two removed (pruned): their batches' files and
    // summaries are made again from the rows of the documents still live.
    for n in names.iter().step_by(13) {
        let p = corpus.join(n);
        let mut t = fs::read(&p).unwrap();
        t.extend_from_slice(
            "\n続報：被害額は約6000万円、被害者は1000人に上った。二段階認証がなかった。\n"
                .as_bytes(),
        );
        fs::write(&p, t).unwrap();
    }
    for n in [&names[5], &names[50]] {
        fs::remove_file(corpus.join(n)).unwrap();
    }
    let err = run("run", &corpus, &inc, &["--prune"]);
    assert!(err.contains("changed"), "{err}");
    let full2 = dir.path().join("out-full2");
    run("run", &corpus, &full2, &["-q", "--prune"]);
    let want = published(&full2);
    let got = published(&inc);
    assert_eq!(got.0, want.0, "after changes and removals");
    assert_eq!(got.2, want.2);
    assert!(got.1 == want.1, "report.html after changes and removals");
    // Nothing new: nothing published.
    let err = run("run", &corpus, &inc, &["--prune"]);
    assert!(err.contains("already up to date"), "{err}");
}
