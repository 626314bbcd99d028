//! Errors of the kernel layer: shape and argument problems, reported before anything launches.

use thiserror::Error;

/// Why a fused kernel call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KernelError {
    /// A per-sample coefficient vector does not have one entry per row.
    #[error(
        "`{name}` has {found} coefficients but the batch has {expected} rows; pass one per sample"
    )]
    CoefficientCount {
        /// The coefficient vector.
        name: &'static str,
        /// Rows in the batch.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// Two tensors that must have the same shape do not.
    #[error("`{name}` has shape {found:?} but `x` has shape {expected:?}")]
    ShapeMismatch {
        /// The mismatched tensor.
        name: &'static str,
        /// Shape of the reference tensor.
        expected: Vec<usize>,
        /// Shape given.
        found: Vec<usize>,
    },
    /// A buffer's length does not match the batch.
    #[error("`{name}` has {found} elements, expected {expected}")]
    LengthMismatch {
        /// The buffer.
        name: &'static str,
        /// Elements required.
        expected: usize,
        /// Elements given.
        found: usize,
    },
    /// The batch has more elements than the kernels' 32-bit indices address.
    #[error("batch of {elements} elements exceeds the 2³² − 1 a kernel launch can index; split it into smaller batches")]
    TooLarge {
        /// Elements in the batch.
        elements: usize,
    },
    /// The kernels work on f32 tensors only.
    #[error("the fused kernels need f32 tensors, got {0}; convert with `.cast(DType::F32)` first")]
    UnsupportedDtype(String),
    /// A tensor has no batch dimension or a zero-sized one where rows are needed.
    #[error("tensor of shape {0:?} has no batch rows; the first dimension indexes samples")]
    NoRows(Vec<usize>),
}

/// Result alias of the kernel layer.
pub type KernelResult<T> = Result<T, KernelError>;
