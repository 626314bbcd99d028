//! Image evaluation against the held-out split: the classifier's features of the generated images
//! and of real images give the Fréchet distance and precision/recall, its predictions give the
//! class-conditional accuracy; each metric comes with its floor, computed on a training-split
//! subset of the same size as the generated set in place of the samples.

use diffusion_data::{order, Dataset};
use diffusion_model::ModelBackend;

use crate::classifier::{classify, Classified, ClassifierConfig, MnistClassifier};
use crate::error::{EvalError, EvalResult};
use crate::metrics::accuracy::conditional_accuracy;
use crate::metrics::frechet::{frechet_distance, GaussianFit};
use crate::metrics::precision_recall::precision_recall;
use crate::report::MetricRow;

/// The stream of the floor subset's permutation (any fixed value: the subset only has to be a
/// seeded, repeatable draw from the training split).
const FLOOR_STREAM: u64 = 0xF100;

/// A loaded classifier with the held-out reference already classified.
pub struct ImageEvaluator<B: ModelBackend> {
    model: MnistClassifier<B>,
    config: ClassifierConfig,
    device: B::Device,
    train: Dataset,
    held_out: Dataset,
    reference: Classified,
    reference_fit: GaussianFit,
    /// Neighbourhood size of precision/recall.
    pub k: usize,
}

impl<B: ModelBackend> ImageEvaluator<B> {
    /// Classifies the held-out images once; `train` supplies the floor's real images.
    pub fn new(
        model: MnistClassifier<B>,
        config: ClassifierConfig,
        train: Dataset,
        held_out: Dataset,
        device: &B::Device,
    ) -> EvalResult<Self> {
        let reference = classify(
            &model,
            &config,
            &held_out.values,
            &held_out.item_shape,
            device,
        )?;
        let reference_fit = GaussianFit::from_samples(&reference.features)?;
        Ok(Self {
            model,
            config,
            device: device.clone(),
            train,
            held_out,
            reference,
            reference_fit,
            k: crate::metrics::precision_recall::DEFAULT_K,
        })
    }

    /// The held-out images.
    pub fn held_out(&self) -> &Dataset {
        &self.held_out
    }

    /// The classifier's accuracy on the held-out images (the real-data value of the conditional
    /// accuracy).
    pub fn held_out_accuracy(&self) -> EvalResult<f64> {
        let labels = self.held_out_labels()?;
        conditional_accuracy(&self.reference.predictions, &labels)
    }

    fn held_out_labels(&self) -> EvalResult<Vec<usize>> {
        self.held_out
            .labels
            .as_ref()
            .map(|l| l.iter().map(|&c| c as usize).collect())
            .ok_or_else(|| EvalError::invalid("the held-out images have no labels"))
    }

    /// The metrics of `images` (row-major `[N, C, H, W]` in [−1, 1]); `requested` holds the
    /// class each image was sampled for (class-conditional models) and adds the conditional
    /// accuracy.
    pub fn evaluate(
        &self,
        images: &[f32],
        item_shape: &[usize],
        requested: Option<&[usize]>,
    ) -> EvalResult<Vec<MetricRow>> {
        let generated = classify(&self.model, &self.config, images, item_shape, &self.device)?;
        let n = generated.predictions.len();
        if n <= self.k {
            return Err(EvalError::invalid(format!(
                "{n} images are too few: precision/recall with k = {} needs more than k, and the \
                 Fréchet distance a covariance; draw more samples",
                self.k
            )));
        }
        // The floor: n training-split images (seeded subset) in place of the samples.
        let count = n.min(self.train.len());
        let mut subset = order::permutation(self.train.len(), 0, FLOOR_STREAM);
        subset.truncate(count);
        subset.sort_unstable();
        let real = self.train.subset(&subset);
        let real_out = classify(
            &self.model,
            &self.config,
            &real.values,
            &real.item_shape,
            &self.device,
        )?;

        let fd = frechet_distance(
            &GaussianFit::from_samples(&generated.features)?,
            &self.reference_fit,
        )?;
        let fd_floor = frechet_distance(
            &GaussianFit::from_samples(&real_out.features)?,
            &self.reference_fit,
        )?;
        let pr = precision_recall(&self.reference.features, &generated.features, self.k)?;
        let pr_floor = precision_recall(&self.reference.features, &real_out.features, self.k)?;
        let held = self.held_out.len();
        let mut rows = vec![MetricRow::new(
            "FD (classifier features)",
            fd,
            Some(fd_floor),
            format!("lower is better; vs {held} held-out images; floor: {count} training images"),
        )];
        if let Some(labels) = requested {
            rows.push(MetricRow::new(
                "conditional accuracy",
                conditional_accuracy(&generated.predictions, labels)?,
                Some(self.held_out_accuracy()?),
                "higher is better; floor: the classifier's held-out accuracy",
            ));
        }
        rows.push(MetricRow::new(
            format!("precision (k = {})", self.k),
            pr.precision,
            Some(pr_floor.precision),
            "higher is better (fidelity)",
        ));
        rows.push(MetricRow::new(
            format!("recall (k = {})", self.k),
            pr.recall,
            Some(pr_floor.recall),
            "higher is better (diversity)",
        ));
        Ok(rows)
    }
}
