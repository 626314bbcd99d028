//! The U-Net's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use super::UNet2DModel;
use crate::config::UNet2DConfig;
use crate::error::ModelResult;
use crate::network::{denoising_network, Footprint, NetworkSpec};
use crate::ModelBackend;

impl NetworkSpec for UNet2DConfig {
    const CLASS_NAME: &'static str = "UNet2DModel";
    const FOLDER: &'static str = "unet";

    fn parse(text: &str, source: &str) -> ModelResult<(Self, Vec<String>)> {
        let parsed = Self::from_json_str(text, source)?;
        Ok((parsed.config, parsed.ignored_keys))
    }

    fn to_config_json(&self) -> String {
        self.to_json_string()
    }

    fn validate(&self) -> ModelResult<()> {
        UNet2DConfig::validate(self)
    }

    fn class_count(&self) -> Option<usize> {
        self.num_class_embeds
    }

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let multiple = 1 << (self.block_out_channels.len() - 1);
        match shape {
            [ch, h, w] if *ch == self.in_channels && h % multiple == 0 && w % multiple == 0 => None,
            _ => Some(format!(
                "the U-Net takes [{}, H, W] images with H and W divisible by {multiple}; the data \
                 items are {shape:?}",
                self.in_channels
            )),
        }
    }

    /// Per level of `c` channels and `L` layers: `L` down and `L + 1` up resnet blocks of two
    /// 3×3 convolutions (the up ones see the skip, `2c` in), and about eight `c`-channel maps
    /// of the level's size alive per block during a forward pass.
    fn footprint(&self, item_shape: &[usize]) -> Footprint {
        let layers = self.layers_per_block as u128;
        let area = item_shape.iter().skip(1).product::<usize>() as u128;
        let (mut parameters, mut per_item) = (0u128, 0u128);
        for (level, &c) in self.block_out_channels.iter().enumerate() {
            let c = c as u128;
            parameters += (18 * layers + 27 * (layers + 1)) * c * c;
            per_item += (2 * layers + 1) * 8 * c * (area >> (2 * level.min(60)));
        }
        Footprint {
            parameters,
            per_item,
        }
    }

    fn item_shape(&self, size: Option<usize>) -> Option<Vec<usize>> {
        let [h, w] = match (size, self.sample_size) {
            (Some(s), _) => [s, s],
            (None, Some(sample_size)) => sample_size.dims(),
            (None, None) => return None,
        };
        Some(vec![self.in_channels, h, w])
    }
}

denoising_network!(UNet2DModel, ModelBackend, 4);
