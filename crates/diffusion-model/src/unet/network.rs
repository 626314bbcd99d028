//! The U-Net's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use super::UNet2DModel;
use crate::config::UNet2DConfig;
use crate::error::ModelResult;
use crate::network::{denoising_network, NetworkSpec};
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

denoising_network!(UNet2DModel, ModelBackend, 4);
