//! A linear layer with PyTorch's parameter names and `[out, in]` weight layout.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;

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
