//! The fused sampler step every sampler's plan runs:
//! `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` per sample with z drawn in-kernel from the
//! counter-based Philox stream. The four f64 coefficients come from `diffusion-math`
//! (`sampler_coefficients`) and cover DDPM, DDIM(η), Euler(–Maruyama), Heun's stages and
//! DPM-Solver++(2M).
//!
//! - [`SamplerStepBackend`]: the backend trait; its default is the CPU path.
//! - [`cpu`]: the CPU kernel on f32 slices, the reference the device kernel is tested against.
//! - `cube.rs`: the cubecl kernel (wgpu, CUDA), one source generic over its vector width, and
//!   its launcher [`launch_sampler_step`] on raw cubecl handles.
//! - No backward: sampling runs without gradients, so `Autodiff<B>` runs `B`'s kernel.

mod backend;
pub mod cpu;
mod cube;
mod params;

pub use backend::{cpu_sampler_step, sampler_step, SamplerStepBackend};
pub use cube::launch_sampler_step;
pub use params::StepParams;
