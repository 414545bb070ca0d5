//! Per-stage benchmarks on the checked-in sample corpus (`corpus/`, about 70 kB):
//! `cargo bench --bench stages`. The whole-pipeline comparison with raw lindera on large
//! generated corpora is `shiten bench` (see the README's Performance section).

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shiten::analyze::Analyzer;
use shiten::corpus::{self, Document, Metadata};

fn sample() -> Vec<Document> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let md = Metadata::load(&root);
    corpus::discover(&root)
        .expect("corpus/ exists")
        .files
        .iter()
        .map(|f| corpus::read_document(f, &md, corpus::DEFAULT_MAX_FILE_BYTES).expect("readable"))
        .collect()
}

fn analyzer() -> Analyzer {
    let dict = shiten::tokenize::ipadic::ensure(None, &|m| eprintln!("{m}")).expect("dictionary");
    Analyzer::load(
        &dict.dir,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries"),
    )
    .expect("analyzer")
}

fn stages(c: &mut Criterion) {
    let docs = sample();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let normalized: Vec<String> = docs
        .iter()
        .map(|d| shiten::normalize::normalize(&d.text).text)
        .collect();
    let a = analyzer();
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("normalize", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| shiten::normalize::normalize(&d.text).text.len())
                .sum::<usize>()
        })
    });
    g.bench_function("boilerplate+sentences", |b| {
        b.iter(|| {
            normalized
                .iter()
                .map(|t| shiten::segment::split(t, &shiten::boilerplate::mark(t)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("tokenize (lindera + POS)", |b| {
        let mut w = a.tokenizer().worker();
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            for t in &normalized {
                w.tokenize_into(t, 0, true, &mut out).expect("tokenizes");
            }
            out.len()
        })
    });
    g.bench_function("analyze (all stages, one thread)", |b| {
        let mut w = a.worker();
        b.iter(|| {
            docs.iter()
                .map(|d| w.analyze(d).expect("analyzes").document.tokens)
                .sum::<i64>()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
