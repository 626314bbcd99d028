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
    /// The loss, the gradients or the weights became NaN or infinite: that step was not
    /// applied, or its weights were not checkpointed.
    #[error(
        "{what} at step {step}; stopping without applying that step or checkpointing those \
         weights. The newest checkpoint with good weights is {last_checkpoint}. Resume from it \
         with a lower learning rate (or gradient clipping): `--resume` accepts a changed \
         learning rate, warm-up, schedule and clipping"
    )]
    NonFinite {
        /// The step it happened at.
        step: u64,
        /// What was not finite (`the loss is NaN`, a tensor by name).
        what: String,
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
