//! Group normalisation with PyTorch's parameter names.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::ParamInit;
use diffusion_kernels::ops::group_norm::{group_norm, GroupNormBackend};

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
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D>
    where
        B: GroupNormBackend,
    {
        group_norm(
            x,
            self.weight.val(),
            self.bias.val(),
            self.groups,
            self.eps,
            false,
        )
    }

    /// SiLU(GroupNorm(x)) in one fused pass (the pair every resnet block and the output use).
    pub fn forward_silu<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D>
    where
        B: GroupNormBackend,
    {
        group_norm(
            x,
            self.weight.val(),
            self.bias.val(),
            self.groups,
            self.eps,
            true,
        )
    }
}
