//! [`NetworkSpec`]: what a registered kind's config says about the network, without building it.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ModelError, ModelResult};
use crate::weights::CONFIG_FILE;

/// What the config of a registered network kind says about it, without building it.
pub trait NetworkSpec: Clone + std::fmt::Debug + PartialEq + Serialize + DeserializeOwned {
    /// The `_class_name` written into config.json (diffusers' class name where diffusers has it).
    const CLASS_NAME: &'static str;
    /// The sub-folder of a training checkpoint (`unet`, as in a diffusers pipeline); the EMA
    /// network goes to `<folder>_ema`.
    const FOLDER: &'static str;

    /// Parses config.json text (`source` names the file in errors) into a validated config and
    /// the keys that were present but unknown (reported, not fatal, as diffusers does).
    fn parse(text: &str, source: &str) -> ModelResult<(Self, Vec<String>)>;

    /// The config.json text, with `_class_name`.
    fn to_config_json(&self) -> String;

    /// Checks every key; the error names the first one that cannot be honoured.
    fn validate(&self) -> ModelResult<()>;

    /// Class embeddings (the null class included), `None` for an unconditional network.
    fn class_count(&self) -> Option<usize>;

    /// The shape of one data item (`[C, H, W]` or `[dim]`); `size` overrides an image network's
    /// sample size. `None` when the config has no size and none is given.
    fn item_shape(&self, size: Option<usize>) -> Option<Vec<usize>>;

    /// Why a network of this config cannot take data items of `shape`, if it cannot.
    fn item_shape_problem(&self, shape: &[usize]) -> Option<String>;

    /// About how many f32 values the network holds and keeps alive per data item of
    /// `item_shape` in a forward pass: what memory checks multiply out before allocating.
    fn footprint(&self, item_shape: &[usize]) -> Footprint;

    /// Reads `dir/config.json`, printing a warning for each unknown key.
    fn read(dir: &Path) -> ModelResult<Self> {
        read_config(dir, Self::parse)
    }
}

/// Reads `dir/config.json` with `parse`, printing a warning for each unknown key; a missing
/// file says what a model directory holds.
pub(crate) fn read_config<T>(
    dir: &Path,
    parse: impl FnOnce(&str, &str) -> ModelResult<(T, Vec<String>)>,
) -> ModelResult<T> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::MissingFile {
            path: path.clone(),
            hint: "a model directory holds config.json and diffusion_pytorch_model.safetensors"
                .into(),
        },
        _ => ModelError::io(&path, e),
    })?;
    let (config, ignored) = parse(&text, &path.display().to_string())?;
    for key in ignored {
        eprintln!("warning: {}: ignoring unknown key `{key}`", path.display());
    }
    Ok(config)
}

/// A network's memory use in f32 values, estimated from its config (see
/// [`NetworkSpec::footprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Parameters.
    pub parameters: u128,
    /// Activations one data item keeps alive through a forward pass.
    pub per_item: u128,
}

impl Footprint {
    /// Bytes for the parameters and a batch of `batch` items.
    pub fn bytes(&self, batch: usize) -> u128 {
        4 * (self.parameters + self.per_item * batch as u128)
    }
}
