//! The β schedules of diffusers' `DDPMScheduler` family and the tables built from them.

use std::f64::consts::FRAC_PI_2;

use serde::{Deserialize, Serialize};

use crate::error::{MathError, MathResult};
use crate::validate;

/// A named β schedule over `N` training steps, as diffusers' `beta_schedule` config key.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "beta_schedule", rename_all = "snake_case")]
pub enum BetaSchedule {
    /// `β_i = linspace(β_start, β_end, N)` (Ho et al. 2020: 1e-4 .. 0.02).
    Linear {
        /// First β.
        beta_start: f64,
        /// Last β.
        beta_end: f64,
    },
    /// `β_i = linspace(√β_start, √β_end, N)²` (latent diffusion: 0.00085 .. 0.012).
    ScaledLinear {
        /// First β.
        beta_start: f64,
        /// Last β.
        beta_end: f64,
    },
    /// `β_i = min(1 − ᾱ((i+1)/N)/ᾱ(i/N), 0.999)`, `ᾱ(t) = cos²((t + 0.008)/1.008 · π/2)`
    /// (Nichol & Dhariwal 2021, eq. 17, with their 0.999 cap).
    #[serde(rename = "squaredcos_cap_v2")]
    SquaredCosCapV2,
}

impl BetaSchedule {
    /// DDPM's linear schedule, β from 1e-4 to 0.02.
    pub const DDPM: BetaSchedule = BetaSchedule::Linear {
        beta_start: 1e-4,
        beta_end: 0.02,
    };

    /// Builds a schedule from diffusers' config strings (`linear`, `scaled_linear`,
    /// `squaredcos_cap_v2`) and its `beta_start` / `beta_end`.
    pub fn from_diffusers(name: &str, beta_start: f64, beta_end: f64) -> MathResult<Self> {
        let schedule = match name {
            "linear" => Self::Linear { beta_start, beta_end },
            "scaled_linear" => Self::ScaledLinear { beta_start, beta_end },
            "squaredcos_cap_v2" => Self::SquaredCosCapV2,
            other => {
                return Err(MathError::InvalidParameter {
                    name: "beta_schedule",
                    value: f64::NAN,
                    requirement: format!(
                        "unknown beta schedule `{other}`; use linear, scaled_linear or squaredcos_cap_v2"
                    ),
                })
            }
        };
        schedule.validate()?;
        Ok(schedule)
    }

    /// The diffusers name of this schedule.
    pub fn diffusers_name(&self) -> &'static str {
        match self {
            Self::Linear { .. } => "linear",
            Self::ScaledLinear { .. } => "scaled_linear",
            Self::SquaredCosCapV2 => "squaredcos_cap_v2",
        }
    }

    fn validate(&self) -> MathResult<()> {
        if let Self::Linear {
            beta_start,
            beta_end,
        }
        | Self::ScaledLinear {
            beta_start,
            beta_end,
        } = *self
        {
            validate::open_interval("beta_start", beta_start, 0.0, 1.0)?;
            validate::open_interval("beta_end", beta_end, 0.0, 1.0)?;
        }
        Ok(())
    }

    /// The β table in f64.
    pub fn betas(&self, num_train_timesteps: usize) -> MathResult<Vec<f64>> {
        self.validate()?;
        let n = validate::nonzero_count("num_train_timesteps", num_train_timesteps)?;
        Ok(match *self {
            Self::Linear {
                beta_start,
                beta_end,
            } => linspace_f64(beta_start, beta_end, n),
            Self::ScaledLinear {
                beta_start,
                beta_end,
            } => linspace_f64(beta_start.sqrt(), beta_end.sqrt(), n)
                .into_iter()
                .map(|b| b * b)
                .collect(),
            Self::SquaredCosCapV2 => cosine_betas(n),
        })
    }

    /// The β table in f32, computed as diffusers does (torch float32 `linspace`; the cosine
    /// table in float64, then cast).
    pub fn betas_f32(&self, num_train_timesteps: usize) -> MathResult<Vec<f32>> {
        self.validate()?;
        let n = validate::nonzero_count("num_train_timesteps", num_train_timesteps)?;
        Ok(match *self {
            Self::Linear {
                beta_start,
                beta_end,
            } => torch_linspace_f32(beta_start as f32, beta_end as f32, n),
            Self::ScaledLinear {
                beta_start,
                beta_end,
            } => torch_linspace_f32(beta_start.sqrt() as f32, beta_end.sqrt() as f32, n)
                .into_iter()
                .map(|b| b * b)
                .collect(),
            Self::SquaredCosCapV2 => cosine_betas(n).into_iter().map(|b| b as f32).collect(),
        })
    }
}

fn linspace_f64(start: f64, end: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (end - start) / (n - 1) as f64;
    (0..n).map(|i| start + step * i as f64).collect()
}

/// torch's CPU `linspace` in float32: the first half counts up from `start`, the second half
/// counts down from `end`, each value one fused multiply-add in f32 (ATen
/// `RangeFactoriesKernel.cpp`, as compiled with FMA; checked against torch 2.15 bit for bit).
fn torch_linspace_f32(start: f32, end: f32, n: usize) -> Vec<f32> {
    if n == 1 {
        return vec![start];
    }
    let step = (end - start) / (n - 1) as f32;
    let halfway = n / 2;
    (0..n)
        .map(|i| {
            if i < halfway {
                step.mul_add(i as f32, start)
            } else {
                (-step).mul_add((n - 1 - i) as f32, end)
            }
        })
        .collect()
}

