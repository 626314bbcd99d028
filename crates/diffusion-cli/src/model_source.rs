//! Where a model comes from and how to sample it: a training checkpoint of ours, a training run
//! (its newest checkpoint), a diffusers `UNet2DModel` directory (or a pipeline directory with a
//! `unet/` folder), or a Hugging Face hub id.
//!
//! The result says which network folder to load and everything the samplers need that is not in
//! the weights: the forward process, what the network predicts, the time scaling, diffusers'
//! timestep offset and clipping, and the DDPM posterior variance.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::backend::Backend;
use diffusion_model::hub::{fetch_unet, HubRequest};
use diffusion_model::weights::{CONFIG_FILE, WEIGHTS_FILE};
use diffusion_model::{find_network, NetworkConfig, NetworkFolder};
use diffusion_sampling::denoiser::DenoisingNetwork;
use diffusion_sampling::draw::TrainedAs;
use diffusion_sampling::samplers::DdpmVariance;
use diffusion_sampling::{Denoiser, SchedulerConfig};
use diffusion_train::checkpoint::{latest_checkpoint, read_state, TrainState};
use diffusion_train::objective::{Objective, SharedProcess};
use diffusion_train::preview::trained_as;

/// A resolved model: the network's folder and how it was trained.
pub struct ModelSource {
    /// The folder with config.json and diffusion_pytorch_model.safetensors.
    pub network_dir: PathBuf,
    /// Its config.json, parsed by the network registry (the architecture, item shape and
    /// classes).
    pub network: NetworkConfig,
    /// How the network was trained: process, prediction, time scale, EDM preconditioning and
    /// the scheduler's `steps_offset` (its denoiser and default time grid come from this).
    pub trained: TrainedAs<SharedProcess>,
    /// The diffusers scheduler config (discrete models).
    pub scheduler: Option<SchedulerConfig>,
    /// The training state, for checkpoints of ours.
    pub training: Option<TrainState>,
    /// Assumptions made, printed to the user (e.g. a missing scheduler config).
    pub notes: Vec<String>,
}

impl ModelSource {
    /// x₀ clipping the model's scheduler asks for (images of ours: 1, as in training previews).
    pub fn clip(&self) -> Option<f64> {
        match &self.scheduler {
            Some(s) => s.clip(),
            None => self.network.is_image().then_some(1.0),
        }
    }

    /// `network` as the denoiser it was trained as, for every command that samples or scores.
    pub fn denoiser<'a, B, N, const D: usize>(&self, network: &'a N) -> Box<dyn Denoiser<B, D> + 'a>
    where
        B: Backend,
        N: DenoisingNetwork<B, D>,
    {
        self.trained.denoiser(network)
    }

    /// DDPM's posterior variance from the scheduler config (fixed_small by default).
    pub fn ddpm_variance(&self) -> Result<DdpmVariance, String> {
        match &self.scheduler {
            Some(s) => s.ddpm_variance().map_err(|e| e.to_string()),
            None => Ok(DdpmVariance::FixedSmall),
        }
    }
}

/// Resolves `spec`: an existing path (checkpoint, run, diffusers model or pipeline folder), else
/// a hub id `owner/name` (downloaded into the hub cache).
pub fn resolve(spec: &str) -> Result<ModelSource, String> {
    let path = Path::new(spec);
    if path.exists() {
        return resolve_path(path);
    }
    let looks_like_hub_id = spec.split('/').count() == 2
        && !spec.starts_with('.')
        && !spec.starts_with('/')
        && spec.split('/').all(|part| !part.is_empty());
    if !looks_like_hub_id {
        return Err(format!(
            "no model at `{spec}`: the path does not exist (give a checkpoint directory, a training run, a diffusers UNet2DModel folder, or a hub id like google/ddpm-cifar10-32)"
        ));
    }
    let dir = fetch_unet(&HubRequest::from_env(spec)).map_err(|e| e.to_string())?;
    let found = find_network(&dir)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the hub download {} holds no {CONFIG_FILE}", dir.display()))?;
    let scheduler = dir.join("scheduler_config.json");
    diffusers_folder(found, &[scheduler])
}

