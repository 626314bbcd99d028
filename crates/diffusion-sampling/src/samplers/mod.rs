//! The samplers: each turns a forward process and a number of steps into a [`SamplingPlan`].
//!
//! Two coordinate systems are used, as in the literature:
//! - the process's own `x` (DDPM, DDIM, DPM-Solver++, Euler–Maruyama, predictor–corrector, flow
//!   Euler), with evaluation times from [`crate::grid`] (shared parts in `process_view`);
//! - the EDM view `x̃ = x/s` with noise level `σ̃ = σ/s` (Euler, Heun, Euler ancestral, as in
//!   Karras et al. 2022 and diffusers' σ schedulers); the network is fed `s·x̃` (shared parts in
//!   `edm_view`).
//!
//! Both end at σ = 0, so the final state is the sample x₀.
//!
//! A sampler is one module: a type holding its options that implements [`SamplerMethod`] (its
//! registry entry, evaluation count and plan). The `samplers!` row in `registry.rs` lists the
//! types and makes [`Sampler`], the enum over them, and [`REGISTRY`], which command-line
//! validation and help, config parsing ([`SamplerName`]) and [`SAMPLER_NAMES`] read. Adding a
//! sampler is its module plus its name in that row.
//!
//! [`SamplingPlan`]: crate::plan::SamplingPlan

mod ddim;
mod ddpm;
mod default_grid;
mod dpmpp_2m;
mod dpmpp_2m_sde;
mod edm_view;
mod euler;
mod euler_ancestral;
mod euler_maruyama;
mod flow_euler;
mod heun;
mod method;
mod name;
mod options;
mod plan_options;
mod predictor_corrector;
mod process_view;
mod registry;
mod sampler;

pub use ddim::Ddim;
pub use ddpm::{Ddpm, DdpmVariance};
pub use default_grid::{DefaultGrid, TimeDomain};
pub use dpmpp_2m::DpmSolverPp2m;
pub use dpmpp_2m_sde::DpmSolverPp2mSde;
pub use euler::Euler;
pub use euler_ancestral::EulerAncestral;
pub use euler_maruyama::EulerMaruyama;
pub use flow_euler::FlowEuler;
pub use heun::Heun;
pub use method::{PlanRequest, SamplerInfo, SamplerMethod};
pub use name::SamplerName;
pub use options::Churn;
pub use plan_options::PlanOptions;
pub use predictor_corrector::{Predictor, PredictorCorrector};
pub use registry::{Sampler, SamplerEntry, REGISTRY, SAMPLER_NAMES};
