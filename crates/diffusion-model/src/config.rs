//! `UNet2DConfig`: the keys of diffusers' `UNet2DModel` config.json, with diffusers' defaults.
//!
//! Reading a config keeps the unknown keys aside (reported as warnings, as diffusers does) and
//! rejects values this implementation cannot honour with an error naming the key. Writing one
//! produces a file that `UNet2DModel.from_pretrained` accepts.

use diffusion_data::memory::check_fits;

use crate::network::NetworkSpec;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, ModelResult};

/// The spatial size a model was trained at: one number (square) or `[height, width]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SampleSize {
    /// Square images of this side.
    Square(usize),
    /// `[height, width]`.
    HeightWidth([usize; 2]),
}

impl SampleSize {
    /// `[height, width]`.
    pub fn dims(self) -> [usize; 2] {
        match self {
            SampleSize::Square(s) => [s, s],
            SampleSize::HeightWidth(hw) => hw,
        }
    }
}

/// Kinds of down block (diffusers class names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownBlockKind {
    /// `DownBlock2D`: resnets, then a strided-conv downsampler.
    Plain,
    /// `AttnDownBlock2D`: each resnet followed by self-attention.
    Attention,
}

/// Kinds of up block (diffusers class names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpBlockKind {
    /// `UpBlock2D`: resnets over concatenated skips, then nearest upsampling and a conv.
    Plain,
    /// `AttnUpBlock2D`: each resnet followed by self-attention.
    Attention,
}

/// The configuration of a 2-D U-Net, by diffusers' `UNet2DModel` key names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UNet2DConfig {
    /// Training image size (informational: any size divisible by the downsampling factor runs).
    #[serde(default)]
    pub sample_size: Option<SampleSize>,
    /// Image channels in.
    #[serde(default = "three")]
    pub in_channels: usize,
    /// Channels out.
    #[serde(default = "three")]
    pub out_channels: usize,
    /// Map inputs from [0, 1] to [-1, 1] first (`2x − 1`).
    #[serde(default)]
    pub center_input_sample: bool,
    /// Only `positional` is supported.
    #[serde(default = "positional")]
    pub time_embedding_type: String,
    /// Width of the time embedding; `null` means 4 × `block_out_channels[0]`.
    #[serde(default)]
    pub time_embedding_dim: Option<usize>,
    /// `downscale_freq_shift` of the sinusoidal embedding.
    #[serde(default)]
    pub freq_shift: f64,
    /// Put cosines before sines in the sinusoidal embedding.
    #[serde(default = "yes")]
    pub flip_sin_to_cos: bool,
    /// `DownBlock2D` or `AttnDownBlock2D`, one per level.
    #[serde(default = "default_down_blocks")]
    pub down_block_types: Vec<String>,
    /// Only `UNetMidBlock2D` is supported.
    #[serde(default = "mid_block")]
    pub mid_block_type: Option<String>,
    /// `UpBlock2D` or `AttnUpBlock2D`, one per level (deepest first).
    #[serde(default = "default_up_blocks")]
    pub up_block_types: Vec<String>,
    /// Channels of each level.
    #[serde(default = "default_channels")]
    pub block_out_channels: Vec<usize>,
    /// Resnets per down block (up blocks have one more).
    #[serde(default = "two")]
    pub layers_per_block: usize,
    /// `output_scale_factor` of the mid block's resnets and attention.
    #[serde(default = "one_f64")]
    pub mid_block_scale_factor: f64,
    /// Padding of the strided downsampling conv (0 pads right/bottom by one first).
    #[serde(default = "one")]
    pub downsample_padding: usize,
    /// Only `conv` is supported.
    #[serde(default = "conv")]
    pub downsample_type: String,
    /// Only `conv` is supported.
    #[serde(default = "conv")]
    pub upsample_type: String,
    /// Dropout inside the resnets (training only).
    #[serde(default)]
    pub dropout: f64,
    /// `silu` (alias `swish`) is supported.
    #[serde(default = "silu")]
    pub act_fn: String,
    /// Channels per attention head; `null` means one head over all channels.
    #[serde(default = "eight")]
    pub attention_head_dim: Option<usize>,
    /// Groups of every GroupNorm.
    #[serde(default = "thirty_two")]
    pub norm_num_groups: Option<usize>,
    /// Groups of the mid block's attention norm; `null` means `norm_num_groups`.
    #[serde(default)]
    pub attn_norm_num_groups: Option<usize>,
    /// Epsilon of every GroupNorm.
    #[serde(default = "default_eps")]
    pub norm_eps: f64,
    /// Only `default` (the time embedding is added) is supported.
    #[serde(default = "default_shift")]
    pub resnet_time_scale_shift: String,
    /// Self-attention in the mid block.
    #[serde(default = "yes")]
    pub add_attention: bool,
    /// Only `null` (a learned table indexed by label) is supported.
    #[serde(default)]
    pub class_embed_type: Option<String>,
    /// Number of classes of a class-conditional model (include one for the null class).
    #[serde(default)]
    pub num_class_embeds: Option<usize>,
    /// Used by diffusers only with Fourier time embeddings; kept for round trips.
    #[serde(default)]
    pub num_train_timesteps: Option<usize>,
}

