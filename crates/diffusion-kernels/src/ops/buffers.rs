//! Output buffers for the CPU kernels.

use rayon::prelude::*;

/// Below this many elements a buffer is zeroed on the calling thread.
const PARALLEL_ZERO_FROM: usize = 1 << 16;

/// A zero-filled `Vec<f32>` of `len` elements, filled by the rayon pool when it is large.
///
/// Why: every kernel allocates its output and then fills it in a parallel loop. With freed
/// buffers reused from the heap (`cpu_allocator`), `vec![0.0; len]` is a memset on the calling
/// thread while the workers wait; on the MNIST training step those serial memsets were a third
/// of the time the main thread spent outside the parallel loops.
pub(crate) fn zeroed(len: usize) -> Vec<f32> {
    if len < PARALLEL_ZERO_FROM {
        return vec![0.0; len];
    }
    let mut buffer: Vec<f32> = Vec::with_capacity(len);
    buffer.spare_capacity_mut()[..len]
        .par_chunks_mut(PARALLEL_ZERO_FROM)
        .for_each(|chunk| chunk.fill(std::mem::MaybeUninit::new(0.0)));
    // SAFETY: the loop above initialised all `len` elements (capacity is at least `len`).
    unsafe { buffer.set_len(len) };
    buffer
}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_are_zero_and_sized() {
        for len in [
            0,
            5,
            super::PARALLEL_ZERO_FROM,
            3 * super::PARALLEL_ZERO_FROM + 7,
        ] {
            let v = super::zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }
}
