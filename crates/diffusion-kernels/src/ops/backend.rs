//! The backend bounds: what the networks need, and what training and sampling need beside it.

use crate::ops::attention::AttentionBackend;
use crate::ops::channel_concat::ConcatBackend;
use crate::ops::conv2d::Conv2dBackend;
use crate::ops::group_norm::GroupNormBackend;
use crate::ops::noising::NoisingBackend;
use crate::ops::sampler_step::SamplerStepBackend;

/// A backend the U-Net runs on: it has our convolution, GroupNorm, attention and skip
/// concatenation (fast own kernels on flex, burn's ops on wgpu and CUDA, custom backward nodes
/// under autodiff). Implemented for every backend that has all four, so `Flex`, `Wgpu`, `Cuda`
/// and `Autodiff` of each qualify.
pub trait ModelBackend:
    Conv2dBackend + GroupNormBackend + AttentionBackend + ConcatBackend
{
}

impl<B: Conv2dBackend + GroupNormBackend + AttentionBackend + ConcatBackend> ModelBackend for B {}

/// A backend that can run the fused noising and sampler-step kernels (cubecl on wgpu and CUDA,
/// the CPU kernels on `Flex`, the inner backend's under `Autodiff`).
pub trait FusedKernels: NoisingBackend + SamplerStepBackend {}

impl<B: NoisingBackend + SamplerStepBackend> FusedKernels for B {}
