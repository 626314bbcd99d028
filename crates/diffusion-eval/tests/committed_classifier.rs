//! The committed classifier (datasets/mnist-classifier) loads, reaches its recorded held-out
//! accuracy on the trainer's held-out split, and the image evaluation of the held-out images
//! against themselves gives FD 0 and precision = recall = 1.

use std::path::Path;

use burn::backend::Flex;
use diffusion_data::{load_idx_dir, EMBEDDED_MNIST};
use diffusion_eval::classifier::{load_classifier, DEFAULT_CLASSIFIER_DIR};
use diffusion_eval::ImageEvaluator;
use diffusion_train::TrainConfig;

#[test]
fn committed_classifier_scores_the_held_out_split() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let device = Default::default();
    let (model, config) = load_classifier::<Flex>(&root.join(DEFAULT_CLASSIFIER_DIR), &device)
        .expect("the committed classifier loads");
    let run = TrainConfig::default();
    let data = load_idx_dir(&root.join(EMBEDDED_MNIST)).unwrap();
    let (train, held_out) = data.split(run.held_out_fraction, run.seed).unwrap();
    let record = config.training.clone().expect("a training record");
    assert_eq!(
        (record.held_out_fraction, record.split_seed),
        (run.held_out_fraction, run.seed)
    );
    let evaluator = ImageEvaluator::new(model, config, train, held_out.clone(), &device).unwrap();
    let accuracy = evaluator.held_out_accuracy().unwrap();
    assert!(accuracy >= 0.98, "held-out accuracy {accuracy}");
    assert!(
        (accuracy - record.held_out_correct as f64 / record.held_out_count as f64).abs() <= 0.002,
        "accuracy {accuracy} differs from the recorded {}/{}",
        record.held_out_correct,
        record.held_out_count
    );

    let labels: Vec<usize> = held_out
        .labels
        .as_ref()
        .unwrap()
        .iter()
        .map(|&l| l as usize)
        .collect();
    let rows = evaluator
        .evaluate(&held_out.values, &held_out.item_shape, Some(&labels))
        .unwrap();
    let get = |name: &str| rows.iter().find(|r| r.metric.starts_with(name)).unwrap();
    assert!(get("FD").value < 1e-6, "FD {}", get("FD").value);
    assert!(get("FD").floor.unwrap() > 0.0);
    assert_eq!(get("conditional accuracy").value, accuracy);
    assert_eq!(get("precision").value, 1.0);
    assert_eq!(get("recall").value, 1.0);
    // Wrong-class requests are caught by the conditional accuracy.
    let shifted: Vec<usize> = labels.iter().map(|l| (l + 1) % 10).collect();
    let rows = evaluator
        .evaluate(&held_out.values, &held_out.item_shape, Some(&shifted))
        .unwrap();
    assert!(rows[1].value < 0.05, "{}", rows[1].value);
}
