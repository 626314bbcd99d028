//! The fused noising kernel: `x_t = a·x₀ + b·ε` with ε drawn in-kernel, plus the ε or v target.

use cubecl::prelude::*;

use super::noise::{block_normal, block_normals, philox4x32_10, sample_block_words};

/// Target kinds, fixed at compile time.
pub const TARGET_NONE: u32 = 0;
/// Write ε.
pub const TARGET_EPSILON: u32 = 1;
/// Write v = a·ε − b·x₀.
pub const TARGET_V: u32 = 2;

/// One unit per group of four elements of one row (one Philox block).
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn noising_kernel(
    x0: &Array<f32>,
    signal_scale: &Array<f32>,
    noise_std: &Array<f32>,
    x_t: &mut Array<f32>,
    target: &mut Array<f32>,
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
    let a = signal_scale[row as usize];
    let b = noise_std[row as usize];
    let base = row * row_len;
    let first = block * 4u32;
    #[unroll]
    for k in 0..4u32 {
        let e = first + k;
        if e < row_len {
            let z = block_normal(c0, c1, c2, c3, k);
            let i = (base + e) as usize;
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

/// Four elements as one 128-bit vector: the layout of [`noising_kernel_vec4`].
pub type Vec4 = Vector<f32, Const<4>>;

/// The vectorised twin of [`noising_kernel`] for rows whose length is a multiple of 4: each unit
/// loads and stores its four elements as one 128-bit vector.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn noising_kernel_vec4(
    x0: &Array<Vec4>,
    signal_scale: &Array<f32>,
    noise_std: &Array<f32>,
    x_t: &mut Array<Vec4>,
    target: &mut Array<Vec4>,
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
    let z = block_normals(c0, c1, c2, c3);
    let a = Vec4::new(signal_scale[row as usize]);
    let b = Vec4::new(noise_std[row as usize]);
    let i = unit as usize;
    let x = x0[i];
    x_t[i] = a * x + b * z;
    if comptime!(target_kind == TARGET_EPSILON) {
        target[i] = z;
    }
    if comptime!(target_kind == TARGET_V) {
        target[i] = a * z - b * x;
    }
}
