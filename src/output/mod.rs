//! Stage 8: tables -> `NAME.csv` and `NAME.parquet`, written atomically.
//!
//! Only [`parquet`] imports polars. Row types implement [`Record`] once; both files are
//! written from the same [`Table`], so they always agree on columns and rows.

pub mod atomic;
pub mod copy_rows;
pub mod csv;
pub mod parquet;
pub mod rows;
pub mod table;
pub mod term_rows;

use std::path::Path;

pub use self::table::{ColType, Record, RowWriter, Table, Values};
use crate::error::Result;

/// `s` with what a terminal or a reader of a log would take for something else made
/// visible: control characters (line breaks, carriage returns, escape sequences), Unicode
/// line and paragraph separators and bidirectional overrides become `\n`, `\r`, `\u{1b}`,
/// ...; a backslash is doubled, so that the escaped form reads back unambiguously. For file
/// names (and the messages that quote them) on stderr and in `skipped`: a name holding a
/// line break cannot fake a log line (issue 16.7).
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let special = |c: char| {
        c.is_control()
            || c == '\\'
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.contains(special) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if special(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.into()
}

/// Creates the output folder `out` (and its parents) if missing, with a message that says
/// what is in the way: `--out` naming a file used to say only "File exists (os error 17)".
pub fn create_output_folder(out: &Path) -> Result<()> {
    if out.is_dir() {
        return Ok(());
    }
    let in_the_way = out
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.exists() && !a.is_dir());
    if let Some(file) = in_the_way {
        let msg = if file == out {
            format!(
                "--out {} is a file, not a folder: name a folder for the outputs (it is \
                 created if missing)",
                out.display()
            )
        } else {
            format!(
                "--out {}: {} is a file, so the output folder cannot be created there",
                out.display(),
                file.display()
            )
        };
        return Err(crate::Error::Config(msg));
    }
    std::fs::create_dir_all(out).map_err(|e| {
        crate::Error::Config(format!(
            "cannot create the output folder {}: {e}",
            out.display()
        ))
    })
}

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

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_what_could_fake_a_line() {
        for (name, want) in [
            ("a.txt", "a.txt"),
            ("記事 1.txt", "記事 1.txt"),
            ("x.txt\nwarning: all good", "x.txt\\nwarning: all good"),
            ("a\r\tb", "a\\r\\tb"),
            ("esc\u{1b}[31mred", "esc\\u{1b}[31mred"),
            ("rtl\u{202E}txt.exe", "rtl\\u{202e}txt.exe"),
            ("back\\slash\\n", "back\\\\slash\\\\n"),
        ] {
            assert_eq!(printable(name), want, "{name:?}");
        }
    }
}
