//! `diffusion likelihood`: bits per dimension of 8-bit images under a model, by the
//! probability-flow ODE (Song et al. 2021, §4.3 and appendix D.2, on uniformly dequantised data)
//! or by the DDPM variational bound (Ho et al. 2020, eq. 5, with the discretised decoder).

use std::path::PathBuf;

use burn::backend::Autodiff;
use burn::tensor::{Tensor, TensorData};
use clap::{Args, ValueEnum};
use diffusion_data::pixels::{byte_to_unit, unit_to_byte};
use diffusion_data::{load_idx_dir, Dataset};
use diffusion_kernels::FusedKernels;
use diffusion_model::{ModelBackend, Network, NetworkVisitor};
use diffusion_sampling::likelihood::elbo::{ddpm_elbo, ElboOptions};
use diffusion_sampling::likelihood::ode::{Divergence, OdeLikelihood};
use diffusion_sampling::likelihood::{dequantize, DataRange};
use serde::Serialize;

use crate::backend::{run_on, BackendChoice, BackendJob};
use crate::image_files::read_image;
use crate::model_source::{resolve, ModelSource};
use crate::progress::ProgressBar;
use crate::repository_paths::locate_in_repository;

/// The estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Exact change of variables through the probability-flow ODE (any process).
    Ode,
    /// The DDPM variational bound (discrete models): an upper bound on bits/dim.
    Elbo,
}

/// Options of `diffusion likelihood`.
#[derive(Args, Debug)]
#[command(after_help = "examples:
  diffusion likelihood --model runs/mnist --num 64 --method elbo
  diffusion likelihood --model runs/mnist --num 8 --method ode --tolerance 1e-4
  diffusion likelihood --model google/ddpm-cifar10-32 --images my_pngs/ --method elbo --stride 10")]
pub struct LikelihoodArgs {
    /// A checkpoint, a training run, a diffusers model folder or a hub id.
    #[arg(long, short = 'm')]
    pub model: String,
    /// PNG/JPEG files or folders of them (default: the held-out split of --data).
    #[arg(long, num_args = 1..)]
    pub images: Vec<PathBuf>,
    /// An IDX dataset folder whose held-out split is scored (default: the checkpoint's training
    /// data, else the embedded MNIST subset).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Images to score (the first N).
    #[arg(long, default_value_t = 64)]
    pub num: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// ode (exact likelihood of dequantised data) or elbo (DDPM bound).
    #[arg(long, value_enum, default_value_t = Method::Elbo)]
    pub method: Method,
    /// ode: tolerance of the Dormand–Prince solve (relative and absolute).
    #[arg(long, default_value_t = 1e-5)]
    pub tolerance: f64,
    /// ode: the exact divergence (one backward pass per pixel) instead of Hutchinson's
    /// estimator with one Rademacher probe.
    #[arg(long)]
    pub exact_divergence: bool,
    /// elbo: 1 sums all terms; k > 1 the first k plus one seeded term per block of k (unbiased).
    #[arg(long, default_value_t = 1)]
    pub stride: usize,
    /// Seed of the dequantisation, probes and forward noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Backend: flex (CPU), wgpu, or cuda.
    #[arg(long, value_enum, default_value_t = BackendChoice::Flex)]
    pub backend: BackendChoice,
    /// Machine-readable output with per-image values.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The result.
#[derive(Debug, Serialize)]
struct Scores {
    method: String,
    bits_per_dim: Vec<f64>,
    mean: f64,
    standard_error: f64,
    network_evaluations_per_image: usize,
}

/// 8-bit images (row-major `[N, C, H, W]`) to score.
fn images(
    args: &LikelihoodArgs,
    source: &ModelSource,
    shape: [usize; 3],
) -> Result<Vec<u8>, String> {
    let [c, h, _] = shape;
    if !args.images.is_empty() {
        let mut files = Vec::new();
        for path in &args.images {
            if path.is_dir() {
                let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                        })
                    })
                    .collect();
                inside.sort();
                files.extend(inside);
            } else {
                files.push(path.clone());
            }
        }
        if files.is_empty() {
            return Err("--images: no PNG or JPEG files found".into());
        }
        let mut bytes = Vec::new();
        for file in files.iter().take(args.num) {
            bytes.extend(read_image(file, c, h)?.into_iter().map(unit_to_byte));
        }
        return Ok(bytes);
    }
    let (dir, held_out, seed) = match (&args.data, &source.training) {
        (Some(dir), state) => (
            dir.clone(),
            state.as_ref().map_or(0.05, |s| s.config.held_out_fraction),
            state.as_ref().map_or(0, |s| s.seed),
        ),
        (None, Some(state)) => match &state.config.data {
            diffusion_train::config::DataConfig::Idx { path } => (
                locate_in_repository(path),
                state.config.held_out_fraction,
                state.seed,
            ),
            _ => {
                return Err(
                    "this checkpoint was not trained on an IDX dataset; pass --images".into(),
                )
            }
        },
        (None, None) => (
            locate_in_repository(diffusion_data::EMBEDDED_MNIST),
            0.05,
            0,
        ),
    };
    let dataset: Dataset = load_idx_dir(&dir).map_err(|e| e.to_string())?;
    let (_, held) = dataset.split(held_out, seed).map_err(|e| e.to_string())?;
    if held.item_shape != shape {
        return Err(format!(
            "the data's images are {:?}, the model's {shape:?}",
            held.item_shape
        ));
    }
    let count = args.num.min(held.len());
    Ok(held.values[..count * held.item_len()]
        .iter()
        .map(|&v| unit_to_byte(v))
        .collect())
}

