//! Scale-out: 4 shards (`shiten run --shard I/4`) merged by `sql/merge.sql` in DuckDB
//! give the same tables as one run over the whole corpus.
//!
//! DuckDB comes from the Python package, installed on first use into a virtual environment
//! under `~/.cache/shiten/py` (`$SHITEN_CACHE_DIR/py`; or `$SHITEN_PYTHON`, a Python that has `duckdb`). Without
//! Python or PyPI the test fails in CI (`CI` set) and is skipped with a notice elsewhere.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

fn has_duckdb(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python with `duckdb`, set up on first use; `Err` says why there is none.
fn python_with_duckdb() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SHITEN_PYTHON").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if has_duckdb(&p) {
            Ok(p)
        } else {
            Err(format!(
                "$SHITEN_PYTHON ({}) cannot import duckdb",
                p.display()
            ))
        };
    }
    let cache = match std::env::var_os("SHITEN_CACHE_DIR").filter(|c| !c.is_empty()) {
        Some(c) => PathBuf::from(c),
        None => {
            PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".cache/shiten")
        }
    };
    let venv = cache.join("py");
    let python = venv.join("bin/python");
    if has_duckdb(&python) {
        return Ok(python);
    }
    // Several test binaries may get here at once: build into a temporary folder and rename.
    let tmp = venv.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let o = cmd.output().map_err(|e| format!("{what}: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    };
    run(
        Command::new("python3").arg("-m").arg("venv").arg(&tmp),
        "python3 -m venv (install python3-venv)",
    )?;
    run(
        Command::new(tmp.join("bin/pip")).args(["install", "--quiet", "duckdb"]),
        "pip install duckdb",
    )?;
    let _ = std::fs::remove_dir_all(&venv);
    if std::fs::rename(&tmp, &venv).is_err() && !has_duckdb(&python) {
        return Err(format!("cannot move the venv into {}", venv.display()));
    }
    // Only bin/python is used, which works from the new place (pip's shebangs would not).
    let _ = std::fs::remove_dir_all(&tmp);
    if has_duckdb(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import duckdb after setup",
            python.display()
        ))
    }
}

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
    let python = match python_with_duckdb() {
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
