//! The fused kernels in cubecl: one source, compiled for wgpu (Vulkan / Metal / WebGPU) and
//! CUDA. They compute the same integers as [`crate::philox`] and the same formulas as
//! [`crate::cpu`]. Each operation is one kernel generic over its vector width, which the
//! launcher picks per call (4 lanes when rows allow, else 1).

mod copy;
mod launch;
mod noise;
mod noising;
mod sampler_step;

pub use copy::launch_copy;
pub use launch::{launch_noising, launch_sampler_step, normals_on_device, philox_words_on_device};
