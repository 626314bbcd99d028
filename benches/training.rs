//! Training throughput on the CPU: the main job's configuration (class-conditional MNIST U-Net,
//! batch 64, ε-loss on diffusers' DDPM table, AdamW, gradient clipping, EMA) through
//! `diffusion_train::train` on burn flex, against the same step in PyTorch/diffusers
//! (benches/reference/train_torch.py), in one run, as a ratio of images per second.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use common::{machine, reference, warn_if_loaded};
use diffusion::train::config::mnist_unet_config;
use diffusion::train::metrics::read_metrics;
use diffusion::train::{train, RunOptions, TrainConfig};

const BATCH: usize = 64;
const WARMUP: u64 = 3;
const TIMED: u64 = 10;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    warn_if_loaded();
    let mut config = TrainConfig::default();
    config.data = diffusion::train::config::DataConfig::Idx {
        path: root.join("datasets/mnist-10k").display().to_string(),
    };
    config.steps = WARMUP + TIMED;
    config.batch_size = BATCH;
    config.checkpoint_every = 1000;
    config.preview.steps = 1;
    config.preview.per_row = 1;
    let dir = std::env::temp_dir().join(format!("diffusion-train-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut options = RunOptions::new(&dir);
    options.progress = false;
    let summary = train::<Autodiff<Flex>>(&config, &options, &Default::default())
        .expect("the benchmark run trains");
    let rows = read_metrics(&summary.metrics).expect("metrics.csv");
    let _ = std::fs::remove_dir_all(&dir);
    let mut ms: Vec<f64> = rows
        .iter()
        .filter(|r| r.step > WARMUP)
        .map(|r| 1e3 * BATCH as f64 / r.images_per_second)
        .collect();
    ms.sort_by(f64::total_cmp);
    let ours = ms[ms.len() / 2];

    let json = mnist_unet_config().to_string();
    let batch = BATCH.to_string();
    let (warmup, timed) = (WARMUP.to_string(), TIMED.to_string());
    let theirs = reference(
        root,
        "benches/reference/train_torch.py",
        &[
            "--config-json",
            &json,
            "--batch",
            &batch,
            "--warmup",
            &warmup,
            "--steps",
            &timed,
        ],
    );
    let (theirs_text, ratio) = match &theirs {
        Some((j, _)) => {
            let median = j["ms_per_step_median"].as_f64().unwrap_or(f64::NAN);
            (
                format!(
                    "{median:.0} ({:.0}–{:.0})",
                    j["ms_per_step_min"].as_f64().unwrap_or(f64::NAN),
                    j["ms_per_step_max"].as_f64().unwrap_or(f64::NAN)
                ),
                format!("{:.2}", median / ours),
            )
        }
        None => ("–".into(), "–".into()),
    };
    println!(
        "Training on the CPU: MNIST U-Net (16-32-32, class-conditional), batch {BATCH}, ours (burn flex) vs PyTorch/diffusers\n\n\
         machine: {}\nreference: {}\n\n\
         | | ms per step, median (min–max) | images/s |\n|---|---|---|\n\
         | ours | {ours:.0} ({:.0}–{:.0}) | {:.0} |\n\
         | PyTorch | {theirs_text} | {} |\n\n\
         throughput ratio ours/PyTorch: {ratio} (target ≥ 1.0)",
        machine(),
        theirs.as_ref().map(|t| t.1.as_str()).unwrap_or("not run (set DIFFUSION_REFERENCE_PYTHON)"),
        ms[0],
        ms[ms.len() - 1],
        1e3 * BATCH as f64 / ours,
        theirs
            .as_ref()
            .and_then(|(j, _)| j["images_per_second"].as_f64())
            .map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "–".into()),
    );
}
