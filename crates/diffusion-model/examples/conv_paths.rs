//! A/B of the two stride-1 convolution forward paths on whole U-Nets, alternating in one process
//! so machine noise hits both alike: the direct register-blocked convolution (used for ≤ 128
//! input channels, also for stride-1 input gradients) and im2col + GEMM. `cargo run --release -p diffusion-model --example conv_paths`.

use std::sync::atomic::Ordering;
use std::time::Instant;

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use diffusion_kernels::ops::conv2d::cpu::DISABLE_DIRECT_FORWARD;
use diffusion_model::{Network, UNet2DConfig, UNet2DModel};

const MNIST: &str = r#"{"sample_size": 28, "in_channels": 1, "out_channels": 1,
    "block_out_channels": [16, 32, 32], "layers_per_block": 1, "norm_num_groups": 8,
    "down_block_types": ["DownBlock2D", "DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "attention_head_dim": 8, "num_class_embeds": 11, "flip_sin_to_cos": true, "freq_shift": 0}"#;

/// Median forward time in ms with the direct path on and off, after two warm-up rounds.
fn time_both(model: &UNet2DModel<Flex>, shape: [usize; 4], labels: bool) -> [f64; 2] {
    let dev = Default::default();
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect::<Vec<_>>();
    let x = Tensor::<Flex, 4>::from_data(TensorData::new(values, shape), &dev);
    let t = Tensor::<Flex, 1>::from_floats([500.0], &dev);
    let y = labels.then(|| {
        Tensor::<Flex, 1, Int>::from_data(TensorData::new(vec![1i64; shape[0]], [shape[0]]), &dev)
    });
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..12 {
        for (k, disable) in [false, true].into_iter().enumerate() {
            DISABLE_DIRECT_FORWARD.store(disable, Ordering::Relaxed);
            let start = Instant::now();
            let _ = model
                .forward(x.clone(), t.clone(), y.clone())
                .expect("forward")
                .into_data();
            if round >= 2 {
                times[k].push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    DISABLE_DIRECT_FORWARD.store(false, Ordering::Relaxed);
    times.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

fn main() {
    let dev = Default::default();
    let mnist = UNet2DConfig::from_json_str(MNIST, "mnist")
        .expect("config")
        .config;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ddpm_cifar10_32_config.json"
    );
    let text = std::fs::read_to_string(path).expect("cifar config fixture");
    let cifar = UNet2DConfig::from_json_str(&text, path)
        .expect("config")
        .config;
    for (name, config, shape, labels) in [
        ("mnist forward, batch 16", &mnist, [16, 1, 28, 28], true),
        ("mnist forward, batch 64", &mnist, [64, 1, 28, 28], true),
        (
            "ddpm-cifar10-32 forward, batch 8",
            &cifar,
            [8, 3, 32, 32],
            false,
        ),
    ] {
        let model = UNet2DModel::<Flex>::build(config, 0, &dev).expect("model");
        let [direct, im2col] = time_both(&model, shape, labels);
        println!(
            "{name}: direct {direct:.1} ms, im2col {im2col:.1} ms, ratio {:.3}",
            direct / im2col
        );
    }
}
