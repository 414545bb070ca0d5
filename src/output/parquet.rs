//! Parquet through polars: the only place shiten touches polars.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::table::{Column as TableColumn, Table, Values};
use crate::error::{Error, Result};

fn to_frame(table: &Table) -> Result<DataFrame> {
    let cols: Vec<Column> = table
        .columns
        .iter()
        .map(|c| {
            let name: PlSmallStr = c.name.as_str().into();
            match &c.values {
                Values::Str(v) => Column::new(name, v),
                Values::Int(v) => Column::new(name, v),
                Values::Float(v) => Column::new(name, v),
                Values::Bool(v) => Column::new(name, v),
            }
        })
        .collect();
    DataFrame::new(table.height(), cols).map_err(|e| Error::Output {
        table: table.name.clone(),
        msg: e.to_string(),
    })
}

/// Writes `table` as Parquet (zstd) to `w`.
pub fn write_parquet(table: &Table, w: &mut impl std::io::Write) -> Result<()> {
    let mut df = to_frame(table)?;
    ParquetWriter::new(w)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| Error::Output {
            table: table.name.clone(),
            msg: e.to_string(),
        })?;
    Ok(())
}

/// Reads a Parquet file written by [`write_parquet`] back into a [`Table`] named `name`.
pub fn read_parquet(path: &Path, name: &str) -> Result<Table> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let bad = |msg: String| Error::Output {
        table: format!("{name} ({})", path.display()),
        msg,
    };
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| bad(e.to_string()))?;
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
