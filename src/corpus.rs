//! Stage 1: a corpus folder -> [`Document`]s (each owns its decoded text) and skips.
//!
//! - [`discover`] walks the folder (sorted, hidden entries ignored, symlinks followed only
//!   inside the corpus, loops detected) and lists article files: `.txt`, `.text`, `.html`,
//!   `.htm`. Anything else is reported, not read.
//! - [`Metadata::load`] reads `metadata.csv` (any supported encoding) and validates each
//!   row; a bad row is a warning naming its line, never an abort.
//! - [`read_document`] reads one file, detects its encoding ([`decode`]) and joins its
//!   metadata. The decoded text, with any byte-order mark removed, is "the original text":
//!   every span shiten reports is a byte range into it.
//!
//! A file that cannot be read or decoded, or that holds no text, becomes a [`Skip`] with a
//! reason; the run goes on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::calendar::Date;
use crate::intern::{Interner, TextRef, Texts};

pub mod export;
pub mod html;
pub mod key;

pub use html::PageMeta;

/// Name of the metadata file at the corpus root.
pub const METADATA_FILE: &str = "metadata.csv";

/// Files larger than this many MiB are skipped unless the user raises the limit
/// (`--max-file-mb`): news articles are rarely over 1 MiB, and per-document memory grows
/// with the document.
pub const DEFAULT_MAX_FILE_MB: u64 = 16;
/// [`DEFAULT_MAX_FILE_MB`] in bytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = DEFAULT_MAX_FILE_MB * 1024 * 1024;

/// What `metadata.csv` says about one article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// Outlet name; falls back to the file stem when the row or cell is missing.
    pub source: String,
    /// Headline, if given.
    pub title: Option<String>,
    /// Address, if given.
    pub url: Option<String>,
    /// Publication date, if given and valid.
    pub published: Option<Date>,
    /// Further columns (source_type, author, ...), by column name.
    pub extra: BTreeMap<String, String>,
    /// Encoding declared in an `encoding` column, which overrides detection.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Whether a metadata row was found for the file.
    pub has_row: bool,
}

/// One article, as read from disk.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document key (see [`key`]): its name relative to its corpus folder, prefixed
    /// with the folder's label for an added folder, suffixed with `#id` for a row of an
    /// export file.
    pub doc: String,
    /// The decoded text (BOM removed): every span points into it.
    pub text: String,
    /// The detected encoding, e.g. `UTF-8`, `Shift_JIS`, `EUC-JP`.
    pub encoding: &'static str,
    /// Whether the input is HTML (reduced to text by normalization).
    pub is_html: bool,
    /// For a web page: what each stretch of its source is (text, reference, markup) and
    /// which is boilerplate.
    pub html: Option<Box<html::Layout>>,
    /// What a web page says about itself (headline, date, site); empty for other inputs.
    pub page: PageMeta,
    /// BLAKE3 of the file's bytes, hex.
    pub content_hash: String,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// The metadata row.
    pub meta: Meta,
    /// Problems that did not stop the analysis (missing metadata row, replaced bytes...).
    pub warnings: Vec<String>,
}

impl Document {
    /// A document from a string, for tests and examples: UTF-8, no metadata row.
    pub fn from_str(doc: &str, text: &str) -> Document {
        Document {
            doc: doc.to_string(),
            text: text.to_string(),
            encoding: "UTF-8",
            is_html: false,
            html: None,
            page: PageMeta::default(),
            content_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
            bytes: text.len() as u64,
            meta: Meta {
                source: file_stem(doc),
                ..Meta::default()
            },
            warnings: Vec::new(),
        }
    }
}

/// An input that was not analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skip {
    /// Path relative to the corpus folder (or the metadata file and line).
    pub path: String,
    /// What went wrong and what the user can do.
    pub reason: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// An article file (or an export file of articles) found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Its key relative to the corpus folder ([`key`]: escaped, `/`-separated); the
    /// document key once the folder's label is added.
    pub doc: String,
    /// The name people see and `metadata.csv` names it by (see [`key::display_name`]).
    pub name: String,
    /// Full path to read.
    pub path: PathBuf,
}

impl SourceFile {
    /// A file whose key and name are the same (tests, examples).
    pub fn new(doc: &str, path: PathBuf) -> SourceFile {
        SourceFile {
            doc: doc.to_string(),
            name: key::display_name(doc),
            path,
        }
    }

    /// What kind of input it is.
    pub fn kind(&self) -> FileKind {
        file_kind(&self.path)
    }
}

/// What a file holds, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One article: `.txt`, `.text`.
    Text,
    /// One web page: `.html`, `.htm`, `.xhtml`.
    Html,
    /// Many articles, one per line or row: `.jsonl`/`.ndjson`, `.csv`, `.parquet`.
    Export(export::Format),
    /// Anything else (see [`unusable_reason`]).
    Other,
}

/// The kind of the file at `p`, by its extension (`metadata.csv` is not an export).
pub fn file_kind(p: &Path) -> FileKind {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" => FileKind::Text,
        "html" | "htm" | "xhtml" => FileKind::Html,
        "jsonl" | "ndjson" => FileKind::Export(export::Format::Jsonl),
        "csv" if p.file_name().is_some_and(|n| n != METADATA_FILE) => {
            FileKind::Export(export::Format::Csv)
        }
        "parquet" => FileKind::Export(export::Format::Parquet),
        _ => FileKind::Other,
    }
}

/// Why a file that is not an article is not read, and what to do about it.
pub fn unusable_reason(p: &Path) -> String {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let read = "shiten reads .txt, .text, .html, .htm articles and .jsonl, .csv, .parquet exports";
    match ext.as_str() {
        "pdf" => format!(
            "a PDF is not read; convert it to text, e.g. `pdftotext -enc UTF-8 FILE.pdf` \
             (poppler-utils), and put the .txt in the folder ({read})"
        ),
        "docx" | "doc" | "odt" | "rtf" => format!(
            "a word-processor document is not read; convert it to text, e.g. `pandoc FILE.{ext} \
             -t plain -o FILE.txt` or `libreoffice --headless --convert-to txt FILE.{ext}` \
             ({read})"
        ),
        "xlsx" | "xls" | "ods" => format!(
            "a spreadsheet is not read; save it as CSV (UTF-8) with a text column and it is \
             read as an export of articles ({read})"
        ),
        "json" => format!(
            "a JSON file is not read: shiten reads JSON Lines (.jsonl, one article object per \
             line); convert an array with `jq -c '.[]' FILE.json > FILE.jsonl` ({read})"
        ),
        "zip" | "gz" | "tgz" | "bz2" | "xz" | "7z" | "tar" | "lzh" => {
            format!("a compressed archive is not read; unpack it into the folder first ({read})")
        }
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "tif" | "tiff" | "bmp" => format!(
            "an image is not read; if it is a scanned article, OCR it to text (e.g. \
             `tesseract FILE out -l jpn`) ({read})"
        ),
        _ if p.file_name().is_some_and(|n| n == METADATA_FILE) => {
            "metadata.csv is read only at the top of the corpus folder; move its rows there".into()
        }
        _ => format!("not an article file ({read}); rename it if it is an article"),
    }
}

