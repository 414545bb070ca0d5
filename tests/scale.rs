//! Measurements, not checks (ignored by default). Measure a release binary:
//!
//! ```text
//! cargo build --release
//! SHITEN_BIN=target/release/shiten cargo test --test scale -- --ignored --nocapture --test-threads 1
//! ```
//!
//! (`cargo test --release` works too, but builds the dependencies again with the
//! dev-dependencies' features.) `publish_streams_parts` runs in the test process, so its
//! numbers are those of the test's own build profile.
//!
//! - `incremental_add_cost`: a generated corpus of `SHITEN_BENCH_DOCS` (default 3000)
//!   articles is analysed once; then, `SHITEN_BENCH_REPEAT` times (default 2), alternating
//!   in this one process: a full run over the corpus plus 1% more, that 1% added to a copy
//!   of the analysed store with `shiten add` of a separate folder, with `shiten run` on the
//!   grown folder, and a run with nothing new. Prints each side's CPU time (user + system,
//!   which other processes on a shared machine do not inflate) and wall time as a share
//!   of the full run, as ranges over the repetitions, and peak RSS. No threshold: the
//!   figures go to the README.
//! - `publish_streams_parts`: a store of synthetic results (`SHITEN_BENCH_ROWS`, default
//!   2,000,000 mention rows, in batches of 1000 documents) is published; prints time and
//!   the growth of peak RSS, against assembling the same table in memory first.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shiten::analyze::DocAnalysis;
use shiten::output::rows::{EntityRow, FrameHitRow, MentionRow, Offsets};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of the reaped children of this process so far (Linux).
fn children_cpu() -> Duration {
    // struct rusage: two timevals, then 14 longs.
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        rest: [i64; 14],
    }
    unsafe extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut r = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        rest: [0; 14],
    };
    // SAFETY: getrusage fills one struct rusage (this layout on 64-bit Linux) through a
    // pointer to a live local.
    if unsafe { getrusage(RUSAGE_CHILDREN, &mut r) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: [i64; 2]| Duration::from_secs(t[0] as u64) + Duration::from_micros(t[1] as u64);
    tv(r.utime) + tv(r.stime)
}

/// One run of the binary: wall time, CPU time (user + system), peak RSS (kB, sampled from
/// /proc), exit code.
struct Timed {
    wall: Duration,
    cpu: Duration,
    rss_kb: u64,
    code: i32,
}

/// Runs the binary (children are reaped one at a time, so the difference of the
/// children's CPU time is this run's).
fn timed(args: &[&OsStr]) -> Timed {
    let cpu0 = children_cpu();
    let t0 = Instant::now();
    let mut child = Command::new(common::bin())
        .args(args)
        .arg("-q")
        .env("SHITEN_DICTIONARIES", common::root().join("dictionaries"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let code = loop {
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb: u64 = l
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kb);
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Timed {
        wall: t0.elapsed(),
        cpu: children_cpu().saturating_sub(cpu0),
        rss_kb: peak,
        code,
    }
}

fn run_args<'a>(cmd: &'a str, corpus: &'a Path, out: &'a Path) -> Vec<&'a OsStr> {
    vec![
        OsStr::new(cmd),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]
}

/// The smallest and largest of some fractions, in percent.
fn range(v: &[f64]) -> String {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(0.0, f64::max);
    format!("{lo:.2}–{hi:.2}%")
}