fn resolve_path(path: &Path) -> Result<ModelSource, String> {
    if path.join("train_state.json").is_file() {
        return checkpoint(path);
    }
    if path.join("checkpoints").is_dir() {
        let newest = latest_checkpoint(path).ok_or_else(|| {
            format!(
                "{} is a training run without a complete checkpoint yet (looked in {})",
                path.display(),
                path.join("checkpoints").display()
            )
        })?;
        return checkpoint(&newest);
    }
    match find_network(path).map_err(|e| e.to_string())? {
        Some(found) => {
            let parent = found.dir.parent().unwrap_or(path);
            let mut candidates = vec![
                found.dir.join("scheduler_config.json"),
                parent.join("scheduler").join("scheduler_config.json"),
            ];
            if found.dir != path {
                candidates.push(path.join("scheduler_config.json"));
            }
            diffusers_folder(found, &candidates)
        }
        None => Err(format!(
            "{} holds no model: looked for train_state.json (a checkpoint), checkpoints/ (a training run), {CONFIG_FILE} + {WEIGHTS_FILE} (a diffusers model) and unet/{CONFIG_FILE} (a pipeline)",
            path.display()
        )),
    }
}

/// A checkpoint of ours: the EMA network when present, the objective from its training config.
fn checkpoint(dir: &Path) -> Result<ModelSource, String> {
    let state = read_state(dir).map_err(|e| e.to_string())?;
    let objective = Objective::from_config(&state.config.objective).map_err(|e| e.to_string())?;
    let found = find_network(dir)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "{} holds no {}/ or {}_ema/ network folder; is the checkpoint complete?",
                dir.display(),
                state.config.model.folder(),
                state.config.model.folder()
            )
        })?;
    Ok(ModelSource {
        network_dir: found.dir,
        network: found.config,
        trained: trained_as(&objective),
        scheduler: objective.scheduler.clone(),
        training: Some(state),
        notes: Vec::new(),
    })
}

/// A diffusers model folder: the first scheduler config found among `candidates`, else DDPM's
/// defaults (and a note saying so).
fn diffusers_folder(found: NetworkFolder, candidates: &[PathBuf]) -> Result<ModelSource, String> {
    let mut notes = Vec::new();
    let scheduler = match candidates.iter().find(|p| p.is_file()) {
        Some(file) => SchedulerConfig::from_file(file).map_err(|e| e.to_string())?,
        None => {
            notes.push(
                "no scheduler_config.json beside the model: assuming DDPM, linear β 1e-4..0.02 over 1000 steps, ε prediction"
                    .to_string(),
            );
            SchedulerConfig::ddpm_default()
        }
    };
    let process: SharedProcess = Arc::new(scheduler.process().map_err(|e| e.to_string())?);
    Ok(ModelSource {
        network_dir: found.dir,
        network: found.config,
        trained: TrainedAs {
            process,
            prediction: scheduler.prediction().map_err(|e| e.to_string())?,
            time_scale: 1.0,
            edm: None,
            steps_offset: scheduler.steps_offset,
        },
        scheduler: Some(scheduler),
        training: None,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_path_that_is_no_hub_id_says_what_to_give() {
        let e = resolve("/nonexistent/model").err().unwrap();
        assert!(e.contains("does not exist"), "{e}");
        let e = resolve("./nope").err().unwrap();
        assert!(e.contains("hub id"), "{e}");
    }

    #[test]
    fn an_empty_folder_lists_what_was_looked_for() {
        let dir = tempfile::tempdir().unwrap();
        let e = resolve(dir.path().to_str().unwrap()).err().unwrap();
        assert!(e.contains("train_state.json") && e.contains("unet/"), "{e}");
    }
}