fn cosine_betas(n: usize) -> Vec<f64> {
    let alpha_bar = |t: f64| ((t + 0.008) / 1.008 * FRAC_PI_2).cos().powi(2);
    (0..n)
        .map(|i| {
            let (t1, t2) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
            (1.0 - alpha_bar(t2) / alpha_bar(t1)).min(0.999)
        })
        .collect()
}

/// A discrete noise table in f64: `β_i` and `ᾱ_i = ∏_{j≤i} (1 − β_j)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteSchedule {
    betas: Vec<f64>,
    alphas_cumprod: Vec<f64>,
}

impl DiscreteSchedule {
    /// The table of a named schedule over `num_train_timesteps` steps.
    pub fn new(schedule: BetaSchedule, num_train_timesteps: usize) -> MathResult<Self> {
        Self::from_betas(schedule.betas(num_train_timesteps)?)
    }

    /// A table from explicit βs: each must lie in (0, 1), except that the last may be exactly 1
    /// (a zero-terminal-SNR table, Lin et al. 2024).
    pub fn from_betas(betas: Vec<f64>) -> MathResult<Self> {
        validate::nonzero_count("number of betas", betas.len())?;
        let last = betas.len() - 1;
        for (i, &b) in betas.iter().enumerate() {
            let ok = b.is_finite() && b > 0.0 && (b < 1.0 || (i == last && b == 1.0));
            if !ok {
                return Err(MathError::InvalidParameter {
                    name: "beta",
                    value: b,
                    requirement: format!(
                        "β[{i}] must lie in (0, 1) (only the last may equal 1, for zero terminal SNR)"
                    ),
                });
            }
        }
        let mut acc = 1.0;
        let alphas_cumprod = betas
            .iter()
            .map(|b| {
                acc *= 1.0 - b;
                acc
            })
            .collect();
        Ok(Self {
            betas,
            alphas_cumprod,
        })
    }

    /// Number of training timesteps N.
    pub fn len(&self) -> usize {
        self.betas.len()
    }

    /// Always false: a table has at least one step.
    pub fn is_empty(&self) -> bool {
        self.betas.is_empty()
    }

    /// `β_i`.
    pub fn betas(&self) -> &[f64] {
        &self.betas
    }

    /// `ᾱ_i`.
    pub fn alphas_cumprod(&self) -> &[f64] {
        &self.alphas_cumprod
    }

    /// `s_i = √ᾱ_i`.
    pub fn signal_scale(&self, i: usize) -> f64 {
        self.alphas_cumprod[i].sqrt()
    }

    /// `σ_i = √(1 − ᾱ_i)`.
    pub fn noise_std(&self, i: usize) -> f64 {
        (1.0 - self.alphas_cumprod[i]).sqrt()
    }

    /// `λ_i = log(ᾱ_i / (1 − ᾱ_i))`.
    pub fn log_snr(&self, i: usize) -> f64 {
        let a = self.alphas_cumprod[i];
        a.ln() - (1.0 - a).ln()
    }

    /// This table with zero terminal SNR (Lin et al. 2024, Algorithm 1).
    pub fn rescaled_zero_terminal_snr(&self) -> MathResult<Self> {
        Self::from_betas(super::rescale_zero_terminal_snr(&self.betas)?)
    }
}

/// The f32 table diffusers holds: `betas`, `alphas = 1 − betas` and `alphas_cumprod`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffusersTable {
    /// `β_i` in f32.
    pub betas: Vec<f32>,
    /// `α_i = 1 − β_i` in f32.
    pub alphas: Vec<f32>,
    /// `ᾱ_i` in f32, from torch's `cumprod` (which accumulates in double on the CPU).
    pub alphas_cumprod: Vec<f32>,
}

impl DiffusersTable {
    /// The table diffusers builds for a schedule, optionally rescaled to zero terminal SNR
    /// (`rescale_betas_zero_snr=True`).
    pub fn new(
        schedule: BetaSchedule,
        num_train_timesteps: usize,
        zero_terminal_snr: bool,
    ) -> MathResult<Self> {
        Self::from_betas_f32(schedule.betas_f32(num_train_timesteps)?, zero_terminal_snr)
    }

    /// The table of explicit float32 βs (diffusers' `trained_betas`), optionally rescaled to
    /// zero terminal SNR.
    pub fn from_betas_f32(mut betas: Vec<f32>, zero_terminal_snr: bool) -> MathResult<Self> {
        validate::nonzero_count("number of betas", betas.len())?;
        if let Some(&bad) = betas
            .iter()
            .find(|b| !(b.is_finite() && **b > 0.0 && **b < 1.0))
        {
            return Err(MathError::InvalidParameter {
                name: "trained_betas",
                value: bad as f64,
                requirement: "every β must lie in (0, 1)".into(),
            });
        }
        if zero_terminal_snr {
            betas = super::rescale_zero_terminal_snr_f32(&betas)?;
        }
        let alphas: Vec<f32> = betas.iter().map(|b| 1.0 - b).collect();
        let alphas_cumprod = cumprod_f32(&alphas);
        Ok(Self {
            betas,
            alphas,
            alphas_cumprod,
        })
    }
}

/// torch's CPU `cumprod` for float32: the running product is kept in double and each output is
/// rounded to float.
pub(super) fn cumprod_f32(values: &[f32]) -> Vec<f32> {
    let mut acc = 1.0f64;
    values
        .iter()
        .map(|&v| {
            acc *= v as f64;
            acc as f32
        })
        .collect()
}
