//! `diffusion-sampling`: turning a denoiser into samples.
//!
//! - [`denoiser`]: what a network predicts (ε, x₀, v, score, velocity) under which forward
//!   process, reduced to `D = E[x₀|x_t]`; networks (U-Net, MLP), the exact Gaussian-mixture
//!   oracle, classifier-free guidance.
//! - [`grid`]: evaluation times (diffusers' spacings, uniform, log-SNR, Karras σ).
//! - [`samplers`]: DDPM, DDIM(η), Euler, Heun (with churn), Euler ancestral, Euler–Maruyama,
//!   predictor–corrector, DPM-Solver++(2M) and its SDE variant, flow Euler — each builds a
//!   [`plan::SamplingPlan`], pure data in f64; their registry of names, default options and
//!   default grids, and [`SamplerName`] for configs.
//! - [`run`]: executes a plan through the fused sampler-step kernel with counter-based noise;
//!   [`draw`]: a batch of samples from a network with a sampler on its default grid (training
//!   previews, checkpoint evaluation).
//! - [`img2img`]: SDEdit and inpainting; [`adaptive`]: the Dormand–Prince probability-flow ODE;
//!   [`likelihood`]: bits/dim through the ODE and the DDPM variational bound.

#![warn(missing_docs)]

pub mod adaptive;
pub mod denoiser;
pub mod draw;
pub mod error;
pub mod grid;
pub mod img2img;
pub mod likelihood;

pub mod plan;
pub mod run;
pub mod samplers;
pub mod scheduler_config;

pub use denoiser::{Denoiser, EdmDenoiser, Guided, MixtureDenoiser, NetworkDenoiser};
pub use error::{SamplingError, SamplingResult};
pub use plan::SamplingPlan;
pub use run::{NoiseIdentity, Run};
pub use samplers::{PlanOptions, Sampler, SamplerName};
pub use scheduler_config::SchedulerConfig;
