//! The fused sampler-step kernel: `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`.

use cubecl::prelude::*;

use super::noise::{block_normals, sample_block_words};

/// One unit per group of four elements of one row (one Philox block), read and written as
/// `4 / N` vectors of `N` lanes, `N` picked at launch as for
/// [`noising_kernel`](super::noising::noising_kernel); rows with `c_z = 0` draw nothing.
#[cube(launch)]
#[allow(clippy::too_many_arguments)]
pub fn sampler_step_kernel<N: Size>(
    x: &Array<Vector<f32, N>>,
    d: &Array<Vector<f32, N>>,
    d_prev: &Array<Vector<f32, N>>,
    c_x: &Array<f32>,
    c_d: &Array<f32>,
    c_p: &Array<f32>,
    c_z: &Array<f32>,
    x_next: &mut Array<Vector<f32, N>>,
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
    let cx = Vector::<f32, N>::new(c_x[r]);
    let cd = Vector::<f32, N>::new(c_d[r]);
    let cz = c_z[r];
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
    let width = N::value().comptime();
    let base = row * row_len;
    let first = block * 4u32;
    #[unroll]
    for v in 0..comptime!(4 / width) {
        let k = comptime!((v * width) as u32);
        let e = first + k;
        if e < row_len {
            let i = ((base + e) / comptime!(width as u32)) as usize;
            let mut out = cx * x[i] + cd * d[i];
            if comptime!(has_prev) {
                out += Vector::<f32, N>::new(c_p[r]) * d_prev[i];
            }
            if draws {
                out += Vector::<f32, N>::new(cz) * block_normals::<N>(w0, w1, w2, w3, k);
            }
            x_next[i] = out;
        }
    }
}
