//! Scale-out: 4 shards (`shiten run --shard I/4`) merged by `sql/merge.sql` in DuckDB
//! give the same tables as one run over the whole corpus.
//!
//! DuckDB comes from the Python package, installed on first use into a virtual environment
//! (see `common::python_with`). Without Python or PyPI the test fails in CI (`CI` set) and
//! is skipped with a notice elsewhere.

mod common;

use std::ffi::OsStr;
use std::process::Command;

use common::{in_ci, python_with};

fn ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn four_shards_merged_with_duckdb_equal_one_run() {
    let python = match python_with(&["duckdb"]) {
        Ok(p) => p,
        Err(e) if in_ci() => panic!("DuckDB (Python package) is required in CI: {e}"),
        Err(e) => {
            eprintln!("notice: no Python with duckdb ({e}); test skipped");
            return;
        }
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let corpus = w.join("corpus");
    // A generated corpus: dozens of sources, and figures that agree, round, update and
    // conflict across shards.
    let out = common::shiten(&[
        OsStr::new("gen-corpus"),
        OsStr::new("--size-mb"),
        OsStr::new("1"),
        OsStr::new("--seed"),
        OsStr::new("11"),
        OsStr::new("--from"),
        common::root().join("corpus").as_os_str(),
        OsStr::new("--out"),
        corpus.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    ok(&out, "gen-corpus");
    for i in 0..4 {
        let shard = format!("{i}/4");
        let dir = w.join("shards").join(i.to_string());
        let out = common::shiten(&[
            OsStr::new("run"),
            corpus.as_os_str(),
            OsStr::new("--shard"),
            OsStr::new(&shard),
            OsStr::new("--out"),
            dir.as_os_str(),
            OsStr::new("--quiet"),
        ]);
        ok(&out, &format!("shard {shard}"));
    }
    let single = w.join("single");
    let out = common::shiten(&[
        OsStr::new("run"),
        corpus.as_os_str(),
        OsStr::new("--out"),
        single.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    ok(&out, "single run");

    let check = Command::new(&python)
        .arg(common::root().join("tests/tools/merge_check.py"))
        .arg(common::root().join("sql/merge.sql"))
        .arg(w)
        .output()
        .expect("python runs");
    let report = String::from_utf8_lossy(&check.stdout);
    eprintln!("{report}");
    assert!(
        check.status.success(),
        "merged shards differ from one run:\n{report}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for table in ["source_frames", "figures", "terms", "cooccurrence"] {
        assert!(
            report.contains(&format!("{table}: single")) && !report.contains("merged 0 rows"),
            "{table} was not compared (or empty):\n{report}"
        );
    }
}
