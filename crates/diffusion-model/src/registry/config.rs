//! The registry's one table: [`NetworkConfig`], a parsed config.json of any registered kind,
//! and the dispatch from a config to the network type that builds or loads it.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::config::UNet2DConfig;
use crate::error::{ModelError, ModelResult};
use crate::mlp::{MlpConfig, MlpDenoiser};
use crate::network::spec::read_config;
use crate::network::Footprint;
use crate::network::{NetworkSpec, NetworkVisitor, TrainableVisitor};
use crate::unet::UNet2DModel;
use crate::ModelBackend;

/// The `_class_name`s of the registered network kinds, for messages that list them.
pub const KNOWN_NETWORKS: [&str; 2] = [UNet2DConfig::CLASS_NAME, MlpConfig::CLASS_NAME];

/// The checkpoint sub-folders of the registered kinds, in the order [`super::find_network`]
/// looks for them.
pub(super) const FOLDERS: [&str; 2] = [UNet2DConfig::FOLDER, MlpConfig::FOLDER];

/// A network config of any registered kind. In a training config it is written as
/// `{"kind": "unet", "config": {…}}`; a U-Net config there is strict (an unknown key is an
/// error, since it is written by hand), while a config.json from diffusers may carry extra keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "config", rename_all = "kebab-case")]
pub enum NetworkConfig {
    /// diffusers' `UNet2DModel`.
    #[serde(deserialize_with = "strict_unet")]
    Unet(Box<UNet2DConfig>),
    /// The time-embedded MLP for points.
    Mlp(MlpConfig),
}

/// A training config's U-Net section: parsed and validated, unknown keys refused.
fn strict_unet<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<UNet2DConfig>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let (config, ignored) = UNet2DConfig::parse(&value.to_string(), "model.config")
        .map_err(serde::de::Error::custom)?;
    if !ignored.is_empty() {
        return Err(serde::de::Error::custom(format!(
            "model.config: unknown keys {ignored:?}"
        )));
    }
    Ok(Box::new(config))
}

