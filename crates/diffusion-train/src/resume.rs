//! Where a run starts: fresh from a seeded network, or from the newest checkpoint of its output
//! folder (network, EMA network, optimiser moments and step), refusing a config that changes more
//! than [`crate::config_changes`] allows.

use std::path::{Path, PathBuf};

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use diffusion_model::weights::read_safetensors;
use diffusion_model::{Network, NetworkSpec};

use crate::checkpoint::{latest_checkpoint, read_state, TrainState, OPTIMIZER_FILE};
use crate::config::TrainConfig;
use crate::config_changes::{resume_changes, CHANGEABLE_ON_RESUME};
use crate::error::{TrainError, TrainResult};
use crate::optimizer::AdamW;
use crate::params::flat_params;
use crate::run::RunOptions;

/// What a run starts from.
pub struct Start<B: AutodiffBackend, M: AutodiffModule<B>> {
    /// The network being trained.
    pub model: M,
    /// Its moving average.
    pub ema: M::InnerModule,
    /// The optimiser with its moments.
    pub optimizer: AdamW<B::InnerBackend>,
    /// The step, images seen and history.
    pub state: TrainState,
    /// The checkpoint resumed from.
    pub checkpoint: Option<PathBuf>,
}

/// The network's sub-folder in a checkpoint and its EMA twin's.
pub fn network_folders<C: NetworkSpec>(checkpoint: &Path) -> (PathBuf, PathBuf) {
    (
        checkpoint.join(C::FOLDER),
        checkpoint.join(format!("{}_ema", C::FOLDER)),
    )
}

/// A fresh start (network from `config`'s seed), or with `options.resume` the newest checkpoint
/// in the output folder. A run into a folder that already holds checkpoints without `resume` is
/// refused, so a finished run is never overwritten by accident.
pub fn start_or_resume<B, M, const D: usize>(
    config: &TrainConfig,
    network: &M::Config,
    options: &RunOptions,
    device: &B::Device,
) -> TrainResult<Start<B, M>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + Network<B, D>,
    M::InnerModule: Network<B::InnerBackend, D, Config = M::Config>,
{
    let out = &options.output_dir;
    match (options.resume, latest_checkpoint(out)) {
        (true, Some(ckpt)) => resume(config, &ckpt, device),
        (false, Some(ckpt)) => Err(TrainError::Config(format!(
            "{} already holds checkpoint {}; pass --resume to continue that run, or choose \
             another output directory",
            out.display(),
            ckpt.display()
        ))),
        (_, None) => {
            let model = M::build(network, config.seed, device)?;
            let ema = model.valid();
            Ok(Start {
                model,
                ema,
                optimizer: AdamW::new(config.optimizer.clone()),
                state: TrainState {
                    step: 0,
                    images_seen: 0,
                    optimizer_updates: 0,
                    seed: config.seed,
                    config: config.clone(),
                    history: Vec::new(),
                    changes: Vec::new(),
                },
                checkpoint: None,
            })
        }
    }
}

fn resume<B, M, const D: usize>(
    config: &TrainConfig,
    ckpt: &Path,
    device: &B::Device,
) -> TrainResult<Start<B, M>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + Network<B, D>,
    M::InnerModule: Network<B::InnerBackend, D, Config = M::Config>,
{
    let mut state = read_state(ckpt)?;
    let changes = resume_changes(&state.config, config, state.step).map_err(|key| {
        TrainError::Checkpoint {
            path: ckpt.to_path_buf(),
            message: format!(
                "was written by a run with another `{key}`; a resume may change only {} \
                 (resume with the checkpoint's `{key}`, or start a new run in another output \
                 directory)",
                CHANGEABLE_ON_RESUME.join(", ")
            ),
        }
    })?;
    state.changes.extend(changes);
    state.config = config.clone();
    let (live, averaged) = network_folders::<M::Config>(ckpt);
    let model = M::load_from(&live, device)?;
    let ema = M::InnerModule::load_from(&averaged, device)?;
    let lengths = flat_params(&ema)
        .into_iter()
        .map(|(k, t)| (k, t.dims()[0]))
        .collect();
    let named = read_safetensors(&ckpt.join(OPTIMIZER_FILE))?;
    let optimizer = AdamW::from_named(
        config.optimizer.clone(),
        state.optimizer_updates,
        named,
        &lengths,
        device,
    )
    .map_err(|message| TrainError::Checkpoint {
        path: ckpt.to_path_buf(),
        message,
    })?;
    Ok(Start {
        model,
        ema,
        optimizer,
        state,
        checkpoint: Some(ckpt.to_path_buf()),
    })
}
