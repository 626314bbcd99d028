//! Discrete-time DDPM noise tables exactly as diffusers builds them, and the timestep choices
//! its schedulers make for N inference steps.
//!
//! A discrete table is the VP process sampled at integer steps `i = 0..N−1`: `ᾱ_i = ∏_{j≤i}(1 − β_j)`,
//! `s_i = √ᾱ_i`, `σ_i = √(1 − ᾱ_i)` (Ho et al. 2020, eq. 4). Every table exists twice: in f64
//! for the math, and in f32 computed the way diffusers computes it (torch float32 `linspace`,
//! float32 `1 − β`, `cumprod`) for bit-level parity; see REFERENCES.md.

mod beta_schedule;
mod karras;
mod process;
mod spacing;
mod zero_snr;

pub use beta_schedule::{BetaSchedule, DiffusersTable, DiscreteSchedule};
pub use karras::{karras_sigmas, sigma_to_timestep, sigmas_from_alphas_cumprod};
pub use process::DiscreteVp;
pub use spacing::{dpm_solver_timesteps, euler_timesteps, inference_timesteps, TimestepSpacing};
pub use zero_snr::{rescale_zero_terminal_snr, rescale_zero_terminal_snr_f32};