impl NetworkConfig {
    /// Parses config.json text of any registered kind, chosen by its `_class_name` (a config
    /// without one is a diffusers `UNet2DModel`, as older diffusers files are). Returns the
    /// unknown keys beside it.
    pub fn parse(text: &str, source: &str) -> ModelResult<(Self, Vec<String>)> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ModelError::ConfigSyntax {
                path: source.to_string(),
                message: e.to_string(),
            })?;
        let class_name = value
            .get("_class_name")
            .and_then(|v| v.as_str())
            .unwrap_or(UNet2DConfig::CLASS_NAME);
        Ok(match class_name {
            UNet2DConfig::CLASS_NAME => {
                let (config, ignored) = UNet2DConfig::parse(text, source)?;
                (Self::Unet(Box::new(config)), ignored)
            }
            MlpConfig::CLASS_NAME => {
                let (config, ignored) = MlpConfig::parse(text, source)?;
                (Self::Mlp(config), ignored)
            }
            other => {
                return Err(ModelError::Config {
                    key: "_class_name".into(),
                    message: format!(
                        "{source}: unknown network `{other}`; known networks: {}",
                        KNOWN_NETWORKS.join(", ")
                    ),
                })
            }
        })
    }

    /// Reads `dir/config.json`, printing a warning for each unknown key.
    pub fn read(dir: &Path) -> ModelResult<Self> {
        read_config(dir, Self::parse)
    }

    /// The config's `_class_name`.
    pub fn class_name(&self) -> &'static str {
        match self {
            Self::Unet(_) => UNet2DConfig::CLASS_NAME,
            Self::Mlp(_) => MlpConfig::CLASS_NAME,
        }
    }

    /// The checkpoint sub-folder of this kind (`unet`, `mlp`).
    pub fn folder(&self) -> &'static str {
        match self {
            Self::Unet(_) => UNet2DConfig::FOLDER,
            Self::Mlp(_) => MlpConfig::FOLDER,
        }
    }

    /// See [`NetworkSpec::validate`].
    pub fn validate(&self) -> ModelResult<()> {
        match self {
            Self::Unet(c) => c.validate(),
            Self::Mlp(c) => c.validate(),
        }
    }

    /// See [`NetworkSpec::class_count`].
    pub fn class_count(&self) -> Option<usize> {
        match self {
            Self::Unet(c) => c.class_count(),
            Self::Mlp(c) => c.class_count(),
        }
    }

    /// See [`NetworkSpec::item_shape_problem`].
    pub fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        match self {
            Self::Unet(c) => c.item_shape_problem(shape),
            Self::Mlp(c) => c.item_shape_problem(shape),
        }
    }

    /// See [`NetworkSpec::footprint`].
    pub fn footprint(&self, item_shape: &[usize]) -> Footprint {
        match self {
            Self::Unet(c) => c.footprint(item_shape),
            Self::Mlp(c) => c.footprint(item_shape),
        }
    }

    /// See [`NetworkSpec::item_shape`].
    pub fn item_shape(&self, size: Option<usize>) -> Option<Vec<usize>> {
        match self {
            Self::Unet(c) => c.item_shape(size),
            Self::Mlp(c) => c.item_shape(size),
        }
    }

    /// Whether the data items are images (so samples are drawn as PNG grids, x₀ is clipped to
    /// [−1, 1] and pixel metrics apply), rather than points.
    pub fn is_image(&self) -> bool {
        self.item_shape(Some(1))
            .is_some_and(|shape| shape.len() == 3)
    }

    /// See [`NetworkSpec::to_config_json`].
    pub fn to_config_json(&self) -> String {
        match self {
            Self::Unet(c) => c.to_config_json(),
            Self::Mlp(c) => c.to_config_json(),
        }
    }

    /// Runs `visitor` with the network type of this config's kind on backend `B`.
    pub fn visit<B: ModelBackend, V: NetworkVisitor<B>>(&self, visitor: V) -> V::Output {
        match self {
            Self::Unet(c) => visitor.visit::<4, UNet2DModel<B>>(c),
            Self::Mlp(c) => visitor.visit::<2, MlpDenoiser<B>>(c),
        }
    }

    /// Runs `visitor` with the trainable network type of this config's kind on the autodiff
    /// backend `B`.
    pub fn visit_trainable<B, V>(&self, visitor: V) -> V::Output
    where
        B: burn::tensor::backend::AutodiffBackend + ModelBackend,
        B::InnerBackend: ModelBackend,
        V: TrainableVisitor<B>,
    {
        match self {
            Self::Unet(c) => visitor.visit::<4, UNet2DModel<B>>(c),
            Self::Mlp(c) => visitor.visit::<2, MlpDenoiser<B>>(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_name_picks_the_kind_and_unknown_kinds_list_the_known_ones() {
        let mlp = MlpConfig::default().to_config_json();
        let (config, ignored) = NetworkConfig::parse(&mlp, "mlp.json").unwrap();
        assert!(matches!(config, NetworkConfig::Mlp(_)) && ignored.is_empty());
        assert_eq!(config.folder(), "mlp");
        let unet = UNet2DConfig::default().to_config_json();
        let (config, _) = NetworkConfig::parse(&unet, "unet.json").unwrap();
        assert_eq!(config.class_name(), "UNet2DModel");
        let err = NetworkConfig::parse(r#"{"_class_name": "DiT2DModel"}"#, "x.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown network `DiT2DModel`") && err.contains("MlpDenoiser"),
            "{err}"
        );
    }

    #[test]
    fn a_config_without_class_name_is_a_unet() {
        let (config, _) = NetworkConfig::parse(r#"{"sample_size": 32}"#, "x.json").unwrap();
        assert_eq!(config.item_shape(None), Some(vec![3, 32, 32]));
        assert!(config.is_image());
    }

    #[test]
    fn training_configs_keep_their_format_and_refuse_unknown_unet_keys() {
        let json = r#"{"kind": "unet", "config": {"sample_size": 8, "block_out_channels": [8, 8],
            "down_block_types": ["DownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "UpBlock2D"], "norm_num_groups": 4}}"#;
        let config: NetworkConfig = serde_json::from_str(json).unwrap();
        let again: NetworkConfig =
            serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
        assert_eq!(config, again);
        let typo = r#"{"kind": "unet", "config": {"sample_sise": 8}}"#;
        let err = serde_json::from_str::<NetworkConfig>(typo)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown keys") && err.contains("sample_sise"),
            "{err}"
        );
        let mlp: NetworkConfig = serde_json::from_str(
            r#"{"kind": "mlp", "config": {"data_dim": 2, "hidden_dim": 8,
                "blocks": 1, "time_features": 4, "time_scale": 1.0}}"#,
        )
        .unwrap();
        assert_eq!(mlp.item_shape(None), Some(vec![2]));
        assert!(!mlp.is_image());
    }
}
