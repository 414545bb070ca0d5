//! The configuration fingerprint: what, besides a document's bytes and metadata row,
//! decides its analysis. A document analysed under another fingerprint is stale and is
//! analysed again.
//!
//! It hashes: the shiten build ([`build_id`]: version and a digest of the source it was
//! built from), the IPADIC build marker (source and format of the system dictionary), and
//! every file of the dictionaries folder (user dictionary and lexicons: `user.csv`,
//! `frames.toml`, `entities.toml`, `measures.toml`, whatever exists) except hidden files
//! and `*.md` documentation.
//!
//! Lexicons count by what they mean, not by their bytes ([`meaning`]): a `.toml` file by
//! its parsed values written out canonically (keys sorted), so a comment, blank lines,
//! spacing, quoting or key order change nothing (a comment-only edit used to re-analyse
//! every document); a `.csv` file by its parsed rows, so line endings and blank lines
//! change nothing. Any change to a value, a row or the order of rows still counts. A file
//! that does not parse counts by its bytes (loading it fails anyway).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// This build of shiten: `shiten VERSION+SOURCE_DIGEST`.
pub fn build_id() -> String {
    format!(
        "shiten {}+{}",
        env!("CARGO_PKG_VERSION"),
        env!("SHITEN_SOURCE_DIGEST")
    )
}

/// A fingerprint and what went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// BLAKE3 of the inputs, hex (first 32 characters).
    pub hash: String,
    /// The inputs, one per line (`name: digest`), for `status`.
    pub inputs: Vec<String>,
}

fn collect(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            collect(&p, base, out)?;
        } else if !name.to_ascii_lowercase().ends_with(".md") {
            out.push(p.strip_prefix(base).unwrap_or(&p).to_path_buf());
        }
    }
    Ok(())
}

/// Computes the fingerprint for the dictionaries folder `dictionaries` and the built
/// IPADIC folder `ipadic_dir`.
pub fn compute(dictionaries: &Path, ipadic_dir: &Path) -> Result<Fingerprint> {
    let mut inputs = vec![format!("build: {}", build_id())];
    let marker = crate::tokenize::ipadic::marker_text(ipadic_dir)
        .or_else(|| {
            fs::read(ipadic_dir.join("metadata.json"))
                .ok()
                .map(|b| format!("metadata.json {}", blake3::hash(&b).to_hex()))
        })
        .unwrap_or_else(|| "unknown".into());
    inputs.push(format!(
        "ipadic: {}",
        marker.split_whitespace().collect::<Vec<_>>().join(" ")
    ));
    let mut files = Vec::new();
    collect(dictionaries, dictionaries, &mut files).map_err(|e| Error::io(dictionaries, e))?;
    files.sort();
    for rel in files {
        let p = dictionaries.join(&rel);
        let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
        inputs.push(format!(
            "dictionaries/{}: {}",
            rel.to_string_lossy().replace('\\', "/"),
            &blake3::hash(&meaning(&rel, &bytes)).to_hex()[..16]
        ));
    }
    let mut h = blake3::Hasher::new();
    for line in &inputs {
        h.update(line.as_bytes());
        h.update(b"\n");
    }
    Ok(Fingerprint {
        hash: h.finalize().to_hex()[..32].to_string(),
        inputs,
    })
}

/// What a dictionaries file means, as bytes to hash: see the module documentation.
pub fn meaning(name: &Path, bytes: &[u8]) -> Vec<u8> {
    let ext = name
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let parsed = match ext.as_deref() {
        Some("toml") => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok())
            .map(|t| {
                let mut out = b"toml\n".to_vec();
                canonical_toml(&toml::Value::Table(t), &mut out);
                out
            }),
        Some("csv") => csv_rows(bytes),
        _ => None,
    };
    parsed.unwrap_or_else(|| bytes.to_vec())
}

/// Writes a TOML value unambiguously, with table keys sorted: JSON-like, strings and keys
/// quoted with escapes, datetimes tagged.
fn canonical_toml(v: &toml::Value, out: &mut Vec<u8>) {
    use std::io::Write;
    let quote = |s: &str, out: &mut Vec<u8>| {
        let _ = write!(out, "{s:?}");
    };
    match v {
        toml::Value::String(s) => quote(s, out),
        toml::Value::Integer(i) => {
            let _ = write!(out, "i{i}");
        }
        toml::Value::Float(f) => {
            let _ = write!(out, "f{:?}", f.to_bits());
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "d{:?}", d.to_string());
        }
        toml::Value::Array(a) => {
            out.push(b'[');
            for x in a {
                canonical_toml(x, out);
                out.push(b',');
            }
            out.push(b']');
        }
        toml::Value::Table(t) => {
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            out.push(b'{');
            for k in keys {
                quote(k, out);
                out.push(b':');
                canonical_toml(&t[k.as_str()], out);
                out.push(b',');
            }
            out.push(b'}');
        }
    }
}

