//! The U-Net of diffusers' `UNet2DModel` (Ho et al. 2020's DDPM architecture as diffusers
//! generalised it), module by module with diffusers' parameter paths.

mod attention;
mod blocks;
mod model;
mod network;
mod resample;
mod resnet;
mod timestep;

pub use attention::Attention;
pub use blocks::{DownBlock, MidBlock, UpBlock};
pub use model::UNet2DModel;
pub use resample::{Downsample2D, Upsample2D};
pub use resnet::ResnetBlock2D;
pub use timestep::{SinusoidalTimesteps, TimestepEmbedding};
