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
//!   articles is analysed, then 1% more is added, both with `shiten add` of a separate
//!   folder and with `shiten run` on the grown folder; prints each time as a fraction of
//!   a full run over the whole corpus, and peak RSS.
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

/// Runs the binary, returning wall time and peak RSS (kB, sampled from /proc).
fn timed(args: &[&OsStr]) -> (Duration, u64, i32) {
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
    (t0.elapsed(), peak, code)
}

fn run_args<'a>(cmd: &'a str, corpus: &'a Path, out: &'a Path) -> Vec<&'a OsStr> {
    vec![
        OsStr::new(cmd),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]
}

#[test]
#[ignore = "a measurement; run in release mode"]
fn incremental_add_cost() {
    common::dict_dir();
    let n = env_usize("SHITEN_BENCH_DOCS", 3000);
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

    // Full run over all n + 1% articles, from scratch.
    let all = dir.path().join("all");
    common::copy_files(&gen_dir, &all, &names, false);
    std::fs::copy(gen_dir.join("metadata.csv"), all.join("metadata.csv")).unwrap();
    let (full, full_rss, code) = timed(&run_args("run", &all, &dir.path().join("out-full")));
    assert_eq!(code, 0);

    // The analysed corpus, then 1% added as a separate folder.
    let out = dir.path().join("out");
    let (_, _, code) = timed(&run_args("run", &base, &out));
    assert!(code == 0 || code == 2);
    let snapshot = dir.path().join("out-snapshot");
    copy_dir(&out, &snapshot);
    let (add, add_rss, code) = timed(&run_args("add", &more, &out));
    assert_eq!(code, 0);

    // The same 1% copied into the analysed folder, then `run` on it (rescans everything).
    common::copy_files(&gen_dir, &base, &names[n..], true);
    let (grown, grown_rss, code) = timed(&run_args("run", &base, &snapshot));
    assert_eq!(code, 0);
    // Nothing new: the cost of looking.
    let (noop, _, code) = timed(&run_args("run", &base, &snapshot));
    assert_eq!(code, 0);
    assert_eq!(
        common::snapshot(&snapshot)["documents"],
        common::snapshot(&dir.path().join("out-full"))["documents"]
    );

    let pct = |d: Duration| 100.0 * d.as_secs_f64() / full.as_secs_f64();
    eprintln!(
        "corpus: {} + {} generated articles, {:.1} MB; {} threads",
        n,
        extra,
        bytes as f64 / 1e6,
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );
    eprintln!(
        "full run over {} articles: {:.2} s, peak RSS {} MB",
        n + extra,
        full.as_secs_f64(),
        full_rss / 1024
    );
    eprintln!(
        "add 1% ({extra}) as a folder:      {:.3} s = {:.1}% of a full run, peak RSS {} MB",
        add.as_secs_f64(),
        pct(add),
        add_rss / 1024
    );
    eprintln!(
        "run on the folder grown by 1%:   {:.3} s = {:.1}% of a full run, peak RSS {} MB",
        grown.as_secs_f64(),
        pct(grown),
        grown_rss / 1024
    );
    eprintln!(
        "run with nothing new:            {:.3} s = {:.1}% of a full run",
        noop.as_secs_f64(),
        pct(noop)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
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
