//! The custom autodiff nodes (fused attention, skip concatenation) on the GPU backend (wgpu;
//! lavapipe in CI), where their forward and backward are the burn-op defaults: same values and
//! gradients as on flex, where they are our CPU kernels.

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use diffusion_kernels::ops::attention::attention;
use diffusion_kernels::ops::channel_concat::concat_channels;
use diffusion_kernels::ModelBackend;

fn data(shape: &[usize], seed: usize) -> TensorData {
    let count: usize = shape.iter().product();
    let values: Vec<f32> = (0..count)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5 - 1.0) * 1.5)
        .collect();
    TensorData::new(values, shape.to_vec())
}

/// Output and the gradients of `sum(out · w)` w.r.t. the inputs, as plain vectors.
fn attention_run<B: AutodiffBackend + ModelBackend>(device: &B::Device) -> Vec<Vec<f32>> {
    let shape = [2, 8, 10];
    let [q, k, v] =
        [0, 1, 2].map(|s| Tensor::<B, 3>::from_data(data(&shape, s), device).require_grad());
    let w = Tensor::<B, 3>::from_data(data(&shape, 3), device);
    let out = attention(q.clone(), k.clone(), v.clone(), 2, 0.5);
    let grads = (out.clone() * w).sum().backward();
    let mut all = vec![out.into_data().to_vec::<f32>().expect("f32")];
    for t in [&q, &k, &v] {
        all.push(
            t.grad(&grads)
                .expect("gradient")
                .into_data()
                .to_vec::<f32>()
                .expect("f32"),
        );
    }
    all
}

fn concat_run<B: AutodiffBackend + ModelBackend>(device: &B::Device) -> Vec<Vec<f32>> {
    let a = Tensor::<B, 4>::from_data(data(&[2, 3, 4, 5], 4), device).require_grad();
    let b = Tensor::<B, 4>::from_data(data(&[2, 2, 4, 5], 5), device).require_grad();
    let w = Tensor::<B, 4>::from_data(data(&[2, 5, 4, 5], 6), device);
    let out = concat_channels(a.clone(), b.clone());
    let grads = (out.clone() * w).sum().backward();
    let mut all = vec![out.into_data().to_vec::<f32>().expect("f32")];
    for t in [&a, &b] {
        all.push(
            t.grad(&grads)
                .expect("gradient")
                .into_data()
                .to_vec::<f32>()
                .expect("f32"),
        );
    }
    all
}

fn assert_close(what: &str, gpu: &[Vec<f32>], cpu: &[Vec<f32>]) {
    for (i, (g, c)) in gpu.iter().zip(cpu).enumerate() {
        assert_eq!(g.len(), c.len());
        let diff = g
            .iter()
            .zip(c)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            diff < 1e-4,
            "{what}, output {i}: max |wgpu − flex| = {diff}"
        );
    }
}

#[test]
fn attention_and_concat_nodes_agree_on_wgpu_and_flex() {
    let gpu = WgpuDevice::default();
    let cpu = Default::default();
    assert_close(
        "attention",
        &attention_run::<Autodiff<Wgpu>>(&gpu),
        &attention_run::<Autodiff<Flex>>(&cpu),
    );
    assert_close(
        "concat",
        &concat_run::<Autodiff<Wgpu>>(&gpu),
        &concat_run::<Autodiff<Flex>>(&cpu),
    );
}
