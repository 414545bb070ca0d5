//! Frame detection against hand-labelled gold: the sample corpus (`tests/gold/
//! corpus_frames.csv`), the five seed articles in `../shared/seeds`
//! (`tests/gold/seeds_frames.csv`) and the 31 real articles of `../shared/realdev` on seven
//! incidents (their own `frames.csv`, where `doc,none,na` marks an article that gives no
//! cause). `../shared` is required in CI and skipped with a notice elsewhere.
//!
//! The scores printed here are the ones `shiten eval-frames` reports. The thresholds are
//! floors we hold, not targets to tune to: the cue sets and stance rules are general, and
//! accuracy is also measured on articles we do not have.

mod common;

use std::path::Path;

use shiten::frame::eval::{self, Evaluation};
use shiten::pipeline::{self, RunOptions};

fn evaluate(texts: &Path, gold: &Path) -> Evaluation {
    let opts = RunOptions {
        corpus: texts.to_path_buf(),
        max_file_bytes: shiten::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let outcome =
        pipeline::analyze_corpus(common::analyzer(), &opts, &indicatif::ProgressBar::hidden())
            .unwrap();
    let docs: Vec<String> = outcome
        .analyses
        .iter()
        .map(|a| a.document.doc.clone())
        .collect();
    let hits: Vec<_> = outcome
        .analyses
        .iter()
        .flat_map(|a| a.frame_hits.iter().cloned())
        .collect();
    let gold = eval::read_gold(gold).unwrap();
    let e = eval::evaluate(&gold, &docs, &hits);
    eprintln!("{}", e.to_text(true));
    assert!(
        e.missing_docs.is_empty(),
        "gold names documents not analysed: {:?}",
        e.missing_docs
    );
    e
}

fn f1(e: &Evaluation) -> f64 {
    e.all.f1().unwrap()
}

#[test]
fn corpus_frames_meet_the_floor() {
    let root = common::root();
    let e = evaluate(
        &root.join("corpus"),
        &root.join("tests/gold/corpus_frames.csv"),
    );
    assert!(f1(&e) >= 0.95, "frame F1 {:.3} below 0.95", f1(&e));
    assert!(e.macro_f1().unwrap() >= 0.85, "macro F1 {:?}", e.macro_f1());
    for f in &e.frames {
        assert!(f.f1().unwrap_or(0.0) >= 0.7, "{}: F1 {:?}", f.frame, f.f1());
    }
    let agree = e.all.stance_agreement().unwrap();
    assert!(agree >= 0.8, "stance agreement {agree:.3}");
}

#[test]
fn seed_frames_meet_the_floor() {
    let Some(shared) = common::shared() else {
        return;
    };
    let e = evaluate(
        &shared.join("seeds"),
        &common::root().join("tests/gold/seeds_frames.csv"),
    );
    assert!(f1(&e) >= 0.95, "frame F1 {:.3} below 0.95", f1(&e));
    let agree = e.all.stance_agreement().unwrap();
    assert!(agree >= 0.8, "stance agreement {agree:.3}");
}

#[test]
fn realdev_frames_meet_the_target() {
    // Real articles the lexicon was not written from, on 7pay and six other incidents
    // (Uniqlo, docomo口座, Nintendo, PayPay, SBI, Kyash): the causes are the same words
    // whatever the company.
    let Some(shared) = common::shared() else {
        return;
    };
    let realdev = shared.join("realdev");
    let e = evaluate(&realdev, &realdev.join("frames.csv"));
    assert!(f1(&e) >= 0.90, "frame F1 {:.3} below 0.90", f1(&e));
    let agree = e.all.stance_agreement().unwrap();
    assert!(agree >= 0.85, "stance agreement {agree:.3} below 0.85");
    // Every frame with gold is found at least once, outside 7pay too.
    for f in e.frames.iter().filter(|f| f.gold > 0) {
        assert!(f.matched > 0, "{}: nothing found", f.frame);
    }
}
