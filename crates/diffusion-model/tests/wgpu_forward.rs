//! The same U-Net on the GPU backend (wgpu; lavapipe in CI) gives diffusers' output too.

mod common;

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use common::{fixture, fixture_io, max_abs_diff, run_model};
use diffusion_model::{Network, UNet2DModel};

#[test]
fn wgpu_forward_matches_diffusers_within_1e_4() {
    let device = WgpuDevice::default();
    for name in ["mnist_cond", "cifar_like"] {
        let model = UNet2DModel::<Wgpu>::load_from(&fixture(name), &device).expect("fixture loads");
        let (inputs, shape, expected) = fixture_io(name);
        let (ours_shape, ours) = run_model(&model, &inputs, &device);
        assert_eq!(ours_shape, shape);
        let diff = max_abs_diff(&ours, &expected);
        println!("{name} on wgpu: max |ours − diffusers| = {diff:.3e}");
        assert!(diff < 1e-4, "{name}: {diff}");
    }
}
