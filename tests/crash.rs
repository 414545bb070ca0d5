//! A run killed with SIGKILL at any moment leaves the output folder in the old state or
//! the new one (never a partial file, never a duplicate), and the next run finishes the
//! work: its outputs are byte for byte those of an uninterrupted run.
//!
//! The run under test adds 60 generated articles to a store of 100, changes 5 and prunes 3,
//! committing a batch every 10 documents. `SHITEN_TEST_PAUSE_MS` makes the binary pause
//! at every step of the protocol (part written, before and after each commit, each staged
//! and each renamed output file) and name the step on stderr. The kills are spread evenly
//! over the run's duration, plus one halfway through each phase of an uninterrupted run
//! (a phase can be shorter than the spacing), so they land in every phase; the test
//! checks that they did.

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
    "staging outputs",
    "replacing outputs",
];

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

/// Output files by name (the store excluded).
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
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

/// Spawns the paused run; kills it after `after` (if given). Returns the test points it
/// reached, each with the time it was announced, and whether it was killed before
/// finishing.
fn paused_run(
    corpus: &Path,
    out: &Path,
    after: Option<Duration>,
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
    let reader = std::thread::spawn(move || {
        let mut points = Vec::new();
        let mut other = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line.strip_prefix("shiten-test: ") {
                Some(p) => points.push((p.to_string(), t0.elapsed())),
                None => other.push_str(&line),
            }
        }
        (points, other)
    });
    let mut killed = false;
    if let Some(d) = after {
        while t0.elapsed() < d {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed = true;
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

/// When to kill: evenly over the run, and once inside each phase of the reference run
/// (halfway through its time), so every phase is hit however short it is.
fn kill_times(points: &[(String, Duration)], duration: Duration) -> Vec<Duration> {
    let mut at: Vec<Duration> = (1..=KILLS)
        .map(|k| duration.mul_f64(k as f64 / (KILLS + 1) as f64))
        .collect();
    for p in PHASES {
        let Some(first) = points.iter().position(|(q, _)| phase(q) == p) else {
            continue;
        };
        let end = points[first..]
            .iter()
            .find(|(q, _)| phase(q) != p)
            .map_or(duration, |(_, t)| *t);
        at.push((points[first].1 + end) / 2);
    }
    at
}

fn phase(point: &str) -> &'static str {
    if point.starts_with("batch") || point.starts_with("part-written") {
        "writing parts"
    } else if point.contains("commit") {
        "committing"
    } else if point.starts_with("staged") {
        "staging outputs"
    } else if point.starts_with("publish journaled") || point.starts_with("renamed") {
        "replacing outputs"
    } else {
        "after publish"
    }
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
    assert!(
        !out.join(".shiten/staging").exists(),
        "{what}: no staging left"
    );
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
    assert_eq!(
        new.keys().collect::<Vec<_>>(),
        old.keys().collect::<Vec<_>>()
    );
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
    for (k, at) in (1..).zip(kill_times(&points, duration)) {
        let out = dir.path().join(format!("kill{k}"));
        copy_dir(&base, &out);
        let (reached, killed, _) = paused_run(&corpus, &out, Some(at));
        let reached = reached.last().map(|(p, _)| p.as_str());
        let what = format!("kill {k} at {at:?} after {reached:?}");
        if killed {
            *hit.entry(reached.map_or("starting", phase)).or_default() += 1;
        }

        // 1. Only the expected files are visible, each whole: old or new.
        let now = outputs(&out);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            old.keys().collect::<Vec<_>>(),
            "{what}: no other (temporary) file in the output folder"
        );
        let from_old = now.iter().filter(|(n, b)| old[*n] == **b).count();
        let from_new = now.iter().filter(|(n, b)| new[*n] == **b).count();
        for (n, b) in &now {
            assert!(
                old[n] == *b || new[n] == *b,
                "{what}: {n} is neither the old nor the new file"
            );
        }
        let pending = ledger_value(&out, "SELECT pending_state FROM outputs WHERE id = 1");
        let recorded = ledger_value(&out, "SELECT state FROM outputs WHERE id = 1");
        let state = ledger_value(
            &out,
            "SELECT CAST(value AS INTEGER) FROM header WHERE key = 'state'",
        );
        let outcome = if from_old == now.len() {
            // 2. Old outputs: the ledger says they reflect the old state (whatever it
            // committed since).
            assert_eq!(
                recorded, base_state,
                "{what}: old outputs, old recorded state"
            );
            "old"
        } else if from_new == now.len() {
            // New outputs: recorded, or journaled with their last rename done.
            assert!(
                recorded == state || pending == state,
                "{what}: new outputs reflect the final state"
            );
            "new"
        } else {
            // 3. A publish killed among its renames: the ledger's journal names it.
            assert_eq!(pending, state, "{what}: mixed files without a journal");
            "mixed (journaled, rolled forward next run)"
        };
        *outcomes.entry(outcome).or_default() += 1;
        let o = shiten(&[OsStr::new("status"), OsStr::new("--out"), out.as_os_str()]);
        let st = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{what}: status works: {st}");
        if outcome.starts_with("mixed") {
            assert!(st.contains("interrupted"), "{what}: {st}");
        }

        // 4. The next run finishes the work (for every other kill point, after being
        // killed once more halfway).
        if k % 2 == 0 {
            paused_run(&corpus, &out, Some(duration / 2));
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
