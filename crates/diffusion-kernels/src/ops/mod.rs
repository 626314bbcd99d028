//! Every op with kernels of our own: one folder per op, each with its backend trait, its CPU
//! implementation for `Flex`, its GPU implementation (burn's ops or a cubecl kernel) and, for the
//! network ops, its backward as a custom autodiff node.
//!
//! | op | what | why our own |
//! | --- | --- | --- |
//! | [`noising`] | `x_t = a·x₀ + b·ε` and the training target, ε drawn in-kernel | one pass, noise a pure function of (seed, stream, sample, element) on every backend |
//! | [`sampler_step`] | `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`, z drawn in-kernel | every sampler's update in one launch |
//! | [`conv2d`] | 2-D convolution, groups 1, dilation 1 | im2col + `gemm` and register-blocked direct kernels, several times burn flex's |
//! | [`group_norm`] | GroupNorm with optional fused SiLU | statistics in f64 lanes, one pass fewer, AVX2 builds |
//! | [`attention`] | multi-head attention on channel-major tokens `[N, C, L]` | no transposes, fused softmax; backward recomputes the probabilities |
//! | [`channel_concat`] | the U-Net decoder's skip concatenation | a backward that returns contiguous gradients |
//!
//! [`ModelBackend`] is the four network ops' traits together: every network is generic over it;
//! [`FusedKernels`] is the two fused ops' traits, what training and sampling need beside it.
//! `rows.rs` holds what the two fused ops share (batches as rows); [`crate::cube`] their shared
//! device code.
//! [`cpu_allocator`] keeps freed tensor buffers reusable (a fifth of a CPU training step).
//! Where a GPU kernel of our own replaces a burn op later (GroupNorm, attention), it goes in the
//! op's folder as a `CubeBackend` override, beside the CPU one.

pub mod attention;
mod backend;
mod buffers;
pub mod channel_concat;
pub mod conv2d;
pub mod cpu_allocator;
mod flex_slices;
pub mod group_norm;
pub mod noising;
mod rows;
pub mod sampler_step;
mod simd;

pub use backend::{FusedKernels, ModelBackend};
