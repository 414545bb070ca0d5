//! End to end for frames: `shiten run` writes frame_hits, source_frames and report.html;
//! source_frames can be recomputed from the stored rows alone; `shiten eval-frames` scores;
//! a broken lexicon stops the run with the file and line.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use shiten::output::rows::{DocumentRow, FrameHitRow};

/// A CSV table (a file, or a row table's folder of files) with rows by column name.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let (headers, rows) = common::read_csv(path);
    let rows = rows
        .into_iter()
        .map(|r| headers.iter().cloned().zip(r).collect())
        .collect();
    (headers, rows)
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
        &h[..8],
        [
            "doc",
            "source",
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
        &h[..8],
        [
            "source",
            "frame",
            "docs",
            "docs_total",
            "share",
            "hits",
            "p_value",
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
    // The incremental store's path: source_frames from documents + frame_hits rows only.
    let drows: Vec<DocumentRow> = docs
        .iter()
        .map(|d| DocumentRow {
            doc: d["doc"].clone(),
            source: d["source"].clone(),
            ..DocumentRow::default()
        })
        .collect();
    let hrows: Vec<FrameHitRow> = hits
        .iter()
        .map(|r| FrameHitRow {
            doc: r["doc"].clone(),
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
            (a.source.as_str(), a.frame.as_str()),
            (r["source"].as_str(), r["frame"].as_str())
        );
        assert_eq!(a.docs.to_string(), r["docs"]);
        assert_eq!(a.docs_total.to_string(), r["docs_total"]);
        assert_eq!(a.hits.to_string(), r["hits"]);
        assert_eq!(Some(a.share), opt(&r["share"]));
        assert_eq!(a.p_value, opt(&r["p_value"]));
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

#[test]
fn a_broken_lexicon_names_file_line_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let dicts = dir.path().join("dictionaries");
    fs::create_dir(&dicts).unwrap();
    let root = common::root();
    fs::copy(root.join("dictionaries/user.csv"), dicts.join("user.csv")).unwrap();
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
