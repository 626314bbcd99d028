//! The backend bound of the networks.

use crate::attention_core::AttentionBackend;
use crate::conv2d::Conv2dBackend;
use crate::group_norm::GroupNormBackend;

/// A backend the U-Net runs on: it has our convolution, GroupNorm and attention (fast own
/// kernels on flex, burn's ops on wgpu and CUDA, custom backward nodes under autodiff).
/// Implemented for every backend that has all three, so `Flex`, `Wgpu`, `Cuda` and `Autodiff`
/// of each qualify.
pub trait ModelBackend: Conv2dBackend + GroupNormBackend + AttentionBackend {}

impl<B: Conv2dBackend + GroupNormBackend + AttentionBackend> ModelBackend for B {}
