//! Concordance (KWIC) lines of a word or a regular expression, from the analysed articles
//! of an output folder (`shiten kwic`).
//!
//! The store does not keep the texts: the ledger knows where each document was read and
//! the BLAKE3 of its bytes, the published `documents` table its source, date and
//! metadata variables. Each article is read again, checked against its hash (a file
//! changed since it was analysed is reported and left out: its lines would not match the
//! tables), normalized, split and tokenized exactly as the analysis did, and matched:
//!
//! - a word matches a token whose dictionary form or surface is the word (NFKC-folded as
//!   the text is), or a run of tokens whose surfaces spell it; only body sentences are
//!   searched, as for the `terms` table;
//! - a regular expression matches the normalized text of body sentences.
//!
//! Offsets (`char_*`, `byte_*`) point into the original decoded text, like every table's.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::analyze::{Analyzer, Worker};
use crate::corpus::{self, Document, Metadata};
use crate::error::{Error, Result};
use crate::output::{ColType, Table, Values};
use crate::state::ledger::{DocStatus, Ledger};

/// What to look for.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A word: dictionary form or surface.
    Word(String),
    /// A regular expression over the normalized text.
    Regex(regex::Regex),
}

impl Pattern {
    /// `text` as a word, or as a regular expression when `regex` is set or it holds a
    /// regex operator (`.*+?()[]{}|^$\`).
    pub fn parse(text: &str, regex: bool) -> Result<Pattern> {
        let operators = text.chars().any(|c| ".*+?()[]{}|^$\\".contains(c));
        if regex || operators {
            let folded: String = text.nfkc().collect();
            regex::Regex::new(&folded)
                .map(Pattern::Regex)
                .map_err(|e| Error::Config(format!("pattern {text:?} is not a valid regex: {e}")))
        } else {
            let w: String = text.trim().nfkc().collect();
            if w.is_empty() {
                return Err(Error::Config("the pattern is empty".into()));
            }
            Ok(Pattern::Word(w))
        }
    }
}

/// One concordance line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Document key.
    pub doc: String,
    /// Sentence index.
    pub sentence: i64,
    /// Context before the keyword (as the reader sees it).
    pub left: String,
    /// The keyword as written in the article.
    pub keyword: String,
    /// Context after.
    pub right: String,
    /// Offsets of the keyword in the original text.
    pub offsets: crate::output::rows::Offsets,
}

