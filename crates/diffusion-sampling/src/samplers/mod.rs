//! The samplers: each turns a forward process and a number of steps into a [`SamplingPlan`].
//!
//! Two coordinate systems are used, as in the literature:
//! - the process's own `x` (DDPM, DDIM, DPM-Solver++, Euler–Maruyama, predictor–corrector, flow
//!   Euler), with evaluation times from [`crate::grid`];
//! - the EDM view `x̃ = x/s` with noise level `σ̃ = σ/s` (Euler, Heun, Euler ancestral, as in
//!   Karras et al. 2022 and diffusers' σ schedulers); the network is fed `s·x̃`.
//!
//! Both end at σ = 0, so the final state is the sample x₀.
//!
//! Every named sampler is one entry of [`REGISTRY`]: its name and aliases, its default options,
//! its default time grid and a one-line summary. Command-line validation and help, config
//! parsing ([`SamplerName`]) and [`SAMPLER_NAMES`] all read that table. Adding a sampler is its
//! planning function in a module, a [`Sampler`] variant holding its options, and its registry
//! entry; the compiler then asks for the variant's arms in [`Sampler::entry`] and
//! [`Sampler::plan`].
//!
//! [`SamplingPlan`]: crate::plan::SamplingPlan

mod default_grid;
mod edm_view;
mod name;
mod options;
mod plan_options;
mod process_view;
mod registry;
mod sampler;

pub use default_grid::{DefaultGrid, TimeDomain};
pub use name::SamplerName;
pub use options::{Churn, DdpmVariance, Predictor};
pub use plan_options::PlanOptions;
pub use registry::{SamplerEntry, REGISTRY, SAMPLER_NAMES};
pub use sampler::Sampler;
