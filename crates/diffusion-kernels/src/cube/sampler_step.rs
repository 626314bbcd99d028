//! The fused sampler-step kernel: `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`.

use cubecl::prelude::*;

use super::noise::{block_normal, block_normals, sample_block_words};
use super::noising::Vec4;

/// One unit per group of four elements of one row; rows with `c_z = 0` draw nothing.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn sampler_step_kernel(
    x: &Array<f32>,
    d: &Array<f32>,
    d_prev: &Array<f32>,
    c_x: &Array<f32>,
    c_d: &Array<f32>,
    c_p: &Array<f32>,
    c_z: &Array<f32>,
    x_next: &mut Array<f32>,
    row_len: u32,
    blocks_per_row: u32,
    units: u32,
    first_sample_lo: u32,
    first_sample_hi: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
    #[comptime] has_prev: bool,
    #[comptime] has_noise: bool,
) {
    let unit = ABSOLUTE_POS as u32;
    if unit >= units {
        terminate!();
    }
    let row = unit / blocks_per_row;
    let block = unit % blocks_per_row;
    let r = row as usize;
    let (cx, cd, cz) = (c_x[r], c_d[r], c_z[r]);
    let draws = has_noise && cz != 0.0;
    // Separate `let mut` lines: cube expands tuple patterns as constants.
    let mut w0 = 0u32;
    let mut w1 = 0u32;
    let mut w2 = 0u32;
    let mut w3 = 0u32;
    if draws {
        sample_block_words(
            row,
            block,
            first_sample_lo,
            first_sample_hi,
            seed_lo,
            seed_hi,
            stream,
            &mut w0,
            &mut w1,
            &mut w2,
            &mut w3,
        );
    }
    let base = row * row_len;
    let first = block * 4u32;
    #[unroll]
    for k in 0..4u32 {
        let e = first + k;
        if e < row_len {
            let i = (base + e) as usize;
            let mut v = cx * x[i] + cd * d[i];
            if comptime!(has_prev) {
                v += c_p[r] * d_prev[i];
            }
            if draws {
                v += cz * block_normal(w0, w1, w2, w3, k);
            }
            x_next[i] = v;
        }
    }
}

/// The vectorised twin of [`sampler_step_kernel`] for rows whose length is a multiple of 4.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn sampler_step_kernel_vec4(
    x: &Array<Vec4>,
    d: &Array<Vec4>,
    d_prev: &Array<Vec4>,
    c_x: &Array<f32>,
    c_d: &Array<f32>,
    c_p: &Array<f32>,
    c_z: &Array<f32>,
    x_next: &mut Array<Vec4>,
    blocks_per_row: u32,
    units: u32,
    first_sample_lo: u32,
    first_sample_hi: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
    #[comptime] has_prev: bool,
    #[comptime] has_noise: bool,
) {
    let unit = ABSOLUTE_POS as u32;
    if unit >= units {
        terminate!();
    }
    let row = unit / blocks_per_row;
    let block = unit % blocks_per_row;
    let r = row as usize;
    let i = unit as usize;
    let mut v = Vec4::new(c_x[r]) * x[i] + Vec4::new(c_d[r]) * d[i];
    if comptime!(has_prev) {
        v += Vec4::new(c_p[r]) * d_prev[i];
    }
    let cz = c_z[r];
    if has_noise && cz != 0.0 {
        // Separate `let mut` lines: cube expands tuple patterns as constants.
        let mut w0 = 0u32;
        let mut w1 = 0u32;
        let mut w2 = 0u32;
        let mut w3 = 0u32;
        sample_block_words(
            row,
            block,
            first_sample_lo,
            first_sample_hi,
            seed_lo,
            seed_hi,
            stream,
            &mut w0,
            &mut w1,
            &mut w2,
            &mut w3,
        );
        v += Vec4::new(cz) * block_normals(w0, w1, w2, w3);
    }
    x_next[i] = v;
}
