//! The U-Net's levels: diffusers' `DownBlock2D`/`AttnDownBlock2D`, `UNetMidBlock2D` and
//! `UpBlock2D`/`AttnUpBlock2D`, each one struct whose attention list is empty for the plain kind.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use super::resnet::ResnetShape;
use super::{Attention, Downsample2D, ResnetBlock2D, Upsample2D};
use crate::ModelBackend;
use diffusion_kernels::ops::channel_concat::concat_channels;

/// One encoder level: resnets (each followed by attention in the attention kind) and an
/// optional downsampler. Every intermediate output is kept as a skip connection.
#[derive(Module, Debug)]
pub struct DownBlock<B: Backend> {
    /// The residual blocks.
    pub resnets: Vec<ResnetBlock2D<B>>,
    /// One attention per resnet, or none.
    pub attentions: Vec<Attention<B>>,
    /// The strided conv, absent at the deepest level.
    pub downsamplers: Vec<Downsample2D<B>>,
}

impl<B: ModelBackend> DownBlock<B> {
    /// Returns the output and the skips it produced, in order.
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        temb: &Tensor<B, 2>,
    ) -> (Tensor<B, 4>, Vec<Tensor<B, 4>>) {
        let mut h = x;
        let mut skips = Vec::with_capacity(self.resnets.len() + 1);
        for (i, resnet) in self.resnets.iter().enumerate() {
            h = resnet.forward(h, temb.clone());
            if let Some(attention) = self.attentions.get(i) {
                h = attention.forward(h);
            }
            skips.push(h.clone());
        }
        for downsampler in &self.downsamplers {
            h = downsampler.forward(h);
            skips.push(h.clone());
        }
        (h, skips)
    }
}

/// The bottleneck: resnet, then (attention, resnet) pairs.
#[derive(Module, Debug)]
pub struct MidBlock<B: Backend> {
    /// Two residual blocks.
    pub resnets: Vec<ResnetBlock2D<B>>,
    /// One attention between them, or none (`add_attention = false`).
    pub attentions: Vec<Attention<B>>,
}

impl<B: ModelBackend> MidBlock<B> {
    /// `[N, C, h, w]` → same shape.
    pub fn forward(&self, x: Tensor<B, 4>, temb: &Tensor<B, 2>) -> Tensor<B, 4> {
        let mut h = self.resnets[0].forward(x, temb.clone());
        for (i, resnet) in self.resnets.iter().enumerate().skip(1) {
            if let Some(attention) = self.attentions.get(i - 1) {
                h = attention.forward(h);
            }
            h = resnet.forward(h, temb.clone());
        }
        h
    }
}

/// One decoder level: each resnet takes the running features concatenated (on channels) with
/// the most recent unused skip; attention after each resnet in the attention kind; an optional
/// upsampler.
#[derive(Module, Debug)]
pub struct UpBlock<B: Backend> {
    /// The residual blocks (layers_per_block + 1).
    pub resnets: Vec<ResnetBlock2D<B>>,
    /// One attention per resnet, or none.
    pub attentions: Vec<Attention<B>>,
    /// The upsampler, absent at the finest level.
    pub upsamplers: Vec<Upsample2D<B>>,
}

impl<B: ModelBackend> UpBlock<B> {
    /// Consumes one skip per resnet from the end of `skips`.
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        skips: &mut Vec<Tensor<B, 4>>,
        temb: &Tensor<B, 2>,
    ) -> Tensor<B, 4> {
        let mut h = x;
        for (i, resnet) in self.resnets.iter().enumerate() {
            let skip = skips
                .pop()
                .expect("the down path made one skip per up resnet");
            h = resnet.forward(concat_channels(h, skip), temb.clone());
            if let Some(attention) = self.attentions.get(i) {
                h = attention.forward(h);
            }
        }
        for upsampler in &self.upsamplers {
            h = upsampler.forward(h);
        }
        h
    }
}

/// Sizes shared by every resnet of one model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockSizes {
    pub temb_channels: usize,
    pub eps: f64,
    pub dropout: f64,
}

impl BlockSizes {
    pub(crate) fn resnet(
        &self,
        in_channels: usize,
        out_channels: usize,
        groups: usize,
        scale: f64,
    ) -> ResnetShape {
        ResnetShape {
            in_channels,
            out_channels,
            temb_channels: self.temb_channels,
            groups,
            eps: self.eps,
            dropout: self.dropout,
            output_scale_factor: scale,
        }
    }
}
