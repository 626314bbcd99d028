//! The fused noising kernel: `x_t = a·x₀ + b·ε` with ε drawn in-kernel, plus the ε or v target.

use cubecl::prelude::*;

use super::noise::{block_normals, philox4x32_10, sample_block_words};

/// Target kinds, fixed at compile time.
pub const TARGET_NONE: u32 = 0;
/// Write ε.
pub const TARGET_EPSILON: u32 = 1;
/// Write v = a·ε − b·x₀.
pub const TARGET_V: u32 = 2;

/// One unit per group of four elements of one row (one Philox block), read and written as
/// `4 / N` vectors of `N` lanes. `N` is picked at launch: 4 (one 128-bit load and store per
/// operand) when rows are a multiple of 4 elements, else 1 (a row's last block may be partial).
/// Lane `j` of vector `v` is element `4·block + N·v + j` of its row and gets that element's
/// normal, so the numbers do not depend on the width.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn noising_kernel<N: Size>(
    x0: &Array<Vector<f32, N>>,
    signal_scale: &Array<f32>,
    noise_std: &Array<f32>,
    x_t: &mut Array<Vector<f32, N>>,
    target: &mut Array<Vector<f32, N>>,
    row_len: u32,
    blocks_per_row: u32,
    units: u32,
    first_sample_lo: u32,
    first_sample_hi: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
    #[comptime] target_kind: u32,
) {
    let unit = ABSOLUTE_POS as u32;
    if unit >= units {
        terminate!();
    }
    let row = unit / blocks_per_row;
    let block = unit % blocks_per_row;
    // Separate `let mut` lines: cube expands tuple patterns as constants.
    let mut c0 = 0u32;
    let mut c1 = 0u32;
    let mut c2 = 0u32;
    let mut c3 = 0u32;
    sample_block_words(
        row,
        block,
        first_sample_lo,
        first_sample_hi,
        seed_lo,
        seed_hi,
        stream,
        &mut c0,
        &mut c1,
        &mut c2,
        &mut c3,
    );
    let a = Vector::<f32, N>::new(signal_scale[row as usize]);
    let b = Vector::<f32, N>::new(noise_std[row as usize]);
    let width = N::value().comptime();
    let base = row * row_len;
    let first = block * 4u32;
    #[unroll]
    for v in 0..comptime!(4 / width) {
        let k = comptime!((v * width) as u32);
        let e = first + k;
        // Rows of a multiple of `N` elements: a vector is either wholly in its row or not at all.
        if e < row_len {
            let z = block_normals::<N>(c0, c1, c2, c3, k);
            let i = ((base + e) / comptime!(width as u32)) as usize;
            let x = x0[i];
            x_t[i] = a * x + b * z;
            if comptime!(target_kind == TARGET_EPSILON) {
                target[i] = z;
            }
            if comptime!(target_kind == TARGET_V) {
                target[i] = a * z - b * x;
            }
        }
    }
}

/// Raw Philox words for `(key, sample = row, block)`: the device side of the bit-identity test.
#[cube(launch)]
pub fn philox_words_kernel(
    out: &mut Array<u32>,
    blocks_per_row: u32,
    units: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
) {
    let unit = ABSOLUTE_POS as u32;
    if unit >= units {
        terminate!();
    }
    let mut c0 = unit % blocks_per_row;
    let mut c1 = unit / blocks_per_row;
    let mut c2 = 0u32;
    let mut c3 = stream;
    philox4x32_10(&mut c0, &mut c1, &mut c2, &mut c3, seed_lo, seed_hi);
    let o = (unit * 4u32) as usize;
    out[o] = c0;
    out[o + 1] = c1;
    out[o + 2] = c2;
    out[o + 3] = c3;
}
