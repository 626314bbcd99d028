//! `MlpDenoiser`: a small time-embedded residual MLP for low-dimensional data (2-D toys), used
//! by fast demos and tests where a U-Net would be overkill.

use diffusion_data::memory::check_fits;

use crate::network::NetworkSpec;
use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

mod network;

use crate::conditioning::{batch_timesteps, class_embedding};
use crate::error::{ModelError, ModelResult};
use crate::layers::{silu, Embedding, Linear, ParamInit};
use crate::network::Network;
use crate::unet::{SinusoidalTimesteps, TimestepEmbedding};

/// The shape of an [`MlpDenoiser`]; saved as its config.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Dimension of a data point (2 for the toy distributions).
    pub data_dim: usize,
    /// Width of the hidden layers.
    pub hidden_dim: usize,
    /// Number of residual blocks.
    pub blocks: usize,
    /// Number of sinusoidal time features.
    pub time_features: usize,
    /// Times are multiplied by this before the sinusoids: 1000 suits continuous t ∈ [0, 1],
    /// 1 suits discrete timesteps 0..1000.
    pub time_scale: f64,
    /// Classes of a class-conditional model (including a null class), or none.
    #[serde(default)]
    pub num_classes: Option<usize>,
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            data_dim: 2,
            hidden_dim: 128,
            blocks: 3,
            time_features: 32,
            time_scale: 1000.0,
            num_classes: None,
        }
    }
}

impl MlpConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> ModelResult<()> {
        for (key, value) in [
            ("data_dim", self.data_dim),
            ("hidden_dim", self.hidden_dim),
            ("time_features", self.time_features),
        ] {
            if value == 0 {
                return Err(ModelError::config(key, "must be positive"));
            }
        }
        if self.time_features < 2 {
            return Err(ModelError::config(
                "time_features",
                "must be at least 2 (one sine, one cosine)",
            ));
        }
        if !(self.time_scale > 0.0 && self.time_scale.is_finite()) {
            return Err(ModelError::config(
                "time_scale",
                "must be positive and finite",
            ));
        }
        let footprint = NetworkSpec::footprint(self, &[self.data_dim]);
        check_fits(
            &format!(
                "the MLP of hidden_dim {} with {} blocks",
                self.hidden_dim, self.blocks
            ),
            footprint.bytes(1),
        )?;
        if self.num_classes == Some(0) {
            return Err(ModelError::config(
                "num_classes",
                "must be positive or null",
            ));
        }
        Ok(())
    }
}

/// One residual block: h + W₂ SiLU(W₁ SiLU(h)).
#[derive(Module, Debug)]
pub struct MlpBlock<B: Backend> {
    /// First layer.
    pub linear_1: Linear<B>,
    /// Second layer.
    pub linear_2: Linear<B>,
}

/// A denoiser for `[N, data_dim]` data: input projection plus time (and class) embedding,
/// residual blocks, output projection back to `data_dim`.
#[derive(Module, Debug)]
pub struct MlpDenoiser<B: Backend> {
    /// Data → hidden.
    pub input: Linear<B>,
    /// Time features → hidden.
    pub time_embedding: TimestepEmbedding<B>,
    /// Class → hidden (class-conditional models).
    pub class_embedding: Option<Embedding<B>>,
    /// The residual blocks.
    pub blocks: Vec<MlpBlock<B>>,
    /// Hidden → data.
    pub output: Linear<B>,
    #[module(skip)]
    config: MlpConfig,
    #[module(skip)]
    time_proj: SinusoidalTimesteps,
}

impl<B: Backend> Network<B, 2> for MlpDenoiser<B> {
    type Config = MlpConfig;

    fn spec(&self) -> &MlpConfig {
        self.config()
    }

    fn initialised(
        config: &MlpConfig,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> ModelResult<Self> {
        config.validate()?;
        let hidden = config.hidden_dim;
        Ok(Self {
            input: Linear::new(config.data_dim, hidden, init, device),
            time_embedding: TimestepEmbedding::new(config.time_features, hidden, init, device),
            class_embedding: config
                .num_classes
                .map(|n| Embedding::new(n, hidden, init, device)),
            blocks: (0..config.blocks)
                .map(|_| MlpBlock {
                    linear_1: Linear::new(hidden, hidden, init, device),
                    linear_2: Linear::new(hidden, hidden, init, device),
                })
                .collect(),
            output: Linear::new(hidden, config.data_dim, init, device),
            time_proj: SinusoidalTimesteps::new(config.time_features, true, 0.0),
            config: config.clone(),
        })
    }
}

impl<B: Backend> MlpDenoiser<B> {
    /// The network's shape.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }

