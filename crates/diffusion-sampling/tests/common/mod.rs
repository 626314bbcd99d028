//! Shared test helpers: the diffusers fixture and its stand-in model.
#![allow(dead_code)]

pub mod convergence;

use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use diffusion_math::discrete::{BetaSchedule, DiffusersTable, DiscreteSchedule, DiscreteVp};
use diffusion_math::{ForwardProcess, Prediction};
use diffusion_sampling::{Denoiser, SamplingResult};
use serde_json::Value;

/// The CPU backend.
pub type Cpu = Flex;

/// The fixture written by tests/fixtures/make_sampler_fixtures.py.
pub fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/diffusers_samplers.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A list of numbers from JSON.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The discrete process of a case's scheduler config, built from diffusers' f32 table.
pub fn process_of(config: &Value) -> DiscreteVp {
    let schedule = BetaSchedule::from_diffusers(
        config["beta_schedule"].as_str().unwrap(),
        config["beta_start"].as_f64().unwrap(),
        config["beta_end"].as_f64().unwrap(),
    )
    .unwrap();
    let n = config["num_train_timesteps"].as_u64().unwrap() as usize;
    let table = DiffusersTable::new(schedule, n, false).unwrap();
    DiscreteVp::new(table.alphas_cumprod.iter().map(|&a| a as f64).collect()).unwrap()
}

/// DDPM's linear-β table over 1000 steps (f64) as a process.
pub fn ddpm_process() -> DiscreteVp {
    let table = DiscreteSchedule::new(BetaSchedule::DDPM, 1000).unwrap();
    DiscreteVp::new(table.alphas_cumprod().to_vec()).unwrap()
}

/// The stand-in model's scalars at timestep t: `out = tanh(x)·a + b`.
pub fn stand_in_scalars(t: f64) -> (f32, f32) {
    (
        (0.8 + 0.2 * (0.01 * t).cos()) as f32,
        (0.05 * (0.003 * t).sin()) as f32,
    )
}

/// The stand-in as a denoiser on tensors.
pub struct StandIn {
    pub process: DiscreteVp,
    pub prediction: Prediction,
}

impl<B: Backend> Denoiser<B, 4> for StandIn {
    fn process(&self) -> &dyn ForwardProcess {
        &self.process
    }
    fn prediction(&self) -> Prediction {
        self.prediction
    }
    fn predict(
        &self,
        x: Tensor<B, 4>,
        t: f64,
        _labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, 4>> {
        let (a, b) = stand_in_scalars(t);
        Ok(x.tanh().mul_scalar(a).add_scalar(b))
    }
}
