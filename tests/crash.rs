//! A run killed with SIGKILL at any moment leaves the output folder in the old state or
//! the new one — every table, aggregate and the report from one state, never a mix, never
//! a partial file, never a duplicate — and the next run finishes the work: its outputs
//! are those of an uninterrupted run.
//!
//! The run under test adds 60 generated articles to a store of 100, changes 5 and prunes 3,
//! committing a batch every 10 documents. `SHITEN_TEST_PAUSE_MS` makes the binary pause
//! at every step of the protocol (part written, before and after each commit, each stage
//! of writing the new generation of outputs, just before and just after the switch to it)
//! and name the step on stderr. The kills are spread evenly over the run's duration, plus
//! one halfway through each phase of an uninterrupted run (a phase can be shorter than the
//! spacing), so they land in every phase, publishing included; the test checks that they
//! did.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{copy_files, generate_corpus, shiten};

const PAUSE_MS: &str = "25";
const KILLS: usize = 24;
/// The phases every run under test goes through, in order.
const PHASES: [&str; 4] = [
    "writing parts",
    "committing",
    "writing outputs",
    "switching outputs",
];

/// Copies a folder as `cp -a` does: links stay links.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&p).unwrap(), to.join(e.file_name())).unwrap();
        } else if t.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// What a reader of the output folder sees: every table's rows (CSV and Parquet, which
/// must agree), and the bytes of the other files (the report). The manifest is left out
/// (it names the generation).
#[derive(Debug, PartialEq)]
struct Visible {
    names: Vec<String>,
    tables: BTreeMap<String, common::Csv>,
    files: BTreeMap<String, Vec<u8>>,
}

fn outputs(out: &Path) -> Visible {
    let mut names: Vec<String> = fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let files = names
        .iter()
        .filter(|n| n.ends_with(".html"))
        .map(|n| (n.clone(), fs::read(out.join(n)).unwrap()))
        .collect();
    Visible {
        names,
        tables: common::snapshot(out),
        files,
    }
}

fn args<'a>(corpus: &'a Path, out: &'a Path) -> Vec<&'a OsStr> {
    vec![
        OsStr::new("run"),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--prune"),
        OsStr::new("--batch-docs"),
        OsStr::new("10"),
    ]
}

/// When a run under test is killed.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after it started.
    At(Duration),
    /// As soon as it announces the `n`-th step (from 0) of a phase: the kill lands in
    /// the pause after that step, whatever the machine's speed.
    After(&'static str, usize),
}

/// Spawns the paused run; kills it when `kill` says (if given). Returns the test points
/// it reached, each with the time it was announced, whether it was killed before
/// finishing, and how long it ran.
fn paused_run(
    corpus: &Path,
    out: &Path,
    kill: Option<Kill>,
) -> (Vec<(String, Duration)>, bool, Duration) {
    let t0 = Instant::now();
    let mut child = Command::new(common::bin())
        .args(args(corpus, out))
        .arg("-q")
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .env("SHITEN_TEST_PAUSE_MS", PAUSE_MS)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Points are read as they come, so each gets the time it was reached.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut points = Vec::new();
        let mut other = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line.strip_prefix("shiten-test: ") {
                Some(p) => {
                    let _ = tx.send(p.to_string());
                    points.push((p.to_string(), t0.elapsed()));
                }
                None => other.push_str(&line),
            }
        }
        (points, other)
    });
    let mut killed = false;
    if let Some(kill) = kill {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let due = |seen: &mut BTreeMap<&str, usize>, p: Option<String>| match (kill, p) {
            (Kill::At(d), _) => t0.elapsed() >= d,
            (Kill::After(ph, n), Some(p)) if phase(&p) == ph => {
                let k = seen.entry(ph).or_default();
                *k += 1;
                *k > n
            }
            (Kill::After(..), _) => false,
        };
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let p = rx.recv_timeout(Duration::from_millis(2)).ok();
            if due(&mut seen, p) {
                child.kill().unwrap(); // SIGKILL
                killed = true;
                break;
            }
        }
    }
    let status = child.wait().unwrap();
    let elapsed = t0.elapsed();
    let (points, err) = reader.join().unwrap();
    if !killed {
        assert!(status.success(), "uninterrupted run failed:\n{err}");
    }
    (points, killed, elapsed)
}

