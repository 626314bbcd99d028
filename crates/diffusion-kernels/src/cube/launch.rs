//! What every host-side launcher of a fused kernel does before launching: check the batch, pick
//! the grid and the vector width, upload the per-sample coefficients and split the noise key into
//! 32-bit words. They work on raw cubecl handles, so they serve any cubecl runtime.

use cubecl::prelude::*;
use cubecl::server::Handle;

use crate::error::{KernelError, KernelResult};
use crate::philox::NoiseKey;

/// Grid for `units` work items.
pub(crate) fn grid<R: Runtime>(client: &ComputeClient<R>, units: usize) -> (CubeCount, CubeDim) {
    let dim = CubeDim::new(client, units.max(1));
    (
        cubecl::calculate_cube_count_elemwise(client, units.max(1), dim),
        dim,
    )
}

/// Rows of a `len`-element batch with rows of `row_len`, refusing batches whose element indices
/// would not fit the kernels' 32-bit arithmetic.
pub(crate) fn rows_of(len: usize, row_len: usize) -> KernelResult<usize> {
    if len > u32::MAX as usize {
        return Err(KernelError::TooLarge { elements: len });
    }
    if row_len == 0 || !len.is_multiple_of(row_len) {
        return Err(KernelError::LengthMismatch {
            name: "x",
            expected: row_len.max(1) * (len / row_len.max(1)),
            found: len,
        });
    }
    Ok(len / row_len)
}

/// The vector width (lanes) of a launch on rows of `row_len`: 4, one 128-bit load or store per
/// operand and Philox block, when no vector would straddle two rows; else 1.
pub(crate) fn vector_width(row_len: usize) -> usize {
    if row_len.is_multiple_of(4) {
        4
    } else {
        1
    }
}

/// A device buffer of `values` (one element when empty: a binding needs a buffer).
pub(crate) fn upload<R: Runtime>(client: &ComputeClient<R>, values: &[f32]) -> Handle {
    // An empty coefficient list still needs a valid (one-element) buffer.
    let values: &[f32] = if values.is_empty() { &[0.0] } else { values };
    client.create_from_slice(f32::as_bytes(values))
}

/// `(first_sample lo, hi, seed lo, hi, stream)` as the kernels take them.
pub(crate) fn key_words(key: NoiseKey, first_sample: u64) -> (u32, u32, u32, u32, u32) {
    (
        first_sample as u32,
        (first_sample >> 32) as u32,
        key.seed as u32,
        (key.seed >> 32) as u32,
        key.stream,
    )
}