/// The result of walking a corpus folder.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Article and export files, sorted by `doc`.
    pub files: Vec<SourceFile>,
    /// Entries that are not articles or cannot be visited.
    pub skipped: Vec<Skip>,
    /// Output folders (and their files) left out of the scan: shiten's outputs are never
    /// its inputs.
    pub excluded: Vec<String>,
}

/// The files a publish writes into an output folder.
fn is_output_file(name: &str) -> bool {
    name == crate::report::REPORT_FILE
        || name == crate::state::publish::MANIFEST
        || [".csv", ".parquet"].iter().any(|ext| {
            name.strip_suffix(ext).is_some_and(|stem| {
                [
                    "documents",
                    "mentions",
                    "entities",
                    "facts",
                    "frame_hits",
                    "skipped",
                    "source_frames",
                    "figures",
                    "terms",
                    "cooccurrence",
                ]
                .contains(&stem)
            })
        })
}

/// Whether `dir` is an output folder of shiten (it holds a store).
pub fn is_output_dir(dir: &Path) -> bool {
    dir.join(crate::state::STORE_DIR)
        .join(crate::state::LEDGER_FILE)
        .is_file()
}

/// Walks `root` and lists its article files. Never fails on one bad entry: it is reported
/// in `skipped` and the walk goes on. Fails only when `root` itself cannot be read.
pub fn discover(root: &Path) -> std::io::Result<Discovery> {
    discover_excluding(root, &[])
}

/// [`discover`], leaving out the folders `exclude` (canonical paths: the run's output
/// folder) and any folder holding a shiten store. When `root` is a file (an export given
/// as the corpus), it is the one file listed.
pub fn discover_excluding(root: &Path, exclude: &[PathBuf]) -> std::io::Result<Discovery> {
    let canon_root = fs::canonicalize(root)?;
    let mut out = Discovery::default();
    if canon_root.is_file() {
        let name = canon_root.file_name().unwrap_or_default();
        let doc = key::escape_os(name);
        let file = SourceFile {
            name: key::display_name(&doc),
            doc,
            path: root.to_path_buf(),
        };
        if file.kind() == FileKind::Other {
            out.skipped.push(Skip {
                reason: unusable_reason(&file.path),
                path: file.name,
            });
        } else {
            out.files.push(file);
        }
        return Ok(out);
    }
    if !canon_root.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut seen_dirs = HashSet::new();
    seen_dirs.insert(canon_root.clone());
    let walker = Walker {
        root,
        canon_root: &canon_root,
        exclude,
    };
    walker.walk(root, &mut seen_dirs, &mut out);
    out.files.sort_by(|a, b| a.doc.cmp(&b.doc));
    out.skipped.sort();
    Ok(out)
}

struct Walker<'a> {
    root: &'a Path,
    canon_root: &'a Path,
    exclude: &'a [PathBuf],
}

impl Walker<'_> {
    fn rel(&self, p: &Path) -> String {
        key::display_name(&key::relative_key(self.root, p))
    }

    fn walk(&self, dir: &Path, seen: &mut HashSet<PathBuf>, out: &mut Discovery) {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push(Skip {
                    path: self.rel(dir),
                    reason: format!("cannot read folder: {e}"),
                });
                return;
            }
        };
        // The outputs of a run into this very folder (`shiten run . --out .`).
        let output_dir = is_output_dir(dir);
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let os_name = entry.file_name();
            let name = os_name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            if dir == self.root && name == METADATA_FILE {
                continue;
            }
            let rel = self.rel(&path);
            let Ok(ft) = entry.file_type() else {
                out.skipped.push(Skip {
                    path: rel,
                    reason: "cannot read file type".into(),
                });
                continue;
            };
            let (is_dir, is_file) = if ft.is_symlink() {
                match fs::canonicalize(&path) {
                    Ok(target) if !target.starts_with(self.canon_root) => {
                        out.skipped.push(Skip {
                            path: rel,
                            reason: format!(
                                "symbolic link to {} points outside the corpus folder; not \
                                 followed",
                                target.display()
                            ),
                        });
                        continue;
                    }
                    Ok(target) => (target.is_dir(), target.is_file()),
                    Err(e) => {
                        out.skipped.push(Skip {
                            path: rel,
                            reason: format!("broken or looping symbolic link: {e}"),
                        });
                        continue;
                    }
                }
            } else {
                (ft.is_dir(), ft.is_file())
            };
            if output_dir && (is_output_file(&name) || crate::state::publish::is_output_link(&path))
            {
                // A published table (a folder, one file per batch) or file, through its
                // link into the generations of that output folder.
                out.excluded.push(rel);
            } else if is_dir {
                match fs::canonicalize(&path) {
                    Ok(c) if self.exclude.contains(&c) || is_output_dir(&c) => {
                        out.excluded.push(format!("{rel}/"));
                    }
                    Ok(c) if seen.insert(c.clone()) => self.walk(&path, seen, out),
                    Ok(_) => out.skipped.push(Skip {
                        path: rel,
                        reason: "folder already visited (symbolic link loop); not walked again"
                            .into(),
                    }),
                    Err(e) => out.skipped.push(Skip {
                        path: rel,
                        reason: format!("cannot resolve folder: {e}"),
                    }),
                }
            } else if is_file && file_kind(&path) != FileKind::Other {
                let doc = key::relative_key(self.root, &path);
                out.files.push(SourceFile {
                    name: key::display_name(&doc),
                    doc,
                    path,
                });
            } else if is_file {
                out.skipped.push(Skip {
                    path: rel,
                    reason: unusable_reason(&path),
                });
            } else {
                out.skipped.push(Skip {
                    path: rel,
                    reason: "not a regular file".into(),
                });
            }
        }
    }
}

fn file_stem(doc: &str) -> String {
    let base = doc.rsplit('/').next().unwrap_or(doc);
    match base.rfind('.') {
        Some(i) if i > 0 => base[..i].to_string(),
        _ => base.to_string(),
    }
}

// ---------------------------------------------------------------- decoding

/// Decoded text and the encoding it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// Encoding name.
    pub encoding: &'static str,
    /// Bytes that could not be decoded and were replaced by U+FFFD.
    pub replaced: usize,
    /// Byte offset of the first replaced byte.
    pub first_bad: Option<usize>,
    /// NUL bytes kept in the text (normalization drops them).
    pub nul_bytes: usize,
    /// Byte offset of the first NUL byte.
    pub first_nul: Option<usize>,
    /// For a file in two encodings: where the second one starts.
    pub switch_at: Option<usize>,
}

/// How many undecodable bytes per million are tolerated (as a warning) before a file is
/// declared to be in an unknown encoding.
const MAX_BAD_PER_MILLION: usize = 10_000;
/// How many NUL bytes per million are tolerated (stray padding) before a file is binary.
const MAX_NUL_PER_MILLION: usize = 10_000;

