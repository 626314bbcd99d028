//! diffusers' spatial self-attention block (`Attention` with a group norm, as built by
//! `AttnDownBlock2D`, `AttnUpBlock2D` and `UNetMidBlock2D`).

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use crate::layers::{GroupNorm, Linear, ParamInit};
use crate::ModelBackend;
use diffusion_kernels::ops::attention::attention;

/// Multi-head self-attention over the H·W positions (Vaswani et al. 2017):
/// h = GroupNorm(x) as tokens, softmax(QKᵀ/√d)V per head, to_out, then
/// (x + h) / rescale_output_factor.
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    /// Norm applied before the projections.
    pub group_norm: GroupNorm<B>,
    /// Query projection.
    pub to_q: Linear<B>,
    /// Key projection.
    pub to_k: Linear<B>,
    /// Value projection.
    pub to_v: Linear<B>,
    /// Output projection (diffusers' `to_out.0`; `to_out.1` is a parameterless dropout).
    pub to_out: Vec<Linear<B>>,
    #[module(skip)]
    heads: usize,
    #[module(skip)]
    rescale_output_factor: f64,
}

impl<B: Backend> Attention<B> {
    /// Attention over `channels` with heads of `head_dim` channels.
    pub fn new(
        channels: usize,
        head_dim: usize,
        groups: usize,
        eps: f64,
        rescale_output_factor: f64,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> Self {
        Self {
            group_norm: GroupNorm::new(groups, channels, eps, init, device),
            to_q: Linear::new(channels, channels, init, device),
            to_k: Linear::new(channels, channels, init, device),
            to_v: Linear::new(channels, channels, init, device),
            to_out: vec![Linear::new(channels, channels, init, device)],
            heads: channels / head_dim,
            rescale_output_factor,
        }
    }
}

impl<B: ModelBackend> Attention<B> {
    /// `[N, C, H, W]` → `[N, C, H, W]`. The tokens stay channel-major throughout: the
    /// projections are 1×1 convolutions and the heads are channel ranges of the fused
    /// [`attention`] (the same numbers as diffusers' token-major `Attention`).
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let [n, c, height, width] = x.dims();
        let positions = height * width;
        let head_dim = c / self.heads;
        let tokens = self.group_norm.forward(x.clone());
        let project = |layer: &Linear<B>| -> Tensor<B, 3> {
            layer
                .forward_channels(tokens.clone())
                .reshape([n, c, positions])
        };
        let scale = 1.0 / (head_dim as f64).sqrt();
        let attended = attention(
            project(&self.to_q),
            project(&self.to_k),
            project(&self.to_v),
            self.heads,
            scale,
        );
        let h = self.to_out[0].forward_channels(attended.reshape([n, c, height, width]));
        let sum = x + h;
        if self.rescale_output_factor == 1.0 {
            sum
        } else {
            sum / self.rescale_output_factor
        }
    }
}
