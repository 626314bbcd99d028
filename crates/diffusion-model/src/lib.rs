//! `diffusion-model`: the networks of the diffusion framework, in burn.
//!
//! - [`UNet2DModel`]: the U-Net configured by the keys of diffusers' `UNet2DModel` config.json
//!   ([`UNet2DConfig`]), with diffusers' parameter names, so that a diffusers model directory
//!   (config.json + diffusion_pytorch_model.safetensors) loads directly and what we save loads
//!   back into diffusers ([`weights`]).
//! - [`MlpDenoiser`]: a small time-embedded MLP for 2-D data (fast demos and tests).
//! - [`network`]: what every network kind implements; [`registry`]: every network kind by its config.json `_class_name`: build, load, save,
//!   describe, and find the network of a model folder, pipeline or training checkpoint.
//! - [`hub`]: downloads a model repository from the Hugging Face hub into its standard cache.
//!
//! This crate holds architecture, configs and weights only. The ops with kernels of our own
//! (convolution, GroupNorm(+SiLU), attention, skip concatenation) live in
//! `diffusion_kernels::ops`; [`ModelBackend`], the bound every network is generic over, is
//! re-exported from there. The backend is a type parameter: `Flex` on the CPU, `Wgpu` or
//! `Cuda` on a GPU, and `Autodiff<_>` of any of them for training.

mod conditioning;
pub mod config;
pub mod error;
pub mod hub;
pub mod layers;
pub mod mlp;
pub mod network;
pub mod registry;
pub mod unet;
pub mod weights;

pub use diffusion_kernels::ModelBackend;

pub use config::{ParsedConfig, UNet2DConfig};
pub use error::{ModelError, ModelResult};
pub use mlp::{MlpConfig, MlpDenoiser};
pub use network::{
    DenoisingNetwork, Footprint, Network, NetworkSpec, NetworkVisitor, TrainableVisitor,
};
pub use registry::{find_network, NetworkConfig, NetworkFolder};
pub use unet::UNet2DModel;
