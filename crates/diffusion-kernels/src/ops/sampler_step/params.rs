//! What the fused sampler step computes, independent of where it runs: the per-sample
//! coefficients of `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` and the noise identity of z.

use crate::error::KernelResult;
use crate::ops::rows::check_counts;
use crate::philox::NoiseKey;

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
