//! The MLP's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use burn::tensor::backend::Backend;

use super::{MlpConfig, MlpDenoiser};
use crate::error::{ModelError, ModelResult};
use crate::network::{denoising_network, Footprint, NetworkSpec};

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

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let dim = self.data_dim;
        (shape != [dim]).then(|| {
            format!("the MLP takes points of dimension {dim}; the data items are {shape:?}")
        })
    }

    /// Each residual block: two `hidden × hidden` layers, a handful of hidden-wide activations.
    fn footprint(&self, _item_shape: &[usize]) -> Footprint {
        let (h, b) = (self.hidden_dim as u128, self.blocks as u128);
        let ends = (self.data_dim + self.time_features + self.num_classes.unwrap_or(0)) as u128;
        Footprint {
            parameters: b * 2 * h * h + 2 * ends * h,
            per_item: (b + 2) * 8 * h,
        }
    }

    fn item_shape(&self, _size: Option<usize>) -> Option<Vec<usize>> {
        Some(vec![self.data_dim])
    }
}

denoising_network!(MlpDenoiser, Backend, 2);
