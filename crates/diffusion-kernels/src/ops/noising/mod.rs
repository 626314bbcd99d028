//! Fused noising, the forward process applied to a training batch in one pass:
//! `x_t = a·x₀ + b·ε` per sample with ε drawn in-kernel from the counter-based Philox stream,
//! plus the training target (ε, x₀ or `v = a·ε − b·x₀`, Salimans & Ho 2022).
//!
//! - [`NoisingBackend`]: the backend trait; its default is the CPU path.
//! - [`cpu`]: the CPU kernel on f32 slices, the reference the device kernel is tested against.
//! - `cube.rs`: the cubecl kernel (wgpu, CUDA), one source generic over its vector width, and
//!   its launcher [`launch_noising`] on raw cubecl handles.
//! - No backward: noise carries no gradient, so `Autodiff<B>` runs `B`'s kernel.

mod backend;
pub mod cpu;
mod cube;
mod params;

pub use backend::{cpu_noising, noise, Noised, NoisingBackend};
pub use cube::{launch_noising, normals_on_device};
pub use params::{NoisingParams, NoisingTarget};
