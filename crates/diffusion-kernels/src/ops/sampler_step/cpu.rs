//! The fused sampler step on the CPU.

use super::StepParams;
use crate::error::{KernelError, KernelResult};
use crate::ops::rows::for_row_chunks;
use crate::philox::fill_normals;

/// Writes `x_next = c_x·x + c_d·d + c_p·d_prev + c_z·z` row by row (`rows × row_len`).
/// Rows whose `c_z` is zero draw no noise; `d_prev = None` drops the `c_p` term.
pub fn sampler_step(
    x: &[f32],
    d: &[f32],
    d_prev: Option<&[f32]>,
    row_len: usize,
    params: &StepParams,
    x_next: &mut [f32],
) -> KernelResult<()> {
    let rows = x.len().checked_div(row_len).unwrap_or(0);
    params.check(rows, d_prev.is_some())?;
    for (name, len) in [
        ("d", d.len()),
        ("d_prev", d_prev.map_or(x.len(), <[f32]>::len)),
        ("x_next", x_next.len()),
    ] {
        if len != x.len() {
            return Err(KernelError::LengthMismatch {
                name,
                expected: x.len(),
                found: len,
            });
        }
    }
    for_row_chunks(rows, row_len, vec![x_next], |row_range, mut outs| {
        let mut z = vec![0.0f32; row_len];
        let first_row = row_range.start;
        for row in row_range {
            let (cx, cd, cz) = (params.c_x[row], params.c_d[row], params.c_z[row]);
            let cp = d_prev.map_or(0.0, |_| params.c_p[row]);
            if cz != 0.0 {
                fill_normals(params.key, params.first_sample + row as u64, &mut z);
            }
            let out = &mut outs[0][(row - first_row) * row_len..(row - first_row + 1) * row_len];
            for (e, (o, &noise)) in out.iter_mut().zip(&z).enumerate() {
                let i = row * row_len + e;
                let mut v = cx * x[i] + cd * d[i];
                if let Some(prev) = d_prev {
                    v += cp * prev[i];
                }
                if cz != 0.0 {
                    v += cz * noise;
                }
                *o = v;
            }
        }
    });
    Ok(())
}
