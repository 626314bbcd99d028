//! The real data a run never trained on: the held-out split of its dataset, drawn exactly as the
//! trainer draws it (`Dataset::split(held_out_fraction, seed)`), so that neither the diffusion
//! model nor the classifier (trained on `TrainConfig::default()`'s split) has seen it.

use diffusion_data::Dataset;
use diffusion_train::data::load_dataset;
use diffusion_train::TrainConfig;

use crate::error::{EvalError, EvalResult};

/// `(training split, held-out split)` of the dataset of `config` (relative data paths are
/// relative to the working directory).
pub fn split_of_run(config: &TrainConfig) -> EvalResult<(Dataset, Dataset)> {
    if config.held_out_fraction <= 0.0 {
        return Err(EvalError::invalid(
            "the run kept no held-out data (held_out_fraction = 0), so there is no unseen real \
             data to compare with; evaluate a run trained with a held-out fraction (default 0.05)",
        ));
    }
    let data = load_dataset(config)?;
    Ok(data.split(config.held_out_fraction, config.seed)?)
}
