//! A 2-D convolution with PyTorch's parameter names and layout.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;
use diffusion_kernels::ops::conv2d::{conv2d, Conv2dBackend};

/// `torch.nn.Conv2d` with square kernels: `weight` `[out, in, k, k]`, `bias` `[out]`.
#[derive(Module, Debug)]
pub struct Conv2d<B: Backend> {
    /// Kernel, `[out_channels, in_channels, k, k]`.
    pub weight: Param<Tensor<B, 4>>,
    /// Bias, `[out_channels]`.
    pub bias: Param<Tensor<B, 1>>,
    #[module(skip)]
    stride: usize,
    #[module(skip)]
    padding: usize,
}

impl<B: Backend> Conv2d<B> {
    /// A convolution initialised as PyTorch does (U(±1/√(in·k²)) for weight and bias).
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> Self {
        let bound = 1.0 / ((in_channels * kernel * kernel) as f64).sqrt();
        Self {
            weight: init.uniform([out_channels, in_channels, kernel, kernel], bound, device),
            bias: init.uniform([out_channels], bound, device),
            stride,
            padding,
        }
    }
}

impl<B: Conv2dBackend> Conv2d<B> {
    /// Applies the convolution to `x` `[N, in, H, W]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        conv2d(
            x,
            self.weight.val(),
            Some(self.bias.val()),
            [self.stride; 2],
            [self.padding; 2],
        )
    }
}
