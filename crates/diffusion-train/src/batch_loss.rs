//! The weighted regression loss of one micro-batch:
//! `L = mean_i λ(t_i) ‖net(s_i x₀ + σ_i ε, t_i) − (a_i x₀ + b_i ε)‖²` (see [`crate::objective`]),
//! with x_t and ε from the fused noising kernel and every draw keyed by the sample's global
//! index, so a batch is the same whatever the batch size, accumulation or resume point.

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Int, Tensor, TensorData};
use diffusion_data::order;
use diffusion_kernels::{noise, FusedKernels, NoiseKey, NoisingParams, NoisingTarget};
use diffusion_math::Prediction;
use diffusion_model::Network;

use crate::data::streams;
use crate::error::TrainResult;
use crate::objective::SampleDraw;
use crate::training_loop::TrainingLoop;

/// A rank-D shape `[n, 1, …, 1]` for per-sample factors.
fn column_shape<const D: usize>(n: usize) -> [usize; D] {
    let mut s = [1usize; D];
    s[0] = n;
    s
}

impl<B, M, const D: usize> TrainingLoop<'_, B, M, D>
where
    B: AutodiffBackend + FusedKernels,
    B::InnerBackend: FusedKernels,
    M: AutodiffModule<B> + Network<B, D>,
    M::InnerModule: Network<B::InnerBackend, D, Config = M::Config>,
{
    /// The weighted loss of the `n` samples from global index `first`.
    pub(crate) fn batch_loss(
        &mut self,
        model: &M,
        first: u64,
        n: usize,
    ) -> TrainResult<Tensor<B, 1>> {
        let (seed, device) = (self.config.seed, self.device);
        let (values, labels) = self.batches.batch(first, n);
        let draws = (0..n as u64)
            .map(|i| {
                self.objective.draw(
                    order::uniform(seed, streams::TIME, first + i),
                    order::uniform(seed, streams::TIME_PAIR, first + i),
                )
            })
            .collect::<TrainResult<Vec<_>>>()?;
        let mut shape = [0usize; D];
        shape[0] = n;
        shape[1..].copy_from_slice(&self.batches.data().item_shape);
        let x0 = Tensor::<B, D>::from_data(TensorData::new(values, shape), device);
        let params = NoisingParams {
            signal_scale: draws.iter().map(|d| d.input_x0 as f32).collect(),
            noise_std: draws.iter().map(|d| d.input_eps as f32).collect(),
            key: NoiseKey::new(seed, streams::NOISE),
            first_sample: first,
        };
        let noised = noise(x0.clone(), &params, NoisingTarget::Epsilon)?;
        let eps = noised.target.expect("the ε target was requested");
        let column = |f: &dyn Fn(&SampleDraw) -> f64| {
            let v: Vec<f32> = draws.iter().map(|d| f(d) as f32).collect();
            Tensor::<B, D>::from_data(TensorData::new(v, column_shape::<D>(n)), device)
        };
        let target = match (self.objective.prediction, self.objective.edm) {
            (Prediction::Epsilon, None) => eps,
            (Prediction::Sample, None) => x0,
            _ => x0 * column(&|d| d.target_x0) + eps * column(&|d| d.target_eps),
        };
        let times: Vec<f32> = draws.iter().map(|d| d.network_time as f32).collect();
        let times = Tensor::<B, 1>::from_data(TensorData::new(times, [n]), device);
        let labels = labels.and_then(|labels| self.dropped_labels(&labels, first));
        let out = model.run(noised.x_t, times, labels)?;
        let per_sample = (out - target)
            .powi_scalar(2)
            .reshape([n as i32, -1])
            .mean_dim(1);
        let uniform = draws.iter().all(|d| d.weight == 1.0);
        Ok(if uniform {
            per_sample.mean()
        } else {
            let w: Vec<f32> = draws.iter().map(|d| d.weight as f32).collect();
            (per_sample * Tensor::<B, 2>::from_data(TensorData::new(w, [n, 1]), device)).mean()
        })
    }

    /// The labels the network sees for data labels `labels` from global index `first`: each
    /// replaced by the null class with probability `label_dropout`; `None` for an unconditional
    /// network.
    fn dropped_labels(&self, labels: &[u32], first: u64) -> Option<Tensor<B, 1, Int>> {
        let classes = self.classes?;
        let (seed, dropout) = (self.config.seed, self.config.label_dropout);
        let ids: Vec<i64> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let dropped = dropout > 0.0
                    && order::uniform(seed, streams::DROPOUT, first + i as u64) < dropout;
                if dropped {
                    classes.null_class as i64
                } else {
                    l as i64
                }
            })
            .collect();
        let n = ids.len();
        Some(Tensor::from_data(TensorData::new(ids, [n]), self.device))
    }
}
