//! Shared helpers of the model crate's integration tests: fixture paths and running a U-Net on
//! a fixture's inputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use burn::tensor::{Int, Tensor, TensorData};
use diffusion_model::weights::{read_forward_inputs, read_forward_output, ForwardInputs};
use diffusion_model::ModelBackend;
use diffusion_model::UNet2DModel;

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The names of the parity fixtures made by `tests/fixtures/make_unet_fixtures.py`.
pub const PARITY_FIXTURES: [&str; 3] = ["cifar_like", "mnist_cond", "odd_timesteps"];

/// A fixture's inputs and diffusers' output for them.
pub fn fixture_io(name: &str) -> (ForwardInputs, Vec<usize>, Vec<f32>) {
    let path = fixture(name).join("io.safetensors");
    let inputs = read_forward_inputs(&path).expect("fixture inputs");
    let output = read_forward_output(&path).expect("fixture has `output`");
    (inputs, output.shape, output.values)
}

/// Runs `model` on fixture inputs and returns the output's values.
pub fn run_model<B: ModelBackend>(
    model: &UNet2DModel<B>,
    inputs: &ForwardInputs,
    device: &B::Device,
) -> (Vec<usize>, Vec<f32>) {
    let sample = Tensor::<B, 4>::from_data(
        TensorData::new(inputs.sample.values.clone(), inputs.sample.shape.clone()),
        device,
    );
    let steps = inputs.timesteps.len();
    let timesteps =
        Tensor::<B, 1>::from_data(TensorData::new(inputs.timesteps.clone(), [steps]), device);
    let labels = inputs
        .class_labels
        .as_ref()
        .map(|l| Tensor::<B, 1, Int>::from_data(TensorData::new(l.clone(), [l.len()]), device));
    let output = model
        .forward(sample, timesteps, labels)
        .expect("forward pass");
    let shape = output.dims().to_vec();
    (
        shape,
        output
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .expect("f32"),
    )
}

/// Largest |a − b|.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
