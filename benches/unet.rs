//! Our U-Net against PyTorch/diffusers on the same CPU, side by side in one run.
//!
//! Run with `cargo xtask bench` (or `cargo bench --bench unet`). Workloads (f32, CPU):
//! - `mnist_unet_forward_b64`: the 1×28×28 class-conditional U-Net (block_out_channels
//!   (16, 32, 32), layers_per_block 1, norm_num_groups 8, attention at the lowest level),
//!   forward at batch 64;
//! - `mnist_unet_train_step_b64`: the same, one training step (forward, MSE, backward, AdamW);
//! - `cifar_unet_forward_b8`: the google/ddpm-cifar10-32 architecture, forward at batch 8.
//!
//! Ours runs on burn's flex backend (with our convolution). The reference runs
//! `benches/reference/unet_torch.py` with the Python named by `DIFFUSION_REFERENCE_PYTHON`, else
//! `.venv-reference/bin/python` when it exists (README: how to make it); without one, only our
//! numbers are printed. Results: medians over repeats with min–max, ratio = PyTorch / ours
//! (above 1 means faster than PyTorch), written to target/bench/unet.md and unet.json and as
//! result rows for `cargo xtask bench`. `--tiny` (or `DIFFUSION_BENCH_TINY=1`): the two MNIST
//! workloads at batch 2, few repeats, no CIFAR model.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Int, Tensor, TensorData};
use common::rows::MS_KEYS;
use common::{
    mnist_config, ms, reference, time_with as time, Mode, Recorder, Row, Spread, Timing,
    NO_REFERENCE,
};
use diffusion::model::{Network, UNet2DConfig, UNet2DModel};

fn cifar_config() -> UNet2DConfig {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/diffusion-model/tests/fixtures/ddpm_cifar10_32_config.json"
    );
    let text = std::fs::read_to_string(path).expect("cifar config fixture");
    UNet2DConfig::from_json_str(&text, path)
        .expect("valid")
        .config
}

