//! Where a sampler visits the process: n evaluation times from the noisy end, followed by a final
//! step to the clean data (σ = 0).
//!
//! - diffusers' `leading` / `trailing` / `linspace` timesteps for discrete models, in the three
//!   flavours its schedulers use (DDIM/DDPM integers, DPM-Solver's n+1 grid, the σ schedulers'
//!   unrounded float32 values);
//! - uniform time or uniform log-SNR (Lu et al. 2022, §3.3) between `t_max` and `t_end` for
//!   continuous processes (Song et al. 2021 stop at ε = 10⁻³ and denoise);
//! - Karras et al. 2022's σ schedule (eq. 5, ρ = 7) between `σ̃(t_max)` and `σ̃(t_end)`, mapped
//!   back to times through the monotone log-SNR.

use diffusion_math::discrete::{
    dpm_solver_timesteps, euler_timesteps, inference_timesteps, karras_sigmas, TimestepSpacing,
};
use diffusion_math::{ForwardProcess, ProcessPoint};

use crate::error::{SamplingError, SamplingResult};

/// How to choose the evaluation times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSpacing {
    /// diffusers' timestep spacing on a discrete model (time = timestep index).
    Diffusers {
        /// `leading`, `trailing` or `linspace`.
        spacing: TimestepSpacing,
        /// diffusers' `steps_offset`.
        steps_offset: usize,
    },
    /// Evenly spaced times from `t_max` to `t_end`.
    Uniform,
    /// Evenly spaced log-SNR from `t_max` to `t_end`.
    LogSnrUniform,
    /// Karras σ with exponent ρ from `σ̃(t_max)` to `σ̃(t_end)`.
    Karras {
        /// ρ (7 in Karras et al. 2022).
        rho: f64,
    },
}

/// Which of diffusers' `set_timesteps` variants a sampler follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffusersFlavour {
    /// `DDPMScheduler` / `DDIMScheduler`: rounded integers.
    Ddim,
    /// `DPMSolverMultistepScheduler`: n + 1 points, last dropped.
    DpmSolver,
    /// Euler / Heun / Euler ancestral: unrounded float32.
    Sigma,
}

/// EDM's smallest noise level (Karras et al. 2022, Table 1): the default end of Karras grids
/// on processes that reach σ = 0.
pub const KARRAS_SIGMA_MIN: f64 = 0.002;

/// The evaluation times, descending, `n` of them. `t_end` is where continuous grids stop
/// (default: `t_min`, or `t_min + 10⁻³ (t_max − t_min)` when σ(t_min) = 0; Karras grids stop at
/// `max(σ̃(t_min), 0.002)` by default).
pub fn evaluation_times(
    process: &dyn ForwardProcess,
    n: usize,
    spacing: TimeSpacing,
    flavour: DiffusersFlavour,
    t_end: Option<f64>,
) -> SamplingResult<Vec<f64>> {
    if n == 0 {
        return Err(SamplingError::invalid(
            "number of steps",
            "must be at least 1",
        ));
    }
    let (t_min, t_max) = (process.t_min(), process.t_max());
    let explicit_end = t_end;
    let t_end = end_time(process, t_end, 1e-3)?;
    if t_end >= t_max {
        return Err(SamplingError::invalid(
            "t_end",
            format!("{t_end} must lie below t_max = {t_max}"),
        ));
    }
    let linspace = |a: f64, b: f64| -> Vec<f64> {
        if n == 1 {
            return vec![a];
        }
        (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect()
    };
    Ok(match spacing {
        TimeSpacing::Diffusers {
            spacing,
            steps_offset,
        } => {
            let train = discrete_train_steps(process)?;
            match flavour {
                DiffusersFlavour::Ddim => {
                    to_f64(inference_timesteps(train, n, spacing, steps_offset)?)
                }
                DiffusersFlavour::DpmSolver => {
                    to_f64(dpm_solver_timesteps(train, n, spacing, steps_offset)?)
                }
                DiffusersFlavour::Sigma => euler_timesteps(train, n, spacing, steps_offset)?,
            }
        }
        TimeSpacing::Uniform => linspace(t_max, t_end),
        TimeSpacing::LogSnrUniform => linspace(process.log_snr(t_max), process.log_snr(t_end))
            .into_iter()
            .map(|l| process.time_at_log_snr(l))
            .collect::<Result<_, _>>()?,
        TimeSpacing::Karras { rho } => {
            let sigma = |t: f64| process.noise_std(t) / process.signal_scale(t);
            let sigma_min = match explicit_end {
                Some(_) => sigma(t_end),
                None => sigma(t_min).max(KARRAS_SIGMA_MIN),
            };
            karras_sigmas(sigma_min, sigma(t_max), n, rho)?
                .into_iter()
                .map(|s| time_at_sigma_tilde(process, s))
                .collect::<Result<_, _>>()?
        }
    })
}

/// Where a continuous solve stops short of the data: the checked `explicit` time, else `t_min`,
/// or `t_min + fraction·(t_max − t_min)` when σ(t_min) = 0 (Song et al. 2021 use 10⁻³ for
/// sampling and 10⁻⁵ for likelihoods).
pub fn end_time(
    process: &dyn ForwardProcess,
    explicit: Option<f64>,
    fraction: f64,
) -> SamplingResult<f64> {
    let (t_min, t_max) = (process.t_min(), process.t_max());
    Ok(match explicit {
        Some(t) => process.check_time(t)?,
        None if process.noise_std(t_min) > 0.0 => t_min,
        None => t_min + fraction * (t_max - t_min),
    })
}

fn to_f64(v: Vec<usize>) -> Vec<f64> {
    v.into_iter().map(|t| t as f64).collect()
}

/// N of a discrete model (time = timestep index).
fn discrete_train_steps(process: &dyn ForwardProcess) -> SamplingResult<usize> {
    process.num_train_timesteps().ok_or_else(|| {
        SamplingError::invalid(
            "timestep spacing",
            format!(
                "diffusers' leading/trailing/linspace spacing needs a discrete model (time = timestep 0..N−1), but {} is continuous; use uniform, log-SNR or Karras spacing",
                process.name()
            ),
        )
    })
}

/// The time whose EDM noise level `σ/s` is `sigma` (clamped to the process's range).
pub fn time_at_sigma_tilde(process: &dyn ForwardProcess, sigma: f64) -> SamplingResult<f64> {
    let (lo, hi) = (process.t_min(), process.t_max());
    let lambda = -2.0 * sigma.ln();
    if lambda >= process.log_snr(lo) {
        return Ok(lo);
    }
    if lambda <= process.log_snr(hi) {
        return Ok(hi);
    }
    Ok(process.time_at_log_snr(lambda)?)
}

/// The point a sampler ends at: the data itself (`s = 1`, `σ = 0`), placed at `t_min`.
pub fn clean_point(process: &dyn ForwardProcess) -> ProcessPoint {
    ProcessPoint {
        signal_scale: 1.0,
        noise_std: 0.0,
        ..process.point_unchecked(process.t_min())
    }
}
