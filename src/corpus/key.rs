//! Document keys: the `doc` column, the ledger's primary key.
//!
//! A key names one article, unique and stable for any file name the operating system
//! allows, and reversible (the file can be found again from its key):
//!
//! ```text
//! 001.txt                   a file of the run's own corpus folder (relative, `/`-separated)
//! sub/002.html              ... in a sub-folder
//! today:001.txt             a file of a folder added with `shiten add today/`
//! export.jsonl#a123         the row with id `a123` of an export file (JSONL, CSV, Parquet)
//! export.csv#17             a row of an export without an id column: its line (row) number
//! today:feed.jsonl#a123     both
//! %FF.txt                   a file name with a byte that is not UTF-8
//! ```
//!
//! In a name, bytes that are not UTF-8, control characters (a newline in a file name
//! could fake a log line) and the three characters the key itself uses (`%`, `#`, `:`) are
//! written `%XX` (percent-encoding of the byte). So a name never holds a raw `#` or `:`,
//! and a key splits back into folder label, name and row id without ambiguity.
//!
//! The folder label of the run's own corpus is empty; a folder brought in with `add` gets
//! its own name (made unique with `~2`, `~3` when another folder has it), recorded in the
//! ledger with the folder, so the same folder always gets the same label.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// Whether `c` is written `%XX` in a name.
fn escaped_char(c: char) -> bool {
    c.is_control() || matches!(c, '%' | '#' | ':')
}

fn push_escaped_bytes(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push_str(&format!("%{b:02X}"));
    }
}

/// Escapes text (valid UTF-8): `%`, `#`, `:` and control characters become `%XX`.
pub fn escape_str(s: &str) -> String {
    if !s.chars().any(escaped_char) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escaped_char(c) {
            let mut buf = [0u8; 4];
            push_escaped_bytes(&mut out, c.encode_utf8(&mut buf).as_bytes());
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes raw bytes: valid UTF-8 runs as [`escape_str`], each other byte `%XX`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape_str(chunk.valid()));
        push_escaped_bytes(&mut out, chunk.invalid());
    }
    out
}

/// Escapes one path component (a file or folder name as the OS gives it).
pub fn escape_os(name: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match name.to_str() {
            Some(s) => escape_str(s),
            None => escape_bytes(name.to_string_lossy().as_bytes()),
        }
    }
}

/// The bytes an escaped text stands for (`%XX` decoded; a `%` not followed by two hex
/// digits is kept as it is).
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// The key of `path` relative to `root`: its components escaped, joined by `/`.
pub fn relative_key(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| escape_os(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

/// The relative path a relative key (without label or row id) stands for.
pub fn key_path(rel: &str) -> PathBuf {
    let mut p = PathBuf::new();
    for part in rel.split('/') {
        let bytes = unescape(part);
        #[cfg(unix)]
        let os: OsString = {
            use std::os::unix::ffi::OsStringExt;
            OsString::from_vec(bytes)
        };
        #[cfg(not(unix))]
        let os: OsString = OsString::from(String::from_utf8_lossy(&bytes).into_owned());
        p.push(os);
    }
    p
}

/// The name shown to people and looked up in `metadata.csv` for a relative key: the
/// real name when it is UTF-8 (`C#.txt`), otherwise the escaped key (`%FF.txt`).
pub fn display_name(rel: &str) -> String {
    if !rel.contains('%') {
        return rel.to_string();
    }
    match String::from_utf8(unescape(rel)) {
        Ok(s) if !s.chars().any(char::is_control) => s,
        _ => rel.to_string(),
    }
}

/// A document key: `label:rel`, or `rel` for the run's own folder (empty label).
pub fn with_label(label: &str, rel: &str) -> String {
    if label.is_empty() {
        rel.to_string()
    } else {
        format!("{label}:{rel}")
    }
}

/// The key of a row of an export file: `file#id`.
pub fn row_key(file_key: &str, id: &str) -> String {
    format!("{file_key}#{}", escape_str(id))
}

/// A key's parts: folder label (empty for the run's own folder), relative file key, row
/// id (escaped) if it names a row of an export file.
pub fn split(key: &str) -> (&str, &str, Option<&str>) {
    let (label, rest) = match key.split_once(':') {
        Some((l, r)) if !l.contains('/') && !l.contains('#') => (l, r),
        _ => ("", key),
    };
    match rest.split_once('#') {
        Some((file, id)) => (label, file, Some(id)),
        None => (label, rest, None),
    }
}

/// A folder label for a folder named `name`, different from every label in `taken`.
pub fn new_label<'a>(name: &OsStr, taken: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let mut base = escape_os(name);
    if base.is_empty() {
        base = "folder".into();
    }
    let free = |l: &str| !taken.clone().into_iter().any(|t| t == l);
    if free(&base) {
        return base;
    }
    (2..)
        .map(|k| format!("{base}~{k}"))
        .find(|l| free(l))
        .expect("a free label")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escape_reversibly_and_never_collide() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let ff = escape_os(OsStr::from_bytes(b"\xff.txt"));
            let fe = escape_os(OsStr::from_bytes(b"\xfe.txt"));
            assert_eq!((ff.as_str(), fe.as_str()), ("%FF.txt", "%FE.txt"));
            assert_eq!(key_path(&ff), PathBuf::from(OsStr::from_bytes(b"\xff.txt")));
            // A real file named like an escape stays distinct.
            assert_eq!(escape_os(OsStr::new("%FF.txt")), "%25FF.txt");
            assert_eq!(key_path("%25FF.txt"), PathBuf::from("%FF.txt"));
        }
        for (name, key) in [
            ("001.txt", "001.txt"),
            ("C#入門.txt", "C%23入門.txt"),
            ("10:00.html", "10%3A00.html"),
            ("a\nb.txt", "a%0Ab.txt"),
            ("100%.txt", "100%25.txt"),
        ] {
            assert_eq!(escape_str(name), key);
            assert_eq!(unescape(key), name.as_bytes());
        }
        assert_eq!(display_name("C%23入門.txt"), "C#入門.txt");
        assert_eq!(display_name("a%0Ab.txt"), "a%0Ab.txt");
        assert_eq!(display_name("%FF.txt"), "%FF.txt");
    }

    #[test]
    fn keys_split_into_label_file_and_row() {
        assert_eq!(split("001.txt"), ("", "001.txt", None));
        assert_eq!(split("sub/001.txt"), ("", "sub/001.txt", None));
        assert_eq!(split("today:001.txt"), ("today", "001.txt", None));
        assert_eq!(split("e.jsonl#a%23b"), ("", "e.jsonl", Some("a%23b")));
        let k = with_label("d~2", &row_key("x/e.csv", "id:7"));
        assert_eq!(k, "d~2:x/e.csv#id%3A7");
        assert_eq!(split(&k), ("d~2", "x/e.csv", Some("id%3A7")));
        assert_eq!(
            new_label(OsStr::new("today"), ["", "today", "today~2"]),
            "today~3"
        );
        assert_eq!(new_label(OsStr::new("a:b"), [""]), "a%3Ab");
    }
}
