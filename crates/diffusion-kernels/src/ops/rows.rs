//! Batches as rows, shared by the fused per-sample ops ([`super::noising`],
//! [`super::sampler_step`]): the first dimension of a tensor indexes samples and the rest is one
//! row; per-sample coefficients are checked against the row count; the CPU kernels split large
//! batches by rows over the machine's cores.

use std::ops::Range;

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use crate::error::{KernelError, KernelResult};

/// Below this many elements a single thread is faster than spawning.
const PARALLEL_THRESHOLD: usize = 1 << 14;

/// Splits `outputs` (each `rows × row_len`) into chunks of whole rows and runs
/// `work(row_range, chunks)` on each, in parallel when the batch is large.
pub(crate) fn for_row_chunks<F>(rows: usize, row_len: usize, outputs: Vec<&mut [f32]>, work: F)
where
    F: Fn(Range<usize>, Vec<&mut [f32]>) + Sync,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 || rows < 2 || rows * row_len < PARALLEL_THRESHOLD {
        work(0..rows, outputs);
        return;
    }
    let rows_per_chunk = rows.div_ceil(threads);
    let mut per_chunk: Vec<Vec<&mut [f32]>> = (0..rows.div_ceil(rows_per_chunk))
        .map(|_| Vec::new())
        .collect();
    for out in outputs {
        for (chunk, piece) in out.chunks_mut(rows_per_chunk * row_len).enumerate() {
            per_chunk[chunk].push(piece);
        }
    }
    std::thread::scope(|scope| {
        for (chunk, pieces) in per_chunk.into_iter().enumerate() {
            let work = &work;
            let start = chunk * rows_per_chunk;
            let end = (start + rows_per_chunk).min(rows);
            scope.spawn(move || work(start..end, pieces));
        }
    });
}

/// Rows (first dimension) and elements per row of a shape.
pub(crate) fn rows_and_len(dims: &[usize]) -> KernelResult<(usize, usize)> {
    match dims.split_first() {
        Some((&rows, rest)) if rows > 0 => Ok((rows, rest.iter().product())),
        _ => Err(KernelError::NoRows(dims.to_vec())),
    }
}

/// An error naming the tensor `name` when its shape is not `expected`.
pub(crate) fn same_shape(
    name: &'static str,
    expected: &[usize],
    found: &[usize],
) -> KernelResult<()> {
    if expected == found {
        Ok(())
    } else {
        Err(KernelError::ShapeMismatch {
            name,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    }
}

/// Fails on the first coefficient vector whose length is not `rows`.
pub(crate) fn check_counts(rows: usize, counts: &[(&'static str, usize)]) -> KernelResult<()> {
    match counts.iter().find(|(_, len)| *len != rows) {
        Some(&(name, found)) => Err(KernelError::CoefficientCount {
            name,
            expected: rows,
            found,
        }),
        None => Ok(()),
    }
}

/// A tensor's values as f32 on the host (the CPU path of any backend reads them this way).
pub(crate) fn host_f32<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("converted to f32 above")
}