/// An encoding by its label as users write it in metadata.csv: WHATWG labels
/// (`utf-8`, `shift_jis`, `euc-jp`, `utf-16le`, ...) plus `cp932`/`ms932`/`sjis`.
pub fn encoding_for_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let l = label.trim().to_ascii_lowercase();
    let l = match l.as_str() {
        "cp932" | "ms932" | "windows-932" | "sjis" | "shift-jis" => "shift_jis",
        "eucjp" | "euc_jp" => "euc-jp",
        "utf8" => "utf-8",
        other => other,
    };
    encoding_rs::Encoding::for_label(l.as_bytes())
}

fn display_name(enc: &'static encoding_rs::Encoding) -> &'static str {
    match enc.name() {
        "Shift_JIS" => "Shift_JIS",
        other => other,
    }
}

/// Decodes with `enc`, replacing bad sequences; returns the text, the count of replaced
/// sequences and the byte offset of the first one.
fn decode_lossy(
    enc: &'static encoding_rs::Encoding,
    bytes: &[u8],
) -> (String, usize, Option<usize>) {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if !had_errors {
        return (text.into_owned(), 0, None);
    }
    let replaced = text.chars().filter(|&c| c == '\u{FFFD}').count();
    let first = if enc == encoding_rs::UTF_8 {
        std::str::from_utf8(bytes).err().map(|e| e.valid_up_to())
    } else {
        first_malformed_byte(enc, bytes)
    };
    (text.into_owned(), replaced, first)
}

fn within(count: usize, len: usize, per_million: usize) -> bool {
    count.saturating_mul(1_000_000) / len.max(1) <= per_million
}

/// Detects the encoding of `bytes` and decodes them. `hint` is an encoding declared in
/// metadata.csv, which wins over detection.
///
/// Detection: byte-order marks (UTF-8, UTF-16LE/BE); ISO-2022-JP escapes; BOM-less UTF-16
/// (by the pattern of zero bytes); strict UTF-8; then UTF-8, Shift_JIS (Windows-31J, with
/// the NEC/IBM extensions ①, ㈱, 髙) and EUC-JP decoded with replacement and scored by how
/// Japanese the result looks, less a penalty per replaced byte. A file that nearly fits
/// one encoding (a few bad bytes: mixed encodings, a broken download) is decoded with
/// replacements and a warning; one that fits none is refused with the offset of the
/// first bad byte.
pub fn decode(
    bytes: &[u8],
    hint: Option<&'static encoding_rs::Encoding>,
) -> Result<Decoded, String> {
    use encoding_rs::{EUC_JP, ISO_2022_JP, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};
    if bytes.is_empty() {
        return Err("empty file".into());
    }
    let len = bytes.len();
    let done = |text: String, encoding: &'static str, replaced: usize, first_bad: Option<usize>| {
        let nul_bytes = text.matches('\0').count();
        let first_nul = (nul_bytes > 0)
            .then(|| bytes.iter().position(|&b| b == 0))
            .flatten();
        if looks_binary(&text) {
            return Err(binary_message(bytes));
        }
        // Stray NUL bytes (padding, a damaged copy) read as U+FFFD, like other bad bytes.
        let text = if nul_bytes > 0 {
            text.replace('\0', "\u{FFFD}")
        } else {
            text
        };
        Ok(Decoded {
            text,
            encoding,
            replaced,
            first_bad,
            nul_bytes,
            first_nul,
            switch_at: None,
        })
    };
    let bom = [
        (&[0xEF, 0xBB, 0xBF][..], UTF_8, "UTF-8 (BOM)"),
        (&[0xFF, 0xFE][..], UTF_16LE, "UTF-16LE (BOM)"),
        (&[0xFE, 0xFF][..], UTF_16BE, "UTF-16BE (BOM)"),
    ];
    for (mark, enc, name) in bom {
        if let Some(rest) = bytes.strip_prefix(mark) {
            let (text, replaced, first) = decode_lossy(enc, rest);
            if !within(replaced, len, MAX_BAD_PER_MILLION) {
                return Err(format!(
                    "starts with a {name} byte-order mark, but {replaced} sequences are not valid \
                     {name} (first at byte {}); the file is damaged or mislabelled",
                    first.map_or(0, |f| f + mark.len())
                ));
            }
            return done(text, name, replaced, first.map(|f| f + mark.len()));
        }
    }
    if let Some(enc) = hint {
        let name = display_name(enc);
        let (text, replaced, first) = decode_lossy(enc, bytes);
        if !within(replaced, len, MAX_BAD_PER_MILLION) {
            return Err(format!(
                "metadata.csv declares encoding {name}, but {replaced} sequences are not valid \
                 {name} (first at byte {}); fix or remove the encoding cell to detect it",
                first.unwrap_or(0)
            ));
        }
        return done(text, name, replaced, first);
    }
    if bytes.contains(&0x1b)
        && bytes.iter().all(|&b| b < 0x80)
        && let Some(text) = ISO_2022_JP.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return done(text.into_owned(), "ISO-2022-JP", 0, None);
    }
    let nuls = bytes.iter().filter(|&&b| b == 0).count();
    if nuls > 0 {
        if let Some(d) = try_utf16_without_bom(bytes) {
            return Ok(d);
        }
        if !within(nuls, len, MAX_NUL_PER_MILLION) {
            return Err(format!(
                "binary data: {nuls} NUL bytes (first at byte {}); not a text file",
                bytes.iter().position(|&b| b == 0).unwrap_or(0)
            ));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return done(text.to_string(), "UTF-8", 0, None);
    }
    let mut best: Option<(i64, &'static str, String, usize, Option<usize>)> = None;
    for (enc, name) in [
        (UTF_8, "UTF-8"),
        (SHIFT_JIS, "Shift_JIS"),
        (EUC_JP, "EUC-JP"),
    ] {
        let (text, replaced, first) = decode_lossy(enc, bytes);
        let score = japanese_score(&text) - (replaced as i64) * 50;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, name, text, replaced, first));
        }
    }
    let Some((_, name, text, replaced, first)) = best else {
        unreachable!("three candidates were scored");
    };
    if replaced == 0 {
        return done(text, name, replaced, first);
    }
    if let Some(d) = try_utf16_without_bom(bytes) {
        return Ok(d);
    }
    if within(replaced, len, MAX_BAD_PER_MILLION) {
        return done(text, name, replaced, first);
    }
    if looks_binary(&String::from_utf8_lossy(bytes)) {
        return Err(binary_message(bytes));
    }
    if let Some(d) = try_utf8_then_legacy(bytes) {
        return Ok(d);
    }
    let utf8_err = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |e| e.valid_up_to());
    Err(format!(
        "unknown encoding: not valid UTF-8 (first invalid byte at byte {utf8_err}), \
         Shift_JIS, EUC-JP, ISO-2022-JP or UTF-16; convert the file to UTF-8 \
         (e.g. `nkf -w` or `iconv -t UTF-8`) or declare its encoding in metadata.csv"
    ))
}

