//! The classifier's weights directory: `config.json` (architecture and provenance) and
//! `model.safetensors` (f32 tensors by parameter key), read and written through diffusion-model's
//! safetensors helpers, with every mismatch reported by name.

use std::path::{Path, PathBuf};

use diffusion_data::files::write_atomically;
use diffusion_model::layers::ParamInit;
use diffusion_model::weights::{
    apply_named_tensors, named_tensors, read_safetensors, write_safetensors,
};
use diffusion_model::ModelBackend;

use super::model::{ClassifierConfig, MnistClassifier};
use crate::error::{EvalError, EvalResult};

/// Where the committed classifier lives, relative to the workspace root.
pub const DEFAULT_CLASSIFIER_DIR: &str = "datasets/mnist-classifier";
/// The architecture file of a classifier directory.
pub const CONFIG_FILE: &str = "config.json";
/// The weights file of a classifier directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";

const RETRAIN: &str =
    "train one with `cargo run --release -p diffusion-eval --example train_classifier` \
     (writes datasets/mnist-classifier/)";

fn existing(dir: &Path, name: &str) -> EvalResult<PathBuf> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(EvalError::MissingFile {
            path,
            hint: format!(
                "a classifier directory holds {CONFIG_FILE} and {WEIGHTS_FILE}; {RETRAIN}"
            ),
        })
    }
}

/// Reads a classifier directory; errors name a missing file, a malformed config, or every
/// tensor that is missing, unexpected or of the wrong shape.
pub fn load_classifier<B: ModelBackend>(
    dir: &Path,
    device: &B::Device,
) -> EvalResult<(MnistClassifier<B>, ClassifierConfig)> {
    let config_path = existing(dir, CONFIG_FILE)?;
    let weights_path = existing(dir, WEIGHTS_FILE)?;
    let text = std::fs::read_to_string(&config_path).map_err(|e| EvalError::io(&config_path, e))?;
    let config: ClassifierConfig = serde_json::from_str(&text).map_err(|e| EvalError::Config {
        path: config_path.clone(),
        message: e.to_string(),
    })?;
    config.validate().map_err(|message| EvalError::Config {
        path: config_path,
        message,
    })?;
    let tensors = read_safetensors(&weights_path)?;
    let model = MnistClassifier::new(&config, &mut ParamInit::placeholder(), device);
    let model = apply_named_tensors(model, tensors, device).map_err(|problems| {
        EvalError::WeightMismatch {
            path: weights_path,
            problems: problems.iter().map(ToString::to_string).collect(),
        }
    })?;
    Ok((model, config))
}

/// Writes `config.json` and `model.safetensors` into `dir` (created if needed), each atomically.
pub fn save_classifier<B: ModelBackend>(
    model: &MnistClassifier<B>,
    config: &ClassifierConfig,
    dir: &Path,
) -> EvalResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
    let json = serde_json::to_string_pretty(config)
        .map_err(|e| EvalError::invalid(format!("cannot encode the classifier config: {e}")))?;
    write_atomically(&dir.join(CONFIG_FILE), format!("{json}\n").as_bytes())?;
    write_safetensors(&dir.join(WEIGHTS_FILE), &named_tensors(model))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use diffusion_model::weights::NamedTensor;

    #[test]
    fn round_trip_and_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let device = Default::default();
        let mut config = ClassifierConfig::mnist();
        config.channels = vec![4, 4];
        config.features = 8;
        let model = MnistClassifier::<Flex>::new(&config, &mut ParamInit::new(3), &device);
        save_classifier(&model, &config, dir.path()).unwrap();
        let (back, back_config) = load_classifier::<Flex>(dir.path(), &device).unwrap();
        assert_eq!(back_config, config);
        assert_eq!(named_tensors(&back), named_tensors(&model));

        // Missing directory / file.
        let err = load_classifier::<Flex>(&dir.path().join("nope"), &device).unwrap_err();
        assert!(err.to_string().contains("not found"), "{err}");

        // A wrong shape is named.
        let mut tensors = named_tensors(&model);
        tensors.insert(
            "fc.bias".into(),
            NamedTensor {
                shape: vec![9],
                values: vec![0.0; 9],
            },
        );
        write_safetensors(&dir.path().join(WEIGHTS_FILE), &tensors).unwrap();
        let err = load_classifier::<Flex>(dir.path(), &device).unwrap_err();
        assert!(
            err.to_string()
                .contains("`fc.bias` has shape [9], expected [8]"),
            "{err}"
        );

        // A malformed config.
        std::fs::write(dir.path().join(CONFIG_FILE), "{\"in_channels\": 1}").unwrap();
        let err = load_classifier::<Flex>(dir.path(), &device).unwrap_err();
        assert!(matches!(err, EvalError::Config { .. }), "{err}");
    }
}
