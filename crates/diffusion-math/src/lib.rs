//! `diffusion-math`: the mathematics of diffusion models in plain f64, with no tensors.
//!
//! Everything here follows one picture (Song et al. 2021, "Score-Based Generative Modeling
//! through Stochastic Differential Equations"): a forward process `dx = f(t) x dt + g(t) dw`
//! whose marginals are `x_t = s(t) x₀ + σ(t) ε`. DDPM, VP, sub-VP, VE, EDM, rectified flow and
//! Ornstein–Uhlenbeck processes are instances of [`ForwardProcess`]; samplers and trainers in the
//! other crates ask this crate for their coefficients and never redo the math.
//!
//! - [`process`]: the trait, transition kernels, reverse-SDE and probability-flow drifts.
//! - [`families`]: the concrete processes with closed forms.
//! - [`coefficients`]: (s, σ) ↔ (f, g), closed-form and numerical.
//! - [`moments`] and [`ode`]: the Itô moment ODEs and the RK4 / Dormand–Prince integrators.
//! - [`tweedie`] and [`parameterization`]: posterior means and ε / x₀ / v / score / velocity.
//! - [`preconditioning`]: EDM's c_skip, c_out, c_in, c_noise and training noise distribution.
//! - [`kl`]: Gaussian KL divergences and the prior term of the variational bound.
//! - [`sampler_coefficients`]: DDIM(η)/DDPM, Euler, Euler–Maruyama, Heun, DPM-Solver++(2M) steps
//!   as the four coefficients of `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`.
//! - [`discrete`]: diffusers' β tables, zero-terminal-SNR rescaling, timestep spacing, Karras σ.
//! - [`mixture`]: the Gaussian-mixture oracle with exact marginals, scores and posterior means.
//! - [`distance`]: sliced Wasserstein-2 and MMD between sample sets.
//!
//! Every constructor and checked evaluation returns [`MathError`] on bad input.

#![warn(missing_docs)]

pub mod coefficients;
pub mod differentiate;
pub mod discrete;
pub mod distance;
pub mod error;
pub mod families;
pub mod kl;
pub mod linalg;
pub mod mixture;
pub mod moments;
pub mod ode;
pub mod parameterization;
pub mod preconditioning;
pub mod process;
pub mod quadrature;
pub mod rng;
pub mod sampler_coefficients;
pub mod tweedie;
mod validate;

pub use error::{MathError, MathResult};
pub use families::{
    CustomProcess, Edm, LinearBeta, OrnsteinUhlenbeck, ProcessName, RectifiedFlow, SharedProcess,
    SubVp, Ve, VpCosine, VpLinear,
};
pub use mixture::{GaussianMixture, MixtureMarginal};
pub use parameterization::{Prediction, SignalNoise};
pub use preconditioning::EdmPreconditioning;
pub use process::{ForwardProcess, GaussianTransition, ProcessPoint};
