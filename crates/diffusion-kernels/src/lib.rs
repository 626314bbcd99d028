//! `diffusion-kernels`: deterministic noise and the fused element-wise kernels of diffusion
//! training and sampling, written once in cubecl (wgpu, CUDA) with a CPU twin.
//!
//! - [`philox`]: Philox4x32-10 + Box–Muller. A normal is a pure function of
//!   `(seed, stream, sample index, element index)`, so an image gets the same noise on every
//!   backend and at every batch size or position.
//! - [`ops`]: every op with kernels of our own, one folder each with its backend trait, CPU and
//!   GPU implementations and (for the network ops) backward:
//!   - the fused element-wise kernels of diffusion, written once in cubecl with a CPU twin:
//!     noising `x_t = a·x₀ + b·ε` with ε drawn in-kernel, plus the ε / x₀ / v target
//!     ([`noise`]), and the sampler step `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` with z
//!     drawn in-kernel ([`sampler_step`]), whose coefficients for DDPM, DDIM(η),
//!     Euler(–Maruyama), Heun and DPM-Solver++(2M) come from `diffusion-math` in f64;
//!     [`FusedKernels`] is both;
//!   - the network ops (convolution, GroupNorm(+SiLU), attention, skip concatenation);
//!     [`ModelBackend`] is what the networks of `diffusion-model` are generic over.
//! - [`cube`]: the device code the fused ops share (Philox on the device, launch helpers, a copy
//!   kernel as bandwidth yardstick).

#![warn(missing_docs)]

pub mod cube;
pub mod error;
pub mod ops;
pub mod philox;

pub use error::{KernelError, KernelResult};
pub use ops::noising::{noise, Noised, NoisingParams, NoisingTarget};
pub use ops::sampler_step::{sampler_step, StepParams};
pub use ops::{FusedKernels, ModelBackend};
pub use philox::NoiseKey;

// The CUDA backend gets the cubecl kernels through the generic CubeBackend implementation;
// this line makes `cargo check --features cuda` prove it.
#[cfg(feature = "cuda")]
const _: fn() = || {
    fn has_fused_kernels<B: FusedKernels>() {}
    has_fused_kernels::<burn::backend::Cuda>();
};
