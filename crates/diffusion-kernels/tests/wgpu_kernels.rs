//! The cubecl kernels on wgpu (lavapipe on machines without a GPU) against the CPU code.

#[path = "common/kernel_checks.rs"]
mod kernel_checks;

use cubecl::prelude::Runtime as _;
use cubecl::wgpu::{WgpuDevice, WgpuRuntime as Runtime};
fn client() -> cubecl::prelude::ComputeClient<Runtime> {
    Runtime::client(&WgpuDevice::DefaultDevice)
}

#[test]
fn philox_words_are_bit_identical_to_the_cpu() {
    kernel_checks::philox_words_are_bit_identical_to_the_cpu(&client());
}

#[test]
fn device_normals_match_cpu_normals_within_1e6() {
    kernel_checks::device_normals_match_cpu_normals_within_1e6(&client());
}

#[test]
fn noising_matches_cpu_for_every_target_and_size() {
    kernel_checks::noising_matches_cpu_for_every_target_and_size(&client());
}

#[test]
fn sampler_step_matches_cpu_with_and_without_noise_and_history() {
    kernel_checks::sampler_step_matches_cpu_with_and_without_noise_and_history(&client());
}

#[test]
fn nan_in_gives_nan_out() {
    kernel_checks::nan_in_gives_nan_out(&client());
}

#[test]
fn noise_of_an_image_does_not_depend_on_batch_size_or_position() {
    kernel_checks::noise_of_an_image_does_not_depend_on_batch_size_or_position(&client());
}

#[test]
fn bad_arguments_are_errors_not_launches() {
    kernel_checks::bad_arguments_are_errors_not_launches(&client());
}
