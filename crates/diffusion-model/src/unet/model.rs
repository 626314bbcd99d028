//! `UNet2DModel`: the whole network, built from a [`UNet2DConfig`].

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::blocks::BlockSizes;
use super::{
    Attention, DownBlock, Downsample2D, MidBlock, ResnetBlock2D, SinusoidalTimesteps,
    TimestepEmbedding, UpBlock, Upsample2D,
};
use crate::conditioning::{batch_timesteps, class_embedding};
use crate::config::{DownBlockKind, UNet2DConfig, UpBlockKind};
use crate::error::{ModelError, ModelResult};
use crate::layers::{Conv2d, Conv2dShape, Embedding, GroupNorm, ParamInit};
use crate::network::Network;
use crate::ModelBackend;

/// The 2-D U-Net of diffusers' `UNet2DModel`: predicts a tensor the size of its input (ε, x₀ or
/// v, per its training) from a noisy image, a timestep and optionally a class label. Parameter
/// paths are diffusers' state-dict keys, so its weights load from and save to diffusers.
#[derive(Module, Debug)]
pub struct UNet2DModel<B: Backend> {
    /// Input conv, in_channels → `block_out_channels[0]`.
    pub conv_in: Conv2d<B>,
    /// Timestep features → embedding.
    pub time_embedding: TimestepEmbedding<B>,
    /// Class label → embedding (class-conditional models).
    pub class_embedding: Option<Embedding<B>>,
    /// Encoder levels, finest first.
    pub down_blocks: Vec<DownBlock<B>>,
    /// Bottleneck.
    pub mid_block: MidBlock<B>,
    /// Decoder levels, coarsest first.
    pub up_blocks: Vec<UpBlock<B>>,
    /// Output norm.
    pub conv_norm_out: GroupNorm<B>,
    /// Output conv, `block_out_channels[0]` → out_channels.
    pub conv_out: Conv2d<B>,
    #[module(skip)]
    config: UNet2DConfig,
    #[module(skip)]
    time_proj: SinusoidalTimesteps,
}

impl<B: ModelBackend> Network<B, 4> for UNet2DModel<B> {
    type Config = UNet2DConfig;

    fn initialised(
        config: &UNet2DConfig,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> ModelResult<Self> {
        config.validate()?;
        let channels = &config.block_out_channels;
        let levels = channels.len();
        let temb = config.time_embed_dim();
        let sizes = BlockSizes {
            temb_channels: temb,
            eps: config.norm_eps,
            dropout: config.dropout,
        };
        let conv_in = Conv2dShape::same(config.in_channels, channels[0], 3).init(init, device);
        let time_embedding = TimestepEmbedding::new(channels[0], temb, init, device);
        let class_embedding = config
            .num_class_embeds
            .map(|n| Embedding::new(n, temb, init, device));

        let mut down_blocks = Vec::with_capacity(levels);
        let mut output = channels[0];
        for (level, kind) in config.down_kinds().into_iter().enumerate() {
            let input = output;
            output = channels[level];
            let groups = config.groups_for(output);
            let mut resnets = Vec::new();
            let mut attentions = Vec::new();
            for layer in 0..config.layers_per_block {
                let resnet_in = if layer == 0 { input } else { output };
                resnets.push(ResnetBlock2D::new(
                    sizes.resnet(resnet_in, output, groups, 1.0),
                    init,
                    device,
                ));
                if kind == DownBlockKind::Attention {
                    attentions.push(level_attention(config, output, init, device));
                }
            }
            let downsamplers = if level + 1 < levels {
                vec![Downsample2D::new(
                    output,
                    config.downsample_padding,
                    init,
                    device,
                )]
            } else {
                Vec::new()
            };
            down_blocks.push(DownBlock {
                resnets,
                attentions,
                downsamplers,
            });
        }

        let deepest = channels[levels - 1];
        let mid_groups = config.groups_for(deepest);
        let scale = config.mid_block_scale_factor;
        let mid_block = MidBlock {
            resnets: vec![
                ResnetBlock2D::new(
                    sizes.resnet(deepest, deepest, mid_groups, scale),
                    init,
                    device,
                ),
                ResnetBlock2D::new(
                    sizes.resnet(deepest, deepest, mid_groups, scale),
                    init,
                    device,
                ),
            ],
            attentions: if config.add_attention {
                let groups = config.attn_norm_num_groups.unwrap_or(mid_groups);
                vec![Attention::new(
                    deepest,
                    config.head_dim_for(deepest),
                    groups,
                    config.norm_eps,
                    scale,
                    init,
                    device,
                )]
            } else {
                Vec::new()
            },
        };

        let reversed: Vec<usize> = channels.iter().rev().copied().collect();
        let mut up_blocks = Vec::with_capacity(levels);
        let mut output = reversed[0];
        for (level, kind) in config.up_kinds().into_iter().enumerate() {
            let previous = output;
            output = reversed[level];
            let input = reversed[(level + 1).min(levels - 1)];
            let groups = config.groups_for(output);
            let layers = config.layers_per_block + 1;
            let mut resnets = Vec::new();
            let mut attentions = Vec::new();
            for layer in 0..layers {
                let skip = if layer + 1 == layers { input } else { output };
                let running = if layer == 0 { previous } else { output };
                let shape = sizes.resnet(running + skip, output, groups, 1.0);
                resnets.push(ResnetBlock2D::new(shape, init, device));
                if kind == UpBlockKind::Attention {
                    attentions.push(level_attention(config, output, init, device));
                }
            }
            let upsamplers = if level + 1 < levels {
                vec![Upsample2D::new(output, init, device)]
            } else {
                Vec::new()
            };
            up_blocks.push(UpBlock {
                resnets,
                attentions,
                upsamplers,
            });
        }

        let out_groups = config.groups_for(channels[0]);
        Ok(Self {
            conv_in,
            time_embedding,
            class_embedding,
            down_blocks,
            mid_block,
            up_blocks,
            conv_norm_out: GroupNorm::new(out_groups, channels[0], config.norm_eps, init, device),
            conv_out: Conv2dShape::same(channels[0], config.out_channels, 3).init(init, device),
            time_proj: SinusoidalTimesteps::new(
                channels[0],
                config.flip_sin_to_cos,
                config.freq_shift,
            ),
            config: config.clone(),
        })
    }

    fn spec(&self) -> &UNet2DConfig {
        self.config()
    }
}

impl<B: Backend> UNet2DModel<B> {
    /// The configuration this network was built from.
    pub fn config(&self) -> &UNet2DConfig {
        &self.config
    }