/// A file whose first part is UTF-8 and whose rest is cleanly Shift_JIS or EUC-JP (two
/// files pasted together): each part decoded in its own encoding.
fn try_utf8_then_legacy(bytes: &[u8]) -> Option<Decoded> {
    use encoding_rs::{EUC_JP, SHIFT_JIS};
    let split = std::str::from_utf8(bytes).err()?.valid_up_to();
    // Back up to the start of the line, so that a line is not decoded half and half.
    let split = bytes[..split]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    if split == 0 {
        return None;
    }
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    for (enc, name) in [(SHIFT_JIS, "UTF-8 + Shift_JIS"), (EUC_JP, "UTF-8 + EUC-JP")] {
        if let Some(tail) = enc.decode_without_bom_handling_and_without_replacement(&bytes[split..])
        {
            if japanese_score(&tail) <= 0 {
                continue;
            }
            return Some(Decoded {
                text: format!("{head}{tail}"),
                encoding: name,
                replaced: 0,
                first_bad: None,
                nul_bytes: 0,
                first_nul: None,
                switch_at: Some(split),
            });
        }
    }
    None
}

fn binary_message(bytes: &[u8]) -> String {
    let at = bytes
        .iter()
        .position(|&b| b < 0x09 || (0x0E..0x1B).contains(&b))
        .unwrap_or(0);
    format!(
        "binary data (control byte 0x{:02X} at byte {at}); not a text file (if it is an \
         article, save or export it as text)",
        bytes[at]
    )
}

/// Byte offset of the first byte `enc` cannot decode.
fn first_malformed_byte(enc: &'static encoding_rs::Encoding, raw: &[u8]) -> Option<usize> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(64);
    let mut pos = 0;
    while pos < raw.len() {
        out.clear();
        let end = (pos + 4096).min(raw.len());
        let (res, read) = decoder.decode_to_string_without_replacement(
            &raw[pos..end],
            &mut out,
            end == raw.len(),
        );
        match res {
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                return Some((pos + read).saturating_sub(bad as usize + after as usize));
            }
            encoding_rs::DecoderResult::OutputFull => {
                out.reserve(out.capacity());
                pos += read;
            }
            encoding_rs::DecoderResult::InputEmpty => pos += read,
        }
    }
    None
}

/// Control characters other than tab, line feed, carriage return, form feed and escape.
fn looks_binary(text: &str) -> bool {
    let mut control = 0usize;
    let mut total = 0usize;
    for c in text.chars().take(1 << 20) {
        total += 1;
        if (c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b')) || c == '\u{7f}' {
            control += 1;
        }
    }
    control > 0 && control * 100 >= total.max(1)
}

/// How Japanese a decoded text looks: kana and common kanji score, half-width katakana
/// and rare symbols (typical of a wrong guess between Shift_JIS and EUC-JP) cost.
fn japanese_score(text: &str) -> i64 {
    let mut score = 0i64;
    for c in text.chars().take(200_000) {
        score += match c {
            '\u{3041}'..='\u{3096}' => 3,        // hiragana
            '\u{30A1}'..='\u{30FA}' | 'ー' => 2, // katakana
            '\u{4E00}'..='\u{9FFF}' => 1,        // CJK unified ideographs
            '、' | '。' | '「' | '」' => 2,
            '\u{FF61}'..='\u{FF9F}' => -3, // half-width katakana
            '\u{FFFD}' => -20,
            c if c.is_ascii() => 0,
            _ => -1,
        };
    }
    score
}

/// UTF-16 without a byte-order mark: accepted only when one byte of most pairs is zero
/// (Latin text) or when the decoded text is overwhelmingly kana and kanji.
fn try_utf16_without_bom(bytes: &[u8]) -> Option<Decoded> {
    use encoding_rs::{UTF_16BE, UTF_16LE};
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let pairs = bytes.len() / 2;
    let zeros_even = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
    let zeros_odd = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let mut best: Option<(i64, Decoded)> = None;
    for (enc, name, zeros_high) in [
        (UTF_16LE, "UTF-16LE", zeros_odd),
        (UTF_16BE, "UTF-16BE", zeros_even),
    ] {
        let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) else {
            continue;
        };
        let chars = text.chars().count().max(1) as i64;
        // Japanese prose is at least a fifth kana; Shift_JIS or EUC-JP bytes read as
        // UTF-16 give ideographs and almost no kana.
        let jp = text
            .chars()
            .filter(|c| matches!(c, '\u{3041}'..='\u{30FF}'))
            .count() as i64;
        let ascii_text = zeros_high * 10 >= pairs * 6
            && text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
        let japanese = jp * 5 >= chars;
        if !(ascii_text || japanese) || looks_binary(&text) {
            continue;
        }
        let score = jp * 2 + zeros_high as i64;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((
                score,
                Decoded {
                    text: text.into_owned(),
                    encoding: name,
                    replaced: 0,
                    first_bad: None,
                    nul_bytes: 0,
                    first_nul: None,
                    switch_at: None,
                },
            ));
        }
    }
    best.map(|b| b.1)
}

// ---------------------------------------------------------------- metadata

/// A piece of [`Metadata::extra`].
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One row of `metadata.csv`, stored compactly (a corpus may have a hundred thousand):
/// its texts are pieces of one string, repeated cells (outlets, source types) are stored
/// once in [`Metadata::strings`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Row {
    /// File name (the key).
    file: TextRef,
    /// Outlet (index into `strings`), if given.
    source: Option<u32>,
    title: Option<TextRef>,
    url: Option<TextRef>,
    published: Option<Date>,
    /// A `published` cell that is not a date, and its line: a warning on the document.
    bad_published: Option<(TextRef, u32)>,
    #[serde(with = "encoding_name")]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// Further columns: a piece of [`Metadata::extra`].
    extra: Span,
}

/// An encoding by its name, for serde.
mod encoding_name {
    use encoding_rs::Encoding;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        e: &Option<&'static Encoding>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        e.map(Encoding::name).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<&'static Encoding>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|name| {
                Encoding::for_label(name.as_bytes())
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown encoding {name}")))
            })
            .transpose()
    }
}

/// `metadata.csv`, validated: rows by file name, plus what was wrong with it. Serialized
/// without its skips and warnings (a run's pages of work carry only the rows).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// Rows sorted by file name, one per file.
    rows: Vec<Row>,
    /// The rows' file names, titles and URLs.
    text: Texts,
    /// The rows' further columns: (header index, value index into `strings`).
    extra: Vec<(u16, u32)>,
    /// Interned cell values.
    strings: Vec<Box<str>>,
    /// Lower-cased header names.
    headers: Vec<String>,
    /// Rows that could not be used (malformed, duplicate, outside the corpus, no file).
    #[serde(skip)]
    pub skipped: Vec<Skip>,
    /// Non-fatal remarks about the file as a whole.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// Whether a metadata file was present.
    pub present: bool,
}

impl Metadata {
    /// Reads `root/metadata.csv` if present. Never fails: problems become skips/warnings.
    pub fn load(root: &Path) -> Metadata {
        Metadata::load_known(root, &|_| false)
    }