/// When to kill: evenly over the run, and once in the middle of each phase of the
/// reference run (after its middle step), so every phase is hit however short it is.
fn kills(points: &[(String, Duration)], duration: Duration) -> Vec<Kill> {
    let mut at: Vec<Kill> = (1..=KILLS)
        .map(|k| Kill::At(duration.mul_f64(k as f64 / (KILLS + 1) as f64)))
        .collect();
    for p in PHASES {
        let n = points.iter().filter(|(q, _)| phase(q) == p).count();
        if n > 0 {
            at.push(Kill::After(p, n / 2));
        }
    }
    at
}

fn phase(point: &str) -> &'static str {
    if point.starts_with("batch") || point.starts_with("part-written") {
        "writing parts"
    } else if point.contains("commit") {
        "committing"
    } else if point == "publish: switching" {
        "switching outputs"
    } else if point == "publish: switched" {
        "after publish"
    } else if point.starts_with("publish:") {
        "writing outputs"
    } else {
        "after publish"
    }
}

/// The ledger state the current generation reflects (its manifest).
fn published_state(out: &Path) -> Option<i64> {
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).ok()?).ok()?;
    m["state"].as_i64()
}

fn ledger_value(out: &Path, sql: &str) -> Option<i64> {
    let c = rusqlite::Connection::open_with_flags(
        out.join(".shiten/ledger.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    c.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
        .ok()
        .flatten()
}

fn store_is_clean(out: &Path, what: &str) {
    assert_eq!(
        ledger_value(out, "SELECT count(*) FROM batches WHERE committed = 0"),
        Some(0),
        "{what}: no uncommitted batch left"
    );
    let live: BTreeSet<String> = {
        let c = rusqlite::Connection::open(out.join(".shiten/ledger.sqlite")).unwrap();
        let mut st = c
            .prepare("SELECT DISTINCT batch FROM documents WHERE batch IS NOT NULL")
            .unwrap();
        st.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|b| format!("{:08}", b.unwrap()))
            .collect()
    };
    let dirs: BTreeSet<String> = fs::read_dir(out.join(".shiten/parts"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(dirs, live, "{what}: only live batches keep part folders");
    // The current generation and at most the one before it; no temporary file or link.
    let gens: Vec<String> = fs::read_dir(out.join(".published"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "current")
        .collect();
    assert!(
        gens.len() <= 2 && gens.iter().all(|g| g.starts_with('g')),
        "{what}: {gens:?}"
    );
    let temps: Vec<String> = fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(temps.is_empty(), "{what}: {temps:?}");
}

#[test]
fn killed_at_any_point_the_outputs_are_old_or_new_and_the_next_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let gen_dir = dir.path().join("gen");
    let names = generate_corpus(&gen_dir, 160, 42);

    // The old state: 100 articles.
    let corpus = dir.path().join("corpus");
    copy_files(&gen_dir, &corpus, &names[..100], true);
    let base = dir.path().join("base");
    let o = shiten(&[
        OsStr::new("run"),
        corpus.as_os_str(),
        OsStr::new("--out"),
        base.as_os_str(),
        OsStr::new("-q"),
        OsStr::new("--batch-docs"),
        OsStr::new("10"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "metadata rows of absent files are skips"
    );
    let old = outputs(&base);
    let base_state = ledger_value(
        &base,
        "SELECT CAST(value AS INTEGER) FROM header WHERE key = 'state'",
    );
    assert_eq!(published_state(&base), base_state);

    // The same folder, grown: 60 more, 5 changed, 3 removed (pruned).
    copy_files(&gen_dir, &corpus, &names[100..], true);
    for n in &names[10..15] {
        let mut t = fs::read(corpus.join(n)).unwrap();
        t.extend_from_slice("\n続報：被害額は約5500万円に上った。\n".as_bytes());
        fs::write(corpus.join(n), t).unwrap();
    }
    for n in &names[20..23] {
        fs::remove_file(corpus.join(n)).unwrap();
    }
    let md = fs::read_to_string(corpus.join("metadata.csv")).unwrap();
    let kept: Vec<&str> = md
        .lines()
        .filter(|l| !names[20..23].iter().any(|n| l.starts_with(n.as_str())))
        .collect();
    fs::write(corpus.join("metadata.csv"), kept.join("\n") + "\n").unwrap();

    // The new state, uninterrupted (and paused, to time the run and list its steps).
    let reference = dir.path().join("reference");
    copy_dir(&base, &reference);
    let (points, _, duration) = paused_run(&corpus, &reference, None);
    let new = outputs(&reference);
    assert_ne!(new, old);
    assert_eq!(new.names, old.names);
    for t in [
        "documents",
        "mentions",
        "facts",
        "frame_hits",
        "source_frames",
        "figures",
    ] {
        assert_ne!(
            new.tables[t], old.tables[t],
            "{t} changes in the run under test"
        );
    }
    store_is_clean(&reference, "reference");
    // The incremental result is the clean result.
    let scratch = dir.path().join("scratch");
    let o = shiten(&args(&corpus, &scratch));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        common::snapshot(&scratch),
        common::snapshot(&reference),
        "incremental = from scratch"
    );
    let all_phases: BTreeSet<&str> = points.iter().map(|(p, _)| phase(p)).collect();
    assert!(all_phases.len() >= 4, "{points:?}");

    let mut hit: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, at) in (1..).zip(kills(&points, duration)) {
        let out = dir.path().join(format!("kill{k}"));
        copy_dir(&base, &out);
        let (reached, killed, _) = paused_run(&corpus, &out, Some(at));
        let reached = reached.last().map(|(p, _)| p.as_str());
        let what = format!("kill {k} at {at:?} after {reached:?}");
        if killed {
            *hit.entry(reached.map_or("starting", phase)).or_default() += 1;
        }

        // 1. The same outputs are visible, all of the old state or all of the new one.
        let now = outputs(&out);
        assert_eq!(now.names, old.names, "{what}: no other (temporary) file");
        let pending = ledger_value(&out, "SELECT pending_state FROM outputs WHERE id = 1");
        assert_eq!(
            pending, None,
            "{what}: no journal: publishing switches at one point"
        );
        let state = ledger_value(
            &out,
            "SELECT CAST(value AS INTEGER) FROM header WHERE key = 'state'",
        );
        let outcome = if now == old {
            // 2. Old outputs: their manifest says they reflect the old state (whatever
            // the ledger committed since).
            assert_eq!(
                published_state(&out),
                base_state,
                "{what}: old outputs, old recorded state"
            );
            "old"
        } else if now == new {
            assert_eq!(
                published_state(&out),
                state,
                "{what}: new outputs reflect the final state"
            );
            "new"
        } else {
            let differ: Vec<&String> = now
                .tables
                .keys()
                .filter(|t| now.tables.get(*t) != old.tables.get(*t))
                .collect();
            panic!("{what}: a mix of old and new outputs (changed: {differ:?})");
        };
        *outcomes.entry(outcome).or_default() += 1;
        let o = shiten(&[OsStr::new("status"), OsStr::new("--out"), out.as_os_str()]);
        let st = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{what}: status works: {st}");

        // 4. The next run finishes the work (for every other kill point, after being
        // killed once more halfway).
        if k % 2 == 0 {
            paused_run(&corpus, &out, Some(Kill::At(duration / 2)));
        }
        let o = shiten(&args(&corpus, &out));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            outputs(&out) == new,
            "{what}: the finished run equals the uninterrupted one"
        );
        let o = shiten(&[OsStr::new("status"), OsStr::new("--out"), out.as_os_str()]);
        let st = String::from_utf8_lossy(&o.stdout);
        assert!(st.contains("outputs    up to date"), "{what}: {st}");
        store_is_clean(&out, &what);
    }
    eprintln!("kill points by phase: {hit:?}; outputs found: {outcomes:?}");
    for p in PHASES {
        assert!(
            hit.get(p).copied().unwrap_or(0) > 0,
            "no kill landed while {p}: {hit:?} (steps: {points:?})"
        );
    }
}
