//! The backend bound of the networks.

use crate::conv2d::Conv2dBackend;
use crate::group_norm::GroupNormBackend;

/// A backend the U-Net runs on: it has our convolution and GroupNorm (fast own kernels on flex,
/// burn's ops on wgpu and CUDA, custom backward nodes under autodiff). Implemented for every
/// backend that has both, so `Flex`, `Wgpu`, `Cuda` and `Autodiff` of each qualify.
pub trait ModelBackend: Conv2dBackend + GroupNormBackend {}

impl<B: Conv2dBackend + GroupNormBackend> ModelBackend for B {}
