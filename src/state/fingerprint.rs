//! The configuration fingerprint: what, besides a document's bytes and metadata row,
//! decides its analysis. A document analysed under another fingerprint is stale and is
//! analysed again.
//!
//! It hashes: the shiten build ([`build_id`]: version and a digest of the source it was
//! built from), the IPADIC build marker (source and format of the system dictionary), and
//! every file of the dictionaries folder (user dictionary and lexicons: `user.csv`,
//! `frames.toml`, `entities.toml`, `measures.toml`, whatever exists) except hidden files
//! and `*.md` documentation.

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
            &blake3::hash(&bytes).to_hex()[..16]
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
}