struct LikelihoodJob<'a> {
    args: &'a LikelihoodArgs,
    /// The null class of a class-conditional model (scored unconditionally).
    null_class: Option<usize>,
    source: &'a ModelSource,
    pixels: Vec<u8>,
    shape: [usize; 3],
}

impl BackendJob for LikelihoodJob<'_> {
    type Output = (Vec<f64>, usize);

    fn run<B: ModelBackend + FusedKernels>(
        self,
        device: &B::Device,
    ) -> Result<Self::Output, String> {
        let network = &self.source.network;
        match self.args.method {
            Method::Elbo => network.visit::<B, _>(ElboScore { job: &self, device }),
            Method::Ode => network.visit::<Autodiff<B>, _>(OdeScore { job: &self, device }),
        }
    }
}

/// The DDPM bound on backend `B`, waiting for the registry to name the network type.
struct ElboScore<'a, 'd, B: ModelBackend> {
    job: &'a LikelihoodJob<'a>,
    device: &'d B::Device,
}

impl<B: ModelBackend + FusedKernels> NetworkVisitor<B> for ElboScore<'_, '_, B> {
    type Output = Result<BatchScore, String>;

    fn visit<const D: usize, N: Network<B, D>>(self, config: &N::Config) -> Self::Output {
        let job = self.job;
        let network =
            N::load(config, &job.source.network_dir, self.device).map_err(|e| e.to_string())?;
        let model = job.source.denoiser(&network);
        let options = ElboOptions {
            variance: job.source.ddpm_variance()?,
            stride: job.args.stride,
            seed: job.args.seed,
        };
        job.score::<B, D>(self.device, |x, labels, first| {
            let bound = ddpm_elbo::<B, _, D>(model.as_ref(), x, labels, first, &options)
                .map_err(|e| e.to_string())?;
            Ok((bound.bits_per_dim(), bound.evaluations))
        })
    }
}

/// The probability-flow ODE likelihood on the autodiff backend `B`, waiting for the registry
/// to name the network type.
struct OdeScore<'a, 'd, B: ModelBackend> {
    job: &'a LikelihoodJob<'a>,
    device: &'d B::Device,
}

impl<B: ModelBackend + FusedKernels> NetworkVisitor<Autodiff<B>> for OdeScore<'_, '_, B> {
    type Output = Result<BatchScore, String>;

    fn visit<const D: usize, N: Network<Autodiff<B>, D>>(self, config: &N::Config) -> Self::Output {
        let job = self.job;
        let network =
            N::load(config, &job.source.network_dir, self.device).map_err(|e| e.to_string())?;
        let model = job.source.denoiser(&network);
        let solver = OdeLikelihood {
            rel_tol: job.args.tolerance,
            abs_tol: job.args.tolerance,
            t_start: None,
            divergence: if job.args.exact_divergence {
                Divergence::Exact
            } else {
                Divergence::Hutchinson {
                    seed: job.args.seed,
                }
            },
        };
        job.score::<Autodiff<B>, D>(self.device, |x, labels, first| {
            let result = solver
                .log_likelihood::<Autodiff<B>, _, D>(model.as_ref(), x, labels, first)
                .map_err(|e| e.to_string())?;
            Ok((
                result.bits_per_dim(DataRange::MinusOneToOne),
                result.evaluations,
            ))
        })
    }
}

