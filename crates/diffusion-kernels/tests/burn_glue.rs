//! The burn-tensor entry points give the same numbers on every backend.

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor, TensorData};
use diffusion_kernels::{
    noise, sampler_step, FusedKernels, NoiseKey, NoisingParams, NoisingTarget, StepParams,
};

fn batch<B: Backend>(device: &B::Device) -> Tensor<B, 4> {
    let values: Vec<f32> = (0..3 * 2 * 5 * 7)
        .map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0)
        .collect();
    Tensor::from_data(TensorData::new(values, [3, 2, 5, 7]), device)
}

fn noising_params() -> NoisingParams {
    NoisingParams {
        signal_scale: vec![0.9, 0.5, 0.1],
        noise_std: vec![0.2, 0.8, 0.99],
        key: NoiseKey::new(3, 0),
        first_sample: 40,
    }
}

fn step_params() -> StepParams {
    StepParams {
        c_x: vec![1.0, 0.9, 0.8],
        c_d: vec![0.1, -0.2, 0.3],
        c_p: vec![0.05, 0.0, -0.05],
        c_z: vec![0.0, 0.3, 0.1],
        key: NoiseKey::new(3, 9),
        first_sample: 40,
    }
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().into_vec().unwrap()
}

fn run<B: FusedKernels>(device: &B::Device) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let x0 = batch::<B>(device);
    let noised = noise(x0.clone(), &noising_params(), NoisingTarget::V).unwrap();
    let v = values(noised.target.unwrap());
    let x_t = noised.x_t;
    let d = x_t.clone() * 0.5;
    let stepped = sampler_step(x_t.clone(), d.clone(), Some(d * 0.25), &step_params()).unwrap();
    (values(x_t), v, values(stepped))
}

fn assert_close(a: &[f32], b: &[f32]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 2e-6 * (1.0 + y.abs()), "{x} vs {y}");
    }
}

#[test]
fn flex_wgpu_and_autodiff_agree() {
    let cpu = run::<Flex>(&Default::default());
    let gpu = run::<Wgpu>(&WgpuDevice::DefaultDevice);
    let ad = run::<Autodiff<Flex>>(&Default::default());
    for (a, b) in [(&cpu.0, &gpu.0), (&cpu.1, &gpu.1), (&cpu.2, &gpu.2)] {
        assert_close(a, b);
    }
    assert_eq!(cpu, ad);
}

#[test]
fn strided_inputs_are_read_correctly_on_wgpu() {
    let device = WgpuDevice::DefaultDevice;
    let base = Tensor::<Wgpu, 2>::random([6, 3], Distribution::Normal(0.0, 1.0), &device);
    let strided = base.clone().transpose(); // 3 × 6, not contiguous
    let params = NoisingParams {
        signal_scale: vec![1.0; 3],
        noise_std: vec![0.0; 3],
        key: NoiseKey::new(0, 0),
        first_sample: 0,
    };
    let out = noise(strided.clone(), &params, NoisingTarget::None)
        .unwrap()
        .x_t;
    assert_eq!(values(out), values(strided));
}

#[test]
fn sample_target_is_the_input_and_epsilon_has_unit_scale() {
    let device = Default::default();
    let x0 = batch::<Flex>(&device);
    let out = noise(x0.clone(), &noising_params(), NoisingTarget::Sample).unwrap();
    assert_eq!(values(out.target.unwrap()), values(x0.clone()));
    let big = Tensor::<Flex, 2>::zeros([4, 10_000], &device);
    let params = NoisingParams {
        signal_scale: vec![1.0; 4],
        noise_std: vec![1.0; 4],
        key: NoiseKey::new(1, 1),
        first_sample: 0,
    };
    let eps = values(
        noise(big, &params, NoisingTarget::Epsilon)
            .unwrap()
            .target
            .unwrap(),
    );
    let var = eps.iter().map(|v| v * v).sum::<f32>() / eps.len() as f32;
    assert!((var - 1.0).abs() < 0.05, "{var}");
}

#[test]
fn mismatched_inputs_are_errors() {
    let device = Default::default();
    let x = batch::<Flex>(&device);
    let wrong = Tensor::<Flex, 4>::zeros([3, 2, 5, 6], &device);
    let err = sampler_step(x.clone(), wrong, None, &step_params()).unwrap_err();
    assert!(err.to_string().contains("shape"), "{err}");
    let mut params = noising_params();
    params.noise_std.pop();
    let err = noise(x, &params, NoisingTarget::None).unwrap_err();
    assert!(err.to_string().contains("noise_std"), "{err}");
}
