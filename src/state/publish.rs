//! Publishing: the output tables assembled from the live parts, then the aggregates,
//! staged, journaled in the ledger and renamed into the output folder.
//!
//! Assembly streams: for each committed batch (in id order) each part is read, checked,
//! reduced to the rows of the documents the ledger still assigns to that batch, and
//! appended to the CSV file and to the Parquet file of its table (one row group per 64 Ki
//! rows), and handed to the aggregates. Memory holds one part (and one row group) per
//! table, whatever the size of the corpus.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;

use super::ledger::OutputFile;
use super::parts::{self, META_COLUMN, ROW_TABLES};
use super::{STAGING_DIR, Store, test_point};
use crate::aggregate::{Aggregate, Product};
use crate::error::{Error, Result};
use crate::output::csv::CsvSink;
use crate::output::parquet::ParquetSink;
use crate::output::{self, OutputOptions, Record, Table, Values, atomic};

/// What a publish wrote.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The ledger state the outputs now reflect.
    pub state: i64,
    /// Table names written (row tables, skipped, aggregates).
    pub tables: Vec<String>,
    /// Other files written (reports).
    pub files: Vec<String>,
}

/// How output options are recorded (a change republishes).
pub fn options_text(o: OutputOptions) -> String {
    format!("csv_guard={}", o.csv_guard)
}

/// Size and BLAKE3 of a file, read in 64 KiB pieces (output tables can be far larger
/// than we want to hold in memory).
fn file_digest(path: &Path) -> Result<OutputFile> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = blake3::Hasher::new();
    let bytes = std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 16, f),
        &mut hasher,
    )
    .map_err(|e| Error::io(path, e))?;
    Ok(OutputFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        blake3: hasher.finalize().to_hex().to_string(),
    })
}

/// Why the output folder does not reflect the ledger, or `None` when it does. With
/// `verify`, files are checked against their recorded BLAKE3 (otherwise their size).
pub fn outputs_behind(
    store_ledger: &super::Ledger,
    out: &Path,
    options: &str,
    verify: bool,
) -> Result<Option<String>> {
    let Some(rec) = store_ledger.outputs()? else {
        return Ok(Some("no outputs were published yet".into()));
    };
    if let Some((s, _, _)) = rec.pending {
        return Ok(Some(format!(
            "a publish of state {s} was interrupted while replacing the files; the next \
             run completes it"
        )));
    }
    let state = store_ledger.state()?;
    if rec.state != state {
        return Ok(Some(if rec.state < 0 {
            "the outputs' state is unknown (an interrupted publish); they will be rewritten".into()
        } else {
            format!(
                "outputs reflect ledger state {}, the ledger is at state {state}",
                rec.state
            )
        }));
    }
    if rec.options != options {
        return Ok(Some(format!(
            "outputs were written with {}, this run asks for {options}",
            rec.options
        )));
    }
    for f in &rec.files {
        let p = out.join(&f.name);
        let ok = if verify {
            file_digest(&p).is_ok_and(|d| d == *f)
        } else {
            fs::metadata(&p).is_ok_and(|m| m.len() == f.bytes)
        };
        if !ok {
            return Ok(Some(format!(
                "{} is missing or was modified since it was written",
                p.display()
            )));
        }
    }
    Ok(None)
}

/// Columns of the output row table `name` (documents: with the metadata variables).
fn output_schema(name: &str, meta_keys: &[String]) -> Vec<(String, output::ColType)> {
    let mut s = parts::part_schema(name);
    if name == "documents" {
        s.retain(|(n, _)| n != META_COLUMN);
        let fixed: HashSet<String> = s.iter().map(|c| c.0.clone()).collect();
        for k in meta_keys.iter().filter(|k| !fixed.contains(*k)) {
            s.push((k.clone(), output::ColType::Str));
        }
    }
    s
}

struct Sink {
    name: &'static str,
    csv: CsvSink<BufWriter<File>>,
    csv_path: std::path::PathBuf,
    parquet: ParquetSink,
    schema: Vec<(String, output::ColType)>,
}