/// Bits/dim per image and network evaluations per image of one batch `(x, global index of row 0)`.
type BatchScore = (Vec<f64>, usize);

impl LikelihoodJob<'_> {
    /// Scores the images in batches with `estimate`; the ODE gets uniformly dequantised data,
    /// the bound the 8-bit grid itself.
    fn score<B: burn::tensor::backend::Backend, const D: usize>(
        &self,
        device: &B::Device,
        mut estimate: impl FnMut(Tensor<B, D>, Option<&[usize]>, u64) -> Result<BatchScore, String>,
    ) -> Result<BatchScore, String> {
        if D != 1 + self.shape.len() {
            return Err("likelihood scores images; this model is not an image model".into());
        }
        let item: usize = self.shape.iter().product();
        let count = self.pixels.len() / item;
        let batch = self.args.batch.max(1);
        let mut bar = ProgressBar::new("scoring", count, self.args.quiet || self.args.json);
        let mut bits = Vec::with_capacity(count);
        let mut evaluations = 0;
        for first in (0..count).step_by(batch) {
            let rows = batch.min(count - first);
            let pixels = &self.pixels[first * item..(first + rows) * item];
            let shape = [rows, self.shape[0], self.shape[1], self.shape[2]];
            let values = match self.args.method {
                Method::Ode => dequantize(
                    pixels,
                    DataRange::MinusOneToOne,
                    self.args.seed ^ first as u64,
                ),
                Method::Elbo => pixels.iter().map(|&k| byte_to_unit(k)).collect(),
            };
            let x = Tensor::<B, D>::from_data(TensorData::new(values, shape), device);
            let labels = self.null_class.map(|null| vec![null; rows]);
            let (batch_bits, batch_evaluations) = estimate(x, labels.as_deref(), first as u64)?;
            bits.extend(batch_bits);
            evaluations = batch_evaluations;
            bar.advance(rows);
        }
        bar.finish();
        Ok((bits, evaluations))
    }
}

/// Runs `diffusion likelihood`.
pub fn run(args: &LikelihoodArgs) -> Result<(), String> {
    if args.num == 0 {
        return Err("--num must be at least 1".into());
    }
    let source = resolve(&args.model)?;
    if !source.network.is_image() {
        return Err(format!(
            "likelihood scores images; this model is a {} of points",
            source.network.class_name()
        ));
    }
    for note in &source.notes {
        eprintln!("note: {note}");
    }
    let network = &source.network;
    if network.class_count().is_some() {
        eprintln!(
            "note: class-conditional model scored with its null class (unconditional likelihood)"
        );
    }
    let shape: [usize; 3] = network
        .item_shape(None)
        .ok_or("the model's config.json has no sample_size")?
        .try_into()
        .map_err(|_| "likelihood scores images; this model is not an image model")?;
    let pixels = images(args, &source, shape)?;
    let null_class = network.class_count().map(|c| c - 1);
    let job = LikelihoodJob {
        args,
        null_class,
        source: &source,
        pixels,
        shape,
    };
    let (bits, evaluations) = run_on(args.backend, job)?;
    if let Some(bad) = bits.iter().position(|b| !b.is_finite()) {
        return Err(format!(
            "image {bad} got {} bits/dim (not a number), so there is no result to report; the \
             model's weights are broken or the estimate diverged: check the model with \
             `diffusion inspect --verify`, or try --method bound",
            bits[bad]
        ));
    }
    let n = bits.len() as f64;
    let mean = bits.iter().sum::<f64>() / n;
    let variance = bits.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let scores = Scores {
        method: format!("{:?}", args.method).to_lowercase(),
        standard_error: (variance / n).sqrt(),
        mean,
        bits_per_dim: bits,
        network_evaluations_per_image: evaluations,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&scores).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{} images, {}: {:.4} ± {:.4} bits/dim (mean ± standard error; {} network evaluations per image{})",
            scores.bits_per_dim.len(),
            scores.method,
            scores.mean,
            scores.standard_error,
            evaluations,
            if args.method == Method::Elbo { "; an upper bound" } else { "" }
        );
    }
    Ok(())
}
