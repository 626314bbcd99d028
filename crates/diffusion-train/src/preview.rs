//! Samples from the EMA model during and after training: a class-by-row grid for images
//! (classifier-free guided when the model is class-conditional), a scatter plot for 2-D data.

use std::path::Path;

use burn::tensor::backend::Backend;
use diffusion_kernels::FusedKernels;
use diffusion_math::Edm;
use diffusion_sampling::denoiser::DenoisingNetwork;
use diffusion_sampling::grid::TimeSpacing;
use diffusion_sampling::run::to_host;
use diffusion_sampling::{
    Denoiser, EdmDenoiser, Guided, NetworkDenoiser, NoiseIdentity, PlanOptions, Run, Sampler,
    SamplingPlan,
};

use crate::config::PreviewConfig;
use crate::error::TrainResult;
use crate::objective::Objective;
use diffusion_data::images::{write_grid, write_scatter};

/// The preview's noise seed is the run's, shifted so it never coincides with training noise.
const PREVIEW_SEED_OFFSET: u64 = 0x005E_ED0F_5A3F;

/// Draws `n` samples (rank-`D` items of `item_shape`) from `network` with the preview sampler;
/// `labels` are per sample (class-conditional models), guided with `null_class` at `scale`.
#[allow(clippy::too_many_arguments)]
pub fn draw_samples<B, N, const D: usize>(
    network: &N,
    objective: &Objective,
    preview: &PreviewConfig,
    item_shape: &[usize],
    labels: Option<(&[usize], usize)>,
    n: usize,
    seed: u64,
    device: &B::Device,
) -> TrainResult<Vec<f32>>
where
    B: Backend + FusedKernels,
    N: DenoisingNetwork<B, D>,
{
    let sampler = Sampler::parse(&preview.sampler, 0.0)?;
    let mut options = if objective.process.num_train_timesteps().is_some() {
        PlanOptions::new(sampler.diffusers_default_spacing())
    } else if objective.edm.is_some() {
        PlanOptions::new(TimeSpacing::Karras { rho: 7.0 })
    } else {
        PlanOptions::new(TimeSpacing::Uniform)
    };
    if item_shape.len() == 3 {
        // Images live in [−1, 1]: clip x₀ estimates as diffusers' DDPM/DDIM do by default.
        options.clip = Some(1.0);
    }
    let plan = sampler.plan(&objective.process, preview.steps, &options)?;
    let noise = NoiseIdentity {
        seed: seed.wrapping_add(PREVIEW_SEED_OFFSET),
        first_sample: 0,
    };
    let mut shape = [1usize; D];
    shape[0] = n;
    shape[1..].copy_from_slice(item_shape);
    let request = Request {
        plan: &plan,
        labels,
        guidance: preview.guidance_scale,
        noise,
        shape,
    };
    match objective.edm {
        Some(preconditioning) => request.run(
            &EdmDenoiser {
                network,
                process: Edm::karras_default(),
                preconditioning,
            },
            device,
        ),
        None => request.run(
            &NetworkDenoiser {
                network,
                process: objective.process.clone(),
                prediction: objective.prediction,
                time_scale: objective.network_time_scale,
            },
            device,
        ),
    }
}

/// One sampling request, run on whichever denoiser wraps the network.
struct Request<'a, const D: usize> {
    plan: &'a SamplingPlan,
    labels: Option<(&'a [usize], usize)>,
    guidance: f64,
    noise: NoiseIdentity,
    shape: [usize; D],
}

impl<const D: usize> Request<'_, D> {
    fn run<B: Backend + FusedKernels, M: Denoiser<B, D>>(
        &self,
        model: &M,
        device: &B::Device,
    ) -> TrainResult<Vec<f32>> {
        let out = match self.labels {
            Some((labels, null_class)) if self.guidance != 1.0 => {
                let guided = Guided::new(model, self.guidance, null_class)?;
                Run::<B, _, D>::new(self.plan, &guided, Some(labels), self.noise)
                    .sample(self.shape, device)?
            }
            Some((labels, _)) => Run::<B, _, D>::new(self.plan, model, Some(labels), self.noise)
                .sample(self.shape, device)?,
            None => Run::<B, _, D>::new(self.plan, model, None, self.noise)
                .sample(self.shape, device)?,
        };
        Ok(to_host(out))
    }
}

/// Writes the preview PNG for `samples`: a grid of `rows` rows for images, a scatter plot over
/// `data` for 2-D points.
pub fn write_preview(
    path: &Path,
    samples: &[f32],
    item_shape: &[usize],
    rows: usize,
    data: &[f32],
) -> TrainResult<()> {
    match item_shape {
        [c, h, w] => {
            let n = samples.len() / (c * h * w);
            write_grid(path, samples, [*c, *h, *w], rows, n.div_ceil(rows.max(1)))?;
        }
        _ => write_scatter(path, data, samples)?,
    }
    Ok(())
}