    /// [`Metadata::load`], told which names are files of the folder already (found by the
    /// scan), so only rows naming other files cost a `stat` to check.
    pub fn load_known(root: &Path, known: &dyn Fn(&str) -> bool) -> Metadata {
        let path = root.join(METADATA_FILE);
        let mut md = Metadata::default();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                md.warnings.push(format!(
                    "no {METADATA_FILE} in {}: sources fall back to file names and relative \
                     dates anchor on the latest date in each text",
                    root.display()
                ));
                return md;
            }
            Err(e) => {
                md.skipped.push(Skip {
                    path: METADATA_FILE.into(),
                    reason: format!("cannot read: {e}; metadata ignored"),
                });
                return md;
            }
        };
        md.present = true;
        let text = match decode(&bytes, None) {
            Ok(d) => d.text,
            Err(e) => {
                md.skipped.push(Skip {
                    path: METADATA_FILE.into(),
                    reason: format!("{e}; metadata ignored"),
                });
                return md;
            }
        };
        md.parse_known(&text, root, known);
        md
    }

    /// Parses metadata CSV text (used by [`Metadata::load`] and tests).
    pub fn parse(&mut self, text: &str, root: &Path) {
        self.parse_known(text, root, &|_| false)
    }

    /// [`Metadata::parse`] with the names known to be files of `root`.
    fn parse_known(&mut self, text: &str, root: &Path, known: &dyn Fn(&str) -> bool) {
        if u32::try_from(text.len()).is_err() {
            self.skipped.push(Skip {
                path: METADATA_FILE.into(),
                reason: "larger than 4 GiB; metadata ignored".into(),
            });
            return;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut headers: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
            Err(e) => {
                self.skipped.push(Skip {
                    path: METADATA_FILE.into(),
                    reason: format!("unreadable header: {e}; metadata ignored"),
                });
                return;
            }
        };
        let col = |name: &str| headers.iter().position(|h| h == name);
        let Some(file_col) = col("file") else {
            self.skipped.push(Skip {
                path: METADATA_FILE.into(),
                reason: format!(
                    "no 'file' column (header is: {}); expected file,source,title,url,published; \
                     metadata ignored",
                    headers.join(",")
                ),
            });
            return;
        };
        // Line numbers from byte offsets: the csv reader counts a CRLF file's lines one
        // short (issue 16.7; the seeds' metadata.csv is CRLF). A line ends at LF, CRLF or
        // a lone CR, as the csv reader reads them.
        let bytes = text.as_bytes();
        let breaks: Vec<u64> = (0..bytes.len())
            .filter(|&i| {
                bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
            })
            .map(|i| i as u64)
            .collect();
        let line_at = |p: Option<&csv::Position>| {
            p.map_or(0, |p| {
                // A record's position may be that of the line break before it (the LF of a
                // CRLF, a blank line): its line is the one its first field is on.
                let mut at = p.byte() as usize;
                while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                breaks.partition_point(|&b| b < at as u64) + 1
            })
        };
        let mut interned = Interner::default();
        // Line of the first row of each file name, to find second rows while reading.
        let mut seen: HashMap<Box<str>, u32> = HashMap::new();
        let (source_col, title_col, url_col, pub_col, enc_col) = (
            col("source"),
            col("title"),
            col("url"),
            col("published"),
            col("encoding"),
        );
        let core = [
            Some(file_col),
            source_col,
            title_col,
            url_col,
            pub_col,
            enc_col,
        ];
        let is_extra = |i: usize, h: &str| !core.contains(&Some(i)) && !h.is_empty();
        let renamed = extra_column_names(&mut headers, is_extra);
        self.warnings.extend(renamed);
        for result in rdr.records() {
            let rec = match result {
                Ok(r) => r,
                Err(e) => {
                    let line = line_at(e.position());
                    self.skipped.push(Skip {
                        path: format!("{METADATA_FILE}:{line}"),
                        reason: format!("malformed row: {e}"),
                    });
                    continue;
                }
            };
            let line = line_at(rec.position());
            if rec.iter().all(|c| c.is_empty()) {
                continue;
            }
            let here = format!("{METADATA_FILE}:{line}");
            if rec.len() != headers.len() {
                self.skipped.push(Skip {
                    path: here,
                    reason: format!(
                        "row has {} fields, the header has {}; row ignored",
                        rec.len(),
                        headers.len()
                    ),
                });
                continue;
            }
            let get = |c: Option<usize>| {
                c.and_then(|i| rec.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let Some(file) = get(Some(file_col)) else {
                self.skipped.push(Skip {
                    path: here,
                    reason: "empty 'file' cell; row ignored".into(),
                });
                continue;
            };
            let Some(key) = safe_relative(&file) else {
                self.skipped.push(Skip {
                    path: here,
                    reason: format!(
                        "file '{file}' is absolute or points outside the corpus folder; row ignored"
                    ),
                });
                continue;
            };
            if let Some(&first) = seen.get(key.as_str()) {
                self.skipped.push(Skip {
                    path: here,
                    reason: format!(
                        "second row for '{key}' (first at line {first}); the first row is used"
                    ),
                });
                continue;
            }
            let mut warnings = Vec::new();
            let (published, bad_published) = match get(pub_col) {
                None => (None, None),
                Some(p) => match Date::parse_loose(&p) {
                    Some(d) => (Some(d), None),
                    None => {
                        // Said on stderr now, and on the document's row.
                        warnings.push(format!(
                            "{here}: published '{p}' is not a date; the publication date is \
                             inferred instead"
                        ));
                        (None, Some((self.text.push(&p), line as u32)))
                    }
                },
            };
            let extra_start = self.extra.len();
            for (i, h) in headers.iter().enumerate() {
                if !is_extra(i, h) {
                    continue;
                }
                if let Some(v) = rec.get(i).map(str::trim).filter(|v| !v.is_empty()) {
                    self.extra.push((i as u16, interned.intern(v)));
                }
            }
            let encoding = match get(enc_col) {
                None => None,
                Some(label) => match encoding_for_label(&label) {
                    Some(e) => Some(e),
                    None => {
                        warnings.push(format!(
                            "{here}: encoding '{label}' is not known (try UTF-8, Shift_JIS, \
                             EUC-JP, UTF-16LE); detecting it instead"
                        ));
                        None
                    }
                },
            };
            // Texts and extra cells fit in u32: the text is under 4 GiB (checked above)
            // and each comes from a different part of it.
            let row = Row {
                file: self.text.push(&key),
                source: get(source_col).map(|s| interned.intern(&s)),
                encoding,
                title: get(title_col).map(|t| self.text.push(&t)),
                url: get(url_col).map(|u| self.text.push(&u)),
                published,
                bad_published,
                extra: Span {
                    start: extra_start as u32,
                    end: self.extra.len() as u32,
                },
            };
            self.warnings.extend(warnings);
            let exists = known(&key) || root.join(&key).is_file();
            if !exists {
                self.skipped.push(Skip {
                    path: here.clone(),
                    reason: format!("row names '{key}', which is not a file in the corpus folder"),
                });
            }
            seen.insert(key.into_boxed_str(), line as u32);
            self.rows.push(row);
        }
        let text = &self.text;
        self.rows
            .sort_unstable_by(|a, b| text.get(a.file).cmp(text.get(b.file)));
        self.rows.shrink_to_fit();
        self.text.shrink_to_fit();
        self.extra.shrink_to_fit();
        self.strings = interned.into_strings();
        self.headers = headers;
    }

    /// The part of this metadata that `docs` need: [`Metadata::for_doc`] answers the same
    /// for each of them, from copies of their rows only. A run splits its metadata this
    /// way so that what the analysis has passed can be freed. The skips and warnings about
    /// the file as a whole are not copied.
    pub fn subset<'a>(&self, docs: impl IntoIterator<Item = &'a str>) -> Metadata {
        let mut md = Metadata {
            headers: self.headers.clone(),
            present: self.present,
            ..Metadata::default()
        };
        let mut strings = Interner::default();
        let mut copy = |k: u32| strings.intern(&self.strings[k as usize]);
        for doc in docs {
            let Some(r) = self.row(doc) else { continue };
            let start = md.extra.len() as u32;
            for &(h, v) in &self.extra[r.extra.range()] {
                md.extra.push((h, copy(v)));
            }
            md.rows.push(Row {
                file: md.text.push(self.text.get(r.file)),
                source: r.source.map(&mut copy),
                title: r.title.map(|t| md.text.push(self.text.get(t))),
                url: r.url.map(|u| md.text.push(self.text.get(u))),
                published: r.published,
                bad_published: r
                    .bad_published
                    .map(|(t, line)| (md.text.push(self.text.get(t)), line)),
                encoding: r.encoding,
                extra: Span {
                    start,
                    end: md.extra.len() as u32,
                },
            });
        }
        let text = &md.text;
        md.rows
            .sort_unstable_by(|a, b| text.get(a.file).cmp(text.get(b.file)));
        md.rows
            .dedup_by(|a, b| text.get(a.file) == text.get(b.file));
        md.strings = strings.into_strings();
        md
    }

    fn row(&self, doc: &str) -> Option<&Row> {
        self.rows
            .binary_search_by(|r| self.text.get(r.file).cmp(doc))
            .ok()
            .map(|i| &self.rows[i])
    }

    /// The outlet `doc`'s row names in its `source` column, if it has one (never the
    /// file-name fallback): what a duplicate must share (see [`crate::state::plan`]).
    pub fn listed_source(&self, doc: &str) -> Option<String> {
        let k = self.row(doc)?.source?;
        Some(self.strings[k as usize].to_string())
    }

    /// The metadata for `doc`, or a fallback (source = file stem) and a warning.
    pub fn for_doc(&self, doc: &str) -> (Meta, Option<String>) {
        match self.row(doc) {
            Some(r) => (
                Meta {
                    source: r
                        .source
                        .map_or_else(|| file_stem(doc), |k| self.strings[k as usize].to_string()),
                    title: r.title.map(|t| self.text.get(t).to_string()),
                    url: r.url.map(|u| self.text.get(u).to_string()),
                    published: r.published,
                    extra: self.extra[r.extra.range()]
                        .iter()
                        .map(|&(h, v)| {
                            (
                                self.headers[h as usize].clone(),
                                self.strings[v as usize].to_string(),
                            )
                        })
                        .collect(),
                    encoding: r.encoding,
                    has_row: true,
                },
                r.bad_published.map(|(t, line)| {
                    format!(
                        "{METADATA_FILE}:{line}: published '{}' is not a date (write it as \
                         2019-07-04, 2019/7/4, 2019年7月4日, 令和元年7月4日, R1.7.4 or 20190704); \
                         the publication date was inferred instead",
                        self.text.get(t)
                    )
                }),
            ),
            None => (
                Meta {
                    source: file_stem(doc),
                    ..Meta::default()
                },
                self.present
                    .then(|| format!("no row in {METADATA_FILE}; source set to the file name")),
            ),
        }
    }

    /// Names of the extra columns, sorted.
    pub fn extra_columns(&self) -> Vec<String> {
        let used: HashSet<u16> = self
            .rows
            .iter()
            .flat_map(|r| self.extra[r.extra.range()].iter().map(|&(h, _)| h))
            .collect();
        let mut cols: Vec<String> = used
            .into_iter()
            .map(|h| self.headers[h as usize].clone())
            .collect();
        cols.sort();
        cols
    }
}

