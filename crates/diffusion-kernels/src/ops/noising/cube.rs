//! The fused noising kernel in cubecl: `x_t = a·x₀ + b·ε` with ε drawn in-kernel, plus the ε or
//! v target, and its launcher.

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::{NoisingParams, NoisingTarget};
use crate::cube::launch::{grid, key_words, rows_of, upload, vector_width};
use crate::cube::philox::{block_normals, sample_block_words};
use crate::error::{KernelError, KernelResult};
use crate::philox::NoiseKey;

/// Target kinds, fixed at compile time.
const TARGET_NONE: u32 = 0;
/// Write ε.
const TARGET_EPSILON: u32 = 1;
/// Write v = a·ε − b·x₀.
const TARGET_V: u32 = 2;

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

/// Launches the fused noising kernel on `len = rows × row_len` elements of `x0`, writing `x_t`
/// and, for ε or v targets, `target` (which must then be given). A [`NoisingTarget::Sample`]
/// target needs no write: the caller reuses `x0`.
#[allow(clippy::too_many_arguments)]
pub fn launch_noising<R: Runtime>(
    client: &ComputeClient<R>,
    x0: &Handle,
    len: usize,
    row_len: usize,
    params: &NoisingParams,
    kind: NoisingTarget,
    x_t: &Handle,
    target: Option<&Handle>,
) -> KernelResult<()> {
    let rows = rows_of(len, row_len)?;
    params.check(rows)?;
    if len == 0 {
        return Ok(());
    }
    let blocks_per_row = row_len.div_ceil(4);
    let units = rows * blocks_per_row;
    let (count, dim) = grid(client, units);
    let a = upload(client, &params.signal_scale);
    let b = upload(client, &params.noise_std);
    let target_kind = match kind {
        NoisingTarget::Epsilon => TARGET_EPSILON,
        NoisingTarget::V => TARGET_V,
        NoisingTarget::None | NoisingTarget::Sample => TARGET_NONE,
    };
    let width = vector_width(row_len);
    let vectors = len / width;
    let dummy;
    let (target_handle, target_vectors) = match (target_kind, target) {
        (TARGET_NONE, _) => {
            // Never written; one 128-bit buffer holds a vector of any width.
            dummy = client.empty(16);
            (&dummy, 1)
        }
        (_, Some(t)) => (t, vectors),
        (_, None) => {
            return Err(KernelError::LengthMismatch {
                name: "target",
                expected: len,
                found: 0,
            })
        }
    };
    let (s_lo, s_hi, k_lo, k_hi, stream) = key_words(params.key, params.first_sample);
    unsafe {
        noising_kernel::launch::<R>(
            client,
            count,
            dim,
            width,
            ArrayArg::from_raw_parts(x0.clone(), vectors),
            ArrayArg::from_raw_parts(a, rows),
            ArrayArg::from_raw_parts(b, rows),
            ArrayArg::from_raw_parts(x_t.clone(), vectors),
            ArrayArg::from_raw_parts(target_handle.clone(), target_vectors),
            row_len as u32,
            blocks_per_row as u32,
            units as u32,
            s_lo,
            s_hi,
            k_lo,
            k_hi,
            stream,
            target_kind,
        );
    }
    Ok(())
}

/// Standard normals of samples `first_sample ..` (`rows × row_len`) drawn on the device: the
/// noising kernel with a = 0, b = 1 and an ε target.
pub fn normals_on_device<R: Runtime>(
    client: &ComputeClient<R>,
    key: NoiseKey,
    first_sample: u64,
    rows: usize,
    row_len: usize,
) -> KernelResult<Vec<f32>> {
    let len = rows * row_len;
    let x0 = client.create_from_slice(f32::as_bytes(&vec![0.0f32; len.max(1)]));
    let x_t = client.empty(len.max(1) * 4);
    let eps = client.empty(len.max(1) * 4);
    let params = NoisingParams {
        signal_scale: vec![0.0; rows],
        noise_std: vec![1.0; rows],
        key,
        first_sample,
    };
    launch_noising(
        client,
        &x0,
        len,
        row_len,
        &params,
        NoisingTarget::Epsilon,
        &x_t,
        Some(&eps),
    )?;
    let bytes = client.read_one(eps).expect("reading back the normals");
    Ok(f32::from_bytes(&bytes)[..len].to_vec())
}
