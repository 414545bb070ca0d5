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
    /// A file of the incremental store is damaged, foreign or from another format.
    #[error("{}: {problem}. {advice}", path.display())]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
        /// What the user can do.
        advice: String,
    },
    /// Another run holds the store's lock.
    #[error(
        "{} is held by {holder}: another shiten run is working on these outputs; wait for it \
         to finish (a lock left by a killed run is released automatically)",
        path.display()
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as written in the lock file.
        holder: String,
    },
}

impl Error {
    /// A file of the dictionaries folder that is missing or cannot be read: `what` it is
    /// (the entity dictionary, ...). Every dictionaries folder holds `user.csv`,
    /// `entities.toml`, `measures.toml` and `frames.toml`; a missing one is a fatal error
    /// naming it, not an analysis without it (issue 16.6: a missing `entities.toml`
    /// panicked in every document, a missing `measures.toml` silently gave no facts).
    pub fn dictionary_file(path: &Path, what: &str, e: &std::io::Error) -> Error {
        let problem = if e.kind() == std::io::ErrorKind::NotFound {
            "is missing".to_string()
        } else {
            format!("cannot be read ({e})")
        };
        Error::Config(format!(
            "the {what} {} {problem}: every dictionaries folder needs user.csv, \
             entities.toml, measures.toml and frames.toml; copy the missing one from \
             shiten's dictionaries/ (an empty user.csv, entities.toml or measures.toml \
             lists nothing)",
            path.display()
        ))
    }

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
