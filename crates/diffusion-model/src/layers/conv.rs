//! A 2-D convolution with PyTorch's parameter names and layout, described by its
//! [`Conv2dShape`] as burn-nn layers are by their configs.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;
use diffusion_kernels::ops::conv2d::{conv2d, Conv2dBackend};

/// The shape of a [`Conv2d`]: channels, square kernel, stride and zero padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dShape {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel side k (the kernel is k×k).
    pub kernel: usize,
    /// Stride in both directions.
    pub stride: usize,
    /// Zero padding on every side.
    pub padding: usize,
}

impl Conv2dShape {
    /// A k×k convolution with stride 1 that keeps the spatial size (padding ⌊k/2⌋, odd k), the
    /// kind a U-Net uses everywhere but its downsamplers.
    pub fn same(in_channels: usize, out_channels: usize, kernel: usize) -> Self {
        Self {
            in_channels,
            out_channels,
            kernel,
            stride: 1,
            padding: kernel / 2,
        }
    }

    /// This shape with another stride and padding.
    pub fn strided(self, stride: usize, padding: usize) -> Self {
        Self {
            stride,
            padding,
            ..self
        }
    }

    /// A convolution of this shape initialised as PyTorch does: U(±1/√(in·k²)) for weight and
    /// bias.
    pub fn init<B: Backend>(self, init: &mut ParamInit, device: &B::Device) -> Conv2d<B> {
        let Self {
            in_channels: i,
            out_channels: o,
            kernel: k,
            ..
        } = self;
        let bound = 1.0 / ((i * k * k) as f64).sqrt();
        Conv2d {
            weight: init.uniform([o, i, k, k], bound, device),
            bias: init.uniform([o], bound, device),
            shape: self,
        }
    }
}

/// `torch.nn.Conv2d` with square kernels: `weight` `[out, in, k, k]`, `bias` `[out]`.
#[derive(Module, Debug)]
pub struct Conv2d<B: Backend> {
    /// Kernel, `[out_channels, in_channels, k, k]`.
    pub weight: Param<Tensor<B, 4>>,
    /// Bias, `[out_channels]`.
    pub bias: Param<Tensor<B, 1>>,
    #[module(skip)]
    shape: Conv2dShape,
}

impl<B: Conv2dBackend> Conv2d<B> {
    /// Applies the convolution to `x` `[N, in, H, W]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        conv2d(
            x,
            self.weight.val(),
            Some(self.bias.val()),
            [self.shape.stride; 2],
            [self.shape.padding; 2],
        )
    }
}
