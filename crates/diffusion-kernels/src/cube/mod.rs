//! Device code shared by the fused ops' cubecl kernels ([`crate::ops::noising`],
//! [`crate::ops::sampler_step`]): Philox and Box–Muller as cube functions computing the same
//! numbers as [`crate::philox`], the launch helpers, burn's cubecl tensors as raw buffers, and a
//! plain copy kernel as the bandwidth yardstick.

mod copy;
pub(crate) mod launch;
pub(crate) mod philox;
pub(crate) mod tensors;

pub use copy::launch_copy;
pub use philox::philox_words_on_device;