#[test]
#[ignore = "a measurement; run in release mode"]
fn incremental_add_cost() {
    common::dict_dir();
    let n = env_usize("SHITEN_BENCH_DOCS", 3000);
    let reps = env_usize("SHITEN_BENCH_REPEAT", 2).max(1);
    let extra = (n / 100).max(1);
    let dir = tempfile::tempdir().unwrap();
    let gen_dir = dir.path().join("gen");
    let names = common::generate_corpus(&gen_dir, n + extra, 7);
    let bytes: u64 = names
        .iter()
        .map(|f| std::fs::metadata(gen_dir.join(f)).unwrap().len())
        .sum();
    let base = dir.path().join("base");
    common::copy_files(&gen_dir, &base, &names[..n], true);
    let more = dir.path().join("more");
    common::copy_files(&gen_dir, &more, &names[n..], false);
    // metadata rows of the new articles travel with them
    let (h, rows) = common::read_csv(&gen_dir.join("metadata.csv"));
    let mut w = csv::Writer::from_path(more.join("metadata.csv")).unwrap();
    w.write_record(&h).unwrap();
    for r in rows.iter().filter(|r| names[n..].contains(&r[0])) {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let all = dir.path().join("all");
    common::copy_files(&gen_dir, &all, &names, true);

    // The analysed corpus (n articles), once, as the starting point of every add: as a
    // folder of its own (for `add`), and as the folder that then grows by 1% (for `run`).
    let analysed = dir.path().join("analysed");
    let t = timed(&run_args("run", &base, &analysed));
    assert!(t.code == 0 || t.code == 2);
    let grown = dir.path().join("grown");
    common::copy_files(&gen_dir, &grown, &names[..n], true);
    let analysed_grown = dir.path().join("analysed-grown");
    let t = timed(&run_args("run", &grown, &analysed_grown));
    assert!(t.code == 0 || t.code == 2);
    common::copy_files(&gen_dir, &grown, &names[n..], false);

    // Alternating: a full run over the n + 1% articles from scratch, then the same 1%
    // added to the analysed corpus (as a folder with `add`, and by `run` on the grown
    // folder), then a run with nothing new; each side's CPU and wall time.
    let (mut add_pct, mut grown_pct, mut noop_pct) = (Vec::new(), Vec::new(), Vec::new());
    let (mut add_wall, mut grown_wall, mut noop_wall) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..reps {
        let full_out = dir.path().join(format!("full{rep}"));
        let full = timed(&run_args("run", &all, &full_out));
        assert_eq!(full.code, 0);
        let out = dir.path().join(format!("add{rep}"));
        copy_dir(&analysed, &out);
        let add = timed(&run_args("add", &more, &out));
        assert_eq!(add.code, 0);
        let out = dir.path().join(format!("grown{rep}"));
        copy_dir(&analysed_grown, &out);
        let g = timed(&run_args("run", &grown, &out));
        assert_eq!(g.code, 0);
        let noop = timed(&run_args("run", &grown, &out));
        assert_eq!(noop.code, 0);
        if rep == 0 {
            assert_eq!(
                common::snapshot(&out)["documents"],
                common::snapshot(&full_out)["documents"]
            );
        }
        let pct = |x: Duration, of: Duration| 100.0 * x.as_secs_f64() / of.as_secs_f64();
        eprintln!(
            "rep {rep}: full run {:.2} s CPU ({:.2} s wall, peak RSS {} MB); add 1% {:.3} s \
             CPU ({:.3} s wall, peak {} MB); run on the grown folder {:.3} s CPU ({:.3} s \
             wall); nothing new {:.3} s CPU ({:.3} s wall)",
            full.cpu.as_secs_f64(),
            full.wall.as_secs_f64(),
            full.rss_kb / 1024,
            add.cpu.as_secs_f64(),
            add.wall.as_secs_f64(),
            add.rss_kb / 1024,
            g.cpu.as_secs_f64(),
            g.wall.as_secs_f64(),
            noop.cpu.as_secs_f64(),
            noop.wall.as_secs_f64(),
        );
        add_pct.push(pct(add.cpu, full.cpu));
        grown_pct.push(pct(g.cpu, full.cpu));
        noop_pct.push(pct(noop.cpu, full.cpu));
        add_wall.push(pct(add.wall, full.wall));
        grown_wall.push(pct(g.wall, full.wall));
        noop_wall.push(pct(noop.wall, full.wall));
        let _ = std::fs::remove_dir_all(&full_out);
    }
    eprintln!(
        "corpus: {} + {} generated articles, {:.1} MB; {} threads; {reps} alternating repetitions",
        n,
        extra,
        bytes as f64 / 1e6,
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );
    eprintln!(
        "as a share of a full run, CPU time (wall time): add 1% as a folder {} ({}); run on \
         the folder grown by 1% {} ({}); run with nothing new {} ({})",
        range(&add_pct),
        range(&add_wall),
        range(&grown_pct),
        range(&grown_wall),
        range(&noop_pct),
        range(&noop_wall)
    );
}

/// Copies a folder as `cp -a` does: links stay links.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&p).unwrap(), to.join(e.file_name()))
                .unwrap();
        } else if t.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn synthetic(doc: usize, mentions: usize) -> DocAnalysis {
    let name = format!("doc{doc:07}.txt");
    let mut a = DocAnalysis::default();
    a.document.doc = name.clone();
    a.document.source = format!("source{}", doc % 17);
    a.document.content_hash = format!("{doc:064x}");
    a.document.status = "ok".into();
    a.meta_extra.insert("source_type".into(), "wire".into());
    for i in 0..mentions {
        a.mentions.push(MentionRow {
            doc: name.clone(),
            source: a.document.source.clone(),
            kind: "money".into(),
            text: format!("約{}万円", i * 37 % 9000),
            value: Some(format!("{}", i * 370_000)),
            unit: Some("JPY".into()),
            approx: i % 3 == 0,
            qualifier: "none".into(),
            offsets: Offsets {
                char_start: i as i64 * 10,
                char_end: i as i64 * 10 + 6,
                byte_start: i as i64 * 30,
                byte_end: i as i64 * 30 + 18,
            },
            sentence: i as i64 / 3,
            ..MentionRow::default()
        });
    }
    for i in 0..mentions / 2 {
        a.entities.push(EntityRow {
            doc: name.clone(),
            source: a.document.source.clone(),
            entity_type: "org".into(),
            text: "セブン・ペイ".into(),
            canonical: "セブン・ペイ".into(),
            sentence: i as i64,
            ..EntityRow::default()
        });
    }
    for i in 0..mentions / 8 {
        a.frame_hits.push(FrameHitRow {
            doc: name.clone(),
            source: a.document.source.clone(),
            frame: "two_factor_auth".into(),
            cue: "二段階認証".into(),
            stance: "asserted".into(),
            sentence_text: "二段階認証を導入していなかった。".repeat(3),
            sentence: i as i64,
            ..FrameHitRow::default()
        });
    }
    a
}

