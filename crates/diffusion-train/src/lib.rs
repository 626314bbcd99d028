//! `diffusion-train`: the training loop of diffusion models on burn.
//!
//! - [`config`]: the run, as one serde struct read from JSON or TOML; its defaults are the main
//!   job (`cargo xtask train`: a class-conditional U-Net on the embedded MNIST subset).
//! - [`objective`]: ε, x₀, v, score (λ(t) = σ²) and flow-velocity targets under any forward
//!   process of diffusion-math, min-SNR-γ weights.
//! - [`optimizer`]: AdamW keyed by parameter name, warm-up + cosine/constant schedule, clipping.
//! - [`ema`]: the weights' moving average with diffusers' warm-up.
//! - [`config_changes`]: what `--resume` may change (optimiser settings, step count), recorded
//!   in `train_state.json`.
//! - [`checkpoint`]: atomic checkpoint directories in diffusers' layout with the optimiser state
//!   and `train_state.json`; [`metrics`] and [`preview`] (PNGs through
//!   `diffusion_data::images`): what a run leaves behind.
//! - [`trainer`]: [`train`], resumable: a resumed run repeats the uninterrupted run's losses;
//!   [`training_loop`]: the run as a small type with step, checkpoint and preview methods.

#![warn(missing_docs)]

mod batch_loss;
pub mod checkpoint;
pub mod classes;
pub mod config;
pub mod config_changes;
pub mod data;
pub mod ema;
pub mod error;
pub mod metrics;
pub mod objective;
pub mod optimizer;
pub mod params;
pub mod preview;
mod resume;
pub mod run;
pub mod trainer;
pub mod training_loop;

pub use config::TrainConfig;
pub use error::{TrainError, TrainResult};
pub use trainer::{train, RunOptions, TrainSummary};
