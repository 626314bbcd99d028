//! `diffusion-kernels`: deterministic noise and the fused element-wise kernels of diffusion
//! training and sampling, written once in cubecl (wgpu, CUDA) with a CPU twin.
//!
//! - [`philox`]: Philox4x32-10 + Box–Muller. A normal is a pure function of
//!   `(seed, stream, sample index, element index)`, so an image gets the same noise on every
//!   backend and at every batch size or position.
//! - Fused noising: `x_t = a·x₀ + b·ε` per sample with ε drawn in-kernel, plus the ε / x₀ / v
//!   target, in one launch ([`noise`]).
//! - Fused sampler step: `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` per sample with z drawn
//!   in-kernel ([`sampler_step`]); the coefficients of DDPM, DDIM(η), Euler(–Maruyama), Heun and
//!   DPM-Solver++(2M) all fit it and come from `diffusion-math` in f64.
//! - [`cpu`] and [`cube`]: the two implementations; [`glue`]: burn tensors in, burn tensors out,
//!   on wgpu and CUDA through the cubecl kernels and on flex through the CPU code.
//! - [`ops`]: the network ops with kernels of our own (convolution, GroupNorm(+SiLU), attention,
//!   skip concatenation), each a backend trait with a CPU implementation and a custom backward;
//!   [`ModelBackend`] is what the networks of `diffusion-model` are generic over.

#![warn(missing_docs)]

pub mod cpu;
pub mod cube;
pub mod error;
pub mod glue;
pub mod ops;
pub mod philox;
pub mod spec;

pub use error::{KernelError, KernelResult};
pub use glue::{noise, sampler_step, FusedKernels, Noised};
pub use ops::ModelBackend;
pub use philox::NoiseKey;
pub use spec::{NoisingParams, NoisingTarget, StepParams};

// The CUDA backend gets the cubecl kernels through the generic CubeBackend implementation;
// this line makes `cargo check --features cuda` prove it.
#[cfg(feature = "cuda")]
const _: fn() = || {
    fn has_fused_kernels<B: FusedKernels>() {}
    has_fused_kernels::<burn::backend::Cuda>();
};
