//! Where a model's network is: checkpoint reading written once for every command.
//!
//! A diffusers model folder holds config.json + diffusion_pytorch_model.safetensors; a diffusers
//! pipeline holds its network in `unet/`; a training checkpoint of ours holds `<folder>/` and
//! `<folder>_ema/` (`unet`, `mlp`, …, [`super::NetworkSpec::FOLDER`]), and the EMA weights are
//! the ones to sample from.

use std::path::{Path, PathBuf};

use super::config::{NetworkConfig, FOLDERS};
use crate::error::{ModelError, ModelResult};
use crate::weights::{CONFIG_FILE, WEIGHTS_FILE};

/// A located network folder and its parsed config.
#[derive(Debug, Clone)]
pub struct NetworkFolder {
    /// The folder with config.json and diffusion_pytorch_model.safetensors.
    pub dir: PathBuf,
    /// Its config.json.
    pub config: NetworkConfig,
    /// Whether these are a checkpoint's EMA weights.
    pub is_ema: bool,
}

/// Finds the network of `dir`: `dir` itself when it has a config.json, else a registered
/// kind's `<folder>_ema/` (when it has weights) or `<folder>/` (a checkpoint of ours, or a
/// diffusers pipeline's `unet/`). `Ok(None)` when `dir` holds none of these; an error when one is
/// found but its config.json cannot be read.
pub fn find_network(dir: &Path) -> ModelResult<Option<NetworkFolder>> {
    if dir.join(CONFIG_FILE).is_file() {
        return located(dir.to_path_buf(), false).map(Some);
    }
    for folder in FOLDERS {
        let ema = dir.join(format!("{folder}_ema"));
        if ema.join(WEIGHTS_FILE).is_file() {
            return located(ema, true).map(Some);
        }
        let live = dir.join(folder);
        if live.join(CONFIG_FILE).is_file() {
            return located(live, false).map(Some);
        }
    }
    Ok(None)
}

fn located(dir: PathBuf, is_ema: bool) -> ModelResult<NetworkFolder> {
    let config = NetworkConfig::read(&dir)?;
    if !dir.join(WEIGHTS_FILE).is_file() {
        return Err(ModelError::MissingFile {
            path: dir.join(WEIGHTS_FILE),
            hint: format!(
                "{} has {CONFIG_FILE} but no {WEIGHTS_FILE}; only safetensors weights can be read",
                dir.display()
            ),
        });
    }
    Ok(NetworkFolder {
        dir,
        config,
        is_ema,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::MlpConfig;
    use crate::network::NetworkSpec;
    use std::fs;

    fn network_dir(dir: &Path, config: &NetworkConfig) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join(CONFIG_FILE), config.to_config_json()).unwrap();
        fs::write(dir.join(WEIGHTS_FILE), b"not read here").unwrap();
    }

    #[test]
    fn checkpoints_prefer_ema_weights_and_pipelines_give_their_unet() {
        let root = tempfile::tempdir().unwrap();
        let mlp = NetworkConfig::Mlp(MlpConfig::default());
        network_dir(&root.path().join("mlp"), &mlp);
        let found = find_network(root.path()).unwrap().unwrap();
        assert_eq!(found.dir, root.path().join("mlp"));
        assert!(!found.is_ema);
        network_dir(&root.path().join("mlp_ema"), &mlp);
        let found = find_network(root.path()).unwrap().unwrap();
        assert!(found.is_ema && found.dir.ends_with("mlp_ema"));
        assert_eq!(found.config, mlp);

        let pipeline = tempfile::tempdir().unwrap();
        let unet = NetworkConfig::Unet(Box::default());
        network_dir(&pipeline.path().join("unet"), &unet);
        let found = find_network(pipeline.path()).unwrap().unwrap();
        assert_eq!(found.config.class_name(), "UNet2DModel");
        assert!(find_network(&pipeline.path().join("unet"))
            .unwrap()
            .is_some());
    }

    #[test]
    fn an_empty_folder_has_no_network_and_missing_weights_are_named() {
        let root = tempfile::tempdir().unwrap();
        assert!(find_network(root.path()).unwrap().is_none());
        fs::write(
            root.path().join(CONFIG_FILE),
            MlpConfig::default().to_config_json(),
        )
        .unwrap();
        let err = find_network(root.path()).unwrap_err().to_string();
        assert!(err.contains(WEIGHTS_FILE), "{err}");
    }
}
