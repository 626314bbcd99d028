//! AdamW (Loshchilov & Hutter 2019, as PyTorch's `torch.optim.AdamW`) with its moments keyed by
//! parameter name, global-norm gradient clipping, and the learning-rate schedule.
//!
//! Per parameter at update k (1-based), gradient g:
//! `θ ← θ(1 − η·wd)`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//! `θ ← θ − η·(m/(1−β₁ᵏ)) / (√(v/(1−β₂ᵏ)) + ε)`.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor, TensorData};
use diffusion_model::weights::NamedTensor;

use crate::config::{LrSchedule, OptimizerConfig};
use crate::params::KeyPath;

/// The learning rate at optimiser step `step` (1-based) of `total`: linear warm-up from 0, then
/// constant or a half cosine to 0 at `total` (diffusers' `get_scheduler`).
pub fn learning_rate(config: &OptimizerConfig, step: u64, total: u64) -> f64 {
    let peak = config.learning_rate;
    if step <= config.warmup_steps && config.warmup_steps > 0 {
        return peak * step as f64 / config.warmup_steps as f64;
    }
    match config.schedule {
        LrSchedule::Cosine => {
            let span = total.saturating_sub(config.warmup_steps).max(1) as f64;
            let progress = ((step - config.warmup_steps) as f64 / span).min(1.0);
            peak * 0.5 * (1.0 + (PI * progress).cos())
        }
        LrSchedule::Constant => peak,
    }
}

/// The first and second moments of one parameter.
#[derive(Debug, Clone)]
pub struct Moments<B: Backend> {
    /// m.
    pub exp_avg: Tensor<B, 1>,
    /// v.
    pub exp_avg_sq: Tensor<B, 1>,
}

/// AdamW's state: the update count and the moments by parameter key.
#[derive(Debug, Clone)]
pub struct AdamW<B: Backend> {
    /// Hyper-parameters.
    pub config: OptimizerConfig,
    /// Updates applied so far.
    pub updates: u64,
    /// Moments by state-dict key.
    pub moments: BTreeMap<String, Moments<B>>,
}

struct NormVisitor<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    total: Option<Tensor<B::InnerBackend, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for NormVisitor<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.get::<B::InnerBackend, D>(param.id) {
            let sq = g.powi_scalar(2).sum();
            self.total = Some(match self.total.take() {
                Some(t) => t + sq,
                None => sq,
            });
        }
    }
}

/// The global L2 norm of the gradients of `module` (one device read).
pub fn gradient_norm<B: AutodiffBackend, M: AutodiffModule<B>>(
    module: &M,
    grads: &GradientsParams,
) -> f64 {
    let mut v = NormVisitor::<B> { grads, total: None };
    module.visit(&mut v);
    v.total
        .map(|t| t.into_scalar().elem::<f64>().sqrt())
        .unwrap_or(0.0)
}

struct StepMapper<'a, B: AutodiffBackend> {
    path: KeyPath,
    grads: &'a mut GradientsParams,
    moments: &'a mut BTreeMap<String, Moments<B::InnerBackend>>,
    config: &'a OptimizerConfig,
    lr: f64,
    grad_scale: f64,
    bias1: f64,
    bias2: f64,
}

impl<B: AutodiffBackend> ModuleMapper<B> for StepMapper<'_, B> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<B::InnerBackend, D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let dims = tensor.dims();
        let n = tensor.shape().num_elements();
        let theta = tensor.inner().reshape([n]);
        let mut g = grad.reshape([n]);
        if self.grad_scale != 1.0 {
            g = g.mul_scalar(self.grad_scale);
        }
        let c = self.config;
        let key = self.path.key();
        let (m, v) = match self.moments.remove(&key) {
            Some(s) => (s.exp_avg, s.exp_avg_sq),
            None => (theta.zeros_like(), theta.zeros_like()),
        };
        let m = m.mul_scalar(c.beta1) + g.clone().mul_scalar(1.0 - c.beta1);
        let v = v.mul_scalar(c.beta2) + g.powi_scalar(2).mul_scalar(1.0 - c.beta2);
        let denom = v
            .clone()
            .div_scalar(self.bias2)
            .sqrt()
            .add_scalar(c.epsilon);
        let update = m.clone().div_scalar(self.bias1) / denom;
        let theta = theta.mul_scalar(1.0 - self.lr * c.weight_decay) - update.mul_scalar(self.lr);
        self.moments.insert(
            key,
            Moments {
                exp_avg: m,
                exp_avg_sq: v,
            },
        );
        let new = Tensor::<B, D>::from_inner(theta.reshape(dims)).require_grad();
        Param::from_mapped_value(id, new, mapper)
    }
}

