//! The one error type of the sampling crate.

use diffusion_kernels::KernelError;
use diffusion_math::MathError;
use diffusion_model::ModelError;
use thiserror::Error;

/// Why sampling (or a likelihood computation) refused its input or could not finish.
#[derive(Debug, Error)]
pub enum SamplingError {
    /// A schedule or coefficient computation rejected its parameters.
    #[error(transparent)]
    Math(#[from] MathError),
    /// A fused kernel rejected its arguments.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// The network rejected its input (shape, labels).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A sampler option or request is invalid; the message says what to change.
    #[error("invalid {what}: {hint}")]
    Invalid {
        /// What is wrong.
        what: &'static str,
        /// What to do instead.
        hint: String,
    },
    /// The state stopped being finite.
    #[error("sampling produced non-finite values ({0}); check the model weights and the schedule")]
    NonFinite(String),
}

impl SamplingError {
    /// An [`SamplingError::Invalid`] with its hint.
    pub fn invalid(what: &'static str, hint: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            hint: hint.into(),
        }
    }
}

/// Result alias of the sampling crate.
pub type SamplingResult<T> = Result<T, SamplingError>;
