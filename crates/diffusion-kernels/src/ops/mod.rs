//! The network ops with kernels of our own: one folder per op, each with its backend trait
//! (whose default methods are burn's ops, used by wgpu and CUDA), its CPU implementation for
//! `Flex`, and its backward as a custom autodiff node.
//!
//! | op | what | why our own |
//! | --- | --- | --- |
//! | [`conv2d`] | 2-D convolution, groups 1, dilation 1 | im2col + `gemm` and register-blocked direct kernels, several times burn flex's |
//! | [`group_norm`] | GroupNorm with optional fused SiLU | statistics in f64 lanes, one pass fewer, AVX2 builds |
//! | [`attention`] | multi-head attention on channel-major tokens `[N, C, L]` | no transposes, fused softmax; backward recomputes the probabilities |
//! | [`channel_concat`] | the U-Net decoder's skip concatenation | a backward that returns contiguous gradients |
//!
//! [`ModelBackend`] is the four traits together: every network is generic over it.
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
mod simd;

pub use backend::ModelBackend;
