//! Accuracy against gold, and the scorer's agreement with `../shared/tools/score_mentions.py`.
//!
//! - Seeds (`../shared/seeds`): lenient F1 >= 0.95 for money, count, date and datetime,
//!   >= 0.85 for the other kinds, and no prediction on a trap.
//! - Our corpus gold (`tests/gold`): lenient F1 >= 0.97 and strict F1 >= 0.95 for every
//!   kind, no trap hits (the extractor reaches 1.0 lenient on all kinds at the time of
//!   writing; the margin is for harmless span or anchor changes, not for regressions).
//! - `shiten eval --json` gives the same numbers as the script on the same predictions:
//!   ours, and a perturbed copy (misses, shifted spans, wrong values, trap hits).
//!
//! The script and `make_gold.py` need `python3`; without it the comparisons are skipped
//! with a notice (in CI, `CI` set, they fail instead).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn python() -> Option<&'static str> {
    common::python3("the scorer comparison")
}

/// Runs `shiten eval` and returns its JSON summary.
fn shiten_eval(gold: &Path, texts: &Path, traps: &Path, extra: &[&str]) -> Value {
    common::dict_dir();
    let o = Command::new(common::bin())
        .args(["eval", "--quiet", "--json", "--gold"])
        .arg(gold)
        .arg("--texts")
        .arg(texts)
        .arg("--traps")
        .arg(traps)
        .arg("--dictionaries")
        .arg(common::root().join("dictionaries"))
        .args(extra)
        .output()
        .expect("shiten eval runs");
    assert!(
        o.status.success(),
        "shiten eval failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("shiten eval --json prints JSON")
}

fn script_eval(
    py: &str,
    shared: &Path,
    gold: &Path,
    pred: &Path,
    traps: &Path,
    texts: &Path,
    errors: bool,
) -> Value {
    let mut cmd = Command::new(py);
    cmd.arg(shared.join("tools/score_mentions.py"))
        .arg("--gold")
        .arg(gold)
        .arg("--pred")
        .arg(pred)
        .arg("--traps")
        .arg(traps)
        .arg("--texts")
        .arg(texts)
        .arg("--json");
    if errors {
        cmd.arg("--errors");
    }
    let o = cmd.output().expect("score_mentions.py runs");
    assert!(
        o.status.success(),
        "score_mentions.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("score_mentions.py --json prints JSON")
}

/// The numbers that must agree.
fn assert_same_numbers(ours: &Value, script: &Value) {
    for key in [
        "per_kind",
        "overall",
        "trap_hits",
        "trap_spans",
        "trap_spans_hit",
        "docs",
        "gold_mentions",
        "pred_mentions",
        "kind_confusions",
        "ignored",
        "text_mismatches",
    ] {
        assert_eq!(
            ours[key], script[key],
            "{key} differs from score_mentions.py"
        );
    }
}

fn f1(summary: &Value, kind: &str, mode: &str) -> f64 {
    summary["per_kind"][kind][mode]["f1"]
        .as_f64()
        .unwrap_or_else(|| panic!("no {mode} F1 for {kind}"))
}

fn report(summary: &Value) -> String {
    let mut s = String::new();
    if let Some(o) = summary["per_kind"].as_object() {
        for (k, b) in o {
            s += &format!(
                "{k:<14} gold {:>3} pred {:>3} lenient F1 {:.3} strict F1 {:.3}\n",
                b["gold"], b["pred"], b["lenient"]["f1"], b["strict"]["f1"]
            );
        }
    }
    s
}

#[test]
fn seeds_meet_the_thresholds_and_agree_with_the_script() {
    let Some(shared) = common::shared() else {
        return;
    };
    let seeds = shared.join("seeds");
    let (gold, traps) = (seeds.join("gold.jsonl"), seeds.join("traps.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    let ours = shiten_eval(
        &gold,
        &seeds,
        &traps,
        &["--pred-out", pred.to_str().unwrap()],
    );
    eprintln!("seeds:\n{}", report(&ours));
    for kind in ["money", "count", "date", "datetime"] {
        assert!(
            f1(&ours, kind, "lenient") >= 0.95,
            "{kind}\n{}",
            report(&ours)
        );
    }
    for kind in ["time", "duration", "relative_date", "ratio"] {
        if ours["per_kind"].get(kind).is_some() {
            assert!(
                f1(&ours, kind, "lenient") >= 0.85,
                "{kind}\n{}",
                report(&ours)
            );
        }
    }
    assert_eq!(ours["trap_hits"], 0, "predictions on traps");
    if let Some(py) = python() {
        let script = script_eval(py, &shared, &gold, &pred, &traps, &seeds, false);
        assert_same_numbers(&ours, &script);
    }
}

/// Decoded UTF-8 copies of the corpus for the script (CR as a space, see tests/gold).
fn corpus_texts(py: &str, dir: &Path) -> PathBuf {
    let out = dir.join("texts");
    let o = Command::new(py)
        .arg(common::root().join("tests/gold/make_gold.py"))
        .arg("--check")
        .arg("--texts-out")
        .arg(&out)
        .output()
        .expect("make_gold.py runs");
    assert!(
        o.status.success(),
        "make_gold.py --check failed (gold stale?): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn corpus_gold_meets_the_thresholds_and_agrees_with_the_script() {
    let root = common::root();
    let gold = root.join("tests/gold/corpus_gold.jsonl");
    let traps = root.join("tests/gold/corpus_traps.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    let ours = shiten_eval(
        &gold,
        &root.join("corpus"),
        &traps,
        &["--pred-out", pred.to_str().unwrap()],
    );
    eprintln!("corpus gold:\n{}", report(&ours));
    let kinds: Vec<String> = ours["per_kind"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(kinds.len(), 8, "every kind is in the corpus gold");
    for kind in &kinds {
        assert!(
            f1(&ours, kind, "lenient") >= 0.97,
            "{kind}\n{}",
            report(&ours)
        );
        assert!(
            f1(&ours, kind, "strict") >= 0.95,
            "{kind}\n{}",
            report(&ours)
        );
    }
    assert_eq!(ours["trap_hits"], 0, "predictions on traps");
    // The corpus gold follows ../shared/seeds/README.md to the letter (から/まで after a date
    // are lower/upper, 件 is `case`, つ is `item`): hold the hedge, bound and unit too.
    for key in ["approx_agreement", "qualifier_agreement", "unit_agreement"] {
        let rate = ours["overall"][key]["rate"].as_f64().unwrap_or(0.0);
        assert!(rate >= 0.97, "{key} {rate}\n{}", report(&ours));
    }
    let Some(shared) = common::shared() else {
        return;
    };
    let Some(py) = python() else { return };
    let texts = corpus_texts(py, dir.path());
    let script = script_eval(py, &shared, &gold, &pred, &traps, &texts, false);
    assert_same_numbers(&ours, &script);
}

#[test]
fn scorer_agrees_with_the_script_on_imperfect_predictions() {
    let Some(shared) = common::shared() else {
        return;
    };
    let Some(py) = python() else { return };
    let root = common::root();
    let gold = root.join("tests/gold/corpus_gold.jsonl");
    let traps = root.join("tests/gold/corpus_traps.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    shiten_eval(
        &gold,
        &root.join("corpus"),
        &traps,
        &["--pred-out", pred.to_str().unwrap()],
    );
    // Perturb: drop, shift, change values and kinds, flip approx, add trap hits and
    // duplicates of gold rows with char offsets only.
    let rows: Vec<Value> = std::fs::read_to_string(&pred)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut out: Vec<Value> = Vec::new();
    for (i, mut r) in rows.into_iter().enumerate() {
        if i % 7 == 3 {
            continue;
        }
        if i % 5 == 1
            && let Some(v) = r["value"].as_i64()
        {
            r["value"] = (v + 1).into();
        }
        if i % 3 == 0 {
            let e = r["char_end"].as_i64().unwrap();
            r["char_end"] = (e + 1).into();
            let o = r.as_object_mut().unwrap();
            o.remove("byte_start");
            o.remove("byte_end");
        }
        if i % 11 == 0 {
            r["approx"] = (!r["approx"].as_bool().unwrap()).into();
        }
        if i % 13 == 0 {
            r["qualifier"] = "lower".into();
        }
        if i % 17 == 0 {
            r["kind"] = if r["kind"] == "date" { "count" } else { "date" }.into();
        }
        out.push(r);
    }
    let trap_rows: Vec<Value> = std::fs::read_to_string(&traps)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for t in trap_rows.iter().step_by(9) {
        out.push(
            serde_json::json!({"doc": t["doc"], "kind": "count", "value": 1,
            "char_start": t["start"], "char_end": t["end"], "unit": "item"}),
        );
    }
    let gold_rows: Vec<Value> = std::fs::read_to_string(&gold)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for g in gold_rows.iter().step_by(6) {
        out.push(
            serde_json::json!({"doc": g["doc"], "kind": g["kind"], "value": g["value"],
            "value_upper": g.get("value_upper"), "qualifier": g["qualifier"],
            "char_start": g["start"], "char_end": g["end"]}),
        );
    }
    let perturbed = dir.path().join("perturbed.jsonl");
    std::fs::write(
        &perturbed,
        out.iter().map(|r| r.to_string() + "\n").collect::<String>(),
    )
    .unwrap();
    let ours = shiten_eval(
        &gold,
        &root.join("corpus"),
        &traps,
        &["--pred", perturbed.to_str().unwrap(), "--errors"],
    );
    let texts = corpus_texts(py, dir.path());
    let script = script_eval(py, &shared, &gold, &perturbed, &traps, &texts, true);
    assert_same_numbers(&ours, &script);
    // The perturbation must have exercised the interesting paths.
    let o = &script["overall"];
    assert!(o["lenient"]["f1"].as_f64().unwrap() < 0.95);
    assert!(script["trap_hits"].as_u64().unwrap() > 0);
    assert!(
        !script["errors"]["value_errors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The text report is the script's too (but for the name of the predictions).
    let text = |mut cmd: Command| -> Vec<String> {
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("pred: "))
            .map(str::to_string)
            .collect()
    };
    let mut ours_cmd = Command::new(common::bin());
    ours_cmd
        .args(["eval", "--quiet", "--gold"])
        .arg(&gold)
        .arg("--texts")
        .arg(root.join("corpus"))
        .arg("--traps")
        .arg(&traps)
        .arg("--pred")
        .arg(&perturbed);
    let mut script_cmd = Command::new(py);
    script_cmd
        .arg(shared.join("tools/score_mentions.py"))
        .arg("--gold")
        .arg(&gold)
        .arg("--pred")
        .arg(&perturbed)
        .arg("--traps")
        .arg(&traps)
        .arg("--texts")
        .arg(&texts);
    assert_eq!(text(ours_cmd), text(script_cmd), "text report");
    for k in [
        "false_negatives",
        "false_positives",
        "value_errors",
        "trap_hits",
    ] {
        let spans = |v: &Value| -> Vec<(Value, Value, Value)> {
            v["errors"][k]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let m = if e.get("pred").is_some() {
                        &e["pred"]
                    } else {
                        e
                    };
                    (m["doc"].clone(), m["start"].clone(), m["kind"].clone())
                })
                .collect()
        };
        assert_eq!(spans(&ours), spans(&script), "errors.{k}");
    }
}
