//! Golden snapshots of the `entities`, `facts` and `figures` tables, one row per line, for
//! the seed texts (`../shared/seeds`, with their metadata) and for our sample `corpus/`.
//!
//! After a deliberate change, regenerate and then read every diff before committing:
//!
//! ```sh
//! INSTA_UPDATE=always cargo test --test golden_tables   # or: cargo insta review
//! git diff tests/snapshots/
//! ```
//!
//! The seed snapshots hold only what we extract (short surfaces and canonical names), never
//! the seed articles. Without `../shared` the seed tests skip with a notice (and fail in CI).

mod common;

use std::path::Path;

use shiten::analyze::DocAnalysis;
use shiten::output::rows::{EntityRow, FactRow, FigureRow};
use shiten::pipeline::{RunOptions, analyze_corpus};

fn run(corpus: &Path) -> Vec<DocAnalysis> {
    let opts = RunOptions {
        corpus: corpus.to_path_buf(),
        max_file_bytes: shiten::corpus::DEFAULT_MAX_FILE_BYTES,
    };
    let out = analyze_corpus(common::analyzer(), &opts, &indicatif::ProgressBar::hidden())
        .expect("corpus is readable");
    // The seeds folder also holds its README and gold files, which are not articles.
    assert!(
        out.skipped
            .iter()
            .all(|s| s.path.ends_with(".md") || s.path.ends_with(".jsonl")),
        "{:?}",
        out.skipped
    );
    assert!(!out.analyses.is_empty());
    out.analyses
}

fn entity_line(e: &EntityRow) -> String {
    format!(
        "{}⇥{}..{}⇥{}⇥{}⇥{}⇥{}{}",
        &e.doc[..3.min(e.doc.len())],
        e.offsets.char_start,
        e.offsets.char_end,
        e.entity_type,
        e.text,
        e.canonical,
        e.role.as_deref().unwrap_or("-"),
        if e.boilerplate { "⇥boilerplate" } else { "" }
    )
}

fn fact_line(f: &FactRow) -> String {
    format!(
        "{}⇥{}..{}⇥{}⇥{}⇥{}{}⇥{}⇥as_of={}({})⇥cue={}⇥subject={}{}",
        &f.doc[..3.min(f.doc.len())],
        f.offsets.char_start,
        f.offsets.char_end,
        f.measure,
        f.text,
        if f.approx { "~" } else { "" },
        f.value.as_deref().unwrap_or("null"),
        f.qualifier,
        f.as_of.as_deref().unwrap_or("null"),
        f.as_of_basis,
        f.cue,
        f.subject.as_deref().unwrap_or("null"),
        if f.comparable { "" } else { "⇥not compared" }
    )
}

fn figure_line(r: &FigureRow) -> String {
    format!(
        "{}⇥{}⇥{}⇥{}⇥{}{}⇥{}⇥vs {}⇥{}",
        r.measure,
        r.subject.as_deref().unwrap_or("null"),
        r.source,
        r.as_of.as_deref().unwrap_or("null"),
        if r.approx { "~" } else { "" },
        r.value.as_deref().unwrap_or("null"),
        r.verdict,
        r.compared_with.as_deref().unwrap_or("-"),
        r.docs.join("; ")
    )
}

fn tables(a: &[DocAnalysis]) -> (String, String, String) {
    let entities: Vec<String> = a
        .iter()
        .flat_map(|x| &x.entities)
        .map(entity_line)
        .collect();
    let facts: Vec<FactRow> = a.iter().flat_map(|x| x.facts.iter().cloned()).collect();
    let figures = shiten::facts::figures(&facts);
    (
        entities.join("\n"),
        facts.iter().map(fact_line).collect::<Vec<_>>().join("\n"),
        figures
            .iter()
            .map(figure_line)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[test]
fn seeds() {
    let Some(shared) = common::shared() else {
        return;
    };
    let a = run(&shared.join("seeds"));
    let (entities, facts, figures) = tables(&a);

    // The acceptance checks, stated outright (the snapshots hold the rest).
    let all: Vec<FactRow> = a.iter().flat_map(|x| x.facts.iter().cloned()).collect();
    let has = |measure: &str, value: &str, approx: bool, as_of: &str| {
        all.iter().any(|f| {
            f.measure == measure
                && f.value.as_deref() == Some(value)
                && f.approx == approx
                && f.as_of.as_deref() == Some(as_of)
        })
    };
    assert!(has("victims", "900", true, "2019-07-04T06:00"), "{facts}");
    assert!(
        has("damage_amount", "55000000", true, "2019-07-04T06:00"),
        "{facts}"
    );
    assert!(has("victims", "808", false, "2019-07-31T17:00"), "{facts}");
    assert!(
        has("damage_amount", "38615473", false, "2019-07-31T17:00"),
        "{facts}"
    );
    let rows = shiten::facts::figures(&all);
    let row = |value: &str, verdict: &str| {
        rows.iter().any(|r| {
            r.measure == "damage_amount"
                && r.value.as_deref() == Some(value)
                && r.verdict == verdict
        })
    };
    assert!(row("38615473", "updated"), "{figures}");
    assert!(row("38600000", "rounded"), "{figures}");
    // Registered users (7iD's 1280万, 7pay's 150万 registrations) are never victims.
    for f in &all {
        if f.measure == "victims" || f.measure == "damage_amount" {
            assert!(
                !matches!(
                    f.value.as_deref(),
                    Some("12800000" | "1500000" | "16500000")
                ),
                "{f:?}"
            );
        }
    }
    assert!(
        has("registered_users", "12800000", false, "2019-02-28"),
        "{facts}"
    );

    insta::assert_snapshot!("seeds_entities", entities);
    insta::assert_snapshot!("seeds_facts", facts);
    insta::assert_snapshot!("seeds_figures", figures);
}

#[test]
fn corpus() {
    let a = run(&common::root().join("corpus"));
    let (entities, facts, figures) = tables(&a);
    insta::assert_snapshot!("corpus_entities", entities);
    insta::assert_snapshot!("corpus_facts", facts);
    insta::assert_snapshot!("corpus_figures", figures);
}
