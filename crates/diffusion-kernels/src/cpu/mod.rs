//! The CPU implementation of the fused kernels: plain loops over f32 slices, the reference the
//! GPU kernels are tested against and the path every non-cubecl burn backend (flex) takes.

mod noising;
mod sampler_step;

pub use noising::noising;
pub use sampler_step::sampler_step;
