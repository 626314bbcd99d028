//! The run's data: the configured dataset, minus its held-out split, and each step's batch.

use std::path::Path;

use diffusion_data::{
    flip_horizontally, load_idx_dir, load_image_folder, order, Dataset, EpochOrder, ToyDistribution,
};

use crate::config::{DataConfig, TrainConfig};
use crate::error::TrainResult;

/// Random streams of a run, one per kind of draw, keyed by the global sample index.
pub mod streams {
    /// Timesteps.
    pub const TIME: u64 = 1;
    /// The second uniform of a time draw (EDM's Box–Muller).
    pub const TIME_PAIR: u64 = 5;
    /// Label dropout.
    pub const DROPOUT: u64 = 2;
    /// Horizontal flips.
    pub const FLIP: u64 = 3;
    /// The data order (and the held-out split, which uses the order's own seed derivation).
    pub const ORDER: u64 = 4;
    /// ε of the noising kernel (its Philox stream).
    pub const NOISE: u32 = 0;
}

/// The dataset of a config (relative paths are relative to the working directory).
pub fn load_dataset(config: &TrainConfig) -> TrainResult<Dataset> {
    Ok(match &config.data {
        DataConfig::Idx { path } => load_idx_dir(Path::new(path))?,
        DataConfig::Folder {
            path,
            size,
            channels,
            ..
        } => load_image_folder(Path::new(path), *size, *channels)?.0,
        DataConfig::Toy {
            distribution,
            samples,
        } => ToyDistribution::parse(distribution)?.dataset(*samples, config.seed)?,
    })
}

/// The training part of the data, after removing the held-out fraction.
pub fn training_split(config: &TrainConfig, data: Dataset) -> TrainResult<Dataset> {
    if config.held_out_fraction > 0.0 {
        Ok(data.split(config.held_out_fraction, config.seed)?.0)
    } else {
        Ok(data)
    }
}

/// Draws batches: the items at global positions `first..first + n` of the seeded epoch order,
/// flipped where the config asks and the flip draw says so.
pub struct Batches {
    data: Dataset,
    order: EpochOrder,
    seed: u64,
    flip: bool,
}

impl Batches {
    /// Batches over `data` for the run `config`.
    pub fn new(config: &TrainConfig, data: Dataset) -> Self {
        let flip = matches!(config.data, DataConfig::Folder { flip: true, .. });
        Self {
            order: EpochOrder::new(data.len(), order::mix64(config.seed ^ streams::ORDER)),
            data,
            seed: config.seed,
            flip,
        }
    }

    /// The dataset.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Items `first..first + n` of the stream: values and labels.
    pub fn batch(&mut self, first: u64, n: usize) -> (Vec<f32>, Option<Vec<u32>>) {
        let indices = self.order.items(first, n);
        let (mut values, labels) = self.data.gather(&indices);
        if self.flip {
            let flips: Vec<bool> = (0..n as u64)
                .map(|k| order::uniform(self.seed, streams::FLIP, first + k) < 0.5)
                .collect();
            flip_horizontally(&mut values, &self.data.item_shape, &flips);
        }
        (values, labels)
    }
}
