//! The CPU implementation of the fused kernels: plain loops over f32 slices, the reference the
//! GPU kernels are tested against and the path every non-cubecl burn backend (flex) takes.
//! Large batches are split by rows over the machine's cores.

mod noising;
mod sampler_step;

pub use noising::noising;
pub use sampler_step::sampler_step;

use std::ops::Range;

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
