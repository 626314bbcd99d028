//! The parity tool's file format: a safetensors file with the inputs of one forward pass
//! (`sample`, `timesteps`, optional `class_labels`) and one with its `output`.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use super::safetensors_file::{le_words, read_with};
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
    read_with(path, read_inputs)
}

fn read_inputs(file: &SafeTensors, shown: &str) -> ModelResult<ForwardInputs> {
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
        values: le_words(sample.data()).map(f32::from_le_bytes).collect(),
    };
    let timesteps = file
        .tensor("timesteps")
        .map_err(|_| bad(format!("no tensor `timesteps` (length {n})")))?;
    let timesteps: Vec<f32> = match timesteps.dtype() {
        Dtype::I64 => le_words::<8>(timesteps.data())
            .map(|b| i64::from_le_bytes(b) as f32)
            .collect(),
        Dtype::I32 => le_words::<4>(timesteps.data())
            .map(|b| i32::from_le_bytes(b) as f32)
            .collect(),
        Dtype::F32 => le_words::<4>(timesteps.data())
            .map(f32::from_le_bytes)
            .collect(),
        Dtype::F64 => le_words::<8>(timesteps.data())
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
                Dtype::I64 => le_words::<8>(labels.data())
                    .map(i64::from_le_bytes)
                    .collect(),
                Dtype::I32 => le_words::<4>(labels.data())
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

/// Reads the f32 tensor `output` (what [`write_forward_output`] writes, and what a parity
/// fixture holds beside its inputs).
pub fn read_forward_output(path: &Path) -> ModelResult<NamedTensor> {
    read_with(path, |file, shown| {
        let output = file
            .tensor("output")
            .map_err(|_| ModelError::Input(format!("{shown}: no tensor `output`")))?;
        if output.dtype() != Dtype::F32 {
            return Err(ModelError::Input(format!(
                "{shown}: `output` has dtype {:?}; expected F32",
                output.dtype()
            )));
        }
        Ok(NamedTensor {
            shape: output.shape().to_vec(),
            values: le_words(output.data()).map(f32::from_le_bytes).collect(),
        })
    })
}

/// Writes one f32 tensor under the name `output`.
pub fn write_forward_output(path: &Path, output: NamedTensor) -> ModelResult<()> {
    write_safetensors(path, &BTreeMap::from([("output".to_string(), output)]))
}