impl<B: Backend> AdamW<B> {
    /// A fresh optimiser.
    pub fn new(config: OptimizerConfig) -> Self {
        Self {
            config,
            updates: 0,
            moments: BTreeMap::new(),
        }
    }

    /// One update of `module` with learning rate `lr`, the gradients first scaled by
    /// `grad_scale` (clipping and accumulation averaging).
    pub fn step<A, M>(
        &mut self,
        module: M,
        mut grads: GradientsParams,
        lr: f64,
        grad_scale: f64,
    ) -> M
    where
        A: AutodiffBackend<InnerBackend = B>,
        M: AutodiffModule<A>,
    {
        self.updates += 1;
        let k = self.updates as i32;
        let mut mapper = StepMapper::<A> {
            path: KeyPath::default(),
            grads: &mut grads,
            moments: &mut self.moments,
            config: &self.config,
            lr,
            grad_scale,
            bias1: 1.0 - self.config.beta1.powi(k),
            bias2: 1.0 - self.config.beta2.powi(k),
        };
        module.map(&mut mapper)
    }

    /// The moments as named tensors, under PyTorch's state names (`exp_avg.<key>`,
    /// `exp_avg_sq.<key>`), for optimizer.safetensors.
    pub fn to_named(&self) -> BTreeMap<String, NamedTensor> {
        let host = |t: &Tensor<B, 1>| NamedTensor {
            shape: t.dims().to_vec(),
            values: t
                .clone()
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .expect("f32 after convert"),
        };
        let mut out = BTreeMap::new();
        for (key, m) in &self.moments {
            out.insert(format!("exp_avg.{key}"), host(&m.exp_avg));
            out.insert(format!("exp_avg_sq.{key}"), host(&m.exp_avg_sq));
        }
        out
    }

    /// Restores the moments written by [`AdamW::to_named`]; `expected` is the model's parameter
    /// lengths by key, and every key must be present with that length.
    pub fn from_named(
        config: OptimizerConfig,
        updates: u64,
        mut named: BTreeMap<String, NamedTensor>,
        expected: &BTreeMap<String, usize>,
        device: &B::Device,
    ) -> Result<Self, String> {
        let mut moments = BTreeMap::new();
        let mut take = |name: String, len: usize| -> Result<Tensor<B, 1>, String> {
            let t = named
                .remove(&name)
                .ok_or_else(|| format!("optimizer state has no `{name}`"))?;
            if t.values.len() != len {
                return Err(format!(
                    "optimizer state `{name}` has {} values, the model's parameter {len}",
                    t.values.len()
                ));
            }
            Ok(Tensor::from_data(TensorData::new(t.values, [len]), device))
        };
        if updates > 0 {
            for (key, &len) in expected {
                let exp_avg = take(format!("exp_avg.{key}"), len)?;
                let exp_avg_sq = take(format!("exp_avg_sq.{key}"), len)?;
                moments.insert(
                    key.clone(),
                    Moments {
                        exp_avg,
                        exp_avg_sq,
                    },
                );
            }
        }
        Ok(Self {
            config,
            updates,
            moments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_zero() {
        let c = OptimizerConfig {
            warmup_steps: 10,
            ..OptimizerConfig::default()
        };
        assert_eq!(learning_rate(&c, 5, 100), 0.5 * c.learning_rate);
        assert_eq!(learning_rate(&c, 10, 100), c.learning_rate);
        assert!((learning_rate(&c, 55, 100) - 0.5 * c.learning_rate).abs() < 1e-12);
        assert!(learning_rate(&c, 100, 100).abs() < 1e-12);
        let constant = OptimizerConfig {
            schedule: LrSchedule::Constant,
            ..c
        };
        assert_eq!(learning_rate(&constant, 90, 100), constant.learning_rate);
    }
}
