//! Export files holding many articles: JSON Lines (`.jsonl`, `.ndjson`), CSV (`.csv`
//! other than `metadata.csv`) and Parquet (`.parquet`), in the corpus folder or given as
//! the corpus.
//!
//! - Columns: `id`, `text`/`body`/`content`, `title`, `source`/`media`, `url`,
//!   `published`/`date` by default ([`Columns`] overrides the text and id columns:
//!   `--text-column`, `--id-column`); every other column travels with the document as a
//!   variable, like a `metadata.csv` column. A `metadata.csv` row for the export file
//!   gives defaults for its rows (a row's own cells win).
//! - Keys: `FILE#ID` ([`super::key::row_key`]), or `FILE#LINE` when the file has no id
//!   column. Offsets point into the article's text as stored in the file.
//! - A bad line or row (not JSON, no text, a repeated id) is a [`Skip`] naming the file and
//!   line; the rest of the file is read.
//! - Memory stays bounded: files are read a line (JSON Lines, CSV) or a row group
//!   (Parquet) at a time. A scan records where each row is ([`RowLoc`]); the analysis
//!   reads it again from there. Parquet files and CSV files in another encoding than UTF-8
//!   are first copied, a row at a time, into a UTF-8 JSON Lines or CSV file in a spool
//!   folder ([`Spool`], removed when the run ends), which is then read the same way.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Document, Meta, Metadata, PageMeta, Skip, SourceFile, key};
use crate::calendar::Date;

/// The format of an export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Apache Parquet (`.parquet`).
    Parquet,
}

/// Which columns hold the text and the id (the user's `--text-column`, `--id-column`);
/// `None` takes the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    /// The text column (default: `text`, then `body`, then `content`).
    pub text: Option<String>,
    /// The id column (default: `id`).
    pub id: Option<String>,
}

const TEXT_COLUMNS: &[&str] = &["text", "body", "content"];
const SOURCE_COLUMNS: &[&str] = &["source", "media"];
const PUBLISHED_COLUMNS: &[&str] = &["published", "date"];

/// Where a row is, in a JSON Lines or CSV file (the export itself or its UTF-8 copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowLoc {
    /// Byte offset of the line or record.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u32,
    /// Its line (JSON Lines, CSV) or row (Parquet) number, from 1.
    pub line: u32,
    /// Whether it is a CSV record (else a JSON object).
    pub csv: bool,
    /// The export's encoding ([`encoding_name`]).
    pub enc: u8,
}

const ENCODINGS: [&str; 6] = [
    "UTF-8",
    "Shift_JIS",
    "EUC-JP",
    "ISO-2022-JP",
    "UTF-16LE",
    "UTF-16BE",
];

fn encoding_code(name: &str) -> u8 {
    let base = name.trim_end_matches(" (BOM)");
    ENCODINGS.iter().position(|e| *e == base).unwrap_or(0) as u8
}

/// The name of an encoding code of [`RowLoc::enc`].
pub fn encoding_name(code: u8) -> &'static str {
    ENCODINGS.get(code as usize).copied().unwrap_or("UTF-8")
}

/// Files written for one run (UTF-8 copies of exports), removed when it is dropped.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    files: Mutex<Vec<PathBuf>>,
    _temp: Option<tempfile::TempDir>,
}

static SPOOLED: AtomicUsize = AtomicUsize::new(0);

impl Spool {
    /// Copies go to `dir` (the store folder; their names mark them as temporary, so a
    /// killed run's copies are removed by the next run).
    pub fn in_dir(dir: &Path) -> Spool {
        Spool {
            dir: dir.to_path_buf(),
            files: Mutex::new(Vec::new()),
            _temp: None,
        }
    }

    /// Copies go to a temporary folder of the system.
    pub fn temporary() -> std::io::Result<Spool> {
        let t = tempfile::tempdir()?;
        Ok(Spool {
            dir: t.path().to_path_buf(),
            files: Mutex::new(Vec::new()),
            _temp: Some(t),
        })
    }

