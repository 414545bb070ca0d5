//! End to end for frames: `shiten run` writes frame_hits, source_frames and report.html;
//! source_frames can be recomputed from the stored rows alone; `shiten eval-frames` scores;
//! a broken lexicon stops the run with the file and line.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use shiten::output::rows::{DocumentRow, FrameHitRow};

/// An output table as rows by column name.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    common::read_records(path)
}

fn shiten(args: &[&str], dictionaries: &Path) -> std::process::Output {
    common::dict_dir();
    Command::new(common::bin())
        .args(args)
        .arg("--dictionaries")
        .arg(dictionaries)
        .output()
        .expect("shiten runs")
}

#[test]
fn run_writes_frames_and_source_frames_recompute_from_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let root = common::root();
    let o = shiten(
        &[
            "run",
            "--quiet",
            root.join("corpus").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "frame_hits.csv",
        "frame_hits.parquet",
        "source_frames.csv",
        "source_frames.parquet",
        "report.html",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let (h, hits) = read_csv(&out.join("frame_hits.csv"));
    assert_eq!(
        &h[..9],
        [
            "doc",
            "source",
            "incident",
            "frame",
            "cue",
            "stance",
            "sentence_text",
            "char_start",
            "char_end"
        ]
    );
    let (h, sf) = read_csv(&out.join("source_frames.csv"));
    assert_eq!(
        &h[..10],
        [
            "incident",
            "source",
            "frame",
            "docs",
            "docs_total",
            "share",
            "hits",
            "p_value",
            "q_value",
            "std_residual"
        ]
    );
    // Every cue slices back out of the original file at its character offsets.
    let (_, docs) = read_csv(&out.join("documents.csv"));
    for r in &hits {
        let doc = shiten::corpus::document_from_bytes(
            &r["doc"],
            &fs::read(root.join("corpus").join(&r["doc"])).unwrap(),
            &shiten::corpus::Metadata::default(),
        )
        .unwrap();
        let (a, b): (usize, usize) = (
            r["char_start"].parse().unwrap(),
            r["char_end"].parse().unwrap(),
        );
        let cue: String = doc.text.chars().skip(a).take(b - a).collect();
        assert_eq!(cue, r["cue"], "{}", r["doc"]);
        assert!(r["sentence_text"].contains(cue.as_str()));
    }
    // Each hit's incident is one of its document's: the Uniqlo article's hits are about
    // uniqlo, the 7pay press release's about 7pay.
    let doc_incidents: HashMap<&str, &str> = docs
        .iter()
        .map(|d| (d["doc"].as_str(), d["incidents"].as_str()))
        .collect();
    for r in &hits {
        let listed = doc_incidents[r["doc"].as_str()];
        assert!(
            listed.split("; ").any(|i| i == r["incident"])
                || listed.is_empty() && r["incident"].is_empty(),
            "{}: hit incident {:?} not among {listed:?}",
            r["doc"],
            r["incident"]
        );
    }
    let incidents_of = |doc: &str| -> Vec<&str> {
        let mut v: Vec<&str> = hits
            .iter()
            .filter(|r| r["doc"] == doc)
            .map(|r| r["incident"].as_str())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(incidents_of("021_daily-0514-uniqlo.txt"), ["uniqlo"]);
    assert_eq!(incidents_of("002_sevenandi-release-0801.txt"), ["7pay"]);
    // source_frames: one table per incident; 7pay's outlets are not compared with uniqlo's.
    let sf_incidents: std::collections::BTreeSet<&str> =
        sf.iter().map(|r| r["incident"].as_str()).collect();
    assert!(sf_incidents.contains("7pay") && sf_incidents.contains("uniqlo"));
    // The incremental store's path: source_frames from documents + frame_hits rows only.
    let drows: Vec<DocumentRow> = docs
        .iter()
        .map(|d| DocumentRow {
            doc: d["doc"].clone(),
            source: d["source"].clone(),
            incidents: d["incidents"].clone(),
            ..DocumentRow::default()
        })
        .collect();
    let hrows: Vec<FrameHitRow> = hits
        .iter()
        .map(|r| FrameHitRow {
            doc: r["doc"].clone(),
            incident: r["incident"].clone(),
            frame: r["frame"].clone(),
            stance: r["stance"].clone(),
            ..FrameHitRow::default()
        })
        .collect();
    let again = shiten::aggregate::source_frames(&drows, &hrows);
    assert_eq!(again.len(), sf.len());
    let opt = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    for (a, r) in again.iter().zip(&sf) {
        assert_eq!(
            (a.incident.as_str(), a.source.as_str(), a.frame.as_str()),
            (
                r["incident"].as_str(),
                r["source"].as_str(),
                r["frame"].as_str()
            )
        );
        assert_eq!(a.docs.to_string(), r["docs"]);
        assert_eq!(a.docs_total.to_string(), r["docs_total"]);
        assert_eq!(a.hits.to_string(), r["hits"]);
        assert_eq!(Some(a.share), opt(&r["share"]));
        assert_eq!(a.p_value, opt(&r["p_value"]));
        assert_eq!(a.q_value, opt(&r["q_value"]));
        assert_eq!(a.std_residual, opt(&r["std_residual"]));
        assert_eq!(
            [
                a.hits_asserted,
                a.hits_reported,
                a.hits_doubted,
                a.hits_negated
            ]
            .map(|x| x.to_string()),
            [
                "hits_asserted",
                "hits_reported",
                "hits_doubted",
                "hits_negated"
            ]
            .map(|c| r[c].clone())
        );
    }
    // Same input, same bytes.
    let report = fs::read(out.join("report.html")).unwrap();
    let out2 = dir.path().join("out2");
    let o = shiten(
        &[
            "run",
            "--quiet",
            root.join("corpus").to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    assert!(o.status.success());
    assert_eq!(
        fs::read(out2.join("source_frames.csv")).unwrap(),
        fs::read(out.join("source_frames.csv")).unwrap()
    );
    assert_eq!(fs::read(out2.join("report.html")).unwrap(), report);
}

#[test]
fn eval_frames_reports_scores() {
    let root = common::root();
    let o = shiten(
        &[
            "eval-frames",
            "--quiet",
            "--json",
            "--gold",
            root.join("tests/gold/corpus_frames.csv").to_str().unwrap(),
            "--texts",
            root.join("corpus").to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["frames"].as_array().unwrap().len(), 7);
    assert!(v["all"]["f1"].as_f64().unwrap() >= 0.85, "{v}");
    assert!(v["all"]["stance_agreement"].as_f64().is_some());

    let o = shiten(
        &[
            "eval-frames",
            "--quiet",
            "--gold",
            root.join("tests/gold/corpus_frames.csv").to_str().unwrap(),
            "--texts",
            root.join("corpus").to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("frame "), "{text}");
    assert!(text.contains("\nall "), "{text}");
}

/// `frames suggest` rows of the CSV output for `frame` on the store in `out`.
fn suggest(out: &Path, frame: &str) -> Vec<HashMap<String, String>> {
    let o = shiten(
        &[
            "frames",
            "suggest",
            "--quiet",
            "--csv",
            "--out",
            out.to_str().unwrap(),
            "--frame",
            frame,
        ],
        &common::root().join("dictionaries"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    rdr.records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn frames_suggest_lists_candidates_with_scores_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let out = dir.path().join("out");
    let o = shiten(
        &[
            "run",
            "--quiet",
            root.join("corpus").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = suggest(&out, "list_based_attack");
    assert!(!rows.is_empty());
    assert!(rows.len() <= 20);
    let mut last = f64::INFINITY;
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r["frame"], "list_based_attack");
        assert_eq!(r["rank"], (k + 1).to_string());
        let score: f64 = r["score"].parse().unwrap();
        assert!(score >= 3.84 && score <= last, "{r:?}");
        last = score;
        // Two examples from two documents (the default --min-docs), each holding the phrase.
        assert_ne!(r["example_1_doc"], r["example_2_doc"], "{r:?}");
        for e in ["example_1", "example_2"] {
            assert!(r[e].contains(r["phrase"].as_str()), "{r:?}");
        }
        assert!(r["docs"].parse::<u32>().unwrap() >= 2);
        assert!(["hit", "next"].contains(&r["set"].as_str()));
    }
    // The frame's own key terms are among them (known), and words its cues do not hold.
    assert!(rows.iter().any(|r| r["new"] == "false"), "{rows:?}");
    assert!(rows.iter().any(|r| r["new"] == "true"), "{rows:?}");

    // Unknown frame, missing store: clear errors.
    let o = shiten(
        &[
            "frames",
            "suggest",
            "--out",
            out.to_str().unwrap(),
            "--frame",
            "nope",
        ],
        &root.join("dictionaries"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no frame `nope`") && err.contains("list_based_attack"),
        "{err}"
    );
    let o = shiten(
        &[
            "frames",
            "suggest",
            "--out",
            dir.path().join("none").to_str().unwrap(),
        ],
        &root.join("dictionaries"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds no analysed corpus"));
}

#[test]
fn frames_suggest_on_realdev_proposes_new_list_based_phrases() {
    // Real articles on several incidents: among the top 20 for list_based_attack there
    // is a phrase the default lexicon does not hold as a cue.
    let Some(shared) = common::shared() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = shiten(
        &[
            "run",
            "--quiet",
            shared.join("realdev").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &common::root().join("dictionaries"),
    );
    // Exit 2: realdev's README.md and gold files are skipped as not articles.
    assert!(
        matches!(o.status.code(), Some(0 | 2)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = suggest(&out, "list_based_attack");
    let new: Vec<&str> = rows
        .iter()
        .filter(|r| r["new"] == "true")
        .map(|r| r["phrase"].as_str())
        .collect();
    eprintln!("new list_based_attack candidates: {new:?}");
    assert!(new.iter().any(|p| p.contains("パスワード")), "{rows:?}");
}

#[test]
fn a_broken_lexicon_names_file_line_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let dicts = dir.path().join("dictionaries");
    fs::create_dir(&dicts).unwrap();
    let root = common::root();
    for f in ["user.csv", "entities.toml", "measures.toml"] {
        fs::copy(root.join("dictionaries").join(f), dicts.join(f)).unwrap();
    }
    let lexicon = fs::read_to_string(root.join("dictionaries/frames.toml")).unwrap();
    let broken = lexicon.replacen("\"見切り発車\",", "\"(見切り発車\",", 1);
    assert_ne!(broken, lexicon);
    let line = broken
        .lines()
        .position(|l| l.contains("\"(見切り発車\""))
        .unwrap()
        + 1;
    fs::write(dicts.join("frames.toml"), broken).unwrap();
    let corpus = dir.path().join("c");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("a.txt"), "セブンペイで不正アクセス。\n").unwrap();
    let o = shiten(
        &[
            "run",
            "--quiet",
            corpus.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        &dicts,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "frames.toml:{line}: frame rushed_launch, cues[0].match"
        )),
        "{err}"
    );
    assert!(err.contains("unclosed `(`"), "{err}");
}
