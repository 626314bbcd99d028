//! Training throughput on the CPU: the main job's configuration (class-conditional MNIST U-Net,
//! batch 64, ε-loss on diffusers' DDPM table, AdamW, gradient clipping, EMA) through
//! `diffusion_train::train` on burn flex, against the same step in PyTorch/diffusers
//! (benches/reference/train_torch.py), in one run, as a ratio of images per second
//! (PyTorch's ms per step / ours: above 1, ours is faster), also a result row for
//! `cargo xtask bench`. `--tiny` (or `DIFFUSION_BENCH_TINY=1`): batch 4, 2 timed steps.

mod common;

use std::path::Path;
use std::time::Duration;

use burn::backend::{Autodiff, Flex};
use common::{timing_of, Mode, Recorder, Row, Spread, NO_REFERENCE};
use diffusion::train::config::mnist_unet_config;
use diffusion::train::metrics::read_metrics;
use diffusion::train::{train, RunOptions, TrainConfig};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mode = Mode::from_env();
    let recorder = Recorder::start(mode.tiny);
    let (batch, warmup, timed) = mode.pick((64usize, 3u64, 10u64), (4, 1, 2));
    let mut config = TrainConfig::default();
    config.data = diffusion::train::config::DataConfig::Idx {
        path: root.join("datasets/mnist-10k").display().to_string(),
    };
    config.steps = warmup + timed;
    config.batch_size = batch;
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
    let steps: Vec<Duration> = rows
        .iter()
        .filter(|r| r.step > warmup)
        .map(|r| Duration::from_secs_f64(batch as f64 / r.images_per_second))
        .collect();
    let ours = Spread::of(&timing_of(steps));

    let json = mnist_unet_config().to_json_string();
    let batch_arg = batch.to_string();
    let (warmup_arg, timed_arg) = (warmup.to_string(), timed.to_string());
    let theirs = common::reference(
        root,
        mode,
        "benches/reference/train_torch.py",
        &[
            "--config-json",
            &json,
            "--batch",
            &batch_arg,
            "--warmup",
            &warmup_arg,
            "--steps",
            &timed_arg,
        ],
    );
    let reference_name = theirs.as_ref().map_or(NO_REFERENCE, |t| t.1.as_str());
    let spread = theirs.as_ref().and_then(|(j, _)| {
        Spread::from_reference(
            j,
            ["ms_per_step_median", "ms_per_step_min", "ms_per_step_max"],
            timed as usize,
        )
    });
    let theirs_text = spread.map_or("–".into(), |s| {
        format!("{:.0} ({:.0}–{:.0})", s.median_ms, s.min_ms, s.max_ms)
    });
    let ratio = spread.map_or("–".into(), |s| {
        format!("{:.2}", s.median_ms / ours.median_ms)
    });
    println!(
        "Training on the CPU: MNIST U-Net (16-32-32, class-conditional), batch {batch}, ours (burn flex) vs PyTorch/diffusers\n\n\
         machine: {}\nreference: {reference_name}\n\n\
         | | ms per step, median (min–max) | images/s |\n|---|---|---|\n\
         | ours | {:.0} ({:.0}–{:.0}) | {:.0} |\n\
         | PyTorch | {theirs_text} | {} |\n\n\
         throughput ratio ours/PyTorch (= PyTorch ms / ours ms): {ratio} (target ≥ 1.0)",
        recorder.machine(),
        ours.median_ms,
        ours.min_ms,
        ours.max_ms,
        1e3 * batch as f64 / ours.median_ms,
        spread
            .map(|s| format!("{:.0}", 1e3 * batch as f64 / s.median_ms))
            .unwrap_or_else(|| "–".into()),
    );
    recorder.emit(&Row {
        bench: "training",
        workload: format!(
            "training step (DDPM noising, ε-MSE, clipping, AdamW, EMA), MNIST, batch {batch}"
        ),
        backend: "flex".into(),
        ours,
        reference_name: reference_name.to_string(),
        reference: spread,
    });
}