fn three() -> usize {
    3
}
fn two() -> usize {
    2
}
fn one() -> usize {
    1
}
fn eight() -> Option<usize> {
    Some(8)
}
fn thirty_two() -> Option<usize> {
    Some(32)
}
fn one_f64() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}
fn default_eps() -> f64 {
    1e-5
}
fn positional() -> String {
    "positional".into()
}
fn conv() -> String {
    "conv".into()
}
fn silu() -> String {
    "silu".into()
}
fn default_shift() -> String {
    "default".into()
}
fn mid_block() -> Option<String> {
    Some("UNetMidBlock2D".into())
}
fn default_down_blocks() -> Vec<String> {
    [
        "DownBlock2D",
        "AttnDownBlock2D",
        "AttnDownBlock2D",
        "AttnDownBlock2D",
    ]
    .map(String::from)
    .to_vec()
}
fn default_up_blocks() -> Vec<String> {
    [
        "AttnUpBlock2D",
        "AttnUpBlock2D",
        "AttnUpBlock2D",
        "UpBlock2D",
    ]
    .map(String::from)
    .to_vec()
}
fn default_channels() -> Vec<usize> {
    vec![224, 448, 672, 896]
}

/// Keys diffusers writes as metadata, which carry no architecture.
const METADATA_KEYS: [&str; 3] = ["_class_name", "_diffusers_version", "_name_or_path"];

/// A parsed config plus the keys that were present but are not `UNet2DModel` keys.
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    /// The validated configuration.
    pub config: UNet2DConfig,
    /// Keys that were ignored (diffusers ignores them too, with a warning).
    pub ignored_keys: Vec<String>,
}

impl Default for UNet2DConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every key has a default")
    }
}