    /// `x` `[N, data_dim]`, `timesteps` `[N]` (or `[1]`), optional `class_labels` `[N]`
    /// → `[N, data_dim]`.
    pub fn forward(
        &self,
        x: Tensor<B, 2>,
        timesteps: Tensor<B, 1>,
        class_labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 2>> {
        let [n, d] = x.dims();
        if d != self.config.data_dim {
            return Err(ModelError::Input(format!(
                "data has dimension {d} but the model takes data_dim = {}",
                self.config.data_dim
            )));
        }
        let timesteps = batch_timesteps(timesteps, n)?;
        let class_emb = class_embedding(self.class_embedding.as_ref(), class_labels, n)?;
        let features = self.time_proj.forward(timesteps * self.config.time_scale);
        let mut h = self.input.forward(x) + self.time_embedding.forward(features);
        if let Some(class_emb) = class_emb {
            h = h + class_emb;
        }
        for block in &self.blocks {
            h = h.clone()
                + block
                    .linear_2
                    .forward(silu(block.linear_1.forward(silu(h))));
        }
        Ok(self.output.forward(silu(h)))
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Int, Tensor};

    use super::*;
    use crate::network::Network;
    use crate::weights::named_tensors;

    fn batch(n: usize) -> (Tensor<Flex, 2>, Tensor<Flex, 1>) {
        let device = Default::default();
        let x = Tensor::<Flex, 2>::from_data(
            burn::tensor::TensorData::new(
                (0..2 * n).map(|i| i as f32 / 7.0 - 1.0).collect::<Vec<_>>(),
                [n, 2],
            ),
            &device,
        );
        let t = Tensor::<Flex, 1>::from_data(
            burn::tensor::TensorData::new(
                (0..n).map(|i| i as f32 / n as f32).collect::<Vec<_>>(),
                [n],
            ),
            &device,
        );
        (x, t)
    }

    #[test]
    fn maps_points_to_points_and_depends_on_time() {
        let model =
            MlpDenoiser::<Flex>::build(&MlpConfig::default(), 3, &Default::default()).unwrap();
        let (x, t) = batch(5);
        let a = model.forward(x.clone(), t.clone(), None).unwrap();
        assert_eq!(a.dims(), [5, 2]);
        let b = model.forward(x, t + 0.25, None).unwrap();
        let change = (a - b).abs().max().into_scalar();
        assert!(change > 1e-4, "output ignores time (change {change})");
    }

    #[test]
    fn same_seed_same_weights_and_save_load_round_trips() {
        let device = Default::default();
        let config = MlpConfig {
            num_classes: Some(3),
            ..MlpConfig::default()
        };
        let a = MlpDenoiser::<Flex>::build(&config, 11, &device).unwrap();
        let b = MlpDenoiser::<Flex>::build(&config, 11, &device).unwrap();
        assert_eq!(named_tensors::<Flex, _>(&a), named_tensors::<Flex, _>(&b));
        let dir = tempfile::tempdir().unwrap();
        a.save_to(dir.path()).unwrap();
        let c = MlpDenoiser::<Flex>::load_from(dir.path(), &device).unwrap();
        assert_eq!(c.config(), &config);
        assert_eq!(named_tensors::<Flex, _>(&a), named_tensors::<Flex, _>(&c));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let device = Default::default();
        let model = MlpDenoiser::<Flex>::build(&MlpConfig::default(), 0, &device).unwrap();
        let (x, t) = batch(4);
        let wide = Tensor::<Flex, 2>::zeros([4, 3], &device);
        assert!(model.forward(wide, t.clone(), None).is_err());
        assert!(model
            .forward(x.clone(), Tensor::zeros([3], &device), None)
            .is_err());
        let labels = Tensor::<Flex, 1, Int>::zeros([4], &device);
        assert!(model.forward(x, t, Some(labels)).is_err());
        let bad = MlpConfig {
            hidden_dim: 0,
            ..MlpConfig::default()
        };
        assert!(
            matches!(MlpDenoiser::<Flex>::build(&bad, 0, &device), Err(ModelError::Config { key, .. }) if key == "hidden_dim")
        );
    }

    #[test]
    fn gradients_reach_every_parameter() {
        type AB = Autodiff<Flex>;
        let device = Default::default();
        let model = MlpDenoiser::<AB>::build(&MlpConfig::default(), 1, &device).unwrap();
        let x = Tensor::<AB, 2>::ones([8, 2], &device);
        let t = Tensor::<AB, 1>::full([8], 0.5, &device);
        let loss = model.forward(x, t, None).unwrap().square().mean();
        let grads = loss.backward();
        let norm = model
            .input
            .weight
            .val()
            .grad(&grads)
            .expect("input grad")
            .abs()
            .sum()
            .into_scalar();
        assert!(norm > 0.0);
        let norm = model
            .time_embedding
            .linear_1
            .weight
            .val()
            .grad(&grads)
            .expect("time grad")
            .abs()
            .sum()
            .into_scalar();
        assert!(norm > 0.0);
    }
}
