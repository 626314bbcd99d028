//! Trains the MNIST classifier of the image metrics on the training split of the embedded MNIST
//! subset (the diffusion trainer's split: `TrainConfig::default()`'s held-out fraction and seed),
//! reports its held-out accuracy and writes `datasets/mnist-classifier/`:
//! `cargo run --release -p diffusion-eval --example train_classifier [-- OUT_DIR]`.
//!
//! Training runs on one thread (rayon's global pool of size 1): with more threads, the
//! convolution's weight gradient (diffusion-model sums per-task partial sums that rayon's work
//! stealing groups differently from run to run) and other parallel reductions make the weights
//! differ slightly between runs; on one thread every run gives the same bytes (checked twice).

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::backend::{Autodiff, Flex};
use diffusion_data::{load_idx_dir, EMBEDDED_MNIST};
use diffusion_eval::classifier::{
    classify, save_classifier, train_classifier, ClassifierConfig, ClassifierTraining,
    TrainingRecord, DEFAULT_CLASSIFIER_DIR,
};
use diffusion_eval::metrics::accuracy::conditional_accuracy;
use diffusion_train::TrainConfig;

const COMMAND: &str = "cargo run --release -p diffusion-eval --example train_classifier";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(DEFAULT_CLASSIFIER_DIR));
    let run = TrainConfig::default();
    let data = load_idx_dir(&root.join(EMBEDDED_MNIST))?;
    let (train, held_out) = data.split(run.held_out_fraction, run.seed)?;
    println!(
        "{} training images, {} held out (fraction {}, seed {})",
        train.len(),
        held_out.len(),
        run.held_out_fraction,
        run.seed
    );
    let mut config = ClassifierConfig::mnist();
    let training = ClassifierTraining::default();
    let device = Default::default();
    let start = Instant::now();
    let model = train_classifier::<Autodiff<Flex>>(
        &config,
        &training,
        &train,
        &device,
        |epoch, step, loss| {
            println!(
                "epoch {epoch}/{}  step {step}  mean loss {loss:.4}  {:.0} s",
                training.epochs,
                start.elapsed().as_secs_f64()
            );
        },
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let out_held = classify(
        &model,
        &config,
        &held_out.values,
        &held_out.item_shape,
        &device,
    )?;
    let labels: Vec<usize> = held_out
        .labels
        .as_ref()
        .ok_or("the held-out images have no labels")?
        .iter()
        .map(|&l| l as usize)
        .collect();
    let accuracy = conditional_accuracy(&out_held.predictions, &labels)?;
    let correct = (accuracy * labels.len() as f64).round() as usize;
    println!(
        "held-out accuracy {correct}/{} = {:.2} %, trained in {seconds:.1} s",
        labels.len(),
        100.0 * accuracy
    );
    config.training = Some(TrainingRecord {
        command: COMMAND.into(),
        data: EMBEDDED_MNIST.into(),
        held_out_fraction: run.held_out_fraction,
        split_seed: run.seed,
        seed: training.seed,
        epochs: training.epochs,
        batch_size: training.batch_size,
        learning_rate: training.learning_rate,
        max_shift: training.max_shift,
        held_out_correct: correct,
        held_out_count: labels.len(),
        train_seconds: (seconds * 10.0).round() / 10.0,
    });
    save_classifier(&model, &config, &out)?;
    println!("wrote {}", out.display());
    Ok(())
}
