//! One evaluation of a checkpoint, end to end: draw samples with the chosen settings, score them
//! (images: classifier metrics against the held-out split; 2-D: distances against the toy
//! distribution's exact samples) and gather a [`QualityReport`].

use std::path::Path;
use std::time::Instant;

use diffusion_data::ToyDistribution;
use diffusion_kernels::FusedKernels;
use diffusion_model::ModelBackend;
use diffusion_train::config::DataConfig;

use crate::checkpoint::{class_labels, Checkpoint, Samples, SamplingSettings};
use crate::classifier::load_classifier;
use crate::error::{EvalError, EvalResult};
use crate::evaluate::ImageEvaluator;
use crate::metrics::points::evaluate_points;
use crate::reference::split_of_run;
use crate::report::QualityReport;

/// What to draw: per class for images (or `per_class × 10` unconditional images), `points` for
/// 2-D models.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawCounts {
    /// Images per class.
    pub per_class: usize,
    /// 2-D points.
    pub points: usize,
}

/// The scorer that fits a checkpoint: classifier metrics for images, exact-sample distances for
/// a 2-D toy distribution.
pub enum Scorer<B: ModelBackend> {
    /// Images, scored against the held-out split.
    Images(Box<ImageEvaluator<B>>),
    /// 2-D points of a toy distribution.
    Points(ToyDistribution),
}

impl<B: ModelBackend + FusedKernels> Scorer<B> {
    /// The scorer for `checkpoint`: for a U-Net, the classifier in `classifier_dir` and the
    /// held-out split of the run's dataset; for an MLP, the run's toy distribution.
    pub fn for_checkpoint(
        checkpoint: &Checkpoint,
        classifier_dir: &Path,
        device: &B::Device,
    ) -> EvalResult<Self> {
        if checkpoint.network.config.is_image() {
            let (model, config) = load_classifier::<B>(classifier_dir, device)?;
            let (train, held_out) = split_of_run(&checkpoint.state.config)?;
            return Ok(Self::Images(Box::new(ImageEvaluator::new(
                model, config, train, held_out, device,
            )?)));
        }
        match &checkpoint.state.config.data {
            DataConfig::Toy { distribution, .. } => {
                Ok(Self::Points(ToyDistribution::parse(distribution)?))
            }
            _ => Err(EvalError::invalid(
                "the point-cloud checkpoint was not trained on a toy distribution; only toy \
                 distributions have exact samples to compare with",
            )),
        }
    }
}

/// Draws from `checkpoint` with `settings` and scores the samples with `scorer`; returns the
/// report and the samples (for a grid or scatter plot).
pub fn evaluate_checkpoint<B: ModelBackend + FusedKernels>(
    checkpoint: &Checkpoint,
    scorer: &Scorer<B>,
    settings: &SamplingSettings,
    counts: &DrawCounts,
    device: &B::Device,
) -> EvalResult<(QualityReport, Samples)> {
    let nfe = settings.nfe()?;
    let (samples, guidance) = match scorer {
        Scorer::Images(evaluator) => {
            let held = evaluator.held_out();
            let shape = held.item_shape.clone();
            match (checkpoint.class_embeddings(), held.num_classes) {
                (Some(embeddings), Some(classes)) => {
                    let classes = classes.min(embeddings.saturating_sub(1));
                    let labels = class_labels(classes, counts.per_class);
                    let s = checkpoint.draw::<B>(
                        settings,
                        &shape,
                        Some(&labels),
                        labels.len(),
                        device,
                    )?;
                    (s, Some(settings.guidance))
                }
                _ => {
                    let n = counts.per_class * 10;
                    (
                        checkpoint.draw::<B>(settings, &shape, None, n, device)?,
                        None,
                    )
                }
            }
        }
        Scorer::Points(_) => (
            checkpoint.draw::<B>(settings, &[2], None, counts.points, device)?,
            None,
        ),
    };
    let start = Instant::now();
    let (metrics, reference) = match scorer {
        Scorer::Images(evaluator) => (
            evaluator.evaluate(
                &samples.values,
                &samples.item_shape,
                samples.labels.as_deref(),
            )?,
            evaluator.held_out().len(),
        ),
        Scorer::Points(toy) => (
            evaluate_points(&samples.values, *toy)?,
            samples.values.len() / 2,
        ),
    };
    let report = QualityReport {
        source: checkpoint.dir.display().to_string(),
        sampler: settings.sampler.clone(),
        steps: settings.steps,
        nfe,
        guidance,
        seed: settings.seed,
        num_samples: samples.values.len() / samples.item_shape.iter().product::<usize>(),
        num_reference: reference,
        sample_seconds: samples.seconds,
        eval_seconds: start.elapsed().as_secs_f64(),
        metrics,
    };
    Ok((report, samples))
}
