//! Host-side launchers: check arguments, upload the per-sample coefficients, pick the grid and
//! the vector width, and launch one kernel. They work on raw cubecl handles, so they serve any
//! cubecl runtime.

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::noising::{noising_kernel, philox_words_kernel, TARGET_EPSILON, TARGET_NONE, TARGET_V};
use super::sampler_step::sampler_step_kernel;
use crate::error::{KernelError, KernelResult};
use crate::philox::NoiseKey;
use crate::spec::{NoisingParams, NoisingTarget, StepParams};

/// Grid for `units` work items.
pub(super) fn grid<R: Runtime>(client: &ComputeClient<R>, units: usize) -> (CubeCount, CubeDim) {
    let dim = CubeDim::new(client, units.max(1));
    (
        cubecl::calculate_cube_count_elemwise(client, units.max(1), dim),
        dim,
    )
}

/// Rows of a `len`-element batch with rows of `row_len`, refusing batches whose element indices
/// would not fit the kernels' 32-bit arithmetic.
fn rows_of(len: usize, row_len: usize) -> KernelResult<usize> {
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
fn vector_width(row_len: usize) -> usize {
    if row_len.is_multiple_of(4) {
        4
    } else {
        1
    }
}

fn upload<R: Runtime>(client: &ComputeClient<R>, values: &[f32]) -> Handle {
    // An empty coefficient list still needs a valid (one-element) buffer.
    let values: &[f32] = if values.is_empty() { &[0.0] } else { values };
    client.create_from_slice(f32::as_bytes(values))
}

fn key_words(key: NoiseKey, first_sample: u64) -> (u32, u32, u32, u32, u32) {
    (
        first_sample as u32,
        (first_sample >> 32) as u32,
        key.seed as u32,
        (key.seed >> 32) as u32,
        key.stream,
    )
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

/// The raw Philox words of samples `0..rows`, blocks `0..blocks_per_row`, computed on the
/// device and read back (for the CPU/GPU bit-identity test and diagnostics).
pub fn philox_words_on_device<R: Runtime>(
    client: &ComputeClient<R>,
    key: NoiseKey,
    rows: usize,
    blocks_per_row: usize,
) -> Vec<u32> {
    let units = rows * blocks_per_row;
    let out = client.empty(units.max(1) * 16);
    let (count, dim) = grid(client, units);
    unsafe {
        philox_words_kernel::launch::<R>(
            client,
            count,
            dim,
            ArrayArg::from_raw_parts(out.clone(), units * 4),
            blocks_per_row as u32,
            units as u32,
            key.seed as u32,
            (key.seed >> 32) as u32,
            key.stream,
        );
    }
    let bytes = client.read_one(out).expect("reading back the Philox words");
    u32::from_bytes(&bytes)[..units * 4].to_vec()
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
