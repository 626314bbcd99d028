//! `diffusion-model`: the networks of the diffusion framework, in burn.
//!
//! - [`UNet2DModel`]: the U-Net configured by the keys of diffusers' `UNet2DModel` config.json
//!   ([`UNet2DConfig`]), with diffusers' parameter names, so that a diffusers model directory
//!   (config.json + diffusion_pytorch_model.safetensors) loads directly and what we save loads
//!   back into diffusers ([`weights`]).
//! - [`MlpDenoiser`]: a small time-embedded MLP for 2-D data (fast demos and tests).
//! - [`hub`]: downloads a model repository from the Hugging Face hub into its standard cache.
//! - [`conv2d`], [`group_norm`] and [`attention_core`]: a 2-D convolution (im2col + GEMM), a
//!   fused GroupNorm(+SiLU) and a fused multi-head attention whose CPU forward and backward are
//!   our own, with custom autodiff nodes: burn's stock versions on flex are several times slower
//!   (see the README's U-Net benchmark).
//! - [`cpu_allocator`]: keeps freed tensor buffers reusable (a fifth of a CPU training step).
//!
//! The backend is a type parameter: `Flex` on the CPU, `Wgpu` or `Cuda` on a GPU, and
//! `Autodiff<_>` of any of them for training.

pub mod attention_core;
mod buffers;
pub mod channel_concat;
mod conditioning;
pub mod config;
pub mod conv2d;
pub mod cpu_allocator;
pub mod error;
mod flex_slices;
pub mod group_norm;
pub mod hub;
pub mod layers;
pub mod mlp;
mod simd;
pub mod unet;
pub mod weights;

mod backend;
pub use backend::ModelBackend;

pub use config::{ParsedConfig, UNet2DConfig};
pub use error::{ModelError, ModelResult};
pub use mlp::{MlpConfig, MlpDenoiser};
pub use unet::UNet2DModel;
