//! safetensors files as maps from key to f32 tensor; atomic writes.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use diffusion_data::files::write_atomically;

use super::NamedTensor;
use crate::error::{ModelError, ModelResult};

/// Reads and parses a safetensors file, then hands it to `read` with the path as shown in
/// messages. A truncated or corrupt file is a [`ModelError::CorruptWeights`].
pub(crate) fn read_with<T>(
    path: &Path,
    read: impl FnOnce(&SafeTensors, &str) -> ModelResult<T>,
) -> ModelResult<T> {
    let bytes = fs::read(path).map_err(|e| ModelError::io(path, e))?;
    let shown = path.display().to_string();
    let file = SafeTensors::deserialize(&bytes).map_err(|e| ModelError::CorruptWeights {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    read(&file, &shown)
}

/// The little-endian words of a tensor's bytes, `W` bytes each.
pub(crate) fn le_words<const W: usize>(data: &[u8]) -> impl Iterator<Item = [u8; W]> + '_ {
    data.chunks_exact(W)
        .map(|b| b.try_into().expect("chunks_exact yields W bytes"))
}

/// Reads every tensor of a safetensors file as f32 (F16, BF16 and F64 are converted).
/// A truncated or corrupt file is a [`ModelError::CorruptWeights`].
pub fn read_safetensors(path: &Path) -> ModelResult<BTreeMap<String, NamedTensor>> {
    read_with(path, |file, shown| {
        let mut tensors = BTreeMap::new();
        for (name, view) in file.tensors() {
            let data = view.data();
            let values: Vec<f32> = match view.dtype() {
                Dtype::F32 => le_words(data).map(f32::from_le_bytes).collect(),
                Dtype::F16 => le_words(data)
                    .map(|b| half::f16::from_le_bytes(b).to_f32())
                    .collect(),
                Dtype::BF16 => le_words(data)
                    .map(|b| half::bf16::from_le_bytes(b).to_f32())
                    .collect(),
                Dtype::F64 => le_words(data)
                    .map(|b| f64::from_le_bytes(b) as f32)
                    .collect(),
                other => {
                    return Err(ModelError::UnsupportedDtype {
                        path: shown.to_string(),
                        name,
                        dtype: format!("{other:?}"),
                    })
                }
            };
            let shape = view.shape().to_vec();
            tensors.insert(name, NamedTensor { shape, values });
        }
        Ok(tensors)
    })
}

/// Writes f32 tensors as a safetensors file with PyTorch's metadata (`format: pt`), atomically.
pub fn write_safetensors(path: &Path, tensors: &BTreeMap<String, NamedTensor>) -> ModelResult<()> {
    let bytes_by_name: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, t)| {
            let bytes = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), bytes, t.shape.clone())
        })
        .collect();
    let views = bytes_by_name
        .iter()
        .map(|(name, bytes, shape)| {
            safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ModelError::CorruptWeights {
            path: path.display().to_string(),
            message: format!("cannot encode: {e}"),
        })?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let encoded =
        safetensors::serialize(views, Some(metadata)).map_err(|e| ModelError::CorruptWeights {
            path: path.display().to_string(),
            message: format!("cannot encode: {e}"),
        })?;
    Ok(write_atomically(path, &encoded)?)
}
