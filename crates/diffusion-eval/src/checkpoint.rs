//! Samples from a training checkpoint: its EMA network (found through the network registry), its
//! objective and config (`train_state.json`), drawn through the trainer's own preview path
//! (`diffusion_train::preview::draw_samples`) with a chosen sampler, step count and guidance.

use std::path::{Path, PathBuf};
use std::time::Instant;

use diffusion_kernels::FusedKernels;
use diffusion_model::{find_network, ModelBackend, Network, NetworkFolder, NetworkVisitor};
use diffusion_sampling::{Sampler, SamplerName};
use diffusion_train::checkpoint::{read_state, TrainState};
use diffusion_train::config::PreviewConfig;
use diffusion_train::objective::Objective;
use diffusion_train::preview::draw_samples;

use crate::error::{EvalError, EvalResult};

/// How to sample: sampler name, steps, guidance scale and noise seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingSettings {
    /// A sampler name of `diffusion_sampling::SAMPLER_NAMES`.
    pub sampler: String,
    /// Sampler steps.
    pub steps: usize,
    /// Classifier-free guidance scale (class-conditional models; 1 = none).
    pub guidance: f64,
    /// Noise seed (the trainer's preview offset is added, as in its previews).
    pub seed: u64,
}

impl SamplingSettings {
    /// Network evaluations per sample (guidance doubles the batch of each evaluation, not their
    /// number).
    pub fn nfe(&self) -> EvalResult<usize> {
        Ok(parse_sampler(&self.sampler)?.evaluations(self.steps))
    }
}

/// A registry sampler name; an unknown one is an invalid-input error listing the accepted ones.
fn sampler_name(name: &str) -> EvalResult<SamplerName> {
    SamplerName::parse(name).map_err(|e| EvalError::invalid(e.to_string()))
}

/// The sampler `name` with its default options.
fn parse_sampler(name: &str) -> EvalResult<Sampler> {
    Ok(sampler_name(name)?.sampler(0.0))
}

/// The step count at which `sampler` makes exactly `nfe` network evaluations, if one exists
/// (Heun's `2·steps − 1` has no even NFE, the predictor–corrector's `2·steps` no odd one).
pub fn steps_for_nfe(sampler: &str, nfe: usize) -> EvalResult<Option<usize>> {
    let s = parse_sampler(sampler)?;
    Ok((1..=nfe).find(|&steps| s.evaluations(steps) == nfe))
}

/// A training checkpoint ready to sample from.
pub struct Checkpoint {
    /// Its directory.
    pub dir: PathBuf,
    /// `train_state.json` (the run's config and seed among it).
    pub state: TrainState,
    /// The objective the network was trained for (process, prediction, preconditioning).
    pub objective: Objective,
    /// The EMA network's folder and config (its weights are read by each draw).
    pub network: NetworkFolder,
}

/// Samples drawn from a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Row-major values, `n × item_shape`.
    pub values: Vec<f32>,
    /// The shape of one sample.
    pub item_shape: Vec<usize>,
    /// The class each sample was drawn for (class-conditional U-Nets).
    pub labels: Option<Vec<usize>>,
    /// Wall-clock seconds of sampling.
    pub seconds: f64,
}

/// Labels `0, 0, …, 1, 1, …`: `per_class` of each of `classes`, so a grid of `classes` rows
/// shows one class per row.
pub fn class_labels(classes: usize, per_class: usize) -> Vec<usize> {
    (0..classes * per_class).map(|i| i / per_class).collect()
}

