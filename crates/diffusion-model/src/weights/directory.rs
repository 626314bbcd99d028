//! diffusers model directories: `config.json` + `diffusion_pytorch_model.safetensors`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::backend::Backend;

use super::{
    apply_named_tensors, named_tensors, read_safetensors, write_atomically, write_safetensors,
    NamedTensor,
};
use crate::config::UNet2DConfig;
use crate::error::{ModelError, ModelResult};
use crate::layers::ParamInit;
use crate::mlp::{MlpConfig, MlpDenoiser};
use crate::unet::UNet2DModel;

/// The config file of a diffusers model directory.
pub const CONFIG_FILE: &str = "config.json";
/// The weights file of a diffusers model directory.
pub const WEIGHTS_FILE: &str = "diffusion_pytorch_model.safetensors";

/// Loads a diffusers `UNet2DModel` directory onto `device`. Unknown config keys are reported on
/// stderr and ignored (as diffusers does); unsupported values, missing or mis-shaped tensors and
/// corrupt files are errors that name what is wrong.
pub fn load_unet<B: Backend>(dir: &Path, device: &B::Device) -> ModelResult<UNet2DModel<B>> {
    let (config_path, text) = read_config(dir)?;
    let parsed = UNet2DConfig::from_json_str(&text, &config_path.display().to_string())?;
    for key in &parsed.ignored_keys {
        eprintln!(
            "warning: {}: ignoring unknown key `{key}`",
            config_path.display()
        );
    }
    let model = UNet2DModel::<B>::with_init(&parsed.config, &mut ParamInit::placeholder(), device)?;
    load_weights(model, dir, device)
}

/// Saves a U-Net as a diffusers model directory (created if needed). Each file is written to a
/// temporary name and renamed, so an interrupted save never leaves a torn file.
pub fn save_unet<B: Backend>(model: &UNet2DModel<B>, dir: &Path) -> ModelResult<()> {
    save_directory(model, dir, &model.config().to_json_string())
}

/// Loads an [`MlpDenoiser`] directory written by [`save_mlp`].
pub fn load_mlp<B: Backend>(dir: &Path, device: &B::Device) -> ModelResult<MlpDenoiser<B>> {
    let (config_path, text) = read_config(dir)?;
    let config: MlpConfig = serde_json::from_str(&text).map_err(|e| ModelError::ConfigSyntax {
        path: config_path.display().to_string(),
        message: e.to_string(),
    })?;
    let model = MlpDenoiser::<B>::with_init(&config, &mut ParamInit::placeholder(), device)?;
    load_weights(model, dir, device)
}

/// Saves an [`MlpDenoiser`] in the same directory layout as the U-Net.
pub fn save_mlp<B: Backend>(model: &MlpDenoiser<B>, dir: &Path) -> ModelResult<()> {
    let mut value = serde_json::to_value(model.config()).expect("config serialises");
    value["_class_name"] = "MlpDenoiser".into();
    save_directory(
        model,
        dir,
        &serde_json::to_string_pretty(&value).expect("config serialises"),
    )
}

fn read_config(dir: &Path) -> ModelResult<(PathBuf, String)> {
    let config_path = dir.join(CONFIG_FILE);
    let text = fs::read_to_string(&config_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::MissingFile {
            path: config_path.clone(),
            hint: "a diffusers model directory holds config.json and diffusion_pytorch_model.safetensors".into(),
        },
        _ => ModelError::io(&config_path, e),
    })?;
    Ok((config_path, text))
}

fn load_weights<B: Backend, M: Module<B>>(
    model: M,
    dir: &Path,
    device: &B::Device,
) -> ModelResult<M> {
    let weights_path = dir.join(WEIGHTS_FILE);
    if !weights_path.exists() {
        let hint = if dir.join("diffusion_pytorch_model.bin").exists() {
            "this directory has only the PyTorch pickle (diffusion_pytorch_model.bin); convert it with diffusers: `UNet2DModel.from_pretrained(DIR).save_pretrained(DIR, safe_serialization=True)`"
        } else {
            "a diffusers model directory holds config.json and diffusion_pytorch_model.safetensors"
        };
        return Err(ModelError::MissingFile {
            path: weights_path,
            hint: hint.into(),
        });
    }
    let tensors = rename_legacy_attention(read_safetensors(&weights_path)?);
    apply_named_tensors(model, tensors, device).map_err(|problems| ModelError::Weights {
        path: weights_path.display().to_string(),
        problems,
    })
}

fn save_directory<B: Backend, M: Module<B>>(
    model: &M,
    dir: &Path,
    config_json: &str,
) -> ModelResult<()> {
    fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    write_safetensors(&dir.join(WEIGHTS_FILE), &named_tensors::<B, M>(model))?;
    write_atomically(&dir.join(CONFIG_FILE), config_json.as_bytes())
}

/// Renames the attention keys of checkpoints saved before diffusers' `Attention` refactor
/// (`query`, `key`, `value`, `proj_attn`) to today's (`to_q`, `to_k`, `to_v`, `to_out.0`), as
/// diffusers does when it loads them; many hub UNet2DModel checkpoints still use the old names.
fn rename_legacy_attention(
    tensors: BTreeMap<String, NamedTensor>,
) -> BTreeMap<String, NamedTensor> {
    const RENAMES: [(&str, &str); 4] = [
        (".query.", ".to_q."),
        (".key.", ".to_k."),
        (".value.", ".to_v."),
        (".proj_attn.", ".to_out.0."),
    ];
    tensors
        .into_iter()
        .map(|(name, tensor)| {
            let renamed = RENAMES
                .iter()
                .find(|(old, _)| name.contains(".attentions.") && name.contains(old))
                .map(|(old, new)| name.replacen(old, new, 1))
                .unwrap_or(name);
            (renamed, tensor)
        })
        .collect()
}
