//! Group normalisation with PyTorch's parameter names.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;

/// `torch.nn.GroupNorm` (Wu & He 2018): per sample and group of C/G channels,
/// y = (x − mean) / √(var + eps) · weight + bias, with the biased variance.
#[derive(Module, Debug)]
pub struct GroupNorm<B: Backend> {
    /// Per-channel scale, `[C]`.
    pub weight: Param<Tensor<B, 1>>,
    /// Per-channel shift, `[C]`.
    pub bias: Param<Tensor<B, 1>>,
    #[module(skip)]
    groups: usize,
    #[module(skip)]
    eps: f64,
}

impl<B: Backend> GroupNorm<B> {
    /// A norm over `channels` in `groups` groups, weight 1 and bias 0 (PyTorch's init).
    pub fn new(
        groups: usize,
        channels: usize,
        eps: f64,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> Self {
        Self {
            weight: init.constant([channels], 1.0, device),
            bias: init.constant([channels], 0.0, device),
            groups,
            eps,
        }
    }

    /// Normalises `x` `[N, C, ...]` (any rank ≥ 2).
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let dims = x.dims();
        let [n, c] = [dims[0], dims[1]];
        let grouped: Tensor<B, 3> = x.reshape([n as i32, self.groups as i32, -1]);
        let mean = grouped.clone().mean_dim(2);
        let centred = grouped - mean;
        let var = centred.clone().square().mean_dim(2);
        let normed = (centred / (var + self.eps).sqrt()).reshape(dims);
        let mut affine_shape = [1usize; D];
        affine_shape[1] = c;
        normed * self.weight.val().reshape(affine_shape) + self.bias.val().reshape(affine_shape)
    }
}
