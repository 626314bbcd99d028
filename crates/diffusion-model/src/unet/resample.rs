//! diffusers' `Downsample2D` and `Upsample2D` with their convolutions.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions, PadMode};
use burn::tensor::Tensor;

use crate::layers::{Conv2d, Conv2dShape, ParamInit};
use crate::ModelBackend;

/// Halves H and W with a 3×3 stride-2 conv; with padding 0 the input is first padded by one
/// zero row and column at the bottom and right (diffusers' convention for padding 0).
#[derive(Module, Debug)]
pub struct Downsample2D<B: Backend> {
    /// The strided conv.
    pub conv: Conv2d<B>,
    #[module(skip)]
    padding: usize,
}

impl<B: Backend> Downsample2D<B> {
    /// A downsampler keeping `channels`.
    pub fn new(channels: usize, padding: usize, init: &mut ParamInit, device: &B::Device) -> Self {
        Self {
            conv: Conv2dShape::same(channels, channels, 3)
                .strided(2, padding)
                .init(init, device),
            padding,
        }
    }
}

impl<B: ModelBackend> Downsample2D<B> {
    /// `[N, C, H, W]` → `[N, C, ⌈H/2⌉, ⌈W/2⌉]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let x = if self.padding == 0 {
            x.pad((0, 1, 0, 1), PadMode::Constant(0.0))
        } else {
            x
        };
        self.conv.forward(x)
    }
}

/// Doubles H and W by nearest-neighbour repetition, then a 3×3 conv.
#[derive(Module, Debug)]
pub struct Upsample2D<B: Backend> {
    /// The conv after upsampling.
    pub conv: Conv2d<B>,
}

impl<B: Backend> Upsample2D<B> {
    /// An upsampler keeping `channels`.
    pub fn new(channels: usize, init: &mut ParamInit, device: &B::Device) -> Self {
        Self {
            conv: Conv2dShape::same(channels, channels, 3).init(init, device),
        }
    }
}

impl<B: ModelBackend> Upsample2D<B> {
    /// `[N, C, H, W]` → `[N, C, 2H, 2W]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.conv.forward(nearest_2x(x))
    }
}

/// Nearest-neighbour 2× upsampling (every pixel becomes a 2×2 block), through the backend's
/// interpolation kernel (a direct gather on flex, with a direct backward).
pub(crate) fn nearest_2x<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [_, _, h, w] = x.dims();
    interpolate(
        x,
        [2 * h, 2 * w],
        InterpolateOptions::new(InterpolateMode::Nearest),
    )
}
