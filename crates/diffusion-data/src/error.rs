//! What can go wrong reading a dataset; every message names the file and says what to do.

use std::path::{Path, PathBuf};

/// A dataset that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file or folder could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file was read but is not what its name promises.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A dataset with nothing in it.
    #[error("{path}: {message}")]
    Empty {
        /// Where the data was looked for.
        path: PathBuf,
        /// What was looked for.
        message: String,
    },
    /// A setting that makes no sense for this dataset.
    #[error("{0}")]
    Invalid(String),
    /// An output that would replace a file already there (perhaps written by another run
    /// meanwhile).
    #[error("{path} already exists (another run may have just written it); choose another path or remove it first")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// An input that would need more memory than the machine has.
    #[error("{what} needs about {needed} of memory, more than the {available} available; make it smaller")]
    TooLarge {
        /// The input responsible (a flag or config key with its value).
        what: String,
        /// The estimate.
        needed: String,
        /// What the machine has available.
        available: String,
    },
    /// A folder another process is writing into.
    #[error("{path} is in use by another run (process {holder}); wait for it to finish or choose another folder")]
    Locked {
        /// The folder.
        path: PathBuf,
        /// The PID recorded by the holder.
        holder: String,
    },
}

impl DataError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A format error on `path`.
    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Result of the data crate.
pub type DataResult<T> = Result<T, DataError>;
