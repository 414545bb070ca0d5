//! A batch's per-document results as immutable Parquet parts, one file per row table, and
//! the summary of each aggregate over those rows (see [`crate::aggregate`]).
//!
//! The `documents` part carries the metadata variables of each document as one JSON
//! column, `meta_extra`, so every part of a table has the same columns; publishing
//! expands it into one column per variable. Parts are read back only after their size
//! and BLAKE3 match what the ledger recorded, and their columns match the row types.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::aggregate::{Aggregate, Partial};
use crate::analyze::DocAnalysis;
use crate::error::{Error, Result};
use crate::output::atomic::sync_dir;
use crate::output::copy_rows::SignatureRow;
use crate::output::rows::{
    DocumentRow, EntityRow, FactRow, FrameHitRow, MentionRow, TermDocRow, TermLineRow,
};
use crate::output::{ColType, Record, Table, Values, parquet};

use super::ledger::PartFile;

/// The row tables kept per document, in output order: each is a part of every batch
/// and a published table (`term_docs`: the document-term table behind `terms` and
/// `cooccurrence`).
pub const ROW_TABLES: [&str; 6] = [
    "documents",
    "mentions",
    "entities",
    "facts",
    "frame_hits",
    "term_docs",
];

/// Every part table of a batch, in the order they are written and given to the
/// aggregates: the row tables, then tables kept only for the aggregates (per-document
/// rows with `doc` first that no output shows: `term_lines`, the first concordance line
/// of each document's words, from which the report picks its KWIC lines; `signatures`,
/// the MinHash signatures behind the `copies` table, see [`crate::copies`]).
pub const PART_TABLES: [&str; 8] = [
    "documents",
    "mentions",
    "entities",
    "facts",
    "frame_hits",
    "term_docs",
    "term_lines",
    "signatures",
];

/// The `table` of a batch's summary part for the aggregate `name`.
pub fn summary_table(name: &str) -> String {
    format!("summary:{name}")
}

/// The JSON column of metadata variables in the `documents` part.
pub const META_COLUMN: &str = "meta_extra";

/// Columns of a row table's part.
pub fn part_schema(table: &str) -> Vec<(String, ColType)> {
    let cols: &[(&str, ColType)] = match table {
        "documents" => DocumentRow::columns(),
        "mentions" => MentionRow::columns(),
        "entities" => EntityRow::columns(),
        "facts" => FactRow::columns(),
        "frame_hits" => FrameHitRow::columns(),
        "term_docs" => TermDocRow::columns(),
        "term_lines" => TermLineRow::columns(),
        "signatures" => SignatureRow::columns(),
        _ => &[],
    };
    let mut v: Vec<(String, ColType)> = cols.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    if table == "documents" {
        v.push((META_COLUMN.to_string(), ColType::Str));
    }
    v
}

/// The part tables of a batch of analyses (in the given order).
pub fn part_tables(analyses: &[DocAnalysis]) -> impl Iterator<Item = Table> + '_ {
    // Made one at a time as they are written: only one table's copy of the rows is held.
    PART_TABLES.into_iter().map(move |name| match name {
        "documents" => {
            let mut docs = Table::from_records(analyses.iter().map(|a| &a.document));
            let meta = analyses
                .iter()
                .map(|a| Some(serde_json::to_string(&a.meta_extra).unwrap_or_else(|_| "{}".into())))
                .collect();
            docs.add_str_column(META_COLUMN, meta);
            docs
        }
        "mentions" => Table::from_records(analyses.iter().flat_map(|a| &a.mentions)),
        "entities" => Table::from_records(analyses.iter().flat_map(|a| &a.entities)),
        "facts" => Table::from_records(analyses.iter().flat_map(|a| &a.facts)),
        "term_docs" => term_docs_table(analyses),
        "term_lines" => term_lines_table(analyses),
        "signatures" => Table::from_records(analyses.iter().flat_map(|a| &a.signature)),
        _ => Table::from_records(analyses.iter().flat_map(|a| &a.frame_hits)),
    })
}

/// The `term_docs` table of a batch of analyses.
pub fn term_docs_table(analyses: &[DocAnalysis]) -> Table {
    let mut t = Table::of::<TermDocRow>();
    for a in analyses {
        a.terms
            .push_rows(&a.document.doc, &a.document.source, &mut t);
    }
    t
}

/// The `term_lines` part of a batch of analyses.
pub fn term_lines_table(analyses: &[DocAnalysis]) -> Table {
    let mut t = Table::of::<TermLineRow>();
    for a in analyses {
        a.terms
            .push_line_rows(&a.document.doc, &a.document.source, &mut t);
    }
    t
}

