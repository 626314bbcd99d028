//! Fused noising on the CPU.

use super::{NoisingParams, NoisingTarget};
use crate::error::{KernelError, KernelResult};
use crate::ops::rows::for_row_chunks;
use crate::philox::fill_normals;

/// Writes `x_t = a·x₀ + b·ε` into `x_t` and, for [`NoisingTarget::Epsilon`] or
/// [`NoisingTarget::V`], the target into `target`. `x0` is `rows × row_len`, row-major.
pub fn noising(
    x0: &[f32],
    row_len: usize,
    params: &NoisingParams,
    kind: NoisingTarget,
    x_t: &mut [f32],
    target: Option<&mut [f32]>,
) -> KernelResult<()> {
    let rows = x0.len().checked_div(row_len).unwrap_or(0);
    params.check(rows)?;
    if x_t.len() != x0.len() {
        return Err(KernelError::LengthMismatch {
            name: "x_t",
            expected: x0.len(),
            found: x_t.len(),
        });
    }
    let writes_target = kind.writes();
    let mut outputs = vec![x_t];
    if writes_target {
        match target {
            Some(t) if t.len() == x0.len() => outputs.push(t),
            other => {
                return Err(KernelError::LengthMismatch {
                    name: "target",
                    expected: x0.len(),
                    found: other.map_or(0, |t| t.len()),
                })
            }
        }
    }
    for_row_chunks(rows, row_len, outputs, |row_range, mut outs| {
        let mut eps = vec![0.0f32; row_len];
        let first_row = row_range.start;
        for row in row_range {
            fill_normals(params.key, params.first_sample + row as u64, &mut eps);
            let (a, b) = (params.signal_scale[row], params.noise_std[row]);
            let input = &x0[row * row_len..(row + 1) * row_len];
            let local = (row - first_row) * row_len..(row - first_row + 1) * row_len;
            for ((out, &x), &e) in outs[0][local.clone()].iter_mut().zip(input).zip(&eps) {
                *out = a * x + b * e;
            }
            if writes_target {
                for ((out, &x), &e) in outs[1][local].iter_mut().zip(input).zip(&eps) {
                    *out = match kind {
                        NoisingTarget::V => a * e - b * x,
                        _ => e,
                    };
                }
            }
        }
    });
    Ok(())
}