#[test]
#[ignore = "a measurement; run in release mode"]
fn publish_streams_parts() {
    use shiten::state::{Store, ledger, parts, publish};
    let rows = env_usize("SHITEN_BENCH_ROWS", 2_000_000);
    let per_doc = 40;
    let docs = rows / per_doc;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut store = Store::open(&out, "scale test", false, None).unwrap();
    let aggregates = shiten::aggregate::registry(&shiten::aggregate::Context::default());
    let t0 = Instant::now();
    for start in (0..docs).step_by(1000) {
        let batch: Vec<DocAnalysis> = (start..(start + 1000).min(docs))
            .map(|d| synthetic(d, per_doc))
            .collect();
        let id = store.ledger.begin_batch("f").unwrap();
        let files = parts::write_batch(
            &store.batch_dir(id),
            parts::part_tables(&batch),
            &aggregates,
        )
        .unwrap();
        let upserts = batch
            .iter()
            .map(|a| ledger::DocRecord {
                doc: a.document.doc.clone(),
                root: "/synthetic".into(),
                content_hash: Some(a.document.content_hash.clone()),
                size: 0,
                meta_hash: String::new(),
                batch: Some(id),
                status: ledger::DocStatus::Analysed,
                reason: None,
                fingerprint: "f".into(),
                meta_keys: vec!["source_type".into()],
                outlet: None,
            })
            .collect();
        store
            .ledger
            .commit(&ledger::Commit {
                batch: Some((id, files)),
                upserts,
                ..ledger::Commit::default()
            })
            .unwrap();
    }
    let write = t0.elapsed();
    let before = peak_rss_kb();
    let t1 = Instant::now();
    publish::publish(&mut store, Default::default(), &aggregates).unwrap();
    let publish_time = t1.elapsed();
    let after_publish = peak_rss_kb();
    let size = |n: &str| {
        let p = out.join(n);
        let files: Vec<std::path::PathBuf> = if p.is_dir() {
            std::fs::read_dir(&p)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![p]
        };
        files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .sum::<u64>() as f64
            / 1e6
    };
    eprintln!(
        "{docs} documents, {} mention rows (+{} entity, {} frame hit rows) in {} batches: \
         parts written and committed in {:.2} s",
        docs * per_doc,
        docs * per_doc / 2,
        docs * per_doc / 8,
        docs.div_ceil(1000),
        write.as_secs_f64()
    );
    eprintln!(
        "publish (streamed): {:.2} s; peak RSS {} MB before, {} MB after (+{} MB); \
         mentions.csv {:.0} MB, mentions.parquet {:.0} MB",
        publish_time.as_secs_f64(),
        before / 1024,
        after_publish / 1024,
        after_publish.saturating_sub(before) / 1024,
        size("mentions.csv"),
        size("mentions.parquet")
    );
    // The alternative: concatenate every part of the table in memory, then write once.
    let t2 = Instant::now();
    let mut all = shiten::output::Table::of::<MentionRow>();
    for b in store.ledger.live_batches().unwrap() {
        for p in b.parts.iter().filter(|p| p.table == "mentions") {
            all.append(parts::read_part(&store.batch_dir(b.id), p).unwrap())
                .unwrap();
        }
    }
    shiten::output::write_table(&dir.path().join("inmem"), &all, Default::default()).unwrap();
    eprintln!(
        "in memory (concatenate, then write): {:.2} s; peak RSS {} MB (+{} MB over the \
         streamed publish)",
        t2.elapsed().as_secs_f64(),
        peak_rss_kb() / 1024,
        peak_rss_kb().saturating_sub(after_publish) / 1024
    );
}
