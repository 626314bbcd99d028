//! What the fused kernels compute, independent of where they run.

use crate::error::{KernelError, KernelResult};
use crate::philox::NoiseKey;

/// Which training target the noising kernel writes beside `x_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoisingTarget {
    /// Only `x_t`.
    None,
    /// The drawn noise ε (ε-prediction).
    Epsilon,
    /// The clean input x₀ (x₀-prediction): no extra pass, the input is the target.
    Sample,
    /// `v = a·ε − b·x₀` (v-prediction, Salimans & Ho 2022, with a = s(t), b = σ(t)).
    V,
}

/// Per-sample coefficients and noise identity of one noising launch:
/// `x_t[i] = a[i]·x₀[i] + b[i]·ε[i]`, where row `i` of the batch is global sample
/// `first_sample + i` and `ε` comes from `key`.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisingParams {
    /// Signal scale `s(tᵢ)` per sample.
    pub signal_scale: Vec<f32>,
    /// Noise level `σ(tᵢ)` per sample.
    pub noise_std: Vec<f32>,
    /// Seed and stream of ε.
    pub key: NoiseKey,
    /// Global index of the first row (a training run's running image count).
    pub first_sample: u64,
}

impl NoisingParams {
    /// Checks that there is one pair of coefficients per row of a `rows × row_len` batch.
    pub fn check(&self, rows: usize) -> KernelResult<()> {
        check_counts(
            rows,
            &[
                ("signal_scale", self.signal_scale.len()),
                ("noise_std", self.noise_std.len()),
            ],
        )
    }
}

/// Fails on the first coefficient vector whose length is not `rows`.
fn check_counts(rows: usize, counts: &[(&'static str, usize)]) -> KernelResult<()> {
    match counts.iter().find(|(_, len)| *len != rows) {
        Some(&(name, found)) => Err(KernelError::CoefficientCount {
            name,
            expected: rows,
            found,
        }),
        None => Ok(()),
    }
}

/// Per-sample coefficients of one sampler step:
/// `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` with `z ~ N(0, I)` drawn from `key` for row
/// `first_sample + i`. The coefficients come from diffusion-math in f64 and cover DDPM, DDIM(η),
/// Euler, Euler–Maruyama, Heun's stages and DPM-Solver++(2M).
#[derive(Debug, Clone, PartialEq)]
pub struct StepParams {
    /// Coefficient of the current state, per sample.
    pub c_x: Vec<f32>,
    /// Coefficient of the current denoiser output, per sample.
    pub c_d: Vec<f32>,
    /// Coefficient of the previous denoiser output, per sample (all zero or empty: unused).
    pub c_p: Vec<f32>,
    /// Coefficient of fresh noise, per sample (zero: no draw).
    pub c_z: Vec<f32>,
    /// Seed and stream of z (use a different stream per step).
    pub key: NoiseKey,
    /// Global index of the first row.
    pub first_sample: u64,
}

impl StepParams {
    /// Checks that every coefficient vector has one entry per row (`c_p` may be empty).
    pub fn check(&self, rows: usize, has_prev: bool) -> KernelResult<()> {
        let mut counts = vec![
            ("c_x", self.c_x.len()),
            ("c_d", self.c_d.len()),
            ("c_z", self.c_z.len()),
        ];
        if has_prev {
            counts.push(("c_p", self.c_p.len()));
        }
        check_counts(rows, &counts)
    }

    /// Whether any sample draws noise.
    pub fn draws_noise(&self) -> bool {
        self.c_z.iter().any(|&c| c != 0.0)
    }
}
