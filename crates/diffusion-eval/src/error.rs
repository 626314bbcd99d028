//! EvalError: what went wrong in an evaluation, and what to do about it.

use std::path::PathBuf;

/// Every failure of this crate; each message says what is wrong and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file the evaluation needs is not there.
    #[error("{path}: not found; {hint}")]
    MissingFile {
        /// Where it was looked for.
        path: PathBuf,
        /// What to do.
        hint: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The classifier's config.json is malformed.
    #[error("{path}: invalid classifier config: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The classifier's weights do not fit its config (every mismatch listed).
    #[error("{path}: the weights do not match the classifier config:\n  {}\nre-train with `cargo run --release -p diffusion-eval --example train_classifier`", problems.join("\n  "))]
    WeightMismatch {
        /// The weights file.
        path: PathBuf,
        /// One line per missing, unexpected or mis-shaped tensor.
        problems: Vec<String>,
    },
    /// Inputs of a metric or an evaluation are inconsistent (shapes, counts, labels, values).
    #[error("{0}")]
    Invalid(String),
    /// A linear-algebra step failed (a covariance that is not symmetric or not finite).
    #[error("linear algebra: {0}")]
    LinearAlgebra(String),
    /// Loading data failed.
    #[error("dataset: {0}")]
    Data(#[from] diffusion_data::DataError),
    /// Loading or saving a network failed.
    #[error("model: {0}")]
    Model(#[from] diffusion_model::ModelError),
    /// Reading a checkpoint or sampling from it failed.
    #[error("{0}")]
    Train(#[from] diffusion_train::TrainError),
    /// A 2-D distance failed.
    #[error("math: {0}")]
    Math(#[from] diffusion_math::MathError),
}

impl EvalError {
    /// An [`EvalError::Invalid`] from anything printable.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// An [`EvalError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with [`EvalError`].
pub type EvalResult<T> = Result<T, EvalError>;