    fn create(&self) -> Result<(PathBuf, BufWriter<File>), String> {
        let n = SPOOLED.fetch_add(1, Ordering::SeqCst);
        let path = self
            .dir
            .join(format!(".spool.tmp-{}-{n}", std::process::id()));
        let f = File::create(&path)
            .map_err(|e| format!("cannot write a copy in {}: {e}", self.dir.display()))?;
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(path.clone());
        Ok((path, BufWriter::with_capacity(1 << 16, f)))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        for f in self
            .files
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// An export in a form whose rows can be found by [`RowLoc`]: the file itself, or its
/// UTF-8 copy.
#[derive(Debug, Clone)]
pub struct Readable {
    /// The file to read rows from.
    pub path: PathBuf,
    /// Whether it is CSV (else JSON Lines).
    pub csv: bool,
    /// The export's encoding (`UTF-8`, or what a CSV was found in).
    pub encoding: &'static str,
}

/// Makes `path` (an export of `format`) readable by row: JSON Lines and UTF-8 CSV as they
/// are, Parquet and other CSV copied into `spool`.
pub fn readable(path: &Path, format: Format, spool: &Spool) -> Result<Readable, String> {
    match format {
        Format::Jsonl => Ok(Readable {
            path: path.to_path_buf(),
            csv: false,
            encoding: "UTF-8",
        }),
        Format::Csv => {
            let mut f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let mut head = vec![0u8; 1 << 16];
            let n = read_full(&mut f, &mut head).map_err(|e| format!("cannot read: {e}"))?;
            head.truncate(n);
            let utf8 = match std::str::from_utf8(&head) {
                Ok(_) => true,
                // A character cut at the end of the sample is still UTF-8.
                Err(e) => e.error_len().is_none() && n == head.capacity().min(1 << 16),
            };
            if utf8 || head.is_empty() {
                return Ok(Readable {
                    path: path.to_path_buf(),
                    csv: true,
                    encoding: "UTF-8",
                });
            }
            let enc = match super::decode(&head, None) {
                Ok(d) => d.encoding,
                Err(e) => return Err(format!("not a text CSV file: {e}")),
            };
            let encoding = match enc {
                "Shift_JIS" => encoding_rs::SHIFT_JIS,
                "EUC-JP" => encoding_rs::EUC_JP,
                "ISO-2022-JP" => encoding_rs::ISO_2022_JP,
                "UTF-16LE" | "UTF-16LE (BOM)" => encoding_rs::UTF_16LE,
                "UTF-16BE" | "UTF-16BE (BOM)" => encoding_rs::UTF_16BE,
                _ => encoding_rs::UTF_8,
            };
            let (copy, mut w) = spool.create()?;
            let mut dec = encoding.new_decoder();
            let mut f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let mut buf = vec![0u8; 1 << 16];
            let mut out = String::with_capacity(1 << 17);
            loop {
                let n = f.read(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
                out.clear();
                out.reserve(dec.max_utf8_buffer_length(n).unwrap_or(n * 3));
                let _ = dec.decode_to_string(&buf[..n], &mut out, n == 0);
                w.write_all(out.as_bytes())
                    .map_err(|e| format!("cannot write a copy: {e}"))?;
                if n == 0 {
                    break;
                }
            }
            w.flush().map_err(|e| format!("cannot write a copy: {e}"))?;
            Ok(Readable {
                path: copy,
                csv: true,
                encoding: enc,
            })
        }
        Format::Parquet => {
            let (copy, mut w) = spool.create()?;
            let mut line = Vec::with_capacity(4096);
            crate::output::parquet::for_each_text_row(path, |names, cells| {
                let obj: serde_json::Map<String, serde_json::Value> = names
                    .iter()
                    .zip(cells)
                    .filter_map(|(n, v)| Some((n.clone(), serde_json::Value::String(v?))))
                    .collect();
                line.clear();
                serde_json::to_writer(&mut line, &obj).map_err(|e| e.to_string())?;
                line.push(b'\n');
                w.write_all(&line)
                    .map_err(|e| format!("cannot write a copy: {e}"))
            })?;
            w.flush().map_err(|e| format!("cannot write a copy: {e}"))?;
            Ok(Readable {
                path: copy,
                csv: false,
                encoding: "UTF-8",
            })
        }
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

/// The cells of one row: (lower-cased column name, value); JSON nulls left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// The cells.
    pub cells: Vec<(String, String)>,
    /// Bytes that were not UTF-8 (replaced by U+FFFD), and where the first was.
    pub bad_bytes: usize,
    /// Offset of the first bad byte in the line.
    pub first_bad: Option<usize>,
}

/// Text of `bytes`, replacing what is not UTF-8; the count and first offset of bad bytes.
fn lossy(bytes: &[u8]) -> (String, usize, Option<usize>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), 0, None),
        Err(e) => {
            let first = e.valid_up_to();
            let mut bad = 0;
            for c in bytes.utf8_chunks() {
                bad += c.invalid().len();
            }
            (
                String::from_utf8_lossy(bytes).into_owned(),
                bad,
                Some(first),
            )
        }
    }
}

/// Parses one JSON Lines line (without its line break).
fn json_fields(line: &[u8]) -> Result<Fields, String> {
    let (text, bad, first_bad) = lossy(line);
    if bad * 100 > line.len().max(1) {
        return Err(format!(
            "{bad} bytes are not UTF-8 (first at byte {}); JSON Lines must be UTF-8",
            first_bad.unwrap_or(0)
        ));
    }
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let serde_json::Value::Object(obj) = v else {
        return Err("not a JSON object (expected {\"id\": ..., \"text\": ...})".into());
    };
    let cells = obj
        .into_iter()
        .filter_map(|(k, v)| {
            let v = match v {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            Some((k.trim().to_lowercase(), v))
        })
        .collect();
    Ok(Fields {
        cells,
        bad_bytes: bad,
        first_bad,
    })
}

/// The header of a CSV file, lower-cased and trimmed (a byte-order mark removed).
pub fn csv_header(f: &mut File) -> Result<Vec<String>, String> {
    f.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::new(&mut *f));
    let h = rdr
        .byte_headers()
        .map_err(|e| format!("unreadable header: {e}"))?;
    Ok(h.iter()
        .map(|c| {
            String::from_utf8_lossy(c)
                .trim_start_matches('\u{FEFF}')
                .trim()
                .to_lowercase()
        })
        .collect())
}

fn csv_fields(header: &[String], rec: &csv::ByteRecord) -> Result<Fields, String> {
    if rec.len() != header.len() {
        return Err(format!(
            "row has {} fields, the header has {}",
            rec.len(),
            header.len()
        ));
    }
    let mut out = Fields::default();
    let mut at = 0;
    for (h, c) in header.iter().zip(rec.iter()) {
        let (v, bad, first) = lossy(c);
        if bad > 0 && out.first_bad.is_none() {
            out.first_bad = first.map(|f| at + f);
        }
        out.bad_bytes += bad;
        at += c.len() + 1;
        if !h.is_empty() {
            out.cells.push((h.clone(), v));
        }
    }
    let total: usize = rec.iter().map(<[u8]>::len).sum();
    if out.bad_bytes * 100 > total.max(1) {
        return Err(format!(
            "{} bytes are not UTF-8 (first at byte {})",
            out.bad_bytes,
            out.first_bad.unwrap_or(0)
        ));
    }
    Ok(out)
}

/// Reads every row of `r` in order: its place and its cells, or why the line is bad. `f`
/// returning an error stops the reading with it.
pub fn for_each_row(
    r: &Readable,
    mut f: impl FnMut(RowLoc, Result<Fields, String>) -> Result<(), String>,
) -> Result<(), String> {
    let file = File::open(&r.path).map_err(|e| format!("cannot open: {e}"))?;
    let enc = encoding_code(r.encoding);
    if r.csv {
        let mut file = file;
        let header = csv_header(&mut file)?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| format!("cannot read: {e}"))?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(BufReader::with_capacity(1 << 16, file));
        let _ = rdr.byte_headers();
        // Line numbers counted from the bytes (the csv crate's count is off in files with
        // CRLF line ends).
        let mut lines = LineCounter::new(&r.path)?;
        let mut rec = csv::ByteRecord::new();
        loop {
            let start = rdr.position().clone();
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let pos = rec.position().cloned().unwrap_or(start);
                    let end = rdr.position().byte();
                    let loc = RowLoc {
                        offset: pos.byte(),
                        len: u32::try_from(end - pos.byte()).unwrap_or(u32::MAX),
                        line: lines.line_at(pos.byte()),
                        csv: true,
                        enc,
                    };
                    if rec.iter().all(<[u8]>::is_empty) {
                        continue;
                    }
                    f(loc, csv_fields(&header, &rec))?;
                }
                Err(e) => {
                    let line = lines.line_at(e.position().map_or(start.byte(), |p| p.byte()));
                    let loc = RowLoc {
                        offset: start.byte(),
                        len: 0,
                        line,
                        csv: true,
                        enc,
                    };
                    f(loc, Err(format!("malformed row: {e}")))?;
                    if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                        break;
                    }
                }
            }
        }
        return Ok(());
    }
    let mut rdr = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(1 << 12);
    let (mut offset, mut line) = (0u64, 0u32);
    loop {
        buf.clear();
        let n = rdr
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read at line {}: {e}", line + 1))?;
        if n == 0 {
            break;
        }
        line += 1;
        let loc = RowLoc {
            offset,
            len: u32::try_from(n).unwrap_or(u32::MAX),
            line,
            csv: false,
            enc,
        };
        offset += n as u64;
        let body = trim_line(&buf);
        if body.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // A byte-order mark before the first object.
        let body = if line == 1 {
            body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
        } else {
            body
        };
        f(loc, json_fields(body))?;
    }
    Ok(())
}