/// Counts bytes and hashes them on the way to the file.
pub struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl<'a, W: Write> Hashing<'a, W> {
    /// Hashes what goes to `inner`.
    pub fn new(inner: &'a mut W) -> Hashing<'a, W> {
        Hashing {
            inner,
            hasher: blake3::Hasher::new(),
            bytes: 0,
        }
    }

    /// Bytes written and their BLAKE3, hex.
    pub fn finish(self) -> (u64, String) {
        (self.bytes, self.hasher.finalize().to_hex().to_string())
    }
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the non-empty `tables` into `dir` (created), syncs them and the folder, and
/// returns what the ledger must record about them. The folder belongs to a batch that
/// is not committed yet, so nothing reads these files before they are complete: no
/// temporary names are needed, only the syncs before the commit.
pub fn write_parts(dir: &Path, tables: impl IntoIterator<Item = Table>) -> Result<Vec<PartFile>> {
    write_batch(dir, tables, &[])
}

/// [`write_parts`], and the summary of each of `aggregates` over the tables (each table
/// is given to the aggregates that read it before it is written), stored beside the
/// parts as `summary.NAME` (table `summary:NAME`).
pub fn write_batch(
    dir: &Path,
    tables: impl IntoIterator<Item = Table>,
    aggregates: &[Box<dyn Aggregate>],
) -> Result<Vec<PartFile>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = Vec::new();
    let mut files = Vec::new();
    let mut partials: Vec<Box<dyn Partial>> = aggregates.iter().map(|a| a.empty()).collect();
    for t in tables {
        for (a, p) in aggregates.iter().zip(&mut partials) {
            if a.inputs().contains(&t.name.as_str()) {
                p.add(&t.name, &t)?;
            }
        }
        if t.height() == 0 {
            continue;
        }
        let file = format!("{}.parquet", t.name);
        let (f, part) = write_hashed(dir, &file, &t.name, t.height() as u64, |w| {
            parquet::write_parquet(&t, w)
        })?;
        out.push(part);
        files.push((dir.join(&file), f));
    }
    for (a, p) in aggregates.iter().zip(partials) {
        let bytes = super::summaries::encode(a.name(), &p.save()?);
        let file = format!("summary.{}", a.name());
        let (f, part) = write_hashed(dir, &file, &summary_table(a.name()), 0, |w| {
            w.write_all(&bytes)
                .map_err(|e| Error::io(&dir.join(&file), e))
        })?;
        out.push(part);
        files.push((dir.join(&file), f));
    }
    // Sync in parallel: each sync mostly waits for the device.
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|(p, f)| s.spawn(move || f.sync_all().map_err(|e| Error::io(p, e))))
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| Error::State("sync panicked".into()))?)
    })?;
    for (p, _) in &files {
        super::test_point(&format!("part-written {}", p.display()));
    }
    sync_dir(dir);
    if let Some(parent) = dir.parent() {
        sync_dir(parent);
    }
    Ok(out)
}

