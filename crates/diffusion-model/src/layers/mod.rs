//! Leaf layers with PyTorch's parameter names and layouts (`weight`, `bias`; Linear weights
//! stored `[out, in]`), so that a model's parameter paths are diffusers' state-dict keys.

mod activation;
mod conv;
mod embedding;
mod group_norm;
mod init;
mod linear;

pub use activation::silu;
pub use conv::{Conv2d, Conv2dShape};
pub use embedding::Embedding;
pub use group_norm::GroupNorm;
pub use init::ParamInit;
pub use linear::Linear;
