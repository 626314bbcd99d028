//! Drawing samples from a resolved model on any backend, in batches: every image's noise is
//! keyed by (seed, its global index), so the images do not depend on the batch size.

use burn::tensor::Tensor;
use diffusion_kernels::FusedKernels;
use diffusion_model::{ModelBackend, Network, NetworkVisitor};
use diffusion_sampling::adaptive::AdaptiveOde;
use diffusion_sampling::img2img::{inpaint, sdedit};
use diffusion_sampling::run::{from_host, to_host};
use diffusion_sampling::{Denoiser, Guided, NoiseIdentity, Run, SamplingPlan};

use crate::backend::BackendJob;
use crate::model_source::ModelSource;
use crate::progress::ProgressBar;

/// How the plan is executed.
pub enum Method {
    /// A fixed-step plan.
    Plan(SamplingPlan),
    /// The adaptive probability-flow ODE (Dormand–Prince).
    Adaptive(AdaptiveOde),
}

/// A guide for image-to-image work: the image (planar, [−1, 1]), an optional keep-mask
/// (1 = keep, 0 = fill, one plane) and the strength.
pub struct Guide {
    /// The guide image, `[C, H, W]`.
    pub image: Vec<f32>,
    /// Inpainting keep-mask, `[1, H, W]`.
    pub mask: Option<Vec<f32>>,
    /// Fraction of the plan that runs (1 = from pure noise).
    pub strength: f64,
}

/// Everything a sampling request needs besides the backend.
pub struct SampleJob<'a> {
    /// The model.
    pub source: &'a ModelSource,
    /// Fixed plan or adaptive ODE.
    pub method: &'a Method,
    /// Shape of one item (`[C, H, W]` or `[2]`).
    pub item_shape: Vec<usize>,
    /// Per-sample class labels.
    pub labels: Option<Vec<usize>>,
    /// Classifier-free guidance scale and the null class (1 = no guidance).
    pub guidance: Option<(f64, usize)>,
    /// Number of samples.
    pub num: usize,
    /// Samples per batch.
    pub batch: usize,
    /// Noise seed.
    pub seed: u64,
    /// Image-to-image guide.
    pub guide: Option<Guide>,
    /// Hide the progress bar.
    pub quiet: bool,
}

/// The samples (row-major, `num × item`) and the network evaluations per sample.
pub struct Drawn {
    /// Values.
    pub values: Vec<f32>,
    /// Network evaluations per image (the adaptive solver's count for its last batch).
    pub evaluations: usize,
}

impl BackendJob for SampleJob<'_> {
    type Output = Drawn;

    fn run<B: ModelBackend + FusedKernels>(self, device: &B::Device) -> Result<Drawn, String> {
        if self.guide.is_some() && !self.source.network.is_image() {
            return Err("--init-image and --mask need an image model".into());
        }
        let source = self.source;
        source
            .network
            .visit::<B, _>(LoadedJob { job: self, device })
    }
}

/// The job on backend `B`, waiting for the registry to name the network type.
struct LoadedJob<'a, 'd, B: ModelBackend> {
    job: SampleJob<'a>,
    device: &'d B::Device,
}

impl<B: ModelBackend + FusedKernels> NetworkVisitor<B> for LoadedJob<'_, '_, B> {
    type Output = Result<Drawn, String>;

    fn visit<const D: usize, N: Network<B, D>>(self, config: &N::Config) -> Self::Output {
        let source = self.job.source;
        let network =
            N::load(config, &source.network_dir, self.device).map_err(|e| e.to_string())?;
        let model = source.denoiser::<B, _, D>(&network);
        self.job.guided::<B, _, D>(model.as_ref(), self.device)
    }
}

impl SampleJob<'_> {
    fn guided<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
        &self,
        model: &M,
        device: &B::Device,
    ) -> Result<Drawn, String> {
        match self.guidance {
            Some((scale, null_class)) if scale != 1.0 => {
                let guided = Guided::new(model, scale, null_class).map_err(|e| e.to_string())?;
                self.batches::<B, _, D>(&guided, device)
            }
            _ => self.batches::<B, _, D>(model, device),
        }
    }

    fn batches<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
        &self,
        model: &M,
        device: &B::Device,
    ) -> Result<Drawn, String> {
        let item: usize = self.item_shape.iter().product();
        let steps_per_batch = match self.method {
            Method::Plan(plan) => plan.steps.len(),
            Method::Adaptive(_) => 1,
        };
        let batch_count = self.num.div_ceil(self.batch);
        let mut bar = ProgressBar::new("sampling", batch_count * steps_per_batch, self.quiet);
        let mut values = Vec::with_capacity(self.num * item);
        let mut evaluations = 0;
        for first in (0..self.num).step_by(self.batch) {
            let rows = self.batch.min(self.num - first);
            let mut shape = [1usize; D];
            shape[0] = rows;
            shape[1..].copy_from_slice(&self.item_shape);
            let labels = self.labels.as_ref().map(|l| &l[first..first + rows]);
            let noise = NoiseIdentity {
                seed: self.seed,
                first_sample: first as u64,
            };
            let out = match self.method {
                Method::Adaptive(ode) => {
                    let (x, report) = ode
                        .sample::<B, M, D>(model, shape, labels, noise, device)
                        .map_err(|e| e.to_string())?;
                    evaluations = report.evaluations;
                    bar.advance(1);
                    x
                }
                Method::Plan(plan) => {
                    evaluations = match &self.guide {
                        None => plan.evaluations(),
                        Some(guide) => evaluations_from(plan, guide.strength)?,
                    };
                    let mut advance = |_: usize, _: usize| bar.advance(1);
                    let mut run = Run::<B, M, D>::new(plan, model, labels, noise);
                    run.progress = Some(&mut advance);
                    match &self.guide {
                        None => run.sample(shape, device),
                        Some(guide) => self.guided_run(run, guide, shape, device),
                    }
                    .map_err(|e| e.to_string())?
                }
            };
            values.extend(to_host(out));
        }
        bar.finish();
        Ok(Drawn {
            values,
            evaluations,
        })
    }

    fn guided_run<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
        &self,
        run: Run<'_, B, M, D>,
        guide: &Guide,
        shape: [usize; D],
        device: &B::Device,
    ) -> diffusion_sampling::SamplingResult<Tensor<B, D>> {
        let rows = shape[0];
        let repeated: Vec<f32> = (0..rows)
            .flat_map(|_| guide.image.iter().copied())
            .collect();
        let image = from_host::<B, D>(repeated, shape, device);
        match &guide.mask {
            None => sdedit(run, image, guide.strength),
            Some(mask) => {
                let mut mask_shape = shape;
                mask_shape[0] = 1;
                mask_shape[1] = 1;
                let mask = from_host::<B, D>(mask.clone(), mask_shape, device);
                inpaint(run, image, mask, guide.strength)
            }
        }
    }
}

/// Network evaluations of the part of `plan` an image-to-image run at `strength` executes.
fn evaluations_from(plan: &SamplingPlan, strength: f64) -> Result<usize, String> {
    let (first, _) = plan
        .start_for_strength(strength)
        .map_err(|e| e.to_string())?;
    Ok(plan.steps[first..]
        .iter()
        .filter(|step| step.evaluation.is_some())
        .count())
}
