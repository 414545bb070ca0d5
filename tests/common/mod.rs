//! Shared test helpers: the dictionary (built once, cached, locked against parallel
//! builds), the repository's folders, and `../shared` (required in CI).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use shiten::analyze::Analyzer;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A built IPADIC folder (built on first use, then cached for every later test run).
pub fn dict_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        shiten::tokenize::ipadic::ensure(None, &|m| eprintln!("test setup: {m}"))
            .expect("the IPADIC dictionary must be obtainable (see README)")
            .dir
    })
    .clone()
}

/// The analyzer with the repository's dictionaries.
pub fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| {
        Analyzer::load(&dict_dir(), &root().join("dictionaries")).expect("analyzer loads")
    })
}

/// `../shared`, or `None` (with a notice) when it is missing outside CI. In CI
/// (`CI` set) a missing `../shared` fails the test.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("..").join("shared");
    if p.join("seeds").is_dir() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "../shared/seeds is required in CI but missing at {}",
            p.display()
        );
    }
    eprintln!(
        "notice: ../shared not found at {}; test skipped",
        p.display()
    );
    None
}

/// The path of the shiten binary built for the tests.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_shiten"))
}
