//! The MLP's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use burn::tensor::backend::Backend;

use super::{MlpConfig, MlpDenoiser};
use crate::error::{ModelError, ModelResult};
use crate::network::{denoising_network, NetworkSpec};

impl NetworkSpec for MlpConfig {
    const CLASS_NAME: &'static str = "MlpDenoiser";
    const FOLDER: &'static str = "mlp";

    fn parse(text: &str, source: &str) -> ModelResult<(Self, Vec<String>)> {
        let config: MlpConfig =
            serde_json::from_str(text).map_err(|e| ModelError::ConfigSyntax {
                path: source.to_string(),
                message: e.to_string(),
            })?;
        config.validate()?;
        Ok((config, Vec::new()))
    }

    fn to_config_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("config serialises");
        value["_class_name"] = Self::CLASS_NAME.into();
        serde_json::to_string_pretty(&value).expect("config serialises")
    }

    fn validate(&self) -> ModelResult<()> {
        MlpConfig::validate(self)
    }

    fn class_count(&self) -> Option<usize> {
        self.num_classes
    }

    fn item_shape(&self, _size: Option<usize>) -> Option<Vec<usize>> {
        Some(vec![self.data_dim])
    }
}

denoising_network!(MlpDenoiser, Backend, 2);
