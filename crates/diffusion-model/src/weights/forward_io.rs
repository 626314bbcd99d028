//! The parity tool's file format: a safetensors file with the inputs of one forward pass
//! (`sample`, `timesteps`, optional `class_labels`) and one with its `output`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use super::{write_safetensors, NamedTensor};
use crate::error::{ModelError, ModelResult};

/// The inputs of one U-Net forward pass, as read from a safetensors file.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardInputs {
    /// `sample`, f32 `[N, C, H, W]`.
    pub sample: NamedTensor,
    /// `timesteps`, length N (stored as i64, i32, f32 or f64).
    pub timesteps: Vec<f32>,
    /// `class_labels`, length N (stored as i64 or i32), when present.
    pub class_labels: Option<Vec<i64>>,
}

/// Reads `sample`, `timesteps` and optional `class_labels` from a safetensors file, checking
/// their dtypes and shapes.
pub fn read_forward_inputs(path: &Path) -> ModelResult<ForwardInputs> {
    let bytes = fs::read(path).map_err(|e| ModelError::io(path, e))?;
    let shown = path.display().to_string();
    let file = SafeTensors::deserialize(&bytes).map_err(|e| ModelError::CorruptWeights {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let bad = |message: String| ModelError::Input(format!("{shown}: {message}"));
    let sample = file
        .tensor("sample")
        .map_err(|_| bad("no tensor `sample` (f32, N×C×H×W)".into()))?;
    if sample.dtype() != Dtype::F32 || sample.shape().len() != 4 {
        return Err(bad(format!(
            "`sample` must be F32 with 4 dimensions, found {:?} {:?}",
            sample.dtype(),
            sample.shape()
        )));
    }
    let n = sample.shape()[0];
    let sample = NamedTensor {
        shape: sample.shape().to_vec(),
        values: sample
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    };
    let timesteps = file
        .tensor("timesteps")
        .map_err(|_| bad(format!("no tensor `timesteps` (length {n})")))?;
    let timesteps: Vec<f32> = match timesteps.dtype() {
        Dtype::I64 => words::<8>(timesteps.data())
            .map(|b| i64::from_le_bytes(b) as f32)
            .collect(),
        Dtype::I32 => words::<4>(timesteps.data())
            .map(|b| i32::from_le_bytes(b) as f32)
            .collect(),
        Dtype::F32 => words::<4>(timesteps.data())
            .map(f32::from_le_bytes)
            .collect(),
        Dtype::F64 => words::<8>(timesteps.data())
            .map(|b| f64::from_le_bytes(b) as f32)
            .collect(),
        other => {
            return Err(bad(format!(
                "`timesteps` has dtype {other:?}; use I64 or F32"
            )))
        }
    };
    if timesteps.len() != n && timesteps.len() != 1 {
        return Err(bad(format!(
            "{} timesteps for a batch of {n}",
            timesteps.len()
        )));
    }
    let class_labels = match file.tensor("class_labels") {
        Err(_) => None,
        Ok(labels) => {
            let values: Vec<i64> = match labels.dtype() {
                Dtype::I64 => words::<8>(labels.data()).map(i64::from_le_bytes).collect(),
                Dtype::I32 => words::<4>(labels.data())
                    .map(|b| i32::from_le_bytes(b) as i64)
                    .collect(),
                other => return Err(bad(format!("`class_labels` has dtype {other:?}; use I64"))),
            };
            if values.len() != n {
                return Err(bad(format!(
                    "{} class labels for a batch of {n}",
                    values.len()
                )));
            }
            Some(values)
        }
    };
    Ok(ForwardInputs {
        sample,
        timesteps,
        class_labels,
    })
}

/// Writes one f32 tensor under the name `output`.
pub fn write_forward_output(path: &Path, output: NamedTensor) -> ModelResult<()> {
    write_safetensors(path, &BTreeMap::from([("output".to_string(), output)]))
}

fn words<const W: usize>(data: &[u8]) -> impl Iterator<Item = [u8; W]> + '_ {
    data.chunks_exact(W)
        .map(|b| b.try_into().expect("chunk of W bytes"))
}
