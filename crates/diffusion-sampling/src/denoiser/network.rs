//! Networks as denoisers: the U-Net (ours or loaded from diffusers) and the small MLP.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use diffusion_math::{ForwardProcess, Prediction};
pub use diffusion_model::DenoisingNetwork;

use super::Denoiser;
use crate::error::{SamplingError, SamplingResult};

/// A network with its parameterisation and training process. The network is fed
/// `time_scale × t` (1 for a discrete model whose time is the timestep).
#[derive(Debug, Clone)]
pub struct NetworkDenoiser<N, P> {
    /// The network.
    pub network: N,
    /// The forward process it was trained under.
    pub process: P,
    /// What it outputs.
    pub prediction: Prediction,
    /// Factor from process time to the network's time input.
    pub time_scale: f64,
}

impl<N, P> NetworkDenoiser<N, P> {
    /// A denoiser fed the process time unscaled.
    pub fn new(network: N, process: P, prediction: Prediction) -> Self {
        Self {
            network,
            process,
            prediction,
            time_scale: 1.0,
        }
    }
}

/// Uploads per-row class labels, checking each against the number of classes.
pub(crate) fn label_tensor<B: Backend>(
    labels: &[usize],
    classes: Option<usize>,
    device: &B::Device,
) -> SamplingResult<Tensor<B, 1, Int>> {
    let Some(count) = classes else {
        return Err(SamplingError::invalid(
            "class labels",
            "the model is unconditional; sample without --class / labels",
        ));
    };
    if let Some(&bad) = labels.iter().find(|&&l| l >= count) {
        return Err(SamplingError::invalid(
            "class label",
            format!("label {bad} is out of range: the model has {count} classes (0..{count})"),
        ));
    }
    let values: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    Ok(Tensor::from_data(
        TensorData::new(values, [labels.len()]),
        device,
    ))
}

impl<B, N, P, const D: usize> Denoiser<B, D> for NetworkDenoiser<N, P>
where
    B: Backend,
    N: DenoisingNetwork<B, D>,
    P: ForwardProcess,
{
    fn process(&self) -> &dyn ForwardProcess {
        &self.process
    }

    fn prediction(&self) -> Prediction {
        self.prediction
    }

    fn predict(
        &self,
        x: Tensor<B, D>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, D>> {
        let device = x.device();
        let time = Tensor::<B, 1>::from_floats([(t * self.time_scale) as f32], &device);
        let labels = labels
            .map(|l| label_tensor(l, self.network.class_count(), &device))
            .transpose()?;
        Ok(self.network.run(x, time, labels)?)
    }

    fn num_classes(&self) -> Option<usize> {
        self.network.class_count()
    }
}
