//! What fused noising computes, independent of where it runs: the target kind and the
//! per-sample coefficients with their noise identity.

use crate::error::KernelResult;
use crate::ops::rows::check_counts;
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

impl NoisingTarget {
    /// Whether the kernel writes this target into its own buffer (ε and v; x₀ is the input).
    pub fn writes(self) -> bool {
        matches!(self, Self::Epsilon | Self::V)
    }
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
