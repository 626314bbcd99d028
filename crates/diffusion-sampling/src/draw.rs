//! Drawing a batch of samples from a network: the sampler's plan on its default grid for the
//! network's time domain, run through the denoiser the network was trained as, with optional
//! class labels and classifier-free guidance. Training previews and checkpoint evaluation both
//! draw through here.

use burn::tensor::backend::Backend;
use diffusion_kernels::FusedKernels;
use diffusion_math::{Edm, EdmPreconditioning, ForwardProcess, Prediction};

use crate::denoiser::{Denoiser, DenoisingNetwork, EdmDenoiser, Guided, NetworkDenoiser};
use crate::error::{SamplingError, SamplingResult};
use crate::plan::SamplingPlan;
use crate::run::{to_host, NoiseIdentity, Run};
use crate::samplers::{PlanOptions, Sampler, TimeDomain};

/// How a network was trained: what turns its raw output into a denoiser, and which time grid
/// suits it.
#[derive(Debug, Clone)]
pub struct TrainedAs<P> {
    /// The forward process it was trained under.
    pub process: P,
    /// What it outputs (ignored with EDM preconditioning, whose output is an x₀ estimate).
    pub prediction: Prediction,
    /// Factor from process time to the network's time input.
    pub time_scale: f64,
    /// EDM preconditioning, for networks trained with it (then the process is EDM's).
    pub edm: Option<EdmPreconditioning>,
    /// diffusers' `steps_offset` of a discrete model's scheduler (0 for models trained here).
    pub steps_offset: usize,
}

impl<P: ForwardProcess + Clone> TrainedAs<P> {
    /// The time domain that picks the sampler's default grid.
    pub fn time_domain(&self) -> TimeDomain {
        TimeDomain::of(&self.process, self.edm.is_some(), self.steps_offset)
    }

    /// `network` as the denoiser it was trained as: EDM-preconditioned when trained so, else
    /// its prediction under its process with its time scale. Every command that samples or
    /// scores a network wraps it here.
    pub fn denoiser<'a, B, N, const D: usize>(&self, network: &'a N) -> Box<dyn Denoiser<B, D> + 'a>
    where
        B: Backend,
        N: DenoisingNetwork<B, D>,
        P: 'a,
    {
        match self.edm {
            Some(preconditioning) => Box::new(EdmDenoiser {
                network,
                process: Edm::karras_default(),
                preconditioning,
            }),
            None => Box::new(NetworkDenoiser {
                network,
                process: self.process.clone(),
                prediction: self.prediction,
                time_scale: self.time_scale,
            }),
        }
    }
}

/// What to draw: the sampler and its step count, how many samples of which shape, their class
/// labels and guidance, and the noise they start from.
#[derive(Debug, Clone)]
pub struct DrawRequest<'a> {
    /// The sampler (planned on its default grid for the network's time domain).
    pub sampler: Sampler,
    /// Sampler steps.
    pub steps: usize,
    /// Clip x₀ estimates to `[−c, c]` (images in [−1, 1]: 1, as diffusers' DDPM/DDIM do).
    pub clip: Option<f64>,
    /// The shape of one sample (`[C, H, W]` for images, `[2]` for points).
    pub item_shape: &'a [usize],
    /// Number of samples.
    pub n: usize,
    /// One class label per sample and the null class used for guidance (class-conditional
    /// networks).
    pub labels: Option<(&'a [usize], usize)>,
    /// Classifier-free guidance scale, applied when there are labels (1: plain conditional).
    pub guidance: f64,
    /// The noise's seed and first sample index.
    pub noise: NoiseIdentity,
}

/// Draws `request.n` samples from `network` (rank-`D` batches), returned row-major on the host.
pub fn draw_samples<B, N, P, const D: usize>(
    network: &N,
    trained: &TrainedAs<P>,
    request: &DrawRequest<'_>,
    device: &B::Device,
) -> SamplingResult<Vec<f32>>
where
    B: Backend + FusedKernels,
    N: DenoisingNetwork<B, D>,
    P: ForwardProcess + Clone,
{
    if request.item_shape.len() + 1 != D {
        return Err(SamplingError::invalid(
            "sample shape",
            format!(
                "{:?} has rank {}; a rank-{D} batch needs items of rank {}",
                request.item_shape,
                request.item_shape.len(),
                D.saturating_sub(1)
            ),
        ));
    }
    let sampler = request.sampler;
    let mut options = PlanOptions::new(sampler.default_spacing(trained.time_domain()));
    options.clip = request.clip;
    let plan = sampler.plan(&trained.process, request.steps, &options)?;
    let mut shape = [1usize; D];
    shape[0] = request.n;
    shape[1..].copy_from_slice(request.item_shape);
    let batch = Batch {
        plan: &plan,
        request,
        shape,
    };
    batch.run(trained.denoiser::<B, N, D>(network).as_ref(), device)
}

/// One planned batch, run on whichever denoiser wraps the network.
struct Batch<'a, const D: usize> {
    plan: &'a SamplingPlan,
    request: &'a DrawRequest<'a>,
    shape: [usize; D],
}

impl<const D: usize> Batch<'_, D> {
    /// Runs the plan on `model`, guided when there are labels and a scale other than 1.
    fn run<B: Backend + FusedKernels, M: Denoiser<B, D> + ?Sized>(
        &self,
        model: &M,
        device: &B::Device,
    ) -> SamplingResult<Vec<f32>> {
        let noise = self.request.noise;
        let out = match self.request.labels {
            Some((labels, null_class)) if self.request.guidance != 1.0 => {
                let guided = Guided::new(model, self.request.guidance, null_class)?;
                Run::<B, _, D>::new(self.plan, &guided, Some(labels), noise)
                    .sample(self.shape, device)?
            }
            Some((labels, _)) => Run::<B, _, D>::new(self.plan, model, Some(labels), noise)
                .sample(self.shape, device)?,
            None => {
                Run::<B, _, D>::new(self.plan, model, None, noise).sample(self.shape, device)?
            }
        };
        Ok(to_host(out))
    }
}