/// Line numbers of byte offsets met in increasing order.
struct LineCounter {
    f: BufReader<File>,
    off: u64,
    newlines: u32,
}

impl LineCounter {
    fn new(path: &Path) -> Result<LineCounter, String> {
        let f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        Ok(LineCounter {
            f: BufReader::with_capacity(1 << 16, f),
            off: 0,
            newlines: 0,
        })
    }

    /// The line (from 1) of byte `offset`, not before the last one asked.
    fn line_at(&mut self, offset: u64) -> u32 {
        while self.off < offset {
            let Ok(buf) = self.f.fill_buf() else { break };
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min((offset - self.off) as usize);
            self.newlines += buf[..take].iter().filter(|&&b| b == b'\n').count() as u32;
            self.f.consume(take);
            self.off += take as u64;
        }
        // A record may be said to start at the end of the previous one's CR LF.
        while let Ok(buf) = self.f.fill_buf() {
            match buf.first() {
                Some(b'\n') => self.newlines += 1,
                Some(b'\r') => {}
                _ => break,
            }
            self.f.consume(1);
            self.off += 1;
        }
        self.newlines + 1
    }
}

fn trim_line(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Reads the row at `loc` of an open readable export (`header`: its CSV header).
pub fn read_row(f: &mut File, header: Option<&[String]>, loc: RowLoc) -> Result<Fields, String> {
    let mut bytes = vec![0u8; loc.len as usize];
    f.seek(SeekFrom::Start(loc.offset))
        .and_then(|_| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read line {}: {e}", loc.line))?;
    if loc.csv {
        let header = header.ok_or("no CSV header")?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&bytes[..]);
        let mut rec = csv::ByteRecord::new();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => csv_fields(header, &rec),
            Ok(false) => Err("the row is gone".into()),
            Err(e) => Err(format!("malformed row: {e}")),
        }
    } else {
        let body = trim_line(&bytes);
        let body = if loc.line == 1 {
            body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
        } else {
            body
        };
        json_fields(body)
    }
}