/// The columns of `documents` that shiten fills itself: a metadata column may not take
/// one of these names.
pub fn reserved_document_columns() -> impl Iterator<Item = &'static str> {
    <crate::output::rows::DocumentRow as crate::output::Record>::columns()
        .iter()
        .map(|c| c.0)
        .chain([crate::state::parts::META_COLUMN])
}

/// Gives the further columns of `metadata.csv` (those for which `is_extra(index, name)`)
/// names of their own in `documents`: one named like a column shiten fills (status, chars,
/// doc, ...) becomes `meta_NAME`, and a repeated name gets `_2`, `_3`, ... so that no user
/// column can clash with ours or with another (issue 16.3: a clash stopped the whole run).
/// Renames `headers` in place and returns one warning per renamed column.
fn extra_column_names(
    headers: &mut [String],
    is_extra: impl Fn(usize, &str) -> bool,
) -> Vec<String> {
    let reserved: HashSet<&str> = reserved_document_columns().collect();
    // Names taken: ours, and the names of the metadata columns shiten reads itself.
    let mut taken: HashSet<String> = reserved.iter().map(|c| c.to_string()).collect();
    taken.extend(
        headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !is_extra(*i, h))
            .map(|(_, h)| h.clone()),
    );
    let mut seen: HashSet<String> = HashSet::new();
    let mut warnings = Vec::new();
    for (i, header) in headers.iter_mut().enumerate() {
        let h = header.clone();
        if !is_extra(i, &h) {
            continue;
        }
        let (base, why) = if reserved.contains(h.as_str()) {
            (
                format!("meta_{h}"),
                "is named like a column shiten fills itself",
            )
        } else if !seen.insert(h.clone()) || taken.contains(&h) {
            (h.clone(), "appears more than once")
        } else {
            (h.clone(), "")
        };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        if name != h {
            warnings.push(format!(
                "{METADATA_FILE}: column '{h}' (column {}) {why}; it is published in documents \
                 as '{name}'",
                i + 1
            ));
        }
        taken.insert(name.clone());
        *header = name;
    }
    warnings
}

