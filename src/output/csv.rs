//! CSV writer: UTF-8 with a byte order mark, header row, RFC 4180 quoting, `\n` line ends.
//!
//! Byte order mark: a Japanese Excel opens a CSV without one as Shift_JIS (文字化け); with
//! it, as UTF-8. pandas, polars, DuckDB, Python's `csv` with `utf-8-sig` and the `csv`
//! crate drop it, so the first column is still `doc` (tests/analyst.rs checks all four).
//! The file is the same bytes otherwise: the per-batch files of a row table each start
//! with it, and joining them keeps only the first file's header (and mark).
//!
//! Spreadsheet guard: a text cell a spreadsheet would run as a formula is written with a
//! leading `'`, which spreadsheets show as text and `score_mentions.py` strips. Guarded
//! (see [`needs_guard`]): a cell starting with `=` or `@`; a cell starting with `+` or `-`
//! whose rest reads as a formula (numbers, names, cell references, `"strings"` and
//! operators only, more than a bare number); either after leading tabs or carriage
//! returns. So `=HYPERLINK(..)`, `@SUM(..)`, `-A1+1`, `+81-3-1234` and `-なし` (a name: Excel
//! shows `#NAME?`) are guarded, while `-1` (Excel reads the same number), `- 2FA なし`
//! (`2FA` is no formula token), `-（注）` or `- 以下、関連記事` (full-width punctuation
//! is no formula syntax) are written as they are, so the cell matches the article's text
//! at its offsets. Numeric columns are never guarded (a negative residual stays a number),
//! nor is Parquet. `--no-csv-guard` turns the guard off for pipelines that read the CSV
//! with a CSV library rather than a spreadsheet.

use std::io::Write;

use super::table::{Table, Values};

/// The UTF-8 byte order mark every CSV file starts with.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// Whether a text cell needs the spreadsheet guard (see the module doc).
pub fn needs_guard(cell: &str) -> bool {
    let s = cell.trim_start_matches(['\t', '\r']);
    match s.as_bytes().first() {
        Some(b'=' | b'@') => true,
        Some(b'+' | b'-') => reads_as_formula(&s[1..]),
        _ => false,
    }
}

/// Whether `rest` (what follows a leading `+` or `-`) is something a spreadsheet parses
/// as a formula: only formula tokens (numbers, names and cell references, quoted
/// strings and sheet names, operators and brackets), at least one operand, and more
/// than one bare number (`-1`, `+81`, `-1,234.5` are read as that number).
fn reads_as_formula(rest: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Number,
        Other,
    }
    let mut toks = Vec::new();
    let mut operands = 0;
    let mut it = rest.char_indices().peekable();
    while let Some((_, c)) = it.next() {
        match c {
            ' ' => {}
            '"' | '\'' => {
                // A string literal, or a quoted sheet name; a doubled quote escapes one.
                let mut closed = false;
                while let Some((_, d)) = it.next() {
                    if d == c {
                        if it.peek().is_some_and(|&(_, e)| e == c) {
                            it.next();
                        } else {
                            closed = true;
                            break;
                        }
                    }
                }
                if !closed {
                    return false;
                }
                operands += 1;
                toks.push(Tok::Other);
            }
            '0'..='9' | '.' => {
                while let Some(&(_, d)) = it.peek() {
                    if d.is_ascii_digit() || d == '.' || d == ',' {
                        it.next();
                    } else if d == 'E' || d == 'e' {
                        // An exponent (1E+3) is part of the number; `2FA` is no token.
                        it.next();
                        if it.peek().is_some_and(|&(_, e)| e == '+' || e == '-') {
                            it.next();
                        }
                        if !it.peek().is_some_and(|&(_, e)| e.is_ascii_digit()) {
                            return false;
                        }
                    } else if d.is_alphabetic() || d == '_' {
                        return false;
                    } else {
                        break;
                    }
                }
                operands += 1;
                toks.push(Tok::Number);
            }
            c if c.is_alphabetic() || c == '_' || c == '\\' || c == '$' => {
                while it.peek().is_some_and(|&(_, d)| {
                    d.is_alphanumeric() || matches!(d, '_' | '.' | '$' | '\\')
                }) {
                    it.next();
                }
                operands += 1;
                toks.push(Tok::Other);
            }
            '+' | '-' | '*' | '/' | '^' | '&' | '=' | '<' | '>' | '%' | ':' | ',' | ';' | '('
            | ')' | '{' | '}' | '!' | '|' | '#' | '[' | ']' | '@' => toks.push(Tok::Other),
            _ => return false,
        }
    }
    operands > 0 && toks != [Tok::Number]
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
    pub fn new(mut w: W, columns: &[&str], guard: bool) -> std::io::Result<CsvSink<W>> {
        w.write_all(BOM)?;
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
                        Some("+81-3".into()),
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
            "\u{feff}text,r\n\"'=HYPERLINK(\"\"x\"\")\",-1.5\n'+81-3,2\n\"普通, \"\"引用\"\"\",\n,0.25\n"
        );
        let mut out = Vec::new();
        write_csv(&t, &mut out, false).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\n\"=HYPERLINK"));
    }

    #[test]
    fn guards_only_what_a_spreadsheet_runs() {
        for (cell, want) in [
            ("=1+1", true),
            ("@SUM(A1:A2)", true),
            ("@nifty", true),
            ("+81-3-1234-5678", true),
            ("-A1+1", true),
            ("-2+3+cmd|' /C calc'!A0", true),
            ("-なし", true),
            ("+HYPERLINK(\"http://x\")", true),
            ("-1E+3*2", true),
            ("\t=1+1", true),
            ("\r-A1", true),
            ("-1", false),
            ("+81", false),
            ("-1,234.5", false),
            ("- 2FA なし", false),
            ("-（注）", false),
            ("- 以下、関連記事", false),
            ("-", false),
            ("--", false),
            ("-\"open", false),
            ("\tabc", false),
            ("7pay", false),
            ("被害額は-1", false),
        ] {
            assert_eq!(needs_guard(cell), want, "{cell:?}");
        }
    }
}
