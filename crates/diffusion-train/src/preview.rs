//! Samples from the EMA model during and after training: a class-by-row grid for images
//! (classifier-free guided when the model is class-conditional), a scatter plot for 2-D data.
//! The drawing itself is `diffusion_sampling::draw`; this module adds the preview's choices
//! (its config, noise seed and clipping) and writes the PNG.

use std::path::Path;

use burn::tensor::backend::Backend;
use diffusion_kernels::FusedKernels;
use diffusion_sampling::denoiser::DenoisingNetwork;
use diffusion_sampling::draw::{DrawRequest, TrainedAs};
use diffusion_sampling::NoiseIdentity;

use crate::config::PreviewConfig;
use crate::error::TrainResult;
use crate::objective::{Objective, SharedProcess};
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
    let request = DrawRequest {
        sampler: preview.sampler.sampler(0.0),
        steps: preview.steps,
        clip: preview_clip(item_shape),
        item_shape,
        n,
        labels,
        guidance: preview.guidance_scale,
        noise: preview_noise(seed),
    };
    Ok(diffusion_sampling::draw::draw_samples(
        network,
        &trained_as(objective),
        &request,
        device,
    )?)
}

/// What `diffusion_sampling::draw` needs of a training objective: its process, prediction, time
/// scale and EDM preconditioning (the `ddpm` process's scheduler has `steps_offset` 0).
pub fn trained_as(objective: &Objective) -> TrainedAs<SharedProcess> {
    TrainedAs {
        process: objective.process.clone(),
        prediction: objective.prediction,
        time_scale: objective.network_time_scale,
        edm: objective.edm,
        steps_offset: objective.scheduler.as_ref().map_or(0, |s| s.steps_offset),
    }
}

/// The x₀ clipping of preview samples: images live in [−1, 1], so their x₀ estimates are clipped
/// as diffusers' DDPM/DDIM do by default; 2-D points are not clipped.
pub fn preview_clip(item_shape: &[usize]) -> Option<f64> {
    (item_shape.len() == 3).then_some(1.0)
}

/// The noise of previews drawn for a run seeded `seed` (and of evaluations that reproduce them).
pub fn preview_noise(seed: u64) -> NoiseIdentity {
    NoiseIdentity {
        seed: seed.wrapping_add(PREVIEW_SEED_OFFSET),
        first_sample: 0,
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
