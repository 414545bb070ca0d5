//! Parquet through polars: the only place shiten touches polars.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::table::{Column as TableColumn, Table, Values};
use crate::error::{Error, Result};

fn to_frame(table: &Table) -> Result<DataFrame> {
    to_frame_rows(table, 0..table.height())
}

/// The rows `rows` of `table` as a polars frame.
fn to_frame_rows(table: &Table, rows: std::ops::Range<usize>) -> Result<DataFrame> {
    let cols: Vec<Column> = table
        .columns
        .iter()
        .map(|c| {
            let name: PlSmallStr = c.name.as_str().into();
            let r = rows.clone();
            match &c.values {
                Values::Str(v) => Column::new(name, &v[r]),
                Values::Int(v) => Column::new(name, &v[r]),
                Values::Float(v) => Column::new(name, &v[r]),
                Values::Bool(v) => Column::new(name, &v[r]),
                Values::Datetime(v) => Column::new(name, &v[r])
                    .as_materialized_series()
                    .clone()
                    .into_datetime(TimeUnit::Milliseconds, None)
                    .into(),
                Values::List(v) => {
                    let v = &v[r];
                    let inner = v.iter().flatten().map(Vec::len).sum();
                    let mut b = ListStringChunkedBuilder::new(name, v.len(), inner);
                    for l in v {
                        match l {
                            Some(l) => b.append_values_iter(l.iter().map(String::as_str)),
                            None => b.append_null(),
                        }
                    }
                    b.finish().into_series().into()
                }
            }
        })
        .collect();
    DataFrame::new(rows.len(), cols).map_err(|e| Error::Output {
        table: table.name.clone(),
        msg: e.to_string(),
    })
}

/// Writes `table` as Parquet (zstd) to `w`, [`ROW_GROUP_ROWS`] rows at a time (only one
/// row group is converted to polars at once).
pub fn write_parquet(table: &Table, w: &mut impl std::io::Write) -> Result<()> {
    let err = |e: PolarsError| Error::Output {
        table: table.name.clone(),
        msg: e.to_string(),
    };
    let n = table.height();
    let mut writer = ParquetWriter::new(w)
        .with_compression(ParquetCompression::Zstd(None))
        .batched(to_frame_rows(table, 0..0)?.schema())
        .map_err(err)?;
    // An empty table still gets its one (empty) group.
    for start in (0..n.max(1)).step_by(ROW_GROUP_ROWS) {
        let group = to_frame_rows(table, start..(start + ROW_GROUP_ROWS).min(n))?;
        writer.write_batch(&group).map_err(err)?;
    }
    writer.finish().map_err(err)?;
    Ok(())
}

/// Rows per Parquet row group when a table is written part by part. Each open table holds
/// up to this many rows as Rust values before they are encoded (five tables are open at
/// once while publishing), so this bounds publish memory: 16k rows keep it under ~60 MB
/// and still compress well.
const ROW_GROUP_ROWS: usize = 16 * 1024;

/// A writer shared with polars' batched writer, so the file can be flushed and synced
/// (with errors reported) after the writer is done.
#[derive(Clone)]
struct Shared(Arc<Mutex<BufWriter<File>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?
            .write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?
            .flush()
    }
}

/// Writes one Parquet file from tables given one after the other (all with the same
/// columns), holding at most one row group in memory: how output tables are assembled
/// from the store's parts without loading every part at once.
pub struct ParquetSink {
    writer: BatchedWriter<Shared>,
    file: Shared,
    path: PathBuf,
    pending: Table,
}

impl ParquetSink {
    /// Creates `path` for a table named like `empty`, with its columns.
    pub fn create(path: &Path, empty: &Table) -> Result<ParquetSink> {
        let f = File::create(path).map_err(|e| Error::io(path, e))?;
        let file = Shared(Arc::new(Mutex::new(BufWriter::with_capacity(1 << 16, f))));
        let df = to_frame(empty)?;
        let writer = ParquetWriter::new(file.clone())
            .with_compression(ParquetCompression::Zstd(None))
            .batched(df.schema())
            .map_err(|e| Error::Output {
                table: empty.name.clone(),
                msg: e.to_string(),
            })?;
        Ok(ParquetSink {
            writer,
            file,
            path: path.to_path_buf(),
            pending: Table {
                name: empty.name.clone(),
                columns: empty.columns.clone(),
            },
        })
    }