impl Checkpoint {
    /// Reads `dir` (a `checkpoints/checkpoint-NNNNNN` folder): its state, objective and the
    /// config of its EMA network.
    pub fn load(dir: &Path) -> EvalResult<Self> {
        if !dir.join("train_state.json").is_file() {
            return Err(EvalError::MissingFile {
                path: dir.join("train_state.json"),
                hint:
                    "pass a checkpoint directory such as runs/mnist/checkpoints/checkpoint-002000 \
                       (made by `diffusion train`)"
                        .into(),
            });
        }
        let state = read_state(dir)?;
        let objective = Objective::from_config(&state.config.objective)?;
        let network = find_network(dir)?.ok_or_else(|| EvalError::MissingFile {
            path: dir.join(format!("{}_ema", state.config.model.folder())),
            hint: "the checkpoint holds no network folder; is it complete?".into(),
        })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            state,
            objective,
            network,
        })
    }

    /// The class-embedding count of a class-conditional network (the last one is the null
    /// class of guidance), `None` when unconditional.
    pub fn class_embeddings(&self) -> Option<usize> {
        self.network.config.class_count()
    }

    /// Draws `n` samples of `item_shape` on backend `B`; `labels` (one per sample) condition a
    /// class-conditional network, guided with the null class (the last embedding) at
    /// `settings.guidance`.
    pub fn draw<B: ModelBackend + FusedKernels>(
        &self,
        settings: &SamplingSettings,
        item_shape: &[usize],
        labels: Option<&[usize]>,
        n: usize,
        device: &B::Device,
    ) -> EvalResult<Samples> {
        if n == 0 {
            return Err(EvalError::invalid("asked for 0 samples"));
        }
        let conditioning = match (labels, self.class_embeddings()) {
            (Some(l), Some(classes)) => {
                if l.len() != n {
                    return Err(EvalError::invalid(format!(
                        "{} labels for {n} samples",
                        l.len()
                    )));
                }
                if let Some(bad) = l.iter().find(|&&c| c + 1 >= classes) {
                    return Err(EvalError::invalid(format!(
                        "class {bad} is not a data class of this network ({classes} embeddings, \
                         the last is the null class)"
                    )));
                }
                Some((l, classes - 1))
            }
            (Some(_), None) => {
                return Err(EvalError::invalid(
                    "the network is unconditional; sample without labels",
                ))
            }
            (None, _) => None,
        };
        let preview = PreviewConfig {
            sampler: sampler_name(&settings.sampler)?,
            steps: settings.steps,
            guidance_scale: settings.guidance,
            ..self.state.config.preview.clone()
        };
        let start = Instant::now();
        let values = self.network.config.visit::<B, _>(DrawJob {
            checkpoint: self,
            preview: &preview,
            item_shape,
            conditioning,
            n,
            seed: settings.seed,
            device,
        })?;
        Ok(Samples {
            values,
            item_shape: item_shape.to_vec(),
            labels: labels.map(<[usize]>::to_vec),
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

/// One draw, waiting for the registry to name the network type.
struct DrawJob<'a, B: ModelBackend> {
    checkpoint: &'a Checkpoint,
    preview: &'a PreviewConfig,
    item_shape: &'a [usize],
    conditioning: Option<(&'a [usize], usize)>,
    n: usize,
    seed: u64,
    device: &'a B::Device,
}

impl<B: ModelBackend + FusedKernels> NetworkVisitor<B> for DrawJob<'_, B> {
    type Output = EvalResult<Vec<f32>>;

    fn visit<const D: usize, N: Network<B, D>>(self, config: &N::Config) -> Self::Output {
        let network = N::load(config, &self.checkpoint.network.dir, self.device)?;
        Ok(draw_samples::<B, N, D>(
            &network,
            &self.checkpoint.objective,
            self.preview,
            self.item_shape,
            self.conditioning,
            self.n,
            self.seed,
            self.device,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfe_and_labels() {
        assert_eq!(steps_for_nfe("ddim", 10).unwrap(), Some(10));
        assert_eq!(steps_for_nfe("heun", 9).unwrap(), Some(5));
        assert_eq!(steps_for_nfe("heun", 10).unwrap(), None);
        assert!(steps_for_nfe("nope", 10).is_err());
        assert_eq!(class_labels(3, 2), vec![0, 0, 1, 1, 2, 2]);
        let s = SamplingSettings {
            sampler: "heun".into(),
            steps: 5,
            guidance: 1.0,
            seed: 0,
        };
        assert_eq!(s.nfe().unwrap(), 9);
    }
}
