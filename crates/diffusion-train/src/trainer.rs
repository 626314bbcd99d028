//! [`train`]: a run of a config, on whichever network kind it names (through the network
//! registry), driven by [`crate::training_loop::TrainingLoop`]. Every random draw is keyed by
//! (seed, stream, global sample index), so a resumed run repeats exactly the losses an
//! uninterrupted run would have had.

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use diffusion_kernels::FusedKernels;
use diffusion_model::{ModelBackend, Network, TrainableVisitor};

use crate::config::TrainConfig;
use crate::data::{load_dataset, training_split, Batches};
use crate::error::{TrainError, TrainResult};
use crate::objective::Objective;
pub use crate::run::{RunOptions, TrainSummary};
use crate::training_loop::TrainingLoop;

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
    check_batch_fits(config, &batches.data().item_shape)?;
    config.model.visit_trainable::<B, _>(TrainJob {
        config,
        objective,
        batches,
        options,
        device,
    })
}

/// Refuses a micro-batch whose forward and backward pass would need more memory than the
/// machine has (activations kept for the backward pass and their gradients, about three times
/// a forward pass), naming `batch_size`.
fn check_batch_fits(config: &TrainConfig, item_shape: &[usize]) -> TrainResult<()> {
    let micro = config.batch_size / config.gradient_accumulation;
    let footprint = config.model.footprint(item_shape);
    let bytes = 3 * footprint.bytes(micro) + 12 * footprint.parameters;
    let what = format!(
        "batch_size {} (micro-batches of {micro})",
        config.batch_size
    );
    diffusion_data::memory::check_fits(&what, bytes).map_err(|e| TrainError::Config(e.to_string()))
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
