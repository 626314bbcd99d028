//! diffusers model directories: `config.json` + `diffusion_pytorch_model.safetensors`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::Backend;

use super::{
    apply_named_tensors, first_non_finite, named_tensors, read_safetensors, write_safetensors,
    NamedTensor,
};
use crate::error::{ModelError, ModelResult};
use diffusion_data::files::write_atomically;

/// The config file of a diffusers model directory.
pub const CONFIG_FILE: &str = "config.json";
/// The weights file of a diffusers model directory.
pub const WEIGHTS_FILE: &str = "diffusion_pytorch_model.safetensors";

/// Loads `dir`'s safetensors weights into `model` (built with placeholder parameters); every
/// missing, unexpected or mis-shaped tensor is reported by name.
pub fn load_weights<B: Backend, M: Module<B>>(
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
    if let Some(found) = first_non_finite(&tensors) {
        return Err(ModelError::NonFiniteWeights {
            path: weights_path.display().to_string(),
            found,
        });
    }
    apply_named_tensors(model, tensors, device).map_err(|problems| ModelError::Weights {
        path: weights_path.display().to_string(),
        problems,
    })
}

/// Writes `model`'s weights and `config_json` into `dir` (created if needed), each file to a
/// temporary name and renamed, so an interrupted save never leaves a torn file.
pub fn save_directory<B: Backend, M: Module<B>>(
    model: &M,
    dir: &Path,
    config_json: &str,
) -> ModelResult<()> {
    fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    write_safetensors(&dir.join(WEIGHTS_FILE), &named_tensors::<B, M>(model))?;
    Ok(write_atomically(
        &dir.join(CONFIG_FILE),
        config_json.as_bytes(),
    )?)
}

/// Old attention key parts and their current names.
const LEGACY_ATTENTION: [(&str, &str); 4] = [
    (".query.", ".to_q."),
    (".key.", ".to_k."),
    (".value.", ".to_v."),
    (".proj_attn.", ".to_out.0."),
];

/// Renames the attention keys of checkpoints saved before diffusers' `Attention` refactor
/// (`query`, `key`, `value`, `proj_attn`) to today's (`to_q`, `to_k`, `to_v`, `to_out.0`), as
/// diffusers does when it loads them; many hub UNet2DModel checkpoints still use the old names.
fn rename_legacy_attention(
    tensors: BTreeMap<String, NamedTensor>,
) -> BTreeMap<String, NamedTensor> {
    tensors
        .into_iter()
        .map(|(name, tensor)| (current_attention_name(name), tensor))
        .collect()
}

/// A state-dict key as loading reads it: old attention key names (`query`, `key`, `value`,
/// `proj_attn`) become today's (`to_q`, `to_k`, `to_v`, `to_out.0`); other keys stay.
pub fn current_attention_name(name: String) -> String {
    LEGACY_ATTENTION
        .iter()
        .find(|(old, _)| name.contains(".attentions.") && name.contains(old))
        .map(|(old, new)| name.replacen(old, new, 1))
        .unwrap_or(name)
}
