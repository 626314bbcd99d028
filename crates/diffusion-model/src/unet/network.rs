//! The U-Net's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use std::path::Path;

use burn::tensor::{Int, Tensor};

use super::UNet2DModel;
use crate::config::UNet2DConfig;
use crate::error::ModelResult;
use crate::layers::ParamInit;
use crate::registry::{DenoisingNetwork, Network, NetworkSpec};
use crate::weights::load_weights;
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

    fn item_shape(&self, size: Option<usize>) -> Option<Vec<usize>> {
        let [h, w] = match (size, self.sample_size) {
            (Some(s), _) => [s, s],
            (None, Some(sample_size)) => sample_size.dims(),
            (None, None) => return None,
        };
        Some(vec![self.in_channels, h, w])
    }
}

impl<B: ModelBackend> DenoisingNetwork<B, 4> for UNet2DModel<B> {
    fn run(
        &self,
        x: Tensor<B, 4>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 4>> {
        self.forward(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        self.config().num_class_embeds
    }
}

impl<B: ModelBackend> Network<B, 4> for UNet2DModel<B> {
    type Config = UNet2DConfig;

    fn build(config: &UNet2DConfig, seed: u64, device: &B::Device) -> ModelResult<Self> {
        Self::new(config, seed, device)
    }

    fn load(config: &UNet2DConfig, dir: &Path, device: &B::Device) -> ModelResult<Self> {
        let model = Self::with_init(config, &mut ParamInit::placeholder(), device)?;
        load_weights(model, dir, device)
    }

    fn spec(&self) -> &UNet2DConfig {
        self.config()
    }

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let c = self.config();
        let multiple = self.size_multiple();
        match shape {
            [ch, h, w] if *ch == c.in_channels && h % multiple == 0 && w % multiple == 0 => None,
            _ => Some(format!(
                "the U-Net takes [{}, H, W] images with H and W divisible by {multiple}; the data \
                 items are {shape:?}",
                c.in_channels
            )),
        }
    }
}
