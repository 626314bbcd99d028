//! diffusers' `ResnetBlock2D` with the default (additive) time conditioning.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use crate::layers::{silu, Conv2d, Conv2dShape, GroupNorm, Linear, ParamInit};
use crate::ModelBackend;
use diffusion_kernels::ops::group_norm::add_channel_bias;

/// A residual block: h = conv1(SiLU(norm1(x))) + proj(SiLU(temb)),
/// h = conv2(dropout(SiLU(norm2(h)))), out = (shortcut(x) + h) / output_scale_factor,
/// where the shortcut is a 1×1 conv when the channel count changes.
#[derive(Module, Debug)]
pub struct ResnetBlock2D<B: Backend> {
    /// GroupNorm over the input channels.
    pub norm1: GroupNorm<B>,
    /// 3×3 conv, in → out.
    pub conv1: Conv2d<B>,
    /// Time embedding → out channels.
    pub time_emb_proj: Linear<B>,
    /// GroupNorm over the output channels.
    pub norm2: GroupNorm<B>,
    /// 3×3 conv, out → out.
    pub conv2: Conv2d<B>,
    /// 1×1 conv when in ≠ out.
    pub conv_shortcut: Option<Conv2d<B>>,
    dropout: Dropout,
    #[module(skip)]
    output_scale_factor: f64,
}

/// The sizes of one residual block.
#[derive(Debug, Clone, Copy)]
pub struct ResnetShape {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Time-embedding width.
    pub temb_channels: usize,
    /// GroupNorm groups.
    pub groups: usize,
    /// GroupNorm epsilon.
    pub eps: f64,
    /// Dropout probability (training only).
    pub dropout: f64,
    /// The residual sum is divided by this.
    pub output_scale_factor: f64,
}

impl<B: Backend> ResnetBlock2D<B> {
    /// A block of the given sizes, initialised as PyTorch does.
    pub fn new(shape: ResnetShape, init: &mut ParamInit, device: &B::Device) -> Self {
        let ResnetShape {
            in_channels,
            out_channels,
            temb_channels,
            groups,
            eps,
            ..
        } = shape;
        Self {
            norm1: GroupNorm::new(groups, in_channels, eps, init, device),
            conv1: Conv2dShape::same(in_channels, out_channels, 3).init(init, device),
            time_emb_proj: Linear::new(temb_channels, out_channels, init, device),
            norm2: GroupNorm::new(groups, out_channels, eps, init, device),
            conv2: Conv2dShape::same(out_channels, out_channels, 3).init(init, device),
            conv_shortcut: (in_channels != out_channels)
                .then(|| Conv2dShape::same(in_channels, out_channels, 1).init(init, device)),
            dropout: DropoutConfig::new(shape.dropout).init(),
            output_scale_factor: shape.output_scale_factor,
        }
    }
}

impl<B: ModelBackend> ResnetBlock2D<B> {
    /// `x` `[N, in, H, W]` with the time embedding `temb` `[N, temb]` → `[N, out, H, W]`.
    pub fn forward(&self, x: Tensor<B, 4>, temb: Tensor<B, 2>) -> Tensor<B, 4> {
        let h = self.conv1.forward(self.norm1.forward_silu(x.clone()));
        let t = self.time_emb_proj.forward(silu(temb));
        let h = add_channel_bias(h, t);
        let h = self
            .conv2
            .forward(self.dropout.forward(self.norm2.forward_silu(h)));
        let shortcut = match &self.conv_shortcut {
            Some(conv) => conv.forward(x),
            None => x,
        };
        let sum = shortcut + h;
        if self.output_scale_factor == 1.0 {
            sum
        } else {
            sum / self.output_scale_factor
        }
    }
}
