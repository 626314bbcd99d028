//! The network registry: every network kind the project can build, load, save and describe,
//! chosen by the `_class_name` of a config.json.
//!
//! | `_class_name` | network | data | checkpoint folder |
//! | --- | --- | --- | --- |
//! | `UNet2DModel` | [`crate::UNet2DModel`] (diffusers' U-Net) | images `[C, H, W]` | `unet/` |
//! | `MlpDenoiser` | [`crate::MlpDenoiser`] (time-embedded MLP) | points `[dim]` | `mlp/` |
//!
//! Training, sampling, evaluation and every CLI command reach networks through this module:
//! [`NetworkConfig`] parses and describes a config of any kind, `NetworkVisitor` and
//! `TrainableVisitor` run work that is generic over the network type on the kind a config
//! names, and [`find_network`] locates the network of a model folder, a diffusers pipeline or a
//! training checkpoint (EMA weights first).
//!
//! The traits the kinds implement are in [`crate::network`]. Adding a network kind: its module
//! (the network with its `Network` impl, its config with its `NetworkSpec` impl) plus one variant
//! of [`NetworkConfig`] with its arms in `config.rs`.

mod config;
mod folder;

pub use config::{NetworkConfig, KNOWN_NETWORKS};
pub use folder::{find_network, NetworkFolder};
