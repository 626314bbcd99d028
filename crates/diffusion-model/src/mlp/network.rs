//! The MLP's registry entry: its config as a [`NetworkSpec`] and the model as a [`Network`].

use std::path::Path;

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::{MlpConfig, MlpDenoiser};
use crate::error::{ModelError, ModelResult};
use crate::layers::ParamInit;
use crate::registry::{DenoisingNetwork, Network, NetworkSpec};
use crate::weights::load_weights;

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

impl<B: Backend> DenoisingNetwork<B, 2> for MlpDenoiser<B> {
    fn run(
        &self,
        x: Tensor<B, 2>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 2>> {
        self.forward(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        self.config().num_classes
    }
}

impl<B: Backend> Network<B, 2> for MlpDenoiser<B> {
    type Config = MlpConfig;

    fn build(config: &MlpConfig, seed: u64, device: &B::Device) -> ModelResult<Self> {
        Self::new(config, seed, device)
    }

    fn load(config: &MlpConfig, dir: &Path, device: &B::Device) -> ModelResult<Self> {
        let model = Self::with_init(config, &mut ParamInit::placeholder(), device)?;
        load_weights(model, dir, device)
    }

    fn spec(&self) -> &MlpConfig {
        self.config()
    }

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let dim = self.config().data_dim;
        (shape != [dim]).then(|| {
            format!("the MLP takes points of dimension {dim}; the data items are {shape:?}")
        })
    }
}
