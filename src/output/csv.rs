//! CSV writer: UTF-8, header row, RFC 4180 quoting, `\n` line ends.
//!
//! Spreadsheet guard: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
//! return would be run as a formula by Excel, LibreOffice and Google Sheets (CSV
//! injection). Such cells are written with a leading `'`, which spreadsheets show as text
//! and `score_mentions.py` strips. Numeric columns are never guarded (a negative residual
//! stays a number). `--no-csv-guard` turns the guard off for pipelines that read the CSV
//! with a CSV library rather than a spreadsheet.

use std::io::Write;

use super::table::{Table, Values};

/// Whether a text cell needs the spreadsheet guard.
pub fn needs_guard(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes `table` as CSV to `w`.
pub fn write_csv<W: Write>(table: &Table, w: W, guard: bool) -> std::io::Result<()> {
    let mut sink = CsvSink::new(w, &table.column_names(), guard)?;
    sink.write(table)?;
    sink.into_inner().map(|_| ())
}

/// Writes one CSV file from tables given one after the other (header once), so output
/// tables can be assembled part by part.
pub struct CsvSink<W: Write> {
    wr: csv::Writer<W>,
    guard: bool,
    row: Vec<String>,
}

impl<W: Write> CsvSink<W> {
    /// Starts the file with the header row.
    pub fn new(w: W, columns: &[&str], guard: bool) -> std::io::Result<CsvSink<W>> {
        let mut wr = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        wr.write_record(columns)?;
        Ok(CsvSink {
            wr,
            guard,
            row: Vec::with_capacity(columns.len()),
        })
    }

    /// Appends the rows of `table`.
    pub fn write(&mut self, table: &Table) -> std::io::Result<()> {
        for i in 0..table.height() {
            self.row.clear();
            for c in &table.columns {
                let mut cell = c.values.cell(i);
                if self.guard && matches!(c.values, Values::Str(_)) && needs_guard(&cell) {
                    cell.insert(0, '\'');
                }
                self.row.push(cell);
            }
            self.wr.write_record(&self.row)?;
        }
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.wr.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::Column;

    #[test]
    fn guards_formula_cells_but_not_numbers() {
        let t = Table {
            name: "t".into(),
            columns: vec![
                Column {
                    name: "text".into(),
                    values: Values::Str(vec![
                        Some("=HYPERLINK(\"x\")".into()),
                        Some("+81".into()),
                        Some("普通, \"引用\"".into()),
                        None,
                    ]),
                },
                Column {
                    name: "r".into(),
                    values: Values::Float(vec![Some(-1.5), Some(2.0), None, Some(0.25)]),
                },
            ],
        };
        let mut out = Vec::new();
        write_csv(&t, &mut out, true).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "text,r\n\"'=HYPERLINK(\"\"x\"\")\",-1.5\n'+81,2\n\"普通, \"\"引用\"\"\",\n,0.25\n"
        );
        let mut out = Vec::new();
        write_csv(&t, &mut out, false).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\n\"=HYPERLINK"));
    }
}
