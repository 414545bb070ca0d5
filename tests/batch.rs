//! Stage-by-stage batches give the same analysis as one document at a time, whatever
//! the batch boundaries, and a worker reused across batches carries nothing over.

mod common;

use shiten::corpus::{self, Document, Metadata};

fn corpus_docs() -> Vec<Document> {
    let root = common::root().join("corpus");
    let md = Metadata::load(&root);
    corpus::discover(&root)
        .expect("corpus/ is readable")
        .files
        .iter()
        .filter_map(|f| corpus::read_document(f, &md, corpus::DEFAULT_MAX_FILE_BYTES).ok())
        .collect()
}

#[test]
fn batches_equal_single_documents() {
    let docs = corpus_docs();
    assert!(docs.len() >= 20, "the sample corpus has its articles");
    let a = common::analyzer();
    let single: Vec<String> = docs
        .iter()
        .map(|d| format!("{:?}", a.worker().analyze(d).expect("analysis runs")))
        .collect();
    assert!(single.iter().any(|s| s.contains("FrameHitRow")));
    // One worker for every batch size, so buffers reused across batches are exercised.
    let mut w = a.worker();
    for size in [1, 3, 7, docs.len()] {
        let mut batched = Vec::new();
        for chunk in docs.chunks(size) {
            let refs: Vec<&Document> = chunk.iter().collect();
            let out = w.analyze_batch(&refs);
            assert_eq!(out.len(), chunk.len(), "one result per document");
            batched.extend(out.into_iter().map(|r| format!("{:?}", r.expect("runs"))));
        }
        for (k, (b, s)) in batched.iter().zip(&single).enumerate() {
            assert_eq!(b, s, "batch size {size}: {} differs", docs[k].doc);
        }
    }
    assert!(w.analyze_batch(&[]).is_empty());
}