    fn flush_group(&mut self) -> Result<()> {
        if self.pending.height() == 0 {
            return Ok(());
        }
        let empty = Table::empty(&self.pending.name, &self.pending.schema());
        let group = std::mem::replace(&mut self.pending, empty);
        let df = to_frame(&group)?;
        self.writer.write_batch(&df).map_err(|e| Error::Output {
            table: group.name.clone(),
            msg: e.to_string(),
        })
    }

    /// Appends rows (same columns as the table given to [`ParquetSink::create`]).
    pub fn write(&mut self, rows: Table) -> Result<()> {
        self.pending.append(rows).map_err(|msg| Error::Output {
            table: self.pending.name.clone(),
            msg,
        })?;
        if self.pending.height() >= ROW_GROUP_ROWS {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Writes the footer and flushes the file (the caller syncs it).
    pub fn finish(mut self) -> Result<()> {
        self.flush_group()?;
        let name = self.pending.name.clone();
        self.writer.finish().map_err(|e| Error::Output {
            table: name,
            msg: e.to_string(),
        })?;
        drop(self.writer);
        let path = self.path;
        let inner = Arc::try_unwrap(self.file.0)
            .map_err(|_| Error::io(&path, std::io::Error::other("writer still shared")))?
            .into_inner()
            .map_err(|_| Error::io(&path, std::io::Error::other("writer poisoned")))?;
        inner
            .into_inner()
            .map(drop)
            .map_err(|e| Error::io(&path, e.into_error()))
    }
}

/// Reads a Parquet file written by [`write_parquet`] back into a [`Table`] named `name`.
///
/// A folder (a published row table: one file per batch) is read file by file in name
/// order and the rows put together (every file has the same columns).
pub fn read_parquet(path: &Path, name: &str) -> Result<Table> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        let mut all: Option<Table> = None;
        for f in files {
            let t = read_parquet(&f, name)?;
            match &mut all {
                Some(a) => a.append(t).map_err(|msg| Error::Output {
                    table: format!("{name} ({})", f.display()),
                    msg,
                })?,
                None => all = Some(t),
            }
        }
        return all.ok_or_else(|| Error::Output {
            table: format!("{name} ({})", path.display()),
            msg: "the folder holds no Parquet file".into(),
        });
    }
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let bad = |msg: String| Error::Output {
        table: format!("{name} ({})", path.display()),
        msg,
    };
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| bad(e.to_string()))?;
    frame_to_table(&df, name).map_err(bad)
}

/// Reads Parquet bytes (already checked by the caller) into a [`Table`] named `name`.
pub fn read_parquet_bytes(bytes: Vec<u8>, name: &str) -> std::result::Result<Table, String> {
    let df = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| e.to_string())?;
    frame_to_table(&df, name)
}

/// Reads a Parquet file of articles (an export given as input) one row group at a time,
/// every cell as text: `f` gets the column names and one row's cells, in file order.
/// Only one row group is in memory at once. An error (not Parquet, unreadable group) is
/// returned as a message; `f`'s error stops the reading and is returned.
pub fn for_each_text_row(
    path: &Path,
    mut f: impl FnMut(&[String], Vec<Option<String>>) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let open = || File::open(path).map_err(|e| format!("cannot open: {e}"));
    let mut reader = ParquetReader::new(open()?);
    let groups: Vec<usize> = reader
        .get_metadata()
        .map_err(|e| format!("not a readable Parquet file: {e}"))?
        .row_groups
        .iter()
        .map(|g| g.num_rows())
        .collect();
    let names: Vec<String> = reader
        .schema()
        .map_err(|e| format!("not a readable Parquet file: {e}"))?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let mut offset = 0usize;
    for n in groups {
        let df = ParquetReader::new(open()?)
            .with_slice(Some((offset, n)))
            .finish()
            .map_err(|e| format!("rows {}..{}: {e}", offset + 1, offset + n))?;
        offset += n;
        // Each column as text: strings as they are, numbers and dates by polars' own
        // casting, anything else (lists, structs) as polars prints the value.
        let cols: Vec<Vec<Option<String>>> = df
            .columns()
            .iter()
            .map(|c| {
                let s = c.as_materialized_series();
                match s.cast(&DataType::String) {
                    Ok(t) => match t.str() {
                        Ok(ca) => ca.iter().map(|v| v.map(str::to_string)).collect(),
                        Err(_) => vec![None; s.len()],
                    },
                    Err(_) => s
                        .iter()
                        .map(|v| (!v.is_null()).then(|| v.to_string()))
                        .collect(),
                }
            })
            .collect();
        for i in 0..df.height() {
            f(&names, cols.iter().map(|c| c[i].clone()).collect())?;
        }
    }
    Ok(())
}