/// A row mapped onto a document: its id, text and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The row's id, if the file has an id column.
    pub id: Option<String>,
    /// The article text.
    pub text: String,
    /// Its metadata.
    pub meta: Meta,
    /// Remarks (a bad date, replaced bytes).
    pub warnings: Vec<String>,
}

/// Maps a row's cells onto a document. `defaults` is the export file's `metadata.csv`
/// row (its cells fill what the row leaves empty); `stem` the file's name without
/// extension (the source when nothing else names one).
pub fn map_row(
    fields: Fields,
    cols: &Columns,
    defaults: &Meta,
    stem: &str,
) -> Result<Mapped, String> {
    let Fields {
        cells,
        bad_bytes,
        first_bad,
    } = fields;
    let mut cells: HashMap<String, String> = cells.into_iter().collect();
    let text = match &cols.text {
        Some(c) => cells
            .remove(&c.to_lowercase())
            .ok_or_else(|| format!("no '{c}' column (the --text-column given)"))?,
        None => {
            let c = TEXT_COLUMNS
                .iter()
                .find(|c| cells.get(**c).is_some_and(|t| !t.trim().is_empty()))
                .or_else(|| TEXT_COLUMNS.iter().find(|c| cells.contains_key(**c)))
                .ok_or_else(|| {
                    "no text: none of the columns text, body, content (name the text column \
                     with --text-column)"
                        .to_string()
                })?;
            cells.remove(*c).unwrap_or_default()
        }
    };
    if text.trim().is_empty() {
        return Err("the text is empty".into());
    }
    let id_col = cols
        .id
        .as_deref()
        .map_or("id".to_string(), str::to_lowercase);
    let id = cells.remove(&id_col).map(|s| s.trim().to_string());
    let mut warnings = Vec::new();
    let take = |cells: &mut HashMap<String, String>, names: &[&str]| -> Option<String> {
        let mut found = None;
        for n in names {
            if let Some(v) = cells.remove(*n)
                && found.is_none()
            {
                found = Some(v.trim().to_string());
            }
        }
        found.filter(|v| !v.is_empty())
    };
    let source = take(&mut cells, SOURCE_COLUMNS);
    let title = take(&mut cells, &["title"]);
    let url = take(&mut cells, &["url"]);
    let published = match take(&mut cells, PUBLISHED_COLUMNS) {
        None => defaults.published,
        Some(p) => match Date::parse_loose(&p) {
            Some(d) => Some(d),
            None => {
                warnings.push(format!(
                    "published '{p}' is not a date (expected YYYY-MM-DD); ignored"
                ));
                defaults.published
            }
        },
    };
    let mut extra: std::collections::BTreeMap<String, String> = cells
        .into_iter()
        .filter(|(k, v)| !k.is_empty() && !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
    for (k, v) in &defaults.extra {
        extra.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if bad_bytes > 0 {
        warnings.push(format!(
            "{bad_bytes} byte(s) not valid UTF-8 replaced by U+FFFD (first at byte {} of the \
             line)",
            first_bad.unwrap_or(0)
        ));
    }
    let has_row = defaults.has_row;
    Ok(Mapped {
        id: id.filter(|i| !i.is_empty()),
        meta: Meta {
            source: source.unwrap_or_else(|| {
                if has_row {
                    defaults.source.clone()
                } else {
                    stem.to_string()
                }
            }),
            title: title.or_else(|| defaults.title.clone()),
            url: url.or_else(|| defaults.url.clone()),
            published,
            extra,
            encoding: None,
            has_row: true,
        },
        text,
        warnings,
    })
}

/// The document of a mapped row, keyed `doc`.
pub fn row_document(
    doc: &str,
    m: Mapped,
    encoding: &'static str,
    max_bytes: u64,
) -> Result<Document, String> {
    if m.text.len() as u64 > max_bytes {
        return Err(format!(
            "the text is {} bytes, over the limit of {max_bytes} bytes (raise it with \
             --max-file-mb)",
            m.text.len()
        ));
    }
    Ok(Document {
        doc: doc.to_string(),
        content_hash: blake3::hash(m.text.as_bytes()).to_hex().to_string(),
        bytes: m.text.len() as u64,
        encoding,
        is_html: false,
        html: None,
        page: PageMeta::default(),
        text: m.text,
        meta: m.meta,
        warnings: m.warnings,
    })
}

/// Why a file whose first row has these cells does not hold articles, if it does not: it
/// has no text column, or its rows point into other documents (`doc` with `start`/`end`
/// offsets: annotations such as a gold file).
fn not_articles(f: &Fields, cols: &Columns) -> Result<(), String> {
    let has = |k: &str| f.cells.iter().any(|(c, _)| c == k);
    let text = match &cols.text {
        Some(c) => has(&c.to_lowercase()),
        None => TEXT_COLUMNS.iter().any(|c| has(c)),
    };
    if !text {
        let names: Vec<&str> = f.cells.iter().map(|(c, _)| c.as_str()).take(12).collect();
        return Err(format!(
            "no text column in its first row (columns: {}); not read as articles (name the \
             text column with --text-column)",
            names.join(", ")
        ));
    }
    if cols.text.is_none()
        && has("doc")
        && ((has("start") && has("end")) || (has("byte_start") && has("byte_end")))
    {
        return Err(
            "its rows point into other documents (doc with start/end offsets): annotations, \
             not articles; not read (name the text column with --text-column if they are \
             articles)"
                .into(),
        );
    }
    Ok(())
}

/// The id part of a row's key: its id, or its line number when it has none.
pub fn row_id(m: &Mapped, loc: RowLoc) -> String {
    m.id.clone().unwrap_or_else(|| loc.line.to_string())
}

/// A row found by [`scan_rows`].
#[derive(Debug, Clone)]
pub struct ScannedRow {
    /// Its key relative to the folder (`FILE#ID`, without the folder label).
    pub key: String,
    /// Where it is in the readable form of the file.
    pub loc: RowLoc,
    /// BLAKE3 of its text.
    pub hash: String,
    /// Bytes of its text.
    pub size: u64,
    /// Its metadata.
    pub meta: Meta,
    /// Why it cannot be analysed (text too long), if so.
    pub problem: Option<String>,
}

/// The file-level defaults of an export and the name its rows' skips use.
fn file_defaults(file: &SourceFile, metadata: &Metadata) -> (Meta, String) {
    let (meta, _) = metadata.for_doc(&file.name);
    let stem = super::file_stem(&file.name);
    (meta, stem)
}

/// Lists the rows of the export `file`: each row found (with its hash and metadata) or a
/// skip naming the file and line. Returns the readable form rows are read from, or why the
/// whole file cannot be used.
pub fn scan_rows(
    file: &SourceFile,
    format: Format,
    cols: &Columns,
    metadata: &Metadata,
    max_bytes: u64,
    spool: &Spool,
    emit: impl FnMut(Result<ScannedRow, Skip>),
) -> Result<Readable, Skip> {
    let r = readable(&file.path, format, spool).map_err(|reason| Skip {
        path: file.name.clone(),
        reason,
    })?;
    scan_readable(file, &r, cols, metadata, max_bytes, emit)?;
    Ok(r)
}

/// [`scan_rows`] of an export already made readable ([`readable`]).
pub fn scan_readable(
    file: &SourceFile,
    r: &Readable,
    cols: &Columns,
    metadata: &Metadata,
    max_bytes: u64,
    mut emit: impl FnMut(Result<ScannedRow, Skip>),
) -> Result<(), Skip> {
    let skip_file = |reason: String| Skip {
        path: file.name.clone(),
        reason,
    };
    let (defaults, stem) = file_defaults(file, metadata);
    let mut seen: HashMap<String, u32> = HashMap::new();
    let (mut good, mut bad) = (0usize, 0usize);
    let mut first_reason = None;
    let mut first = true;
    let res = for_each_row(r, |loc, fields| {
        let here = format!("{}:{}", file.name, loc.line);
        // The first row tells what the file is: articles, or something else (gold
        // annotations, a list of labels) that happens to be JSON Lines or CSV.
        if let (true, Ok(f)) = (first, &fields) {
            first = false;
            not_articles(f, cols)?;
        }
        let mapped = fields.and_then(|f| map_row(f, cols, &defaults, &stem));
        match mapped {
            Err(reason) => {
                bad += 1;
                first_reason.get_or_insert_with(|| reason.clone());
                // A file whose first hundred rows are all bad is mapped wrong: one skip.
                if good == 0 && bad >= 100 {
                    return Err(format!(
                        "its first {bad} rows cannot be read ({}); check the columns \
                         (--text-column, --id-column)",
                        first_reason.clone().unwrap_or_default()
                    ));
                }
                emit(Err(Skip {
                    path: here,
                    reason: format!("{reason}; row skipped"),
                }));
            }
            Ok(m) => {
                let id = row_id(&m, loc);
                if let Some(first) = seen.get(&id) {
                    bad += 1;
                    emit(Err(Skip {
                        path: here,
                        reason: format!(
                            "id '{id}' repeats line {first}; the first is used, this row skipped"
                        ),
                    }));
                    return Ok(());
                }
                seen.insert(id.clone(), loc.line);
                good += 1;
                let problem = (m.text.len() as u64 > max_bytes).then(|| {
                    format!(
                        "the text is {} bytes, over the limit of {max_bytes} bytes (raise it \
                         with --max-file-mb)",
                        m.text.len()
                    )
                });
                emit(Ok(ScannedRow {
                    key: key::row_key(&file.doc, &id),
                    loc,
                    hash: blake3::hash(m.text.as_bytes()).to_hex().to_string(),
                    size: m.text.len() as u64,
                    meta: m.meta,
                    problem,
                }));
            }
        }
        Ok(())
    });
    res.map_err(skip_file)?;
    if good == 0 && bad == 0 {
        return Err(skip_file("no rows (an empty export file)".into()));
    }
    Ok(())
}

/// Reads the row `loc` of `readable` as the document `doc` (its key, with the folder
/// label), checking that the row is still the one planned (`id`).
pub fn read_planned_row(
    doc: &str,
    file: &SourceFile,
    files: &mut OpenExports,
    loc: RowLoc,
    cols: &Columns,
    metadata: &Metadata,
    max_bytes: u64,
) -> Result<Document, Skip> {
    let here = format!("{}:{}", file.name, loc.line);
    let skip = |reason: String| Skip {
        path: here.clone(),
        reason,
    };
    let (f, header) = files.open(&file.path, loc.csv).map_err(skip)?;
    let fields = read_row(f, header, loc).map_err(skip)?;
    let (defaults, stem) = file_defaults(file, metadata);
    let m = map_row(fields, cols, &defaults, &stem).map_err(skip)?;
    let (_, _, want) = key::split(doc);
    let id = row_id(&m, loc);
    if want.is_some_and(|w| w != key::escape_str(&id)) {
        return Err(skip(
            "the file changed during the run (this row is not the one planned); run again".into(),
        ));
    }
    row_document(doc, m, encoding_name(loc.enc), max_bytes).map_err(skip)
}

/// Open readable exports (and their CSV headers), kept while a batch of rows is read.
#[derive(Default)]
pub struct OpenExports {
    open: HashMap<PathBuf, (File, Option<Vec<String>>)>,
}

impl OpenExports {
    fn open(&mut self, path: &Path, csv: bool) -> Result<(&mut File, Option<&[String]>), String> {
        if !self.open.contains_key(path) {
            let mut f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let header = if csv { Some(csv_header(&mut f)?) } else { None };
            self.open.insert(path.to_path_buf(), (f, header));
        }
        let (f, h) = self.open.get_mut(path).expect("inserted above");
        Ok((f, h.as_deref()))
    }
}

/// Every article of the export `file` as a document (the in-memory path: tests, `eval`),
/// in file order, with the skips of bad rows.
pub fn read_all(
    file: &SourceFile,
    format: Format,
    cols: &Columns,
    metadata: &Metadata,
    max_bytes: u64,
) -> Vec<Result<Document, Skip>> {
    let spool = match Spool::temporary() {
        Ok(s) => s,
        Err(e) => {
            return vec![Err(Skip {
                path: file.name.clone(),
                reason: format!("cannot make a temporary copy: {e}"),
            })];
        }
    };
    let mut rows = Vec::new();
    let r = match scan_rows(file, format, cols, metadata, max_bytes, &spool, |r| {
        rows.push(r)
    }) {
        Ok(r) => r,
        Err(s) => return vec![Err(s)],
    };
    let mut files = OpenExports::default();
    let readable_file = SourceFile {
        path: r.path.clone(),
        ..file.clone()
    };
    rows.into_iter()
        .map(|row| {
            let row = row?;
            read_planned_row(
                &row.key,
                &readable_file,
                &mut files,
                row.loc,
                cols,
                metadata,
                max_bytes,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> SourceFile {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        SourceFile::new(name, p)
    }

    #[test]
    fn jsonl_rows_map_key_and_skip_with_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "e.jsonl",
            "{\"id\":\"a1\",\"text\":\"被害額は約5500万円。\",\"media\":\"日経\",\"date\":\"2019-07-04\",\"views\":12}\n\
             not json\n\
             \n\
             {\"id\":\"a2\",\"body\":\"二段階認証がなかった。\",\"title\":\"見出し\"}\n\
             {\"id\":\"a1\",\"text\":\"重複\"}\n\
             {\"id\":\"a3\",\"title\":\"本文なし\"}\n"
                .as_bytes(),
        );
        let docs = read_all(
            &f,
            Format::Jsonl,
            &Columns::default(),
            &Metadata::default(),
            1 << 20,
        );
        let ok: Vec<&Document> = docs.iter().filter_map(|d| d.as_ref().ok()).collect();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].doc, "e.jsonl#a1");
        assert_eq!(ok[0].meta.source, "日経");
        assert_eq!(ok[0].meta.published, Date::new(2019, 7, 4));
        assert_eq!(
            ok[0].meta.extra.get("views").map(String::as_str),
            Some("12")
        );
        assert_eq!(ok[1].doc, "e.jsonl#a2");
        assert_eq!(ok[1].meta.source, "e");
        assert_eq!(ok[1].meta.title.as_deref(), Some("見出し"));
        let skips: Vec<String> = docs
            .iter()
            .filter_map(|d| d.as_ref().err().map(|s| s.to_string()))
            .collect();
        assert_eq!(skips.len(), 3, "{skips:?}");
        assert!(
            skips[0].starts_with("e.jsonl:2: not valid JSON"),
            "{skips:?}"
        );
        assert!(
            skips[1].starts_with("e.jsonl:5: id 'a1' repeats line 1"),
            "{skips:?}"
        );
        assert!(skips[2].starts_with("e.jsonl:6: no text"), "{skips:?}");
    }

    #[test]
    fn csv_in_shift_jis_and_columns_named_by_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let csv =
            "記事番号,本文,source\r\n7,\"被害は約900人、\r\n約5500万円。\",日経\r\n8,,朝日\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
        let f = write(dir.path(), "e.csv", &sjis);
        let cols = Columns {
            text: Some("本文".into()),
            id: Some("記事番号".into()),
        };
        let docs = read_all(&f, Format::Csv, &cols, &Metadata::default(), 1 << 20);
        let d = docs[0].as_ref().unwrap();
        assert_eq!(d.doc, "e.csv#7");
        assert_eq!(d.text, "被害は約900人、\r\n約5500万円。");
        assert_eq!(d.encoding, "Shift_JIS");
        let s = docs[1].as_ref().unwrap_err();
        assert_eq!(s.path, "e.csv:4");
        assert!(s.reason.contains("empty"), "{s}");
        // Without the column names, the text column is not found: one skip for the file.
        let docs = read_all(
            &f,
            Format::Csv,
            &Columns::default(),
            &Metadata::default(),
            1 << 20,
        );
        assert_eq!(docs.len(), 1);
        let s = docs[0].as_ref().unwrap_err();
        assert_eq!(s.path, "e.csv");
        assert!(s.reason.contains("no text column"), "{s}");
        // Gold annotations beside the articles are not articles.
        let gold = write(
            dir.path(),
            "gold.jsonl",
            b"{\"doc\": \"a.txt\", \"kind\": \"money\", \"text\": \"5500\", \"start\": 3, \"end\": 7}\n",
        );
        let docs = read_all(
            &gold,
            Format::Jsonl,
            &Columns::default(),
            &Metadata::default(),
            1 << 20,
        );
        let s = docs[0].as_ref().unwrap_err();
        assert!(s.reason.contains("annotations"), "{s}");
    }

    #[test]
    fn a_few_bad_bytes_in_a_line_are_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut line = "{\"id\":1,\"text\":\"".as_bytes().to_vec();
        line.extend("被害額は約5500万円にのぼった。".repeat(20).as_bytes());
        line.extend([0xFF, 0xFE, 0xFD]);
        line.extend("\"}\n".as_bytes());
        let f = write(dir.path(), "e.jsonl", &line);
        let docs = read_all(
            &f,
            Format::Jsonl,
            &Columns::default(),
            &Metadata::default(),
            1 << 20,
        );
        let d = docs[0].as_ref().unwrap();
        assert_eq!(d.doc, "e.jsonl#1");
        assert!(d.text.ends_with("\u{FFFD}\u{FFFD}\u{FFFD}"));
        assert!(
            d.warnings[0].contains("3 byte(s) not valid UTF-8"),
            "{:?}",
            d.warnings
        );
    }
}
