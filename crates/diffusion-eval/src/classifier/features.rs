//! Batched inference: each image's feature vector (f64, for the metrics) and predicted class.

use burn::tensor::{Tensor, TensorData};
use diffusion_model::ModelBackend;

use super::model::{ClassifierConfig, MnistClassifier};
use crate::error::{EvalError, EvalResult};

/// Images per forward pass: large enough for the GEMMs, small enough for memory.
const BATCH: usize = 250;

/// What the classifier says about a set of images.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// Penultimate-layer features, one vector per image.
    pub features: Vec<Vec<f64>>,
    /// The arg-max class of each image.
    pub predictions: Vec<usize>,
}

/// Runs `model` over `images` (row-major `[N, C, H, W]` values in [−1, 1]) in batches.
pub fn classify<B: ModelBackend>(
    model: &MnistClassifier<B>,
    config: &ClassifierConfig,
    images: &[f32],
    item_shape: &[usize],
    device: &B::Device,
) -> EvalResult<Classified> {
    MnistClassifier::<B>::check_input(config, item_shape)?;
    let item: usize = item_shape.iter().product();
    if images.is_empty() || !images.len().is_multiple_of(item) {
        return Err(EvalError::invalid(format!(
            "{} values are not a positive whole number of images of shape {item_shape:?}",
            images.len()
        )));
    }
    if let Some(bad) = images.iter().position(|v| !v.is_finite()) {
        return Err(EvalError::invalid(format!(
            "image {} holds a non-finite value",
            bad / item
        )));
    }
    let mut out = Classified {
        features: Vec::new(),
        predictions: Vec::new(),
    };
    for chunk in images.chunks(BATCH * item) {
        let n = chunk.len() / item;
        let shape = [n, item_shape[0], item_shape[1], item_shape[2]];
        let x = Tensor::<B, 4>::from_data(TensorData::new(chunk.to_vec(), shape), device);
        let (features, logits) = model.forward(x);
        let f = host(features);
        let l = host(logits);
        out.features.extend(
            f.chunks(config.features)
                .map(|r| r.iter().map(|&v| v as f64).collect()),
        );
        out.predictions
            .extend(l.chunks(config.num_classes).map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                        if v > best.1 {
                            (i, v)
                        } else {
                            best
                        }
                    })
                    .0
            }));
    }
    Ok(out)
}

fn host<B: burn::tensor::backend::Backend>(t: Tensor<B, 2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("f32 after convert")
}