fn pseudo_random(count: usize, seed: u32) -> Vec<f32> {
    (0..count as u32)
        .map(|i| {
            let h = i
                .wrapping_mul(2_654_435_761)
                .wrapping_add(seed.wrapping_mul(40_503))
                >> 8;
            (h % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

fn inputs<B: burn::tensor::backend::Backend>(
    shape: [usize; 4],
    labels: bool,
    device: &B::Device,
) -> (Tensor<B, 4>, Tensor<B, 1>, Option<Tensor<B, 1, Int>>) {
    let n = shape[0];
    let count = shape.iter().product();
    let sample = Tensor::from_data(TensorData::new(pseudo_random(count, 1), shape), device);
    let steps: Vec<f32> = (0..n).map(|i| ((i * 397) % 1000) as f32).collect();
    let timesteps = Tensor::from_data(TensorData::new(steps, [n]), device);
    let labels = labels.then(|| {
        let l: Vec<i64> = (0..n as i64).map(|i| i % 11).collect();
        Tensor::from_data(TensorData::new(l, [n]), device)
    });
    (sample, timesteps, labels)
}

/// One workload: the reference script's key, the table's description, our timing.
type Measured = (&'static str, String, Timing);

fn ours(mode: Mode) -> Vec<Measured> {
    type B = Flex;
    type AB = Autodiff<Flex>;
    let device = Default::default();
    let mut results = Vec::new();
    let batch = mode.pick(64, 2);
    let (warmup, repeats) = mode.pick((3, 10), (1, 2));

    let model = UNet2DModel::<B>::build(&mnist_config(), 1, &device).expect("model");
    let (x, t, y) = inputs::<B>([batch, 1, 28, 28], true, &device);
    results.push((
        "mnist_unet_forward_b64",
        format!("U-Net forward, MNIST 1×28×28 (16, 32, 32), batch {batch}"),
        time(warmup, repeats, || {
            let out = model
                .forward(x.clone(), t.clone(), y.clone())
                .expect("forward");
            let _ = out.into_data();
        }),
    ));

    let mut model = UNet2DModel::<AB>::build(&mnist_config(), 1, &device).expect("model");
    let mut optimizer = AdamWConfig::new().init::<AB, UNet2DModel<AB>>();
    let (x, t, y) = inputs::<AB>([batch, 1, 28, 28], true, &device);
    let target = Tensor::<AB, 4>::from_data(
        TensorData::new(pseudo_random(batch * 784, 2), [batch, 1, 28, 28]),
        &device,
    );
    results.push((
        "mnist_unet_train_step_b64",
        format!("U-Net training step (forward, MSE, backward, AdamW), MNIST, batch {batch}"),
        time(warmup, repeats, || {
            let out = model
                .forward(x.clone(), t.clone(), y.clone())
                .expect("forward");
            let loss = (out - target.clone()).square().mean();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-4, model.clone(), grads);
            let _ = model.valid();
        }),
    ));

    if mode.tiny {
        return results;
    }
    let model = UNet2DModel::<B>::build(&cifar_config(), 1, &device).expect("model");
    let (x, t, _) = inputs::<B>([8, 3, 32, 32], false, &device);
    results.push((
        "cifar_unet_forward_b8",
        "U-Net forward, google/ddpm-cifar10-32 architecture, batch 8".to_string(),
        time(2, 5, || {
            let out = model.forward(x.clone(), t.clone(), None).expect("forward");
            let _ = out.into_data();
        }),
    ));
    results
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mode = Mode::from_env();
    let recorder = Recorder::start(mode.tiny);
    let ours = ours(mode);
    let reference_args: &[&str] = if mode.tiny {
        &[
            "--json",
            "--only",
            "mnist_unet_forward_b64",
            "--only",
            "mnist_unet_train_step_b64",
            "--mnist-batch",
            "2",
            "--warmup",
            "1",
            "--repeats",
            "2",
        ]
    } else {
        &["--json", "--repeats-for", "cifar_unet_forward_b8=5"]
    };
    let reference = reference(
        root,
        mode,
        "benches/reference/unet_torch.py",
        reference_args,
    );
    let reference_name = reference.as_ref().map_or(NO_REFERENCE, |r| r.1.as_str());
    let mut table = format!(
        "U-Net on the CPU: ours (burn flex) vs PyTorch/diffusers, same machine, one run\n\nmachine: {}\nreference: {reference_name}\n\n| workload | ours ms (min–max) | PyTorch ms (min–max) | PyTorch/ours (>1: ours faster) |\n|---|---|---|---|\n",
        recorder.machine(),
    );
    let mut json = serde_json::Map::new();
    for (name, description, timing) in &ours {
        let theirs = reference
            .as_ref()
            .and_then(|(j, _)| j["workloads"].get(*name).cloned());
        let spread = theirs
            .as_ref()
            .and_then(|t| Spread::from_reference(t, MS_KEYS, 0));
        let ratio = spread.map(|s| s.median_ms / ms(timing.median));
        let theirs_text = spread.map_or("–".into(), |s| {
            format!("{:.1} ({:.1}–{:.1})", s.median_ms, s.min_ms, s.max_ms)
        });
        table.push_str(&format!(
            "| {name} | {:.1} ({:.1}–{:.1}) | {theirs_text} | {} |\n",
            ms(timing.median),
            ms(timing.min),
            ms(timing.max),
            ratio.map_or("–".into(), |r| format!("{r:.2}")),
        ));
        json.insert(
            name.to_string(),
            serde_json::json!({
                "ours_median_ms": ms(timing.median), "ours_min_ms": ms(timing.min), "ours_max_ms": ms(timing.max),
                "repeats": timing.repeats, "reference": theirs, "ratio_reference_over_ours": ratio,
            }),
        );
        recorder.emit(&Row {
            bench: "unet",
            workload: description.clone(),
            backend: "flex".into(),
            ours: Spread::of(timing),
            reference_name: reference_name.to_string(),
            reference: spread,
        });
    }
    println!("{table}");
    let out_dir = root.join("target/bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let _ = std::fs::write(out_dir.join("unet.md"), &table);
    let _ = std::fs::write(
        out_dir.join("unet.json"),
        serde_json::to_string_pretty(
            &serde_json::json!({"machine": recorder.machine(), "workloads": json}),
        )
        .unwrap_or_default(),
    );
}
