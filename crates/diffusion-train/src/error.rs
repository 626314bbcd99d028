//! What can stop a training run; each message says what went wrong and what to do.

use std::path::{Path, PathBuf};

/// A training run that cannot start or continue.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The training config is invalid.
    #[error("training config: {0}")]
    Config(String),
    /// The dataset could not be read.
    #[error("dataset: {0}")]
    Data(#[from] diffusion_data::DataError),
    /// The network could not be built, run, saved or loaded.
    #[error("model: {0}")]
    Model(#[from] diffusion_model::ModelError),
    /// Sampling the preview grid failed.
    #[error("sampling: {0}")]
    Sampling(#[from] diffusion_sampling::SamplingError),
    /// A forward-process formula rejected its input.
    #[error("process: {0}")]
    Math(#[from] diffusion_math::MathError),
    /// The fused noising kernel rejected its input.
    #[error("noising kernel: {0}")]
    Kernel(#[from] diffusion_kernels::KernelError),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The loss became NaN or infinite; the parameters of that step were not applied.
    #[error(
        "the loss is {loss} at step {step}; stopping without applying that step. The newest \
         checkpoint with good weights is {last_checkpoint}. Resume from it with a lower learning \
         rate (or gradient clipping): `--resume` accepts a changed learning rate, warm-up, \
         schedule and clipping"
    )]
    NonFiniteLoss {
        /// The step whose loss was not finite.
        step: u64,
        /// The loss value.
        loss: f64,
        /// Where the run can resume from.
        last_checkpoint: String,
    },
    /// The weights became NaN or infinite; no checkpoint of them was written.
    #[error(
        "after step {step} {found}; stopping without writing a checkpoint of them. The newest \
         checkpoint with good weights is {last_checkpoint}. Resume from it with a lower learning \
         rate (or gradient clipping): `--resume` accepts a changed learning rate, warm-up, \
         schedule and clipping"
    )]
    NonFiniteWeights {
        /// The last step applied.
        step: u64,
        /// The first parameter with such values.
        found: String,
        /// Where the run can resume from.
        last_checkpoint: String,
    },
    /// A checkpoint is unreadable or inconsistent.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl TrainError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result of the training crate.
pub type TrainResult<T> = Result<T, TrainError>;
