//! Trains the classifier: softmax cross-entropy, Adam (diffusion-train's AdamW with weight decay
//! 0) with warm-up and cosine decay, random ±`max_shift` pixel shifts, and every random draw a pure
//! function of (seed, stream, position) through `diffusion_data::order`, so a run is repeatable.

use burn::module::AutodiffModule;
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor, TensorData};
use diffusion_data::{order, Dataset, EpochOrder};
use diffusion_model::layers::ParamInit;
use diffusion_model::ModelBackend;
use diffusion_train::config::{LrSchedule, OptimizerConfig};
use diffusion_train::optimizer::{learning_rate, AdamW};

use super::model::{ClassifierConfig, MnistClassifier};
use crate::error::{EvalError, EvalResult};

/// Random streams of classifier training (distinct from the diffusion trainer's 1–5).
mod streams {
    /// Parameter initialisation.
    pub const INIT: u64 = 11;
    /// Data order.
    pub const ORDER: u64 = 12;
    /// Shift augmentation.
    pub const SHIFT: u64 = 13;
}

/// Hyper-parameters of a classifier run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierTraining {
    /// Seed of initialisation, order and augmentation.
    pub seed: u64,
    /// Passes over the training data.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Peak learning rate (after a linear warm-up, then a half cosine to 0).
    pub learning_rate: f64,
    /// Warm-up steps.
    pub warmup_steps: u64,
    /// Largest shift in pixels, drawn uniformly per image and axis from −s..=s.
    pub max_shift: usize,
}

impl Default for ClassifierTraining {
    /// The committed classifier's settings.
    fn default() -> Self {
        Self {
            seed: 0,
            epochs: 12,
            batch_size: 64,
            learning_rate: 2e-3,
            warmup_steps: 50,
            max_shift: 2,
        }
    }
}

/// Moves each `[C, H, W]` image by (dy, dx) pixels drawn from (seed, SHIFT, position), filling
/// the uncovered border with the background value −1.
fn shift_images(values: &mut [f32], shape: &[usize], first: u64, seed: u64, max_shift: usize) {
    if max_shift == 0 {
        return;
    }
    let (c, h, w) = (shape[0], shape[1], shape[2]);
    let span = 2 * max_shift as u64 + 1;
    for (k, item) in values.chunks_mut(c * h * w).enumerate() {
        let word = order::draw(seed, streams::SHIFT, first + k as u64);
        let dy = ((word >> 32) % span) as i64 - max_shift as i64;
        let dx = ((word & 0xFFFF_FFFF) % span) as i64 - max_shift as i64;
        let source = item.to_vec();
        for ch in 0..c {
            for y in 0..h as i64 {
                for x in 0..w as i64 {
                    let (sy, sx) = (y - dy, x - dx);
                    let inside = sy >= 0 && sx >= 0 && sy < h as i64 && sx < w as i64;
                    item[ch * h * w + (y as usize) * w + x as usize] = if inside {
                        source[ch * h * w + (sy as usize) * w + sx as usize]
                    } else {
                        -1.0
                    };
                }
            }
        }
    }
}

/// Trains a classifier of `config` on the labelled images `data` (values in [−1, 1]); `progress`
/// gets (epoch, step, mean loss of the last epoch) at the end of each epoch.
pub fn train_classifier<A>(
    config: &ClassifierConfig,
    training: &ClassifierTraining,
    data: &Dataset,
    device: &A::Device,
    mut progress: impl FnMut(usize, u64, f64),
) -> EvalResult<MnistClassifier<A::InnerBackend>>
where
    A: AutodiffBackend + ModelBackend,
    A::InnerBackend: ModelBackend,
{
    config.validate().map_err(EvalError::invalid)?;
    MnistClassifier::<A>::check_input(config, &data.item_shape)?;
    let labels = data
        .labels
        .as_ref()
        .ok_or_else(|| EvalError::invalid("the classifier needs labelled images"))?;
    if let Some(bad) = labels.iter().find(|&&l| l as usize >= config.num_classes) {
        return Err(EvalError::invalid(format!(
            "label {bad} is outside the classifier's {} classes",
            config.num_classes
        )));
    }
    if training.batch_size == 0 || training.epochs == 0 {
        return Err(EvalError::invalid("epochs and batch size must be positive"));
    }
    let mut model = MnistClassifier::<A>::new(
        config,
        &mut ParamInit::new(order::mix64(training.seed ^ streams::INIT)),
        device,
    );
    let optimizer_config = OptimizerConfig {
        learning_rate: training.learning_rate,
        weight_decay: 0.0,
        warmup_steps: training.warmup_steps,
        schedule: LrSchedule::Cosine,
        grad_clip: None,
        ..OptimizerConfig::default()
    };
    let mut optimizer = AdamW::<A::InnerBackend>::new(optimizer_config.clone());
    let mut order = EpochOrder::new(data.len(), order::mix64(training.seed ^ streams::ORDER));
    let steps_per_epoch = data.len().div_ceil(training.batch_size) as u64;
    let total = steps_per_epoch * training.epochs as u64;
    let shape = &data.item_shape;
    let classes = config.num_classes;
    let mut step = 0u64;
    for epoch in 0..training.epochs {
        let mut loss_sum = 0.0;
        for k in 0..steps_per_epoch {
            let first = epoch as u64 * data.len() as u64 + k * training.batch_size as u64;
            let n = training
                .batch_size
                .min(data.len() - (k as usize * training.batch_size));
            let indices = order.items(first, n);
            let (mut values, batch_labels) = data.gather(&indices);
            shift_images(&mut values, shape, first, training.seed, training.max_shift);
            let mut one_hot = vec![0.0f32; n * classes];
            for (i, &l) in batch_labels
                .as_deref()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                one_hot[i * classes + l as usize] = 1.0;
            }
            let x = Tensor::<A, 4>::from_data(
                TensorData::new(values, [n, shape[0], shape[1], shape[2]]),
                device,
            );
            let target = Tensor::<A, 2>::from_data(TensorData::new(one_hot, [n, classes]), device);
            let (_, logits) = model.forward(x);
            // Cross-entropy −(1/N) Σᵢ log softmax(zᵢ)_{yᵢ}.
            let loss = (log_softmax(logits, 1) * target).sum().neg() / n as f64;
            loss_sum += loss.clone().into_scalar().elem::<f64>();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            step += 1;
            let lr = learning_rate(&optimizer_config, step, total);
            model = optimizer.step(model, grads, lr, 1.0);
        }
        progress(epoch + 1, step, loss_sum / steps_per_epoch as f64);
    }
    Ok(model.valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_move_pixels_and_fill_background() {
        let mut img: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let original = img.clone();
        // Find a seed whose draw is a non-zero shift, then check it is a pure translation.
        shift_images(&mut img, &[1, 4, 4], 0, 5, 1);
        let word = order::draw(5, streams::SHIFT, 0);
        let dy = ((word >> 32) % 3) as i64 - 1;
        let dx = ((word & 0xFFFF_FFFF) % 3) as i64 - 1;
        for y in 0..4i64 {
            for x in 0..4i64 {
                let (sy, sx) = (y - dy, x - dx);
                let want = if (0..4).contains(&sy) && (0..4).contains(&sx) {
                    original[(sy * 4 + sx) as usize]
                } else {
                    -1.0
                };
                assert_eq!(img[(y * 4 + x) as usize], want);
            }
        }
    }
}
