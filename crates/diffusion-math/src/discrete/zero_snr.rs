//! Rescaling a β table to zero terminal SNR (Lin et al. 2024, "Common diffusion noise schedules
//! and sample steps are flawed", Algorithm 1): shift and scale `√ᾱ` so that its last value is 0
//! and its first is unchanged, then recover the βs.

use crate::error::{MathError, MathResult};

fn check(len: usize) -> MathResult<()> {
    if len < 2 {
        return Err(MathError::InvalidParameter {
            name: "number of betas",
            value: len as f64,
            requirement: "zero-terminal-SNR rescaling needs at least 2 steps".into(),
        });
    }
    Ok(())
}

/// The rescaled βs in f64; the last one becomes exactly 1.
pub fn rescale_zero_terminal_snr(betas: &[f64]) -> MathResult<Vec<f64>> {
    check(betas.len())?;
    let mut acc = 1.0;
    let mut sqrt_bar: Vec<f64> = betas
        .iter()
        .map(|b| {
            acc *= 1.0 - b;
            acc.sqrt()
        })
        .collect();
    let (first, last) = (sqrt_bar[0], sqrt_bar[sqrt_bar.len() - 1]);
    let scale = first / (first - last);
    for v in &mut sqrt_bar {
        *v = (*v - last) * scale;
    }
    let bar: Vec<f64> = sqrt_bar.iter().map(|v| v * v).collect();
    Ok(std::iter::once(1.0 - bar[0])
        .chain(bar.windows(2).map(|w| 1.0 - w[1] / w[0]))
        .collect())
}

/// The same rescaling in f32, operation by operation as diffusers' torch code
/// (`rescale_zero_terminal_snr` in `scheduling_ddim.py`).
pub fn rescale_zero_terminal_snr_f32(betas: &[f32]) -> MathResult<Vec<f32>> {
    check(betas.len())?;
    let alphas: Vec<f32> = betas.iter().map(|b| 1.0 - b).collect();
    let mut sqrt_bar: Vec<f32> = super::beta_schedule::cumprod_f32(&alphas)
        .iter()
        .map(|a| a.sqrt())
        .collect();
    let (first, last) = (sqrt_bar[0], sqrt_bar[sqrt_bar.len() - 1]);
    for v in &mut sqrt_bar {
        *v -= last;
    }
    let scale = first / (first - last);
    for v in &mut sqrt_bar {
        *v *= scale;
    }
    let bar: Vec<f32> = sqrt_bar.iter().map(|v| v * v).collect();
    Ok(std::iter::once(1.0 - bar[0])
        .chain(bar.windows(2).map(|w| 1.0 - w[1] / w[0]))
        .collect())
}