/// A metadata path made relative and `/`-separated, or `None` if it is absolute or climbs
/// out of the corpus (`../../etc/passwd`).
fn safe_relative(file: &str) -> Option<String> {
    let p = Path::new(file);
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

// ---------------------------------------------------------------- reading

/// Reads, decodes and annotates one article file (`.txt`, `.html`). A failure is a
/// [`Skip`] naming the file. Export files hold many articles: see [`export`].
pub fn read_document(
    file: &SourceFile,
    metadata: &Metadata,
    max_bytes: u64,
) -> Result<Document, Skip> {
    let skip = |reason: String| Skip {
        path: file.name.clone(),
        reason,
    };
    if let FileKind::Export(_) = file.kind() {
        return Err(skip(
            "an export file holds many articles; read it with corpus::export".into(),
        ));
    }
    let bytes = read_limited(&file.path, max_bytes).map_err(skip)?;
    document_from_named_bytes(&file.doc, &file.name, &bytes, metadata).map_err(skip)
}

/// The bytes of the file at `path`, unless it is larger than `max_bytes`.
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    let f = fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max_bytes {
        return Err(format!(
            "file is {len} bytes, over the limit of {max_bytes} bytes (raise it with \
             --max-file-mb)"
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(bytes)
}

/// Builds a document from raw bytes (the part of [`read_document`] after I/O). `doc` is
/// the document key; the name `metadata.csv` knows it by is taken from it.
pub fn document_from_bytes(
    doc: &str,
    bytes: &[u8],
    metadata: &Metadata,
) -> Result<Document, String> {
    let (_, rel, _) = key::split(doc);
    document_from_named_bytes(doc, &key::display_name(rel), bytes, metadata)
}

/// Decodes a web page: a byte-order mark first, then the page's `<meta charset>` when
/// the bytes agree with it, then detection (with a warning when the declaration was wrong).
fn decode_page(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Decoded, String> {
    let has_bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF]);
    let Some(enc) = html::declared_charset(bytes).filter(|_| !has_bom) else {
        return decode(bytes, None);
    };
    let japanese = [
        encoding_rs::UTF_8,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::ISO_2022_JP,
    ];
    if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
        let detected = decode(bytes, None).ok();
        // A single-byte declaration (windows-1252) accepts any bytes: it agrees only when
        // detection does not find clean Japanese text.
        let agrees = japanese.contains(&enc)
            || !detected
                .as_ref()
                .is_some_and(|d| d.replaced == 0 && japanese_score(&d.text) > 0);
        if agrees {
            if looks_binary(&text) {
                return Err(binary_message(bytes));
            }
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: display_name(enc),
                replaced: 0,
                first_bad: None,
                nul_bytes: 0,
                first_nul: None,
                switch_at: None,
            });
        }
    }
    let d = decode(bytes, None)?;
    warnings.push(format!(
        "the page declares charset {}, but its bytes are {}; read as {}",
        display_name(enc),
        d.encoding,
        d.encoding
    ));
    Ok(d)
}

