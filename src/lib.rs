//! `diffusion`: the facade over the workspace's layers.
//!
//! Each layer is its own crate so that it can be used alone (the math without tensors, the
//! kernels without the U-Net, …); this crate re-exports all of them under one name for
//! applications, the end-to-end tests in `tests/` and the benchmarks in `benches/`.
//! See ARCHITECTURE.md for the map.

pub use diffusion_data as data;
pub use diffusion_kernels as kernels;
pub use diffusion_math as math;
pub use diffusion_model as model;
pub use diffusion_sampling as sampling;
pub use diffusion_train as train;
