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
//! numbers are printed. Results: medians over repeats with min–max, ratio = ours / PyTorch
//! (below 1 means faster than PyTorch), written to target/bench/unet.md and unet.json.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Int, Tensor, TensorData};
use common::{machine, mnist_config, ms, reference, time_with as time, warn_if_loaded, Timing};
use diffusion::model::{UNet2DConfig, UNet2DModel};

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

fn ours() -> Vec<(&'static str, Timing)> {
    type B = Flex;
    type AB = Autodiff<Flex>;
    let device = Default::default();
    let mut results = Vec::new();

    let model = UNet2DModel::<B>::new(&mnist_config(), 1, &device).expect("model");
    let (x, t, y) = inputs::<B>([64, 1, 28, 28], true, &device);
    results.push((
        "mnist_unet_forward_b64",
        time(3, 10, || {
            let out = model
                .forward(x.clone(), t.clone(), y.clone())
                .expect("forward");
            let _ = out.into_data();
        }),
    ));

    let mut model = UNet2DModel::<AB>::new(&mnist_config(), 1, &device).expect("model");
    let mut optimizer = AdamWConfig::new().init::<AB, UNet2DModel<AB>>();
    let (x, t, y) = inputs::<AB>([64, 1, 28, 28], true, &device);
    let target = Tensor::<AB, 4>::from_data(
        TensorData::new(pseudo_random(64 * 784, 2), [64, 1, 28, 28]),
        &device,
    );
    results.push((
        "mnist_unet_train_step_b64",
        time(3, 10, || {
            let out = model
                .forward(x.clone(), t.clone(), y.clone())
                .expect("forward");
            let loss = (out - target.clone()).square().mean();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-4, model.clone(), grads);
            let _ = model.valid();
        }),
    ));

    let model = UNet2DModel::<B>::new(&cifar_config(), 1, &device).expect("model");
    let (x, t, _) = inputs::<B>([8, 3, 32, 32], false, &device);
    results.push((
        "cifar_unet_forward_b8",
        time(2, 5, || {
            let out = model.forward(x.clone(), t.clone(), None).expect("forward");
            let _ = out.into_data();
        }),
    ));
    results
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    warn_if_loaded();
    let ours = ours();
    let reference = reference(
        root,
        "benches/reference/unet_torch.py",
        &["--json", "--repeats-for", "cifar_unet_forward_b8=5"],
    );
    let mut table = format!(
        "U-Net on the CPU: ours (burn flex) vs PyTorch/diffusers, same machine, one run\n\nmachine: {}\nreference: {}\n\n| workload | ours ms (min–max) | PyTorch ms (min–max) | ratio ours/PyTorch |\n|---|---|---|---|\n",
        machine(),
        reference.as_ref().map(|r| r.1.as_str()).unwrap_or("not available (set DIFFUSION_REFERENCE_PYTHON or make .venv-reference)")
    );
    let mut json = serde_json::Map::new();
    for (name, timing) in &ours {
        let theirs = reference
            .as_ref()
            .and_then(|(j, _)| j["workloads"].get(*name).cloned());
        let (theirs_text, ratio_text, ratio) = match &theirs {
            Some(t) => {
                let median = t["median_ms"].as_f64().unwrap_or(f64::NAN);
                let ratio = ms(timing.median) / median;
                (
                    format!(
                        "{median:.1} ({:.1}–{:.1})",
                        t["min_ms"].as_f64().unwrap_or(f64::NAN),
                        t["max_ms"].as_f64().unwrap_or(f64::NAN)
                    ),
                    format!("{ratio:.2}"),
                    Some(ratio),
                )
            }
            None => ("–".into(), "–".into(), None),
        };
        table.push_str(&format!(
            "| {name} | {:.1} ({:.1}–{:.1}) | {theirs_text} | {ratio_text} |\n",
            ms(timing.median),
            ms(timing.min),
            ms(timing.max)
        ));
        json.insert(
            name.to_string(),
            serde_json::json!({
                "ours_median_ms": ms(timing.median), "ours_min_ms": ms(timing.min), "ours_max_ms": ms(timing.max),
                "repeats": timing.repeats, "reference": theirs, "ratio": ratio,
            }),
        );
    }
    println!("{table}");
    let out_dir = root.join("target/bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let _ = std::fs::write(out_dir.join("unet.md"), &table);
    let _ = std::fs::write(
        out_dir.join("unet.json"),
        serde_json::to_string_pretty(&serde_json::json!({"machine": machine(), "workloads": json}))
            .unwrap_or_default(),
    );
}
