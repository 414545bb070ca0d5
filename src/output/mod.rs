//! Stage 8: tables -> `NAME.csv` and `NAME.parquet`, written atomically.
//!
//! Only [`parquet`] imports polars. Row types implement [`Record`] once; both files are
//! written from the same [`Table`], so they always agree on columns and rows.

pub mod atomic;
pub mod csv;
pub mod parquet;
pub mod rows;
pub mod table;

use std::path::Path;

pub use self::table::{ColType, Record, RowWriter, Table, Values};
use crate::error::Result;

/// Output options.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    /// Guard text cells against spreadsheet formula injection.
    pub csv_guard: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions { csv_guard: true }
    }
}

/// Writes `table` as `dir/NAME.csv` and `dir/NAME.parquet`, each atomically.
pub fn write_table(dir: &Path, table: &Table, opts: OutputOptions) -> Result<()> {
    let csv_path = dir.join(format!("{}.csv", table.name));
    atomic::write_atomic(&csv_path, |w| csv::write_csv(table, w, opts.csv_guard))?;
    let pq_path = dir.join(format!("{}.parquet", table.name));
    let mut failure = None;
    atomic::write_atomic(&pq_path, |w| {
        parquet::write_parquet(table, w).map_err(|e| {
            let msg = e.to_string();
            failure = Some(e);
            std::io::Error::other(msg)
        })
    })
    .map_err(|e| failure.take().unwrap_or(e))?;
    Ok(())
}
