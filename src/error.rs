//! The library's error type. Messages name the place and what was expected; the binary
//! adds context with `anyhow` and prints the chain.

use std::path::{Path, PathBuf};

/// What can go wrong in shiten's library code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file or folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The dictionary could not be obtained, built or loaded.
    #[error("dictionary: {0}")]
    Dictionary(String),
    /// A lexicon or configuration file is invalid.
    #[error("{0}")]
    Config(String),
    /// Writing an output table failed.
    #[error("writing {table}: {msg}")]
    Output {
        /// Table or file name.
        table: String,
        /// What failed.
        msg: String,
    },
    /// The incremental state under `outputs/.shiten` is unusable.
    #[error("state: {0}")]
    State(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
