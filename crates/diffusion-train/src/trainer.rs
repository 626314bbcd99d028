//! [`train`]: a run of a config, on whichever network kind it names (through the network
//! registry), driven by [`crate::training_loop::TrainingLoop`]. Every random draw is keyed by
//! (seed, stream, global sample index), so a resumed run repeats exactly the losses an
//! uninterrupted run would have had.

use std::path::PathBuf;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use diffusion_kernels::FusedKernels;
use diffusion_model::{ModelBackend, Network, TrainableVisitor};

use crate::config::TrainConfig;
use crate::data::{load_dataset, training_split, Batches};
use crate::error::TrainResult;
use crate::objective::Objective;
use crate::training_loop::TrainingLoop;

/// How to run (as opposed to what to train, which is the [`TrainConfig`]).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where checkpoints, samples, metrics.csv and loss.png go.
    pub output_dir: PathBuf,
    /// Continue from the newest complete checkpoint in `output_dir` (start fresh if none).
    pub resume: bool,
    /// Print a progress line every so often.
    pub progress: bool,
    /// Stop (after checkpointing) once this step is done, as if interrupted; for tests and demos.
    pub stop_after: Option<u64>,
}

impl RunOptions {
    /// A run writing to `output_dir`, fresh, with progress.
    pub fn new(output_dir: impl Into<PathBuf>) -> Self {
        Self {
            output_dir: output_dir.into(),
            resume: false,
            progress: true,
            stop_after: None,
        }
    }
}

/// What a call to [`train`] did.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    /// The first step this call ran (after a resume, the one after the checkpoint).
    pub first_step: u64,
    /// The last step completed.
    pub last_step: u64,
    /// The loss of each step this call ran.
    pub losses: Vec<f64>,
    /// The newest checkpoint written.
    pub last_checkpoint: Option<PathBuf>,
    /// The newest preview image written.
    pub last_preview: Option<PathBuf>,
    /// metrics.csv.
    pub metrics: PathBuf,
    /// loss.png.
    pub loss_curve: PathBuf,
    /// Training images per second over this call's steps (previews and checkpoints excluded).
    pub images_per_second: f64,
}

/// Trains the network of `config` on backend `B` (an autodiff backend such as
/// `Autodiff<Flex>`); see [`RunOptions`] for resuming. Tunes the process allocator first
/// ([`diffusion_kernels::ops::cpu_allocator::tune_for_tensors`]: freed tensor buffers stay
/// reusable).
pub fn train<B>(
    config: &TrainConfig,
    options: &RunOptions,
    device: &B::Device,
) -> TrainResult<TrainSummary>
where
    B: AutodiffBackend + FusedKernels + ModelBackend,
    B::InnerBackend: FusedKernels + ModelBackend,
{
    config.validate()?;
    let objective = Objective::from_config(&config.objective)?;
    diffusion_kernels::ops::cpu_allocator::tune_for_tensors();
    let batches = Batches::new(config, training_split(config, load_dataset(config)?)?);
    config.model.visit_trainable::<B, _>(TrainJob {
        config,
        objective,
        batches,
        options,
        device,
    })
}

/// The run, waiting for the registry to name the network type.
struct TrainJob<'a, B: AutodiffBackend> {
    config: &'a TrainConfig,
    objective: Objective,
    batches: Batches,
    options: &'a RunOptions,
    device: &'a B::Device,
}

impl<B> TrainableVisitor<B> for TrainJob<'_, B>
where
    B: AutodiffBackend + FusedKernels + ModelBackend,
    B::InnerBackend: FusedKernels + ModelBackend,
{
    type Output = TrainResult<TrainSummary>;

    fn visit<const D: usize, N>(self, network: &N::Config) -> Self::Output
    where
        N: Network<B, D> + AutodiffModule<B>,
        N::InnerModule: Network<B::InnerBackend, D, Config = N::Config>,
    {
        let (run, networks) = TrainingLoop::<B, N, D>::start(
            self.config,
            network,
            self.objective,
            self.batches,
            self.options,
            self.device,
        )?;
        run.run(networks)
    }
}
