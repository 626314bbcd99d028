//! The conditioning inputs every network takes the same way: one timestep per sample (or one
//! for the whole batch) and, for class-conditional models, one label per sample.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::error::{ModelError, ModelResult};
use crate::layers::Embedding;

/// `timesteps` for a batch of `n`: given per sample, or once and broadcast.
pub(crate) fn batch_timesteps<B: Backend>(
    timesteps: Tensor<B, 1>,
    n: usize,
) -> ModelResult<Tensor<B, 1>> {
    match timesteps.dims()[0] {
        steps if steps == n => Ok(timesteps),
        1 => Ok(timesteps.expand([n])),
        steps => Err(ModelError::Input(format!(
            "{steps} timesteps for a batch of {n}; give one per sample or a single one"
        ))),
    }
}

/// The class embedding of `labels` for a batch of `n`, or none for an unconditional model;
/// labels missing for a conditional model, given to an unconditional one, or of the wrong
/// count are errors.
pub(crate) fn class_embedding<B: Backend>(
    table: Option<&Embedding<B>>,
    labels: Option<Tensor<B, 1, Int>>,
    n: usize,
) -> ModelResult<Option<Tensor<B, 2>>> {
    match (table, labels) {
        (None, None) => Ok(None),
        (Some(table), None) => Err(ModelError::Input(format!(
            "this model is class-conditional ({} classes); pass class_labels",
            table.len()
        ))),
        (None, Some(_)) => Err(ModelError::Input(
            "class_labels given to a model without a class embedding".into(),
        )),
        (Some(_), Some(labels)) if labels.dims()[0] != n => Err(ModelError::Input(format!(
            "{} class labels for a batch of {n}",
            labels.dims()[0]
        ))),
        (Some(table), Some(labels)) => Ok(Some(table.forward(labels))),
    }
}