/// Creates `dir/file` with what `fill` writes, hashing it on the way; returns the file
/// (flushed, not synced) and its ledger record.
fn write_hashed(
    dir: &Path,
    file: &str,
    table: &str,
    rows: u64,
    fill: impl FnOnce(&mut Hashing<'_, std::io::BufWriter<std::fs::File>>) -> Result<()>,
) -> Result<(std::fs::File, PartFile)> {
    let path = dir.join(file);
    let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
    let mut h = Hashing::new(&mut w);
    fill(&mut h)?;
    let (bytes, blake3) = h.finish();
    let f = w
        .into_inner()
        .map_err(|e| Error::io(&path, e.into_error()))?;
    Ok((
        f,
        PartFile {
            table: table.to_string(),
            file: file.to_string(),
            bytes,
            rows,
            blake3,
        },
    ))
}

fn damaged(path: &Path, problem: String) -> Error {
    Error::StateFile {
        path: path.to_path_buf(),
        problem,
        advice: super::damage_advice(path),
    }
}

/// Checks a part's size and BLAKE3 against the ledger; returns its bytes.
pub fn verify(dir: &Path, part: &PartFile) -> Result<Vec<u8>> {
    let path = dir.join(&part.file);
    let bytes = std::fs::read(&path).map_err(|e| damaged(&path, format!("cannot read: {e}")))?;
    if bytes.len() as u64 != part.bytes {
        return Err(damaged(
            &path,
            format!(
                "the part is {} bytes, the ledger recorded {} (damaged or replaced)",
                bytes.len(),
                part.bytes
            ),
        ));
    }
    let found = blake3::hash(&bytes).to_hex().to_string();
    if found != part.blake3 {
        return Err(damaged(
            &path,
            format!(
                "checksum mismatch: the ledger recorded BLAKE3 {}, the file has {} \
                 (damaged or replaced)",
                &part.blake3[..16.min(part.blake3.len())],
                &found[..16]
            ),
        ));
    }
    Ok(bytes)
}

/// Reads and checks one part: size, BLAKE3, Parquet structure, columns.
pub fn read_part(dir: &Path, part: &PartFile) -> Result<Table> {
    let bytes = verify(dir, part)?;
    parse_part(dir, part, bytes)
}

/// The table of a part whose bytes [`verify`] returned: Parquet structure and columns
/// checked.
pub fn parse_part(dir: &Path, part: &PartFile, bytes: Vec<u8>) -> Result<Table> {
    let path = dir.join(&part.file);
    let table = parquet::read_parquet_bytes(bytes, &part.table)
        .map_err(|e| damaged(&path, format!("not a readable Parquet part: {e}")))?;
    let want = part_schema(&part.table);
    let got = table.schema();
    // An all-null text column may come back typed as null, which reads as text.
    let compatible = want.len() == got.len()
        && want.iter().zip(&got).all(|(w, g)| {
            w.0 == g.0 && (w.1 == g.1 || matches!(table.column(&g.0), Some(Values::Str(v)) if v.iter().all(Option::is_none)))
        });
    if !compatible || table.height() as u64 != part.rows {
        return Err(damaged(
            &path,
            format!(
                "unexpected content: columns {:?} and {} rows, expected {:?} and {} rows",
                table.column_names(),
                table.height(),
                want.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
                part.rows
            ),
        ));
    }
    Ok(coerce(table, &want))
}

/// Gives all-null columns read back as text their declared type.
fn coerce(mut t: Table, want: &[(String, ColType)]) -> Table {
    for (c, (_, ty)) in t.columns.iter_mut().zip(want) {
        if c.values.col_type() != *ty {
            let n = c.values.len();
            c.values = match ty {
                ColType::Str => Values::Str(vec![None; n]),
                ColType::Int => Values::Int(vec![None; n]),
                ColType::Float => Values::Float(vec![None; n]),
                ColType::Bool => Values::Bool(vec![None; n]),
                ColType::Datetime => Values::Datetime(vec![None; n]),
                ColType::List => Values::List(vec![None; n]),
            };
        }
    }
    t
}

/// Replaces the `meta_extra` JSON column of a `documents` part by one text column per
/// name in `keys` (null where a document has no such variable).
pub fn expand_meta(mut docs: Table, keys: &[String]) -> Table {
    let json = match docs.take_column(META_COLUMN) {
        Some(Values::Str(v)) => v,
        _ => vec![None; docs.height()],
    };
    let maps: Vec<BTreeMap<String, String>> = json
        .iter()
        .map(|j| {
            j.as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default()
        })
        .collect();
    for k in keys {
        // Metadata names never clash with ours (corpus.rs renames them); a store written
        // before they were renamed may still hold one, which must not break publishing.
        if docs.column(k).is_some() {
            continue;
        }
        let values = maps.iter().map(|m| m.get(k).cloned()).collect();
        docs.add_str_column(k, values);
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("parts").join("00000001");
        let mut a = DocAnalysis::default();
        a.document.doc = "a.txt".into();
        a.meta_extra.insert("author".into(), "森田".into());
        a.mentions.push(MentionRow {
            doc: "a.txt".into(),
            ..MentionRow::default()
        });
        let parts = write_parts(&b, part_tables(&[a])).unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.table.as_str()).collect();
        assert_eq!(
            names,
            ["documents", "mentions"],
            "empty tables have no part"
        );
        let docs = read_part(&b, &parts[0]).unwrap();
        let docs = expand_meta(docs, &["author".into(), "desk".into()]);
        assert_eq!(
            docs.column("author"),
            Some(&Values::Str(vec![Some("森田".into())]))
        );
        assert_eq!(docs.column("desk"), Some(&Values::Str(vec![None])));
        assert_eq!(read_part(&b, &parts[1]).unwrap().height(), 1);
        let path = b.join(&parts[1].file);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        let err = read_part(&b, &parts[1]).unwrap_err().to_string();
        assert!(
            err.contains("mentions.parquet") && err.contains("checksum"),
            "{err}"
        );
        assert!(err.contains("--rebuild-state"), "{err}");
    }
}