/// [`document_from_bytes`] with the name given.
pub fn document_from_named_bytes(
    doc: &str,
    name: &str,
    bytes: &[u8],
    metadata: &Metadata,
) -> Result<Document, String> {
    let (mut meta, meta_warning) = metadata.for_doc(name);
    let is_html = file_kind(Path::new(name)) == FileKind::Html;
    let mut warnings: Vec<String> = Vec::new();
    let decoded = if is_html && meta.encoding.is_none() {
        decode_page(bytes, &mut warnings)?
    } else {
        decode(bytes, meta.encoding)?
    };
    if decoded
        .text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FFFD}' || c == '\u{FEFF}')
        .is_empty()
    {
        return Err("no text (empty or only whitespace)".into());
    }
    let (html, page) = if is_html {
        let (layout, page) = html::parse(&decoded.text);
        (Some(Box::new(layout)), page)
    } else {
        (None, PageMeta::default())
    };
    // What the page says fills what metadata.csv leaves out (metadata.csv wins).
    if meta.title.is_none() {
        meta.title = page.title.clone();
    }
    let page_source = page.site_name.clone().or_else(|| page.publisher.clone());
    let meta_warning = match (meta_warning, &page_source) {
        (Some(_), Some(s)) if !meta.has_row => {
            meta.source = s.clone();
            Some(format!(
                "no row in {METADATA_FILE}; source taken from the page ({s})"
            ))
        }
        (w, Some(s)) if !meta.has_row => {
            meta.source = s.clone();
            w
        }
        (w, _) => w,
    };
    warnings.splice(0..0, meta_warning);
    if let Some(at) = decoded.switch_at {
        warnings.push(format!(
            "mixed encodings: {} (the second from byte {at}); offsets refer to the combined \
             decoded text",
            decoded.encoding
        ));
    }
    if decoded.nul_bytes > 0 {
        warnings.push(format!(
            "{} NUL byte(s) read as U+FFFD (first at byte {})",
            decoded.nul_bytes,
            decoded.first_nul.map_or("?".into(), |b| b.to_string())
        ));
    }
    if decoded.replaced > 0 {
        warnings.push(format!(
            "{} byte(s) not valid {} replaced by U+FFFD (first at byte {}); mixed encodings \
             or a damaged copy?",
            decoded.replaced,
            decoded.encoding,
            decoded.first_bad.map_or("?".into(), |b| b.to_string())
        ));
    }
    Ok(Document {
        doc: doc.to_string(),
        text: decoded.text,
        encoding: decoded.encoding,
        is_html,
        html,
        page,
        content_hash: blake3::hash(bytes).to_hex().to_string(),
        bytes: bytes.len() as u64,
        meta,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "セブンペイの不正アクセス被害は約900人、約5500万円にのぼった。①㈱髙島屋";

    #[test]
    fn detects_japanese_encodings() {
        let utf8 = SAMPLE.as_bytes().to_vec();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(&utf8);
        let (sjis, _, e1) = encoding_rs::SHIFT_JIS.encode(SAMPLE);
        let euc_text = SAMPLE.trim_end_matches("①㈱髙島屋");
        let (euc, _, e2) = encoding_rs::EUC_JP.encode(euc_text);
        assert!(!e1 && !e2);
        let mut u16le = vec![0xFF, 0xFE];
        u16le.extend(SAMPLE.encode_utf16().flat_map(u16::to_le_bytes));
        let u16le_nobom: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let u16be_nobom: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, enc, text) in [
            (&utf8[..], "UTF-8", SAMPLE),
            (&bom[..], "UTF-8 (BOM)", SAMPLE),
            (&sjis[..], "Shift_JIS", SAMPLE),
            (&euc[..], "EUC-JP", euc_text),
            (&u16le[..], "UTF-16LE (BOM)", SAMPLE),
            (&u16le_nobom[..], "UTF-16LE", SAMPLE),
            (&u16be_nobom[..], "UTF-16BE", SAMPLE),
        ] {
            let d = decode(bytes, None).unwrap_or_else(|e| panic!("{enc}: {e}"));
            assert_eq!(d.encoding, enc);
            assert_eq!(d.text, text, "{enc}");
            assert_eq!(d.replaced, 0);
        }
    }

    #[test]
    fn rejects_binary_and_empty() {
        assert!(decode(b"", None).unwrap_err().contains("empty"));
        let bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let err = decode(&bin, None).unwrap_err();
        assert!(err.contains("binary"), "{err}");
        let err = decode(b"abc\0def\0\0\0\x01\x02", None).unwrap_err();
        assert!(err.contains("binary") || err.contains("NUL"), "{err}");
    }

    #[test]
    fn tolerates_a_few_bad_bytes_with_a_warning() {
        let long = SAMPLE.repeat(40);
        let (mut sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&long);
        let mut bytes = sjis.to_mut().clone();
        bytes.insert(30, 0xFF);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "Shift_JIS");
        assert_eq!(d.replaced, 1);
        assert_eq!(d.first_bad, Some(30));
        sjis = std::borrow::Cow::Owned(bytes);
        let md = Metadata::default();
        let doc = document_from_bytes("x.txt", &sjis, &md).unwrap();
        assert!(
            doc.warnings[0].contains("first at byte 30"),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn utf8_with_a_bad_byte_stays_utf8() {
        let mut bytes = SAMPLE.repeat(30).into_bytes();
        bytes.insert(60, 0xFF);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!((d.replaced, d.first_bad), (1, Some(60)));
    }

    #[test]
    fn declared_encoding_wins_and_a_wrong_declaration_is_explained() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(SAMPLE);
        let d = decode(&sjis, encoding_for_label("cp932")).unwrap();
        assert_eq!((d.encoding, d.text.as_str()), ("Shift_JIS", SAMPLE));
        let err = decode(&sjis, encoding_for_label("utf-8")).unwrap_err();
        assert!(
            err.contains("declares encoding UTF-8") && err.contains("first at byte 0"),
            "{err}"
        );
    }

    #[test]
    fn stray_nul_bytes_are_tolerated_many_are_binary() {
        let mut bytes = SAMPLE.repeat(100).into_bytes();
        bytes.push(0);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.nul_bytes, d.first_nul), (1, Some(bytes.len() - 1)));
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.extend([0u8; 40]);
        let err = decode(&bytes, None).unwrap_err();
        assert!(
            err.contains("NUL") && err.contains("first at byte"),
            "{err}"
        );
    }

    #[test]
    fn metadata_rows_are_validated() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "本文").unwrap();
        fs::write(dir.path().join("b.txt"), "本文").unwrap();
        let mut md = Metadata {
            present: true,
            ..Metadata::default()
        };
        md.parse(
            "file,source,title,url,published,source_type\n\
             a.txt,日経,見出し,,2019-07-04,national_daily\n\
             a.txt,重複,,,,\n\
             ../../etc/passwd,悪意,,,,\n\
             b.txt,ブログ,,,2019-13-45,blog\n\
             missing.txt,どこか,,,,\n\
             c.txt,too,few\n",
            dir.path(),
        );
        let (a, w) = md.for_doc("a.txt");
        assert!(w.is_none());
        assert_eq!(a.source, "日経");
        assert_eq!(a.published, Date::new(2019, 7, 4));
        assert_eq!(
            a.extra.get("source_type").map(String::as_str),
            Some("national_daily")
        );
        let (b, w) = md.for_doc("b.txt");
        assert_eq!(b.published, None);
        // An unreadable date is a warning on the document, naming the line.
        let w = w.unwrap();
        assert!(
            w.contains("metadata.csv:5") && w.contains("2019-13-45"),
            "{w}"
        );
        let reasons: Vec<String> = md.skipped.iter().map(|s| s.to_string()).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains(":3") && r.contains("second row")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains(":4") && r.contains("outside")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains(":6") && r.contains("missing.txt")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains(":7") && r.contains("fields")),
            "{reasons:?}"
        );
        let (c, w) = md.for_doc("zzz.txt");
        assert_eq!(c.source, "zzz");
        assert!(w.unwrap().contains("no row"));
    }

    #[test]
    fn metadata_line_numbers_are_exact_with_any_line_ending() {
        // The csv reader counted a CRLF file's lines one short (the seeds' metadata.csv is
        // CRLF). A blank line and a quoted line break count as lines too.
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "本文").unwrap();
        for eol in ["\n", "\r\n", "\r"] {
            let mut md = Metadata::default();
            let text = [
                "file,source,published",
                "a.txt,X,2019-07-04",
                "",
                "b.txt,Y,2019-07-04",
                "\"a.txt\",\"Z",
                "W\",2019-07-05",
                "c.txt,x,y,z",
                "a.txt,V,2019-13-45",
            ]
            .join(eol);
            md.parse(&text, dir.path());
            let got: Vec<String> = md.skipped.iter().map(|s| s.path.clone()).collect();
            assert_eq!(
                got,
                [
                    "metadata.csv:4",
                    "metadata.csv:5",
                    "metadata.csv:7",
                    "metadata.csv:8"
                ],
                "{eol:?}: {:?}",
                md.skipped
            );
        }
    }

    #[test]
    fn a_metadata_subset_answers_like_the_whole_for_its_documents() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.txt", "b.txt", "c.txt", "d.txt"] {
            fs::write(dir.path().join(f), "本文").unwrap();
        }
        let mut md = Metadata {
            present: true,
            ..Metadata::default()
        };
        md.parse(
            "file,source,title,url,published,source_type,author\n\
             d.txt,朝日,四,https://d,2019-07-05,national_daily,山田\n\
             a.txt,日経,一,https://a,2019-07-04,national_daily,\n\
             b.txt,ブログ,,,,blog,佐藤\n\
             c.txt,,三,,2019-08-01,,\n",
            dir.path(),
        );
        let sub = md.subset(["d.txt", "b.txt", "zzz.txt", "b.txt"]);
        for doc in ["b.txt", "d.txt"] {
            assert_eq!(sub.for_doc(doc), md.for_doc(doc), "{doc}");
        }
        // Documents left out (or never in the file) read as having no row, with the
        // whole file's warning.
        let (a, w) = sub.for_doc("a.txt");
        assert_eq!(a.source, "a");
        assert!(w.unwrap().contains("no row"));
        assert_eq!(sub.for_doc("zzz.txt"), md.for_doc("zzz.txt"));
        assert_eq!(sub.rows.len(), 2);
        // Only the cells the subset uses are kept.
        assert_eq!(sub.strings.len(), 6, "{:?}", sub.strings);
        assert!(md.subset([]).rows.is_empty());
    }

    #[test]
    fn metadata_without_file_column_is_reported() {
        let mut md = Metadata::default();
        md.parse("name,source\nx.txt,a\n", Path::new("."));
        assert!(md.skipped[0].reason.contains("no 'file' column"));
    }

    #[test]
    fn discover_lists_articles_and_reports_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("b.txt"), "x").unwrap();
        fs::write(root.join("sub/a.html"), "x").unwrap();
        fs::write(root.join("notes.pdf"), "x").unwrap();
        fs::write(root.join(".hidden.txt"), "x").unwrap();
        fs::write(root.join(METADATA_FILE), "file\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let d = discover(root).unwrap();
        let docs: Vec<&str> = d.files.iter().map(|f| f.doc.as_str()).collect();
        assert_eq!(docs, ["b.txt", "sub/a.html"]);
        assert!(d.skipped.iter().any(|s| s.path == "notes.pdf"));
        #[cfg(unix)]
        assert!(
            d.skipped
                .iter()
                .any(|s| s.path == "sub/loop" && s.reason.contains("loop"))
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode_never_panics_and_reports_in_range(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(d) = decode(&bytes, None) {
                prop_assert!(d.first_bad.is_none_or(|b| b < bytes.len()));
                prop_assert!(d.switch_at.is_none_or(|b| b < bytes.len()));
            }
        }

        #[test]
        fn utf8_text_round_trips(text in "[a-z0-9あ-んア-ン漢字円、。\n]{1,80}") {
            let d = decode(text.as_bytes(), None).unwrap();
            prop_assert_eq!(d.text, text);
        }

        #[test]
        fn shift_jis_japanese_round_trips(text in "[あ-んア-ン漢字円被害額約。、]{8,80}") {
            let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
            let d = decode(&bytes, None).unwrap();
            prop_assert_eq!(d.encoding, "Shift_JIS");
            prop_assert_eq!(d.text, text);
        }
    }
}
