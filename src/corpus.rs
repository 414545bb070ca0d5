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

/// Name of the metadata file at the corpus root.
pub const METADATA_FILE: &str = "metadata.csv";

/// Files larger than this are skipped unless the caller raises the limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

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
    /// Whether a metadata row was found for the file.
    pub has_row: bool,
}

/// One article, as read from disk.
#[derive(Debug, Clone)]
pub struct Document {
    /// File name relative to the corpus folder, `/`-separated.
    pub doc: String,
    /// The decoded text (BOM removed): every span points into it.
    pub text: String,
    /// The detected encoding, e.g. `UTF-8`, `Shift_JIS`, `EUC-JP`.
    pub encoding: &'static str,
    /// Whether the input is HTML (reduced to text by normalization).
    pub is_html: bool,
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

/// An article file found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the corpus folder, `/`-separated.
    pub doc: String,
    /// Full path to read.
    pub path: PathBuf,
}

/// The result of walking a corpus folder.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Article files, sorted by `doc`.
    pub files: Vec<SourceFile>,
    /// Entries that are not articles or cannot be visited.
    pub skipped: Vec<Skip>,
}

fn is_article_ext(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "txt" | "text" | "html" | "htm"
        )
    })
}

fn rel_name(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Walks `root` and lists its article files. Never fails on one bad entry: it is reported
/// in `skipped` and the walk goes on. Fails only when `root` itself cannot be read.
pub fn discover(root: &Path) -> std::io::Result<Discovery> {
    let canon_root = fs::canonicalize(root)?;
    if !canon_root.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut out = Discovery::default();
    let mut seen_dirs = HashSet::new();
    seen_dirs.insert(canon_root.clone());
    walk(root, root, &canon_root, &mut seen_dirs, &mut out);
    out.files.sort_by(|a, b| a.doc.cmp(&b.doc));
    out.skipped.sort();
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &Path,
    canon_root: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Discovery,
) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.skipped.push(Skip {
                path: rel_name(root, dir),
                reason: format!("cannot read folder: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let rel = rel_name(root, &path);
        if dir == root && name == METADATA_FILE {
            continue;
        }
        let Ok(ft) = entry.file_type() else {
            out.skipped.push(Skip {
                path: rel,
                reason: "cannot read file type".into(),
            });
            continue;
        };
        let (is_dir, is_file) = if ft.is_symlink() {
            match fs::canonicalize(&path) {
                Ok(target) if !target.starts_with(canon_root) => {
                    out.skipped.push(Skip {
                        path: rel,
                        reason: format!(
                            "symbolic link to {} points outside the corpus folder; not followed",
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
        if is_dir {
            match fs::canonicalize(&path) {
                Ok(c) if seen.insert(c.clone()) => walk(root, &path, canon_root, seen, out),
                Ok(_) => out.skipped.push(Skip {
                    path: rel,
                    reason: "folder already visited (symbolic link loop); not walked again".into(),
                }),
                Err(e) => out.skipped.push(Skip {
                    path: rel,
                    reason: format!("cannot resolve folder: {e}"),
                }),
            }
        } else if is_file && is_article_ext(&path) {
            out.files.push(SourceFile { doc: rel, path });
        } else if is_file {
            out.skipped.push(Skip {
                path: rel,
                reason: "not an article file (shiten reads .txt, .text, .html, .htm)".into(),
            });
        } else {
            out.skipped.push(Skip {
                path: rel,
                reason: "not a regular file".into(),
            });
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
}

/// How many undecodable bytes per million are tolerated (as a warning) before a file is
/// declared to be in an unknown encoding.
const MAX_BAD_PER_MILLION: usize = 2_000;

/// Detects the encoding of `bytes` and decodes them.
///
/// Order: byte-order marks (UTF-8, UTF-16LE/BE); ISO-2022-JP escapes; strict UTF-8;
/// BOM-less UTF-16 (by the pattern of zero bytes); then Shift_JIS (Windows-31J) against
/// EUC-JP, each decoded strictly and scored by how Japanese the result looks. A file that
/// fits no encoding but nearly fits one is decoded with replacements and a warning.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    use encoding_rs::{EUC_JP, ISO_2022_JP, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};
    if bytes.is_empty() {
        return Err("empty file".into());
    }
    let bom = [
        (&[0xEF, 0xBB, 0xBF][..], UTF_8, "UTF-8 (BOM)"),
        (&[0xFF, 0xFE][..], UTF_16LE, "UTF-16LE (BOM)"),
        (&[0xFE, 0xFF][..], UTF_16BE, "UTF-16BE (BOM)"),
    ];
    for (mark, enc, name) in bom {
        if let Some(rest) = bytes.strip_prefix(mark) {
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            let replaced = if had_errors {
                count_replacements(&text)
            } else {
                0
            };
            let first_bad = had_errors.then(|| first_replacement_byte(&text, enc, rest));
            return finish(
                text.into_owned(),
                name,
                replaced,
                first_bad.flatten(),
                bytes.len(),
            );
        }
    }
    if memchr_esc_iso2022(bytes)
        && let Some(text) = ISO_2022_JP.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return finish(text.into_owned(), "ISO-2022-JP", 0, None, bytes.len());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if text.contains('\0') {
            if let Some(d) = try_utf16_without_bom(bytes) {
                return Ok(d);
            }
            return Err(format!(
                "binary data: NUL byte at offset {}; not a text file",
                text.find('\0').unwrap_or(0)
            ));
        }
        return finish(text.to_string(), "UTF-8", 0, None, bytes.len());
    }
    if let Some(d) = try_utf16_without_bom(bytes) {
        return Ok(d);
    }
    let utf8_err = std::str::from_utf8(bytes)
        .err()
        .map(|e| e.valid_up_to())
        .unwrap_or(0);
    let mut best: Option<(i64, &'static str, String, usize)> = None;
    for (enc, name) in [(SHIFT_JIS, "Shift_JIS"), (EUC_JP, "EUC-JP")] {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        let replaced = if had_errors {
            count_replacements(&text)
        } else {
            0
        };
        let score = japanese_score(&text) - (replaced as i64) * 50;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, name, text.into_owned(), replaced));
        }
    }
    let Some((_, name, text, replaced)) = best else {
        return Err("no encoding candidate".into());
    };
    if replaced == 0 {
        if looks_binary(&text) {
            return Err(binary_message(bytes));
        }
        return finish(text, name, 0, None, bytes.len());
    }
    if replaced * 1_000_000 / bytes.len().max(1) <= MAX_BAD_PER_MILLION && !looks_binary(&text) {
        let enc = if name == "Shift_JIS" {
            SHIFT_JIS
        } else {
            EUC_JP
        };
        let first_bad = first_replacement_byte(&text, enc, bytes);
        return finish(text, name, replaced, first_bad, bytes.len());
    }
    if looks_binary(&String::from_utf8_lossy(bytes)) {
        return Err(binary_message(bytes));
    }
    Err(format!(
        "unknown encoding: not valid UTF-8 (first invalid byte at offset {utf8_err}), \
         Shift_JIS, EUC-JP, ISO-2022-JP or UTF-16; convert the file to UTF-8 \
         (e.g. `nkf -w` or `iconv -t UTF-8`)"
    ))
}

fn binary_message(bytes: &[u8]) -> String {
    let at = bytes
        .iter()
        .position(|&b| b < 0x09 || (0x0E..0x1B).contains(&b))
        .unwrap_or(0);
    format!(
        "binary data (control byte 0x{:02X} at offset {at}); not a text file",
        bytes[at]
    )
}

fn finish(
    text: String,
    encoding: &'static str,
    replaced: usize,
    first_bad: Option<usize>,
    _len: usize,
) -> Result<Decoded, String> {
    if looks_binary(&text) {
        return Err("binary data: too many control characters; not a text file".into());
    }
    Ok(Decoded {
        text,
        encoding,
        replaced,
        first_bad,
    })
}

fn memchr_esc_iso2022(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| w == b"\x1b$B" || w == b"\x1b$@") && bytes.iter().all(|&b| b < 0x80)
}

fn count_replacements(text: &str) -> usize {
    text.chars().filter(|&c| c == '\u{FFFD}').count()
}

/// Byte offset in `raw` of the first byte the decoder could not read.
fn first_replacement_byte(
    _text: &str,
    enc: &'static encoding_rs::Encoding,
    raw: &[u8],
) -> Option<usize> {
    // Decode growing prefixes with a streaming decoder to find the first malformed byte.
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(16);
    for (i, b) in raw.iter().enumerate() {
        out.clear();
        out.reserve(16);
        let (res, _read) =
            decoder.decode_to_string_without_replacement(std::slice::from_ref(b), &mut out, false);
        if let encoding_rs::DecoderResult::Malformed(_, _) = res {
            return Some(i);
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
        let jp = text
            .chars()
            .filter(|c| matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}'))
            .count() as i64;
        let ascii_text = zeros_high * 10 >= pairs * 6
            && text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
        let japanese = jp * 10 >= chars * 6;
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
                },
            ));
        }
    }
    best.map(|b| b.1)
}

// ---------------------------------------------------------------- metadata

/// `metadata.csv`, validated: rows by file name, plus what was wrong with it.
#[derive(Debug, Default)]
pub struct Metadata {
    rows: HashMap<String, (usize, Meta)>,
    /// Rows that could not be used (malformed, duplicate, outside the corpus, no file).
    pub skipped: Vec<Skip>,
    /// Non-fatal remarks about the file as a whole.
    pub warnings: Vec<String>,
    /// Whether a metadata file was present.
    pub present: bool,
}

impl Metadata {
    /// Reads `root/metadata.csv` if present. Never fails: problems become skips/warnings.
    pub fn load(root: &Path) -> Metadata {
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
        let text = match decode(&bytes) {
            Ok(d) => d.text,
            Err(e) => {
                md.skipped.push(Skip {
                    path: METADATA_FILE.into(),
                    reason: format!("{e}; metadata ignored"),
                });
                return md;
            }
        };
        md.parse(&text, root);
        md
    }

    /// Parses metadata CSV text (used by [`Metadata::load`] and tests).
    pub fn parse(&mut self, text: &str, root: &Path) {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match rdr.headers() {
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
        let (source_col, title_col, url_col, pub_col) =
            (col("source"), col("title"), col("url"), col("published"));
        for dup in headers
            .iter()
            .enumerate()
            .filter(|(i, h)| headers[..*i].contains(h))
        {
            self.warnings.push(format!(
                "{METADATA_FILE}: column '{}' appears twice; the first is used",
                dup.1
            ));
        }
        for result in rdr.records() {
            let rec = match result {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.skipped.push(Skip {
                        path: format!("{METADATA_FILE}:{line}"),
                        reason: format!("malformed row: {e}"),
                    });
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line()) as usize;
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
            if let Some((first, _)) = self.rows.get(&key) {
                self.skipped.push(Skip {
                    path: here,
                    reason: format!(
                        "second row for '{key}' (first at line {first}); the first row is used"
                    ),
                });
                continue;
            }
            let mut warnings = Vec::new();
            let published = match get(pub_col) {
                None => None,
                Some(p) => match Date::parse_loose(&p) {
                    Some(d) => Some(d),
                    None => {
                        warnings.push(format!(
                            "{here}: published '{p}' is not a date (expected YYYY-MM-DD); ignored"
                        ));
                        None
                    }
                },
            };
            let mut extra = BTreeMap::new();
            for (i, h) in headers.iter().enumerate() {
                if [Some(file_col), source_col, title_col, url_col, pub_col].contains(&Some(i))
                    || h.is_empty()
                {
                    continue;
                }
                if let Some(v) = rec.get(i).map(str::trim).filter(|v| !v.is_empty()) {
                    extra.entry(h.clone()).or_insert_with(|| v.to_string());
                }
            }
            let meta = Meta {
                source: get(source_col).unwrap_or_else(|| file_stem(&key)),
                title: get(title_col),
                url: get(url_col),
                published,
                extra,
                has_row: true,
            };
            self.warnings.extend(warnings);
            let exists = root.join(&key).is_file();
            if !exists {
                self.skipped.push(Skip {
                    path: here.clone(),
                    reason: format!("row names '{key}', which is not a file in the corpus folder"),
                });
            }
            self.rows.insert(key, (line, meta));
        }
    }

    /// The metadata for `doc`, or a fallback (source = file stem) and a warning.
    pub fn for_doc(&self, doc: &str) -> (Meta, Option<String>) {
        match self.rows.get(doc) {
            Some((_, m)) => (m.clone(), None),
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
        let mut cols: Vec<String> = self
            .rows
            .values()
            .flat_map(|(_, m)| m.extra.keys().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        cols.sort();
        cols
    }
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

/// Reads, decodes and annotates one article. A failure is a [`Skip`] naming the file.
pub fn read_document(
    file: &SourceFile,
    metadata: &Metadata,
    max_bytes: u64,
) -> Result<Document, Skip> {
    let skip = |reason: String| Skip {
        path: file.doc.clone(),
        reason,
    };
    let f = fs::File::open(&file.path).map_err(|e| skip(format!("cannot open: {e}")))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max_bytes {
        return Err(skip(format!(
            "file is {} bytes, over the limit of {} bytes (raise it with --max-file-mb)",
            len, max_bytes
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| skip(format!("cannot read: {e}")))?;
    document_from_bytes(&file.doc, &bytes, metadata).map_err(skip)
}

/// Builds a document from raw bytes (the part of [`read_document`] after I/O).
pub fn document_from_bytes(
    doc: &str,
    bytes: &[u8],
    metadata: &Metadata,
) -> Result<Document, String> {
    let decoded = decode(bytes)?;
    if decoded.text.trim().is_empty() {
        return Err("no text (empty or only whitespace)".into());
    }
    let (meta, meta_warning) = metadata.for_doc(doc);
    let mut warnings: Vec<String> = meta_warning.into_iter().collect();
    if decoded.replaced > 0 {
        warnings.push(format!(
            "{} byte(s) not valid {} replaced by U+FFFD (first at byte {}); mixed encodings?",
            decoded.replaced,
            decoded.encoding,
            decoded.first_bad.map_or("?".into(), |b| b.to_string())
        ));
    }
    let is_html = Path::new(doc)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    Ok(Document {
        doc: doc.to_string(),
        text: decoded.text,
        encoding: decoded.encoding,
        is_html,
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
            let d = decode(bytes).unwrap_or_else(|e| panic!("{enc}: {e}"));
            assert_eq!(d.encoding, enc);
            assert_eq!(d.text, text, "{enc}");
            assert_eq!(d.replaced, 0);
        }
    }

    #[test]
    fn rejects_binary_and_empty() {
        assert!(decode(b"").unwrap_err().contains("empty"));
        let bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let err = decode(&bin).unwrap_err();
        assert!(err.contains("binary"), "{err}");
        let err = decode(b"abc\0def\0\0\0\x01\x02").unwrap_err();
        assert!(err.contains("binary") || err.contains("NUL"), "{err}");
    }

    #[test]
    fn tolerates_a_few_bad_bytes_with_a_warning() {
        let long = SAMPLE.repeat(40);
        let (mut sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&long);
        let mut bytes = sjis.to_mut().clone();
        bytes.insert(30, 0xFF);
        let d = decode(&bytes).unwrap();
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
        let (b, _) = md.for_doc("b.txt");
        assert_eq!(b.published, None);
        assert!(md.warnings.iter().any(|w| w.contains("2019-13-45")));
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
