//! A linear layer with PyTorch's parameter names and `[out, in]` weight layout.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;
use diffusion_kernels::ops::conv2d::{conv2d, Conv2dBackend};

/// `torch.nn.Linear`: y = x Wᵀ + b with `weight` `[out, in]` and `bias` `[out]`.
#[derive(Module, Debug)]
pub struct Linear<B: Backend> {
    /// Weight, `[out_features, in_features]` (PyTorch's layout).
    pub weight: Param<Tensor<B, 2>>,
    /// Bias, `[out_features]`.
    pub bias: Param<Tensor<B, 1>>,
}

impl<B: Backend> Linear<B> {
    /// A layer initialised as PyTorch does (U(±1/√in) for weight and bias).
    pub fn new(
        in_features: usize,
        out_features: usize,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> Self {
        let bound = 1.0 / (in_features as f64).sqrt();
        Self {
            weight: init.uniform([out_features, in_features], bound, device),
            bias: init.uniform([out_features], bound, device),
        }
    }

    /// Applies the layer over the last dimension of `x`.
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let weight = self.weight.val().transpose().unsqueeze::<D>();
        x.matmul(weight) + self.bias.val().unsqueeze::<D>()
    }
}

impl<B: Conv2dBackend> Linear<B> {
    /// Applies the layer at every position of a channel-major map `[N, in, H, W]` →
    /// `[N, out, H, W]`: the same numbers as [`forward`](Self::forward) on the transposed
    /// tokens, computed as a 1×1 convolution so that no transpose is materialised.
    pub fn forward_channels(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let [out, inp] = self.weight.dims();
        conv2d(
            x,
            self.weight.val().reshape([out, inp, 1, 1]),
            Some(self.bias.val()),
            [1, 1],
            [0, 0],
        )
    }
}