/// The rows of a CSV file without a header, as lindera reads a user dictionary: each
/// field quoted, one row per line; `None` if it does not parse.
fn csv_rows(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = b"csv\n".to_vec();
    for rec in rdr.records() {
        for f in rec.ok()?.iter() {
            let _ = write!(out, "{f:?},");
        }
        out.push(b'\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_with_any_lexicon_but_not_with_docs() {
        let d = tempfile::tempdir().unwrap();
        let dicts = d.path().join("dictionaries");
        let ipadic = d.path().join("ipadic");
        fs::create_dir_all(&dicts).unwrap();
        fs::create_dir_all(&ipadic).unwrap();
        fs::write(dicts.join("user.csv"), "a\n").unwrap();
        let f0 = compute(&dicts, &ipadic).unwrap();
        fs::write(dicts.join("README.md"), "docs").unwrap();
        assert_eq!(compute(&dicts, &ipadic).unwrap(), f0, "docs do not count");
        fs::write(dicts.join("frames.toml"), "[x]\n").unwrap();
        let f1 = compute(&dicts, &ipadic).unwrap();
        assert_ne!(f1.hash, f0.hash, "a new lexicon counts");
        fs::write(dicts.join("frames.toml"), "[y]\n").unwrap();
        assert_ne!(
            compute(&dicts, &ipadic).unwrap().hash,
            f1.hash,
            "an edit counts"
        );
        fs::write(ipadic.join("metadata.json"), "{}").unwrap();
        assert_ne!(compute(&dicts, &ipadic).unwrap().hash, f1.hash);
    }

    #[test]
    fn lexicons_count_by_meaning_not_bytes() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dictionaries");
        let toml_of = |name: &str| fs::read_to_string(root.join(name)).unwrap();
        let m = |name: &str, text: &str| meaning(Path::new(name), text.as_bytes());
        for name in ["frames.toml", "entities.toml", "measures.toml"] {
            let text = toml_of(name);
            let base = m(name, &text);
            // Comments, blank lines, trailing spaces, CRLF: the same meaning.
            let edited = format!("# a note\n\n{}\n# the end\n", text.replace('\n', "  \r\n"));
            assert_eq!(m(name, &edited), base, "{name}: comments and spacing");
            // A real edit: one more character in the first quoted value of a line that
            // is not a comment.
            let line = text
                .lines()
                .find(|l| !l.trim_start().starts_with('#') && l.contains("= \""))
                .unwrap();
            let at =
                line.as_ptr() as usize - text.as_ptr() as usize + line.find("= \"").unwrap() + 3;
            let real = format!("{}x{}", &text[..at], &text[at..]);
            assert_ne!(m(name, &real), base, "{name}: a value edit counts");
        }
        // Key order and quoting do not count; values and array order do.
        let a = m("x.toml", "a = 1\nb = \"s\"\n[t]\nc = [1, 2]\n");
        assert_eq!(a, m("x.toml", "b = 's'\na = 1 # one\n[t]\nc = [ 1,2 ]\n"));
        assert_ne!(a, m("x.toml", "a = 1\nb = \"s\"\n[t]\nc = [2, 1]\n"));
        assert_ne!(a, m("x.toml", "a = 1\nb = \"s \"\n[t]\nc = [1, 2]\n"));
        // user.csv: line endings and blank lines do not count; a cell does.
        let u = "7pay,1288,1288,-3200,名詞,固有名詞,一般,*,*,*,7pay,セブンペイ,セブンペイ\n";
        let base = m("user.csv", u);
        assert_eq!(
            m("user.csv", &format!("\n{}\n", u.replace('\n', "\r\n"))),
            base
        );
        assert_ne!(m("user.csv", &u.replace("-3200", "-3000")), base);
        // A file that does not parse counts by its bytes.
        assert_eq!(m("x.toml", "a = [\n"), b"a = [\n");
    }

    #[test]
    fn a_comment_in_a_lexicon_keeps_the_fingerprint() {
        let d = tempfile::tempdir().unwrap();
        let dicts = d.path().join("dictionaries");
        let ipadic = d.path().join("ipadic");
        fs::create_dir_all(&dicts).unwrap();
        fs::create_dir_all(&ipadic).unwrap();
        fs::write(
            dicts.join("measures.toml"),
            "[[measure]]\nname = \"victims\"\n",
        )
        .unwrap();
        let f0 = compute(&dicts, &ipadic).unwrap();
        fs::write(
            dicts.join("measures.toml"),
            "# who was hit\n[[measure]]\nname = \"victims\"   # people\n",
        )
        .unwrap();
        assert_eq!(compute(&dicts, &ipadic).unwrap(), f0);
        fs::write(
            dicts.join("measures.toml"),
            "[[measure]]\nname = \"victim\"\n",
        )
        .unwrap();
        assert_ne!(compute(&dicts, &ipadic).unwrap().hash, f0.hash);
    }
}
