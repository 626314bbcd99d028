//! What a training run is asked to do besides its config ([`RunOptions`]) and what it reports
//! ([`TrainSummary`]).

use std::path::PathBuf;

/// How to run (as opposed to what to train, which is the [`crate::TrainConfig`]).
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

/// What a call to [`crate::train`] did.
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