    /// Whether the network needs class labels.
    pub fn is_class_conditional(&self) -> bool {
        self.class_embedding.is_some()
    }

    /// The factor H and W must be divisible by: 2^(levels − 1).
    pub fn size_multiple(&self) -> usize {
        1 << (self.config.block_out_channels.len() - 1)
    }
}

/// The self-attention of a down or up level with `channels` channels (unit output scale).
fn level_attention<B: Backend>(
    config: &UNet2DConfig,
    channels: usize,
    init: &mut ParamInit,
    device: &B::Device,
) -> Attention<B> {
    let groups = config.groups_for(channels);
    let head_dim = config.head_dim_for(channels);
    Attention::new(
        channels,
        head_dim,
        groups,
        config.norm_eps,
        1.0,
        init,
        device,
    )
}

impl<B: ModelBackend> UNet2DModel<B> {
    /// One forward pass: `sample` `[N, in, H, W]`, `timesteps` `[N]` (or `[1]`, broadcast;
    /// the discrete index or continuous time the model was trained with), `class_labels` `[N]`
    /// for class-conditional models (labels must be below `num_class_embeds`). Returns
    /// `[N, out, H, W]`. Shapes are checked and reported as errors.
    pub fn forward(
        &self,
        sample: Tensor<B, 4>,
        timesteps: Tensor<B, 1>,
        class_labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 4>> {
        let [n, c, h, w] = sample.dims();
        self.check_sample([n, c, h, w])?;
        let timesteps = batch_timesteps(timesteps, n)?;
        let class_emb = class_embedding(self.class_embedding.as_ref(), class_labels, n)?;
        let sample = if self.config.center_input_sample {
            sample * 2.0 - 1.0
        } else {
            sample
        };

        let mut emb = self
            .time_embedding
            .forward(self.time_proj.forward(timesteps));
        if let Some(class_emb) = class_emb {
            emb = emb + class_emb;
        }

        let mut h = self.conv_in.forward(sample);
        let mut skips = vec![h.clone()];
        for block in &self.down_blocks {
            let (out, block_skips) = block.forward(h, &emb);
            h = out;
            skips.extend(block_skips);
        }
        h = self.mid_block.forward(h, &emb);
        for block in &self.up_blocks {
            h = block.forward(h, &mut skips, &emb);
        }
        Ok(self.conv_out.forward(self.conv_norm_out.forward_silu(h)))
    }

    fn check_sample(&self, [n, c, h, w]: [usize; 4]) -> ModelResult<()> {
        let config = &self.config;
        if c != config.in_channels {
            return Err(ModelError::Input(format!(
                "sample has {c} channels but the model takes in_channels = {}",
                config.in_channels
            )));
        }
        let multiple = self.size_multiple();
        if h == 0 || w == 0 || !h.is_multiple_of(multiple) || !w.is_multiple_of(multiple) || n == 0
        {
            return Err(ModelError::Input(format!(
                "sample is {n}×{c}×{h}×{w}; height and width must be positive multiples of {multiple} (2^(levels−1)) and the batch non-empty"
            )));
        }
        Ok(())
    }
}
