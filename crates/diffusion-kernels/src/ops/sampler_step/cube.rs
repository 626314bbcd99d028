//! The fused sampler-step kernel in cubecl, `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` with z
//! drawn in-kernel, and its launcher.

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::StepParams;
use crate::cube::launch::{grid, key_words, rows_of, upload, vector_width};
use crate::cube::philox::{block_normals, sample_block_words};
use crate::error::KernelResult;

/// One unit per group of four elements of one row (one Philox block), read and written as
/// `4 / N` vectors of `N` lanes, `N` picked at launch as for
/// the noising kernel; rows with `c_z = 0` draw nothing.
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

/// Launches the fused sampler step on `len = rows × row_len` elements.
#[allow(clippy::too_many_arguments)]
pub fn launch_sampler_step<R: Runtime>(
    client: &ComputeClient<R>,
    x: &Handle,
    d: &Handle,
    d_prev: Option<&Handle>,
    len: usize,
    row_len: usize,
    params: &StepParams,
    x_next: &Handle,
) -> KernelResult<()> {
    let rows = rows_of(len, row_len)?;
    params.check(rows, d_prev.is_some())?;
    if len == 0 {
        return Ok(());
    }
    let blocks_per_row = row_len.div_ceil(4);
    let units = rows * blocks_per_row;
    let (count, dim) = grid(client, units);
    let has_prev = d_prev.is_some();
    let has_noise = params.draws_noise();
    let cp = if has_prev {
        upload(client, &params.c_p)
    } else {
        upload(client, &[])
    };
    let prev = d_prev.unwrap_or(d).clone();
    let (s_lo, s_hi, k_lo, k_hi, stream) = key_words(params.key, params.first_sample);
    let (c_x, c_d, c_z) = (
        upload(client, &params.c_x),
        upload(client, &params.c_d),
        upload(client, &params.c_z),
    );
    let cp_len = if has_prev { rows } else { 1 };
    let width = vector_width(row_len);
    let vectors = len / width;
    unsafe {
        sampler_step_kernel::launch::<R>(
            client,
            count,
            dim,
            width,
            ArrayArg::from_raw_parts(x.clone(), vectors),
            ArrayArg::from_raw_parts(d.clone(), vectors),
            ArrayArg::from_raw_parts(prev, vectors),
            ArrayArg::from_raw_parts(c_x, rows),
            ArrayArg::from_raw_parts(c_d, rows),
            ArrayArg::from_raw_parts(cp, cp_len),
            ArrayArg::from_raw_parts(c_z, rows),
            ArrayArg::from_raw_parts(x_next.clone(), vectors),
            row_len as u32,
            blocks_per_row as u32,
            units as u32,
            s_lo,
            s_hi,
            k_lo,
            k_hi,
            stream,
            has_prev,
            has_noise,
        );
    }
    Ok(())
}
