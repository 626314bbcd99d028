//! Errors of the model crate: each says what is wrong and what to do about it.

use std::path::PathBuf;

use crate::weights::WeightProblem;

/// Why a model could not be configured, loaded, saved or downloaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A config value that is malformed or that this implementation does not support.
    #[error("config key `{key}`: {message}")]
    Config {
        /// The config.json key at fault.
        key: String,
        /// What is wrong with it and what would work.
        message: String,
    },
    /// config.json is not valid JSON of the expected shape.
    #[error("{path}: not a valid network config: {message}")]
    ConfigSyntax {
        /// The file read.
        path: String,
        /// serde's description of the problem.
        message: String,
    },
    /// The weights file does not match the architecture: every problem is listed.
    #[error("{path}: the weights do not match the model ({} problem(s)):\n{}", problems.len(), list_problems(problems))]
    Weights {
        /// The file read.
        path: String,
        /// Missing, unexpected and mis-shaped tensors, by name.
        problems: Vec<WeightProblem>,
    },
    /// The weights hold NaN or infinite values.
    #[error("{path}: {found}; these weights cannot give images (a diverged training run?): load an earlier checkpoint")]
    NonFiniteWeights {
        /// The file read.
        path: String,
        /// The first tensor with such values.
        found: crate::weights::NonFiniteTensor,
    },
    /// The safetensors file is truncated, corrupt or not safetensors at all.
    #[error("{path}: not a readable safetensors file ({message}); the file may be truncated or corrupt: download or save it again")]
    CorruptWeights {
        /// The file read.
        path: String,
        /// The parser's description.
        message: String,
    },
    /// A tensor in the file has a dtype that cannot become f32.
    #[error("{path}: tensor `{name}` has dtype {dtype}; only F32, F16, BF16 and F64 weights can be loaded")]
    UnsupportedDtype {
        /// The file read.
        path: String,
        /// The tensor's name.
        name: String,
        /// Its dtype as safetensors names it.
        dtype: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A model directory lacks a file it needs.
    #[error("{}: missing; {hint}", path.display())]
    MissingFile {
        /// Where the file was looked for.
        path: PathBuf,
        /// What to do.
        hint: String,
    },
    /// A Hugging Face hub download failed.
    #[error("hub: {message}")]
    Hub {
        /// What failed and what to do.
        message: String,
    },
    /// A forward pass got inputs of the wrong shape or kind.
    #[error("invalid input: {0}")]
    Input(String),
}

impl From<diffusion_data::DataError> for ModelError {
    fn from(e: diffusion_data::DataError) -> Self {
        match e {
            diffusion_data::DataError::Io { path, source } => Self::Io { path, source },
            other => Self::Input(other.to_string()),
        }
    }
}

/// The problems a weights error lists in full; the rest are counted.
const LISTED_PROBLEMS: usize = 12;

fn list_problems(problems: &[WeightProblem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(LISTED_PROBLEMS)
        .map(|p| format!("  - {p}"))
        .collect();
    if problems.len() > LISTED_PROBLEMS {
        lines.push(format!(
            "  - and {} more (is this config the one the weights were saved with?)",
            problems.len() - LISTED_PROBLEMS
        ));
    }
    lines.join("\n")
}

/// Result alias for the model crate.
pub type ModelResult<T> = Result<T, ModelError>;

impl ModelError {
    pub(crate) fn config(key: &str, message: impl Into<String>) -> Self {
        ModelError::Config {
            key: key.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }
}
