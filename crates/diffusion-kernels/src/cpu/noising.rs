//! Fused noising on the CPU.

use crate::error::{KernelError, KernelResult};
use crate::philox::fill_normals;
use crate::spec::{NoisingParams, NoisingTarget};

/// Writes `x_t = a·x₀ + b·ε` into `x_t` and, for [`NoisingTarget::Epsilon`] or
/// [`NoisingTarget::V`], the target into `target`. `x0` is `rows × row_len`, row-major.
pub fn noising(
    x0: &[f32],
    row_len: usize,
    params: &NoisingParams,
    kind: NoisingTarget,
    x_t: &mut [f32],
    mut target: Option<&mut [f32]>,
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
    let writes_target = matches!(kind, NoisingTarget::Epsilon | NoisingTarget::V);
    if let (true, Some(t)) = (writes_target, target.as_deref()) {
        if t.len() != x0.len() {
            return Err(KernelError::LengthMismatch {
                name: "target",
                expected: x0.len(),
                found: t.len(),
            });
        }
    }
    let mut eps = vec![0.0f32; row_len];
    for row in 0..rows {
        fill_normals(params.key, params.first_sample + row as u64, &mut eps);
        let (a, b) = (params.signal_scale[row], params.noise_std[row]);
        let range = row * row_len..(row + 1) * row_len;
        for ((out, &x), &e) in x_t[range.clone()]
            .iter_mut()
            .zip(&x0[range.clone()])
            .zip(&eps)
        {
            *out = a * x + b * e;
        }
        if let (true, Some(t)) = (writes_target, target.as_deref_mut()) {
            for ((out, &x), &e) in t[range.clone()]
                .iter_mut()
                .zip(&x0[range.clone()])
                .zip(&eps)
            {
                *out = match kind {
                    NoisingTarget::V => a * e - b * x,
                    _ => e,
                };
            }
        }
    }
    Ok(())
}