fn frame_to_table(df: &DataFrame, name: &str) -> std::result::Result<Table, String> {
    let bad = |m: String| m;
    let mut columns = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series();
        let values = match s.dtype() {
            DataType::String => Values::Str(
                s.str()
                    .map_err(|e| bad(e.to_string()))?
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
            ),
            DataType::Int64 => {
                Values::Int(s.i64().map_err(|e| bad(e.to_string()))?.iter().collect())
            }
            DataType::Float64 => {
                Values::Float(s.f64().map_err(|e| bad(e.to_string()))?.iter().collect())
            }
            DataType::Boolean => {
                Values::Bool(s.bool().map_err(|e| bad(e.to_string()))?.iter().collect())
            }
            DataType::Datetime(..) => Values::Datetime(
                s.cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                    .and_then(|d| d.to_physical_repr().i64().map(|c| c.iter().collect()))
                    .map_err(|e| bad(e.to_string()))?,
            ),
            DataType::List(inner) if **inner == DataType::String => Values::List(
                s.list()
                    .map_err(|e| bad(e.to_string()))?
                    .series_iter()
                    .map(|l| {
                        l.map(|l| {
                            l.str()
                                .map(|c| c.iter().map(|x| x.unwrap_or("").to_string()).collect())
                        })
                        .transpose()
                    })
                    .collect::<PolarsResult<_>>()
                    .map_err(|e| bad(e.to_string()))?,
            ),
            DataType::Null => Values::Str(vec![None; s.len()]),
            other => {
                return Err(bad(format!(
                    "column {} has unexpected type {other}",
                    s.name()
                )));
            }
        };
        columns.push(TableColumn {
            name: s.name().to_string(),
            values,
        });
    }
    Ok(Table {
        name: name.to_string(),
        columns,
    })
}

#[cfg(test)]
mod sink_tests {
    use super::*;

    #[test]
    fn sink_writes_parts_as_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.parquet");
        let part = |v: Vec<i64>| Table {
            name: "t".into(),
            columns: vec![TableColumn {
                name: "i".into(),
                values: Values::Int(v.into_iter().map(Some).collect()),
            }],
        };
        let mut sink = ParquetSink::create(&p, &part(vec![])).unwrap();
        sink.write(part(vec![1, 2])).unwrap();
        sink.write(part(vec![])).unwrap();
        sink.write(part(vec![3])).unwrap();
        sink.finish().unwrap();
        assert_eq!(read_parquet(&p, "t").unwrap(), part(vec![1, 2, 3]));
        let empty = dir.path().join("e.parquet");
        ParquetSink::create(&empty, &part(vec![]))
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(read_parquet(&empty, "t").unwrap(), part(vec![]));
    }

    #[test]
    fn whole_tables_are_written_in_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 1, ROW_GROUP_ROWS, 2 * ROW_GROUP_ROWS + 5] {
            let t = Table {
                name: "t".into(),
                columns: vec![
                    TableColumn {
                        name: "i".into(),
                        values: Values::Int((0..n as i64).map(Some).collect()),
                    },
                    TableColumn {
                        name: "s".into(),
                        values: Values::Str((0..n).map(|i| Some(format!("行{i}"))).collect()),
                    },
                ],
            };
            let p = dir.path().join(format!("t{n}.parquet"));
            let mut f = File::create(&p).unwrap();
            write_parquet(&t, &mut f).unwrap();
            drop(f);
            assert_eq!(read_parquet(&p, "t").unwrap(), t, "{n} rows");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_all_column_types() {
        let t = Table {
            name: "t".into(),
            columns: vec![
                TableColumn {
                    name: "s".into(),
                    values: Values::Str(vec![Some("被害".into()), None]),
                },
                TableColumn {
                    name: "i".into(),
                    values: Values::Int(vec![Some(38_615_473), None]),
                },
                TableColumn {
                    name: "f".into(),
                    values: Values::Float(vec![None, Some(-0.5)]),
                },
                TableColumn {
                    name: "b".into(),
                    values: Values::Bool(vec![Some(true), None]),
                },
                TableColumn {
                    name: "t".into(),
                    values: Values::Datetime(vec![Some(1_562_220_000_000), None]),
                },
                TableColumn {
                    name: "l".into(),
                    values: Values::List(vec![
                        Some(vec!["a.txt".into(), "b; c.txt".into()]),
                        Some(vec![]),
                    ]),
                },
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.parquet");
        let mut f = File::create(&p).unwrap();
        write_parquet(&t, &mut f).unwrap();
        drop(f);
        assert_eq!(read_parquet(&p, "t").unwrap(), t);
    }
}