impl UNet2DConfig {
    /// Parses and validates a config.json text. `source` names the file in errors.
    pub fn from_json_str(text: &str, source: &str) -> ModelResult<ParsedConfig> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ModelError::ConfigSyntax {
                path: source.to_string(),
                message: e.to_string(),
            })?;
        let object = value.as_object().ok_or_else(|| ModelError::ConfigSyntax {
            path: source.to_string(),
            message: "the top level must be a JSON object".into(),
        })?;
        let known = known_keys();
        let ignored_keys: Vec<String> = object
            .keys()
            .filter(|k| !known.contains(&k.as_str()) && !METADATA_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        let config: UNet2DConfig =
            serde_json::from_value(value).map_err(|e| ModelError::ConfigSyntax {
                path: source.to_string(),
                message: e.to_string(),
            })?;
        config.validate()?;
        Ok(ParsedConfig {
            config,
            ignored_keys,
        })
    }

    /// The config.json text diffusers expects, with `_class_name` and `_diffusers_version`.
    pub fn to_json_string(&self) -> String {
        let mut value = serde_json::to_value(self).expect("config serialises");
        let object = value.as_object_mut().expect("config is an object");
        object.insert("_class_name".into(), "UNet2DModel".into());
        object.insert("_diffusers_version".into(), "0.42.1".into());
        serde_json::to_string_pretty(&value).expect("config serialises")
    }

    /// Time-embedding width: `time_embedding_dim` or 4 × the first level's channels.
    pub fn time_embed_dim(&self) -> usize {
        self.time_embedding_dim
            .unwrap_or(4 * self.block_out_channels[0])
    }

    /// GroupNorm groups of a norm over `channels` (`norm_num_groups`; validation rejects null,
    /// which diffusers' resnets cannot build either).
    pub fn groups_for(&self, _channels: usize) -> usize {
        self.norm_num_groups.unwrap_or(32)
    }

    /// The parsed down-block kinds (valid after [`UNet2DConfig::validate`]).
    pub fn down_kinds(&self) -> Vec<DownBlockKind> {
        self.down_block_types
            .iter()
            .map(|t| match t.as_str() {
                "AttnDownBlock2D" => DownBlockKind::Attention,
                _ => DownBlockKind::Plain,
            })
            .collect()
    }

    /// The parsed up-block kinds (valid after [`UNet2DConfig::validate`]).
    pub fn up_kinds(&self) -> Vec<UpBlockKind> {
        self.up_block_types
            .iter()
            .map(|t| match t.as_str() {
                "AttnUpBlock2D" => UpBlockKind::Attention,
                _ => UpBlockKind::Plain,
            })
            .collect()
    }

    /// Channels per attention head at a level with `channels` channels.
    pub fn head_dim_for(&self, channels: usize) -> usize {
        self.attention_head_dim.unwrap_or(channels)
    }

    /// Checks every key; the error names the first one this implementation cannot honour.
    pub fn validate(&self) -> ModelResult<()> {
        let levels = self.block_out_channels.len();
        if levels == 0 || self.block_out_channels.contains(&0) {
            return Err(ModelError::config(
                "block_out_channels",
                "needs at least one level, each with a positive channel count",
            ));
        }
        if self.in_channels == 0 || self.out_channels == 0 {
            let key = if self.in_channels == 0 {
                "in_channels"
            } else {
                "out_channels"
            };
            return Err(ModelError::config(key, "must be positive"));
        }
        if self.layers_per_block == 0 {
            return Err(ModelError::config("layers_per_block", "must be at least 1"));
        }
        for (key, types, allowed) in [
            (
                "down_block_types",
                &self.down_block_types,
                ["DownBlock2D", "AttnDownBlock2D"],
            ),
            (
                "up_block_types",
                &self.up_block_types,
                ["UpBlock2D", "AttnUpBlock2D"],
            ),
        ] {
            if types.len() != levels {
                return Err(ModelError::config(
                    key,
                    format!(
                        "has {} entries but block_out_channels has {levels}",
                        types.len()
                    ),
                ));
            }
            if let Some(bad) = types.iter().find(|t| !allowed.contains(&t.as_str())) {
                return Err(ModelError::config(
                    key,
                    format!(
                        "`{bad}` is not supported (supported: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let exact = [
            (
                "time_embedding_type",
                self.time_embedding_type.as_str(),
                "positional",
            ),
            ("downsample_type", self.downsample_type.as_str(), "conv"),
            ("upsample_type", self.upsample_type.as_str(), "conv"),
            (
                "resnet_time_scale_shift",
                self.resnet_time_scale_shift.as_str(),
                "default",
            ),
        ];
        for (key, value, supported) in exact {
            if value != supported {
                return Err(ModelError::config(
                    key,
                    format!("`{value}` is not supported (supported: `{supported}`)"),
                ));
            }
        }
        if !matches!(self.act_fn.as_str(), "silu" | "swish") {
            return Err(ModelError::config(
                "act_fn",
                format!("`{}` is not supported (supported: `silu`)", self.act_fn),
            ));
        }
        if self.mid_block_type.as_deref() != Some("UNetMidBlock2D") {
            return Err(ModelError::config(
                "mid_block_type",
                format!(
                    "{:?} is not supported (supported: `UNetMidBlock2D`)",
                    self.mid_block_type
                ),
            ));
        }
        if let Some(kind) = &self.class_embed_type {
            return Err(ModelError::config(
                "class_embed_type",
                format!("`{kind}` is not supported (supported: null, a learned table used with num_class_embeds)"),
            ));
        }
        if self.num_class_embeds == Some(0) {
            return Err(ModelError::config(
                "num_class_embeds",
                "must be positive or null",
            ));
        }
        if !(self.norm_eps > 0.0 && self.norm_eps.is_finite()) {
            return Err(ModelError::config(
                "norm_eps",
                "must be a positive finite number",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelError::config("dropout", "must be in [0, 1)"));
        }
        if !(self.mid_block_scale_factor > 0.0 && self.mid_block_scale_factor.is_finite()) {
            return Err(ModelError::config(
                "mid_block_scale_factor",
                "must be positive and finite",
            ));
        }
        if self.downsample_padding > 1 {
            return Err(ModelError::config("downsample_padding", "must be 0 or 1"));
        }
        if self.time_embedding_dim == Some(0) || self.attention_head_dim == Some(0) {
            let key = if self.time_embedding_dim == Some(0) {
                "time_embedding_dim"
            } else {
                "attention_head_dim"
            };
            return Err(ModelError::config(key, "must be positive or null"));
        }
        self.validate_divisibility()?;
        self.validate_memory()
    }

    /// Refuses a network, or one image of `sample_size`, larger than the memory available, so
    /// that an absurd config is an error rather than an abort.
    fn validate_memory(&self) -> ModelResult<()> {
        let shape = NetworkSpec::item_shape(self, None).unwrap_or_default();
        let footprint = NetworkSpec::footprint(self, &shape);
        check_fits(
            &format!(
                "the network of block_out_channels {:?} with layers_per_block {}",
                self.block_out_channels, self.layers_per_block
            ),
            4 * footprint.parameters,
        )?;
        if let [_, h, w] = shape[..] {
            check_fits(
                &format!("one {h}×{w} image (sample_size)"),
                footprint.bytes(1),
            )?;
        }
        Ok(())
    }

    fn validate_divisibility(&self) -> ModelResult<()> {
        if self.norm_num_groups.is_none() {
            return Err(ModelError::config(
                "norm_num_groups",
                "null is not supported (diffusers' resnet blocks need a group count too); give a number that divides every level's channels",
            ));
        }
        let groups_key = "norm_num_groups";
        let check_groups = |channels: usize| -> ModelResult<()> {
            let groups = self.groups_for(channels);
            if groups == 0 || !channels.is_multiple_of(groups) {
                return Err(ModelError::config(
                    groups_key,
                    format!("{groups} groups do not divide a GroupNorm over {channels} channels"),
                ));
            }
            Ok(())
        };
        let channels = &self.block_out_channels;
        for &c in channels {
            check_groups(c)?;
        }
        // Up-block resnets normalise the concatenation of the running and skip channels.
        let reversed: Vec<usize> = channels.iter().rev().copied().collect();
        for (i, &out) in reversed.iter().enumerate() {
            let prev = if i == 0 { reversed[0] } else { reversed[i - 1] };
            let input = reversed[(i + 1).min(reversed.len() - 1)];
            for j in 0..=self.layers_per_block {
                let skip = if j == self.layers_per_block {
                    input
                } else {
                    out
                };
                let running = if j == 0 { prev } else { out };
                check_groups(running + skip)?;
            }
        }
        if let Some(groups) = self.attn_norm_num_groups {
            let last = *channels.last().expect("non-empty");
            if groups == 0 || !last.is_multiple_of(groups) {
                return Err(ModelError::config(
                    "attn_norm_num_groups",
                    format!("{groups} groups do not divide {last} channels"),
                ));
            }
        }
        let mut attention_channels: Vec<usize> = self
            .down_kinds()
            .iter()
            .zip(channels)
            .filter(|(k, _)| **k == DownBlockKind::Attention)
            .map(|(_, &c)| c)
            .collect();
        attention_channels.extend(
            self.up_kinds()
                .iter()
                .zip(&reversed)
                .filter(|(k, _)| **k == UpBlockKind::Attention)
                .map(|(_, &c)| c),
        );
        if self.add_attention {
            attention_channels.push(*channels.last().expect("non-empty"));
        }
        for c in attention_channels {
            let head = self.head_dim_for(c);
            if !c.is_multiple_of(head) {
                return Err(ModelError::config(
                    "attention_head_dim",
                    format!("{head} does not divide an attention layer's {c} channels"),
                ));
            }
        }
        Ok(())
    }
}

fn known_keys() -> Vec<&'static str> {
    vec![
        "sample_size",
        "in_channels",
        "out_channels",
        "center_input_sample",
        "time_embedding_type",
        "time_embedding_dim",
        "freq_shift",
        "flip_sin_to_cos",
        "down_block_types",
        "mid_block_type",
        "up_block_types",
        "block_out_channels",
        "layers_per_block",
        "mid_block_scale_factor",
        "downsample_padding",
        "downsample_type",
        "upsample_type",
        "dropout",
        "act_fn",
        "attention_head_dim",
        "norm_num_groups",
        "attn_norm_num_groups",
        "norm_eps",
        "resnet_time_scale_shift",
        "add_attention",
        "class_embed_type",
        "num_class_embeds",
        "num_train_timesteps",
    ]
}