fn project(t: &Table, cols: &[&str]) -> Table {
    if cols.is_empty() {
        t.clone()
    } else {
        t.select(cols)
    }
}

/// Assembles every output from the committed state and replaces the output files.
pub fn publish(
    store: &mut Store,
    opts: OutputOptions,
    mut aggregates: Vec<Box<dyn Aggregate>>,
) -> Result<Published> {
    let state = store.ledger.state()?;
    let staging = store.dir.join(STAGING_DIR);
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let meta_keys = store.ledger.meta_keys()?;
    let mut sinks = Vec::new();
    for name in ROW_TABLES {
        let schema = output_schema(name, &meta_keys);
        let empty = Table::empty(name, &schema);
        let csv_path = staging.join(format!("{name}.csv"));
        let f = File::create(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
        let csv = CsvSink::new(
            BufWriter::with_capacity(1 << 16, f),
            &empty.column_names(),
            opts.csv_guard,
        )
        .map_err(|e| Error::io(&csv_path, e))?;
        let parquet = ParquetSink::create(&staging.join(format!("{name}.parquet")), &empty)?;
        for a in aggregates.iter_mut() {
            for (input, cols) in a.inputs().to_vec() {
                if input == name {
                    a.add(name, project(&empty, cols))?;
                }
            }
        }
        sinks.push(Sink {
            name,
            csv,
            csv_path,
            parquet,
            schema,
        });
    }
    for batch in store.ledger.live_batches()? {
        let dir = store.batch_dir(batch.id);
        let live = store.ledger.live_docs_of(batch.id)?;
        let whole = live.len() as i64 == batch.docs;
        let live: HashSet<String> = live.into_iter().collect();
        for part in &batch.parts {
            let Some(sink) = sinks.iter_mut().find(|s| s.name == part.table) else {
                continue;
            };
            let mut t = parts::read_part(&dir, part)?;
            if !whole {
                let keep: Vec<bool> = match t.column("doc") {
                    Some(Values::Str(v)) => v
                        .iter()
                        .map(|d| d.as_ref().is_some_and(|d| live.contains(d)))
                        .collect(),
                    _ => vec![false; t.height()],
                };
                t = t.filter(&keep);
            }
            if part.table == "documents" {
                t = parts::expand_meta(t, &meta_keys);
            }
            t.name = sink.name.to_string();
            if t.schema() != sink.schema {
                return Err(Error::State(format!(
                    "batch {}: {} has columns {:?}, expected {:?}",
                    batch.id,
                    part.file,
                    t.column_names(),
                    sink.schema.iter().map(|c| c.0.as_str()).collect::<Vec<_>>()
                )));
            }
            for a in aggregates.iter_mut() {
                for (input, cols) in a.inputs().to_vec() {
                    if input == part.table {
                        a.add(input, project(&t, cols))?;
                    }
                }
            }
            sink.csv
                .write(&t)
                .map_err(|e| Error::io(&sink.csv_path, e))?;
            sink.parquet.write(t)?;
        }
    }
    crate::trace::lap("publish: row tables and aggregate inputs");
    let mut tables: Vec<String> = Vec::new();
    for s in sinks {
        let path = s.csv_path;
        let f = s
            .csv
            .into_inner()
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(|e| Error::io(&path, e))?;
        drop(f);
        s.parquet.finish()?;
        tables.push(s.name.to_string());
        test_point(&format!("staged {}", s.name));
    }
    let skipped = Table::from_records(store.ledger.skipped_rows()?.iter());
    stage_table(&staging, &skipped, opts)?;
    tables.push(<crate::output::rows::SkipRow as Record>::TABLE.to_string());
    crate::trace::lap("publish: finish row tables");
    let mut products = Vec::new();
    for mut a in aggregates {
        let mut out = a.finish(&products)?;
        crate::trace::lap(&format!("publish: aggregate {}", a.name()));
        products.append(&mut out);
    }
    let mut files = Vec::new();
    for p in &products {
        match p {
            Product::Table(t) => {
                stage_table(&staging, t, opts)?;
                tables.push(t.name.clone());
            }
            Product::File { name, bytes } => {
                let p = staging.join(name);
                fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
                files.push(name.clone());
            }
        }
    }
    crate::trace::lap("publish: stage aggregates");
    let mut staged = Vec::new();
    let mut names: Vec<String> = fs::read_dir(&staging)
        .map_err(|e| Error::io(&staging, e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for n in &names {
        staged.push(file_digest(&staging.join(n))?);
    }
    let previous = store.ledger.outputs()?.map(|r| r.files).unwrap_or_default();
    // A file identical to the published one is not replaced (the same table after a run
    // that changed other tables); the others are synced, in parallel, before the journal.
    let mut changed = Vec::new();
    for f in &staged {
        let unchanged =
            previous.contains(f) && file_digest(&store.out.join(&f.name)).is_ok_and(|d| d == *f);
        if unchanged {
            let p = staging.join(&f.name);
            fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        } else {
            changed.push(f.name.clone());
        }
    }
    sync_files(&staging, &changed)?;
    atomic::sync_dir(&staging);
    test_point("staged all");
    store
        .ledger
        .begin_publish(state, &options_text(opts), &staged)?;
    test_point("publish journaled");
    for name in &changed {
        let from = staging.join(name);
        let to = store.out.join(name);
        fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        test_point(&format!("renamed {name}"));
    }
    atomic::sync_dir(&store.out);
    store.ledger.finish_publish()?;
    test_point("publish recorded");
    // Files an earlier publish wrote that this one did not (an aggregate removed).
    for old in previous {
        if !names.contains(&old.name) {
            let _ = fs::remove_file(store.out.join(&old.name));
        }
    }
    let _ = fs::remove_dir_all(&staging);
    Ok(Published {
        state,
        tables,
        files,
    })
}

/// Writes `t` as CSV and Parquet into the staging folder (synced later, with the rest).
fn stage_table(staging: &Path, t: &Table, opts: OutputOptions) -> Result<()> {
    let csv_path = staging.join(format!("{}.csv", t.name));
    let f = File::create(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    output::csv::write_csv(t, &mut w, opts.csv_guard)
        .and_then(|_| std::io::Write::flush(&mut w))
        .map_err(|e| Error::io(&csv_path, e))?;
    let pq_path = staging.join(format!("{}.parquet", t.name));
    let f = File::create(&pq_path).map_err(|e| Error::io(&pq_path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    output::parquet::write_parquet(t, &mut w)?;
    std::io::Write::flush(&mut w).map_err(|e| Error::io(&pq_path, e))
}

/// Syncs files of `dir` to disk, in parallel (each sync mostly waits for the device).
fn sync_files(dir: &Path, names: &[String]) -> Result<()> {
    std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|n| {
                let p = dir.join(n);
                s.spawn(move || {
                    File::open(&p)
                        .and_then(|f| f.sync_all())
                        .map_err(|e| Error::io(&p, e))
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| Error::State("a sync thread panicked".into()))??;
        }
        Ok(())
    })
}

/// Completes a publish that was interrupted while renaming files into the output folder.
/// `None`: nothing pending; `Some(Ok(state))`: completed; `Some(Err(()))`: could not be
/// completed (staged files gone), so the outputs will be rewritten.
pub fn roll_forward(store: &mut Store) -> Result<Option<std::result::Result<i64, ()>>> {
    let Some(rec) = store.ledger.outputs()? else {
        return Ok(None);
    };
    let Some((state, _, files)) = rec.pending else {
        return Ok(None);
    };
    let staging = store.dir.join(STAGING_DIR);
    for f in &files {
        let from = staging.join(&f.name);
        let to = store.out.join(&f.name);
        if file_digest(&from).is_ok_and(|d| d == *f) {
            fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        } else if !file_digest(&to).is_ok_and(|d| d == *f) {
            store.ledger.abandon_publish()?;
            return Ok(Some(Err(())));
        }
    }
    atomic::sync_dir(&store.out);
    store.ledger.finish_publish()?;
    Ok(Some(Ok(state)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{FromTables, Tables};
    use crate::analyze::DocAnalysis;
    use crate::output::rows::MentionRow;
    use crate::state::ledger::{Commit, DocRecord, DocStatus};

    fn analysis(doc: &str, mentions: &[&str], author: Option<&str>) -> DocAnalysis {
        let mut a = DocAnalysis::default();
        a.document.doc = doc.into();
        a.document.source = "s".into();
        if let Some(x) = author {
            a.meta_extra.insert("author".into(), x.into());
        }
        for m in mentions {
            a.mentions.push(MentionRow {
                doc: doc.into(),
                text: m.to_string(),
                ..MentionRow::default()
            });
        }
        a
    }

    fn commit(store: &mut Store, batch: &[DocAnalysis]) {
        let id = store.ledger.begin_batch("f").unwrap();
        let files = parts::write_parts(&store.batch_dir(id), parts::part_tables(batch)).unwrap();
        let upserts = batch
            .iter()
            .map(|a| DocRecord {
                doc: a.document.doc.clone(),
                root: "/r".into(),
                content_hash: Some(a.document.doc.clone()),
                size: 1,
                meta_hash: String::new(),
                batch: Some(id),
                status: DocStatus::Analysed,
                reason: None,
                fingerprint: "f".into(),
                meta_keys: a.meta_extra.keys().cloned().collect(),
            })
            .collect();
        store
            .ledger
            .commit(&Commit {
                batch: Some((id, files)),
                upserts,
                ..Commit::default()
            })
            .unwrap();
    }

    fn count_mentions(t: &Tables, earlier: &[Product]) -> Result<Vec<Product>> {
        assert!(earlier.is_empty());
        let m = t.get("mentions");
        assert_eq!(m.column_names(), ["doc", "text"], "projected");
        let text = (0..m.height())
            .map(|i| m.columns[1].values.cell(i))
            .collect::<Vec<_>>()
            .join(",");
        Ok(vec![Product::File {
            name: "seen.txt".into(),
            bytes: text.into_bytes(),
        }])
    }

    #[test]
    fn publishes_live_rows_of_every_table_with_aggregates() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut store = Store::open(&out, "test", false, None).unwrap();
        commit(
            &mut store,
            &[
                analysis("a.txt", &["a1", "a2"], Some("森田")),
                analysis("b.txt", &["b-old"], None),
            ],
        );
        commit(&mut store, &[analysis("b.txt", &["b-new"], Some("大橋"))]);
        let aggs: Vec<Box<dyn Aggregate>> = vec![Box::new(FromTables::new(
            "seen",
            &[("mentions", &["doc", "text"])],
            count_mentions,
        ))];
        let p = publish(&mut store, OutputOptions::default(), aggs).unwrap();
        assert_eq!(p.files, ["seen.txt"]);
        assert_eq!(
            fs::read_to_string(out.join("seen.txt")).unwrap(),
            "a1,a2,b-new"
        );
        let mentions = fs::read_to_string(out.join("mentions.csv")).unwrap();
        let texts: Vec<&str> = mentions
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(3).unwrap())
            .collect();
        assert_eq!(texts, ["a1", "a2", "b-new"], "superseded rows are gone");
        let docs =
            crate::output::parquet::read_parquet(&out.join("documents.parquet"), "d").unwrap();
        assert_eq!(
            docs.column("author"),
            Some(&Values::Str(vec![Some("森田".into()), Some("大橋".into())]))
        );
        assert!(docs.column(META_COLUMN).is_none());
        let behind = outputs_behind(
            &store.ledger,
            &out,
            &options_text(OutputOptions::default()),
            true,
        );
        assert_eq!(behind.unwrap(), None);
        // A hand-edited output file makes the outputs behind.
        fs::write(out.join("mentions.csv"), "x").unwrap();
        let behind = outputs_behind(
            &store.ledger,
            &out,
            &options_text(OutputOptions::default()),
            true,
        );
        assert!(behind.unwrap().unwrap().contains("mentions.csv"));
    }
}
