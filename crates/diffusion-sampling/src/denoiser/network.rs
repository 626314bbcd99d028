//! Networks as denoisers: the U-Net (ours or loaded from diffusers) and the small MLP.

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use diffusion_math::{ForwardProcess, Prediction};
use diffusion_model::{MlpDenoiser, ModelBackend, ModelResult, UNet2DModel};

use super::Denoiser;
use crate::error::{SamplingError, SamplingResult};

/// A network that maps `(x, time, labels)` to an output of x's shape.
pub trait DenoisingNetwork<B: Backend, const D: usize> {
    /// One forward pass; `time` holds one value per row, or one value for the whole batch.
    fn run(
        &self,
        x: Tensor<B, D>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, D>>;

    /// Number of class embeddings (`num_class_embeds`), `None` if unconditional.
    fn class_count(&self) -> Option<usize>;
}

/// A borrowed network is a network (a denoiser can wrap a model it does not own).
impl<B: Backend, const D: usize, N: DenoisingNetwork<B, D>> DenoisingNetwork<B, D> for &N {
    fn run(
        &self,
        x: Tensor<B, D>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, D>> {
        (**self).run(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        (**self).class_count()
    }
}

impl<B: ModelBackend> DenoisingNetwork<B, 4> for UNet2DModel<B> {
    fn run(
        &self,
        x: Tensor<B, 4>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 4>> {
        self.forward(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        self.config().num_class_embeds
    }
}

impl<B: Backend> DenoisingNetwork<B, 2> for MlpDenoiser<B> {
    fn run(
        &self,
        x: Tensor<B, 2>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, 2>> {
        self.forward(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        self.config().num_classes
    }
}

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
