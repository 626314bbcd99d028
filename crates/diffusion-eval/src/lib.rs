//! `diffusion-eval`: how good are a diffusion model's samples?
//!
//! - [`classifier`]: a small MNIST CNN (burn) trained on the diffusion trainer's training split;
//!   its penultimate layer is the feature space of the image metrics, its logits give the
//!   class-conditional accuracy. Weights live in `datasets/mnist-classifier/`.
//! - [`metrics`]: Fréchet distance of Gaussian fits (FID's formula), precision/recall with k-NN
//!   manifolds, class-conditional accuracy, and sliced W2 / MMD for 2-D toy data.
//! - [`evaluate`]: the image metrics of generated images against the held-out split
//!   ([`mod@reference`]), each beside its real-vs-real floor.
//! - [`checkpoint`]: samples from a training checkpoint's EMA network with a chosen sampler;
//!   [`checkpoint_eval`] puts drawing and scoring together into a [`QualityReport`] ([`report`]).
//! - [`plot`]: a metric-vs-NFE line plot (the `quality_vs_nfe` example).
//!
//! All metric math is plain f64; the networks are generic over the burn backend.

#![warn(missing_docs)]

pub mod checkpoint;
pub mod checkpoint_eval;
pub mod classifier;
pub mod error;
pub mod evaluate;
pub mod metrics;
pub mod plot;
pub mod reference;
pub mod report;

pub use checkpoint::{steps_for_nfe, Checkpoint, Samples, SamplingSettings};
pub use checkpoint_eval::{evaluate_checkpoint, DrawCounts, Scorer};
pub use error::{EvalError, EvalResult};
pub use evaluate::ImageEvaluator;
pub use report::{MetricRow, QualityReport};
