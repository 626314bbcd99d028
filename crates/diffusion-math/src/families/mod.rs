//! The concrete forward processes. Each file is one family with its closed forms and source.
//!
//! | family | s(t) | σ(t) | source |
//! | --- | --- | --- | --- |
//! | [`VpLinear`] | `exp(−½∫β)` | `√(1 − s²)` | Song et al. 2021 (VP SDE), Ho et al. 2020 |
//! | [`VpCosine`] | `cos φ(t)/cos φ(0)` | `√(1 − s²)` | Nichol & Dhariwal 2021 |
//! | [`SubVp`] | `exp(−½∫β)` | `1 − s²` | Song et al. 2021 (sub-VP SDE) |
//! | [`Ve`] | `1` | `σ_min (σ_max/σ_min)^t` | Song et al. 2021 (VE SDE) |
//! | [`Edm`] | `1` | `t` | Karras et al. 2022 |
//! | [`RectifiedFlow`] | `1 − t` | `t` | Liu et al. 2023; Lipman et al. 2023 |
//! | [`OrnsteinUhlenbeck`] | `exp(−∫g²/(2σ²_∞))` | `σ_∞ √(1 − s²)` | general OU process |
//! | [`CustomProcess`] | user | user | any (s, σ) given as functions |
//!
//! [`ProcessName`] looks the named ones up with their papers' defaults (configs, command line).

mod by_name;
mod custom;
mod edm;
mod ornstein_uhlenbeck;
mod rectified_flow;
mod sub_vp;
mod ve;
mod vp_cosine;
mod vp_linear;

pub use by_name::{ProcessName, SharedProcess, DDPM_TIMESTEPS};
pub use custom::CustomProcess;
pub use edm::Edm;
pub use ornstein_uhlenbeck::OrnsteinUhlenbeck;
pub use rectified_flow::RectifiedFlow;
pub use sub_vp::SubVp;
pub use ve::Ve;
pub use vp_cosine::VpCosine;
pub use vp_linear::{LinearBeta, VpLinear};