/// Normalized byte ranges where `pat` matches in `p`'s body sentences.
pub fn find(
    worker: &Worker<'_>,
    p: &crate::analyze::Prepared<'_>,
    pat: &Pattern,
) -> Vec<(usize, Range<usize>)> {
    let text = p.norm.text.as_str();
    let mut out = Vec::new();
    for (si, s) in p.sentences.iter().enumerate() {
        if s.boilerplate {
            continue;
        }
        match pat {
            Pattern::Regex(re) => {
                for m in re.find_iter(&text[s.range.clone()]) {
                    if !m.as_str().is_empty() {
                        out.push((si, s.range.start + m.start()..s.range.start + m.end()));
                    }
                }
            }
            Pattern::Word(w) => {
                let toks = p.tokens_in(&s.range);
                let mut i = 0;
                while i < toks.len() {
                    let t = &toks[i];
                    if worker.base_form(t) == Some(w.as_str()) || t.surface(text) == w {
                        out.push((si, t.range()));
                        i += 1;
                        continue;
                    }
                    // A run of tokens spelling the word.
                    let mut end = i;
                    let mut spelled = String::new();
                    while end < toks.len() && spelled.len() < w.len() && w.starts_with(&spelled) {
                        spelled.push_str(toks[end].surface(text));
                        end += 1;
                    }
                    if end > i + 1 && spelled == *w {
                        out.push((si, t.start as usize..toks[end - 1].end as usize));
                        i = end;
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }
    out
}

/// Text as one line: control characters and line breaks become spaces.
pub(crate) fn one_line(s: String) -> String {
    let breaks = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !s.chars().any(breaks) {
        return s;
    }
    s.chars().map(|c| if breaks(c) { ' ' } else { c }).collect()
}

/// The concordance lines of `doc` for `pat`, with `window` characters of context.
pub fn lines(
    worker: &mut Worker<'_>,
    doc: &Document,
    pat: &Pattern,
    window: usize,
) -> Result<Vec<Line>> {
    let p = worker.prepare(doc)?;
    let spans = p.spans();
    let text = p.norm.text.as_str();
    let back = |at: usize| {
        let mut b = at;
        for (k, (i, _)) in text[..at].char_indices().rev().enumerate() {
            if k >= window {
                break;
            }
            b = i;
        }
        b
    };
    let fwd = |at: usize| {
        text[at..]
            .char_indices()
            .nth(window)
            .map_or(text.len(), |(i, _)| at + i)
    };
    let found = find(worker, &p, pat);
    Ok(found
        .into_iter()
        .map(|(si, r)| Line {
            doc: doc.doc.clone(),
            sentence: si as i64,
            left: one_line(spans.visible(back(r.start)..r.start)),
            keyword: one_line(spans.original(r.clone()).to_string()),
            right: one_line(spans.visible(r.end..fwd(r.end))),
            offsets: spans.offsets(r),
        })
        .collect())
}

/// What `shiten kwic` asks.
#[derive(Debug, Clone)]
pub struct Query {
    /// The output folder (holds `.shiten/` and `documents.parquet`).
    pub out: PathBuf,
    /// The pattern.
    pub pattern: Pattern,
    /// Characters of context on each side.
    pub window: usize,
    /// Only this source.
    pub source: Option<String>,
    /// Files larger than this are not read.
    pub max_file_bytes: u64,
    /// Export columns.
    pub columns: corpus::export::Columns,
}

/// The result: a table of lines and the documents that could not be searched.
#[derive(Debug)]
pub struct Concordance {
    /// One row per line: doc, source, published, the metadata columns, sentence, left,
    /// keyword, right, offsets.
    pub table: Table,
    /// Documents left out and why (changed since analysed, missing, unreadable).
    pub problems: Vec<String>,
    /// Documents searched.
    pub searched: usize,
}

/// Columns of `documents` that are not metadata (shiten's own, besides the ones shown).
const NOT_METADATA: [&str; 16] = [
    "doc",
    "source",
    "published",
    "published_at",
    "published_precision",
    "encoding",
    "chars",
    "sentences",
    "tokens",
    "boilerplate_chars",
    "status",
    "warnings",
    "bytes",
    "content_hash",
    "published_basis",
    "incidents",
];

/// Finds the lines of `q` in every analysed document of `q.out` (in document order).
pub fn search(analyzer: &Analyzer, q: &Query) -> Result<Concordance> {
    let store = q.out.join(crate::state::STORE_DIR);
    let ledger_path = store.join(crate::state::LEDGER_FILE);
    if !ledger_path.is_file() {
        return Err(Error::Config(format!(
            "{} holds no analysed corpus (no {}); run `shiten run CORPUS --out {}` first",
            q.out.display(),
            ledger_path.display(),
            q.out.display()
        )));
    }
    let ledger = Ledger::open(&ledger_path, true)?;
    let docs_path = q.out.join("documents.parquet");
    let documents = crate::output::parquet::read_parquet(&docs_path, "documents")?;
    let records: HashMap<String, _> = ledger
        .documents()?
        .into_iter()
        .filter(|d| d.status == DocStatus::Analysed)
        .map(|d| (d.doc.clone(), d))
        .collect();
    let meta_cols: Vec<String> = documents
        .column_names()
        .into_iter()
        .filter(|c| !NOT_METADATA.contains(c))
        .map(String::from)
        .collect();
    let col = |name: &str| -> Vec<Option<String>> {
        match documents.column(name) {
            Some(Values::Str(v)) => v.clone(),
            Some(v) => (0..v.len())
                .map(|i| Some(v.cell(i)).filter(|s| !s.is_empty()))
                .collect(),
            None => vec![None; documents.height()],
        }
    };
    let (doc_col, source_col, published_col) = (col("doc"), col("source"), col("published"));
    let meta: Vec<Vec<Option<String>>> = meta_cols.iter().map(|c| col(c)).collect();
    let mut out_cols: Vec<(String, ColType)> = vec![
        ("doc".into(), ColType::Str),
        ("source".into(), ColType::Str),
        ("published".into(), ColType::Str),
    ];
    out_cols.extend(meta_cols.iter().map(|c| (c.clone(), ColType::Str)));
    for (c, t) in [
        ("sentence", ColType::Int),
        ("left", ColType::Str),
        ("keyword", ColType::Str),
        ("right", ColType::Str),
        ("char_start", ColType::Int),
        ("char_end", ColType::Int),
        ("byte_start", ColType::Int),
        ("byte_end", ColType::Int),
    ] {
        out_cols.push((c.into(), t));
    }
    let mut result = Concordance {
        table: Table::empty("kwic", &out_cols),
        problems: Vec::new(),
        searched: 0,
    };
    let mut worker = analyzer.worker();
    let mut metadata: HashMap<String, Metadata> = HashMap::new();
    // Export files read once for all their rows: file path -> documents by key.
    let mut exports: HashMap<PathBuf, BTreeMap<String, Document>> = HashMap::new();
    for i in 0..documents.height() {
        let Some(doc) = doc_col[i].clone() else {
            continue;
        };
        if q.source
            .as_ref()
            .is_some_and(|s| source_col[i].as_ref() != Some(s))
        {
            continue;
        }
        let Some(rec) = records.get(&doc) else {
            result.problems.push(format!(
                "{doc}: not in the store's ledger (outputs older than the store?)"
            ));
            continue;
        };
        let path = crate::state::plan::usual_path(&rec.root, &doc);
        let md = metadata.entry(rec.root.clone()).or_insert_with(|| {
            Metadata::load(crate::state::plan::metadata_root(Path::new(&rec.root)))
        });
        let (label, rel, row) = corpus::key::split(&doc);
        let read = if row.is_some() {
            let docs = exports.entry(path.clone()).or_insert_with(|| {
                let file = corpus::SourceFile {
                    doc: if label.is_empty() {
                        rel.to_string()
                    } else {
                        corpus::key::with_label(label, rel)
                    },
                    name: corpus::key::display_name(rel),
                    path: path.clone(),
                };
                match file.kind() {
                    corpus::FileKind::Export(format) => {
                        corpus::export::read_all(&file, format, &q.columns, md, q.max_file_bytes)
                            .into_iter()
                            .flatten()
                            .map(|d| (d.doc.clone(), d))
                            .collect()
                    }
                    _ => BTreeMap::new(),
                }
            });
            docs.remove(&doc)
                .ok_or_else(|| format!("{}: the row is no longer in the file", path.display()))
        } else {
            corpus::read_limited(&path, q.max_file_bytes)
                .map_err(|e| format!("{}: {e}", path.display()))
                .and_then(|bytes| {
                    corpus::document_from_bytes(&doc, &bytes, md)
                        .map_err(|e| format!("{}: {e}", path.display()))
                })
        };
        let d = match read {
            Ok(d) => d,
            Err(e) => {
                result
                    .problems
                    .push(format!("{doc}: cannot be read again: {e}"));
                continue;
            }
        };
        if rec.content_hash.as_deref() != Some(d.content_hash.as_str()) {
            result.problems.push(format!(
                "{doc}: {} has changed since it was analysed (run `shiten run` or `shiten add` again); its lines are left out",
                path.display()
            ));
            continue;
        }
        result.searched += 1;
        for l in lines(&mut worker, &d, &q.pattern, q.window)? {
            let mut cells: Vec<Option<String>> =
                vec![Some(l.doc), source_col[i].clone(), published_col[i].clone()];
            cells.extend(meta.iter().map(|m| m[i].clone()));
            let t = &mut result.table;
            let n = cells.len();
            for (c, v) in t.columns.iter_mut().take(n).zip(cells) {
                if let Values::Str(col) = &mut c.values {
                    col.push(v);
                }
            }
            let rest: [Values; 8] = [
                Values::Int(vec![Some(l.sentence)]),
                Values::Str(vec![Some(l.left)]),
                Values::Str(vec![Some(l.keyword)]),
                Values::Str(vec![Some(l.right)]),
                Values::Int(vec![Some(l.offsets.char_start)]),
                Values::Int(vec![Some(l.offsets.char_end)]),
                Values::Int(vec![Some(l.offsets.byte_start)]),
                Values::Int(vec![Some(l.offsets.byte_end)]),
            ];
            for (c, v) in t.columns.iter_mut().skip(n).zip(rest) {
                match (&mut c.values, v) {
                    (Values::Str(a), Values::Str(b)) => a.extend(b),
                    (Values::Int(a), Values::Int(b)) => a.extend(b),
                    _ => {}
                }
            }
        }
    }
    Ok(result)
}
