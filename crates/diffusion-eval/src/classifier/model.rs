//! A small CNN for 1×28×28 digits in [−1, 1]: 3×3 convolutions (the first at stride 1, the rest
//! at stride 2) with ReLU, a fully connected feature layer (the space of the Fréchet distance and
//! precision/recall) and a linear head with one logit per class.

use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use diffusion_model::layers::{Conv2d, Conv2dShape, Linear, ParamInit};
use diffusion_model::ModelBackend;
use serde::{Deserialize, Serialize};

use crate::error::{EvalError, EvalResult};

/// The architecture, stored as the weights directory's config.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierConfig {
    /// Image channels (1 for MNIST).
    pub in_channels: usize,
    /// Square image side (28 for MNIST).
    pub image_size: usize,
    /// Output channels of each 3×3 convolution; the first runs at stride 1, the rest at stride 2.
    pub channels: Vec<usize>,
    /// Width of the penultimate (feature) layer.
    pub features: usize,
    /// Number of classes (logits).
    pub num_classes: usize,
    /// How the stored weights were obtained (absent for an untrained model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingRecord>,
}

/// The provenance of a trained classifier, kept next to its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRecord {
    /// The command that reproduces the weights.
    pub command: String,
    /// Dataset directory (relative to the workspace root).
    pub data: String,
    /// Held-out fraction and the seed of `Dataset::split` (the diffusion trainer's defaults).
    pub held_out_fraction: f64,
    /// Seed of the held-out split.
    pub split_seed: u64,
    /// Seed of initialisation, data order and augmentation.
    pub seed: u64,
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Peak learning rate of Adam.
    pub learning_rate: f64,
    /// Largest random shift (pixels) applied to training images.
    pub max_shift: usize,
    /// Correctly classified held-out images.
    pub held_out_correct: usize,
    /// Held-out images.
    pub held_out_count: usize,
    /// Wall-clock seconds of training (without the final evaluation).
    pub train_seconds: f64,
}

impl ClassifierConfig {
    /// The default MNIST classifier: channels 32-32-64-64 (28 → 28 → 14 → 7 → 4), 128 features,
    /// 10 classes (197,482 parameters, 0.8 MB as f32).
    pub fn mnist() -> Self {
        Self {
            in_channels: 1,
            image_size: 28,
            channels: vec![32, 32, 64, 64],
            features: 128,
            num_classes: 10,
            training: None,
        }
    }

    /// The side of the last feature map: each stride-2 3×3 convolution with padding 1 maps
    /// `s ↦ ⌊(s − 1)/2⌋ + 1`.
    pub fn final_side(&self) -> usize {
        (1..self.channels.len()).fold(self.image_size, |s, _| (s - 1) / 2 + 1)
    }

    /// Values entering the feature layer.
    pub fn flat_len(&self) -> usize {
        self.channels.last().copied().unwrap_or(0) * self.final_side().pow(2)
    }

    /// Why the config cannot be built, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.in_channels == 0 || self.image_size == 0 {
            return Err("in_channels and image_size must be positive".into());
        }
        if self.channels.is_empty() || self.channels.contains(&0) {
            return Err("channels must list at least one positive width".into());
        }
        if self.features == 0 || self.num_classes < 2 {
            return Err("features must be positive and num_classes at least 2".into());
        }
        Ok(())
    }
}

/// The classifier network; parameter keys are `convs.{i}.weight|bias`, `fc.*`, `head.*`.
#[derive(Module, Debug)]
pub struct MnistClassifier<B: Backend> {
    /// 3×3 convolutions, padding 1 (stride 1 for the first, 2 for the rest).
    pub convs: Vec<Conv2d<B>>,
    /// Flattened last feature map → feature layer (ReLU after it).
    pub fc: Linear<B>,
    /// Features → class logits.
    pub head: Linear<B>,
}

impl<B: Backend> MnistClassifier<B> {
    /// A network of `config`, initialised from `init` (PyTorch's default init, or zeros for a
    /// model about to be loaded).
    pub fn new(config: &ClassifierConfig, init: &mut ParamInit, device: &B::Device) -> Self {
        let mut convs = Vec::new();
        let mut inputs = config.in_channels;
        for (i, &out) in config.channels.iter().enumerate() {
            let stride = if i == 0 { 1 } else { 2 };
            convs.push(
                Conv2dShape::same(inputs, out, 3)
                    .strided(stride, 1)
                    .init(init, device),
            );
            inputs = out;
        }
        Self {
            convs,
            fc: Linear::new(config.flat_len(), config.features, init, device),
            head: Linear::new(config.features, config.num_classes, init, device),
        }
    }
}

impl<B: ModelBackend> MnistClassifier<B> {
    /// Features `[N, features]` (after ReLU) and logits `[N, classes]` of images `[N, C, H, W]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let mut x = images;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let [n, c, h, w] = x.dims();
        let features = relu(self.fc.forward(x.reshape([n, c * h * w])));
        let logits = self.head.forward(features.clone());
        (features, logits)
    }

    /// Checks that images of `item_shape` fit a classifier of `config`.
    pub fn check_input(config: &ClassifierConfig, item_shape: &[usize]) -> EvalResult<()> {
        let want = [config.in_channels, config.image_size, config.image_size];
        if item_shape != want {
            return Err(EvalError::invalid(format!(
                "the classifier takes images of shape {want:?}; got {item_shape:?}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    #[test]
    fn shapes_follow_the_config() {
        let config = ClassifierConfig::mnist();
        assert_eq!(config.final_side(), 4);
        assert_eq!(config.flat_len(), 1024);
        let device = Default::default();
        let model = MnistClassifier::<Flex>::new(&config, &mut ParamInit::new(1), &device);
        let x = Tensor::<Flex, 4>::zeros([3, 1, 28, 28], &device);
        let (f, l) = model.forward(x);
        assert_eq!(f.dims(), [3, 128]);
        assert_eq!(l.dims(), [3, 10]);
        assert!(MnistClassifier::<Flex>::check_input(&config, &[1, 28, 28]).is_ok());
        assert!(MnistClassifier::<Flex>::check_input(&config, &[3, 28, 28]).is_err());
        let mut bad = config.clone();
        bad.channels.clear();
        assert!(bad.validate().is_err());
    }
}
