//! Binds hand-checked gold mentions (instead of extracted ones) to measures and prints the
//! facts, the figures table, and the money/count mentions left unbound, each with its
//! sentence: a development aid for the binding rules, independent of the extractor.
//!
//! `cargo run --example facts_on_gold -- ../shared/seeds ../shared/seeds/gold.jsonl`

use std::collections::HashMap;

use shiten::analyze::Spans;
use shiten::corpus::{self, Metadata};
use shiten::output::rows::{MentionRow, Offsets};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() == 3, "usage: facts_on_gold CORPUS GOLD.jsonl");
    let root = std::path::Path::new(&args[1]);
    let mut gold: HashMap<String, Vec<MentionRow>> = HashMap::new();
    for line in std::fs::read_to_string(&args[2])?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let s = |k: &str| v[k].as_str().map(str::to_string);
        let value = match &v["value"] {
            serde_json::Value::Null => None,
            serde_json::Value::String(x) => Some(x.clone()),
            x => Some(x.to_string()),
        };
        gold.entry(s("doc").unwrap_or_default())
            .or_default()
            .push(MentionRow {
                doc: s("doc").unwrap_or_default(),
                kind: s("kind").unwrap_or_default(),
                text: s("text").unwrap_or_default(),
                value,
                unit: s("unit"),
                approx: v["approx"].as_bool().unwrap_or(false),
                qualifier: s("qualifier").unwrap_or_else(|| "none".into()),
                offsets: Offsets {
                    char_start: v["start"].as_i64().unwrap_or(0),
                    char_end: v["end"].as_i64().unwrap_or(0),
                    byte_start: v["byte_start"].as_i64().unwrap_or(0),
                    byte_end: v["byte_end"].as_i64().unwrap_or(0),
                },
                ..MentionRow::default()
            });
    }
    let loc = shiten::tokenize::ipadic::ensure(None, &|m| eprintln!("{m}"))?;
    let dicts = shiten::analyze::find_dictionaries(None)?;
    let a = shiten::analyze::Analyzer::load(&loc.dir, &dicts)?;
    let mut w = a.worker();
    let found = corpus::discover(root)?;
    let meta = Metadata::load(root);
    let mut all = Vec::new();
    let (mut bound, mut figures_total) = (0, 0);
    for f in &found.files {
        let doc = corpus::read_document(f, &meta, corpus::DEFAULT_MAX_FILE_BYTES)
            .map_err(|s| anyhow::anyhow!(s.reason))?;
        let p = w.prepare(&doc)?;
        let spans = Spans::new(&doc.text, &p.norm);
        let ents = shiten::entities::extract(&a.entities, &p.norm.text, &p.sentences, &p.tokens);
        let rows = gold.get(&doc.doc).cloned().unwrap_or_default();
        let incidents = a.incidents.detect(&p.norm.text, &p.sentences);
        let dated =
            shiten::dating::infer(&doc, &p.norm.text, &p.sentences, &a.incidents, &incidents);
        let about = shiten::facts::About {
            published: &dated,
            incidents: &a.incidents,
            found: &incidents,
        };
        let facts = shiten::facts::fact_rows(&doc, &p, &spans, &rows, &ents, &a.measures, &about);
        let located = shiten::facts::locate(&rows, &doc.text, &p.norm, &p.sentences);
        println!(
            "== {} ({}, {:?})",
            doc.doc,
            doc.meta.source,
            doc.meta.published.map(|d| d.to_string())
        );
        for m in &located {
            if !matches!(m.row.kind.as_str(), "money" | "count") {
                continue;
            }
            let bp = p.sentences[m.sentence].boilerplate;
            if !bp {
                figures_total += 1;
            }
            let sent = p.norm.text[p.sentences[m.sentence].range.clone()].replace('\n', "⏎");
            let fact = facts
                .iter()
                .find(|x| x.offsets.byte_start == m.row.offsets.byte_start);
            match fact {
                Some(x) => {
                    bound += 1;
                    println!(
                        "  + {:<28} {:<14} {:<10} as_of={:<18} {:<9} cue={} subj={}\n      {}",
                        x.measure,
                        x.text,
                        x.qualifier,
                        x.as_of.clone().unwrap_or_default(),
                        x.as_of_basis,
                        x.cue,
                        x.subject.clone().unwrap_or_default(),
                        sent
                    );
                }
                None => println!(
                    "  - {:<28} {:<14} {}\n      {}",
                    if bp { "(boilerplate)" } else { "" },
                    m.row.text,
                    m.row.unit.clone().unwrap_or_default(),
                    sent
                ),
            }
        }
        all.extend(facts);
    }
    println!("\nbound {bound} of {figures_total} body money/count mentions\n");
    for r in shiten::facts::figures(&all) {
        println!(
            "{:<28} {:<8} {:<22} {:<18} {}{:<12} {:<9} {:<40} {}",
            r.measure,
            r.subject.unwrap_or_default(),
            r.source,
            r.as_of.unwrap_or_default(),
            if r.approx { "~" } else { " " },
            r.value.unwrap_or_default(),
            r.verdict,
            r.compared_with.unwrap_or_default(),
            r.docs.join("; ")
        );
    }
    Ok(())
}
