//! The cubecl kernels against the CPU implementation, for any cubecl runtime: included by
//! wgpu_kernels.rs (lavapipe in CI) and cuda_kernels.rs (`--features cuda`, on a GPU machine).

#![allow(dead_code)]

use cubecl::prelude::*;
use cubecl::server::Handle;
use diffusion_kernels::cube::philox_words_on_device;
use diffusion_kernels::ops::noising::{
    self, launch_noising, normals_on_device, NoisingParams, NoisingTarget,
};
use diffusion_kernels::ops::sampler_step::{self, launch_sampler_step, StepParams};
use diffusion_kernels::philox::{fill_normals, philox_block, NoiseKey};

/// A value no kernel output can take by accident: unwritten elements keep it.
const POISON: f32 = -1.234_567e33;

/// (rows, row_len) shapes: lengths 1, 7, 4096 + 3 and 10⁶, with rows both 1 and several;
/// rows of a multiple of 4 elements take the vectorised kernels, the others the scalar ones.
const SHAPES: [(usize, usize); 7] = [
    (1, 1),
    (1, 7),
    (1, 4099),
    (3, 4099),
    (2, 4),
    (5, 1024),
    (4, 250_000),
];

fn upload<R: Runtime>(client: &ComputeClient<R>, v: &[f32]) -> Handle {
    client.create_from_slice(f32::as_bytes(v))
}

fn poisoned<R: Runtime>(client: &ComputeClient<R>, len: usize) -> Handle {
    upload(client, &vec![POISON; len])
}

fn read<R: Runtime>(client: &ComputeClient<R>, h: Handle, len: usize) -> Vec<f32> {
    let bytes = client.read_one(h).unwrap();
    f32::from_bytes(&bytes)[..len].to_vec()
}

/// Deterministic pseudo-random inputs that differ per test (not from the RNG under test).
fn inputs(len: usize, salt: u32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            let h = (i as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(salt.wrapping_mul(40_503));
            (h >> 8) as f32 / 16_777_216.0 * 4.0 - 2.0
        })
        .collect()
}

fn coefficients(rows: usize, salt: u32) -> Vec<f32> {
    inputs(rows, salt).iter().map(|v| 0.25 * v + 0.6).collect()
}

fn assert_close(gpu: &[f32], cpu: &[f32], what: &str) {
    assert_eq!(gpu.len(), cpu.len());
    for (i, (g, c)) in gpu.iter().zip(cpu).enumerate() {
        assert_ne!(*g, POISON, "{what}: element {i} was never written");
        let tol = 2e-6 * (1.0 + c.abs());
        assert!(
            (g - c).abs() <= tol,
            "{what}: element {i}: gpu {g} vs cpu {c}"
        );
    }
}

pub fn philox_words_are_bit_identical_to_the_cpu<R: Runtime>(client: &ComputeClient<R>) {
    let key = NoiseKey::new(0x1234_5678_9abc_def0, 17);
    let (rows, blocks) = (5, 301);
    let gpu = philox_words_on_device(client, key, rows, blocks);
    for row in 0..rows {
        for block in 0..blocks {
            let cpu = philox_block(key, row as u64, block as u32);
            let o = (row * blocks + block) * 4;
            assert_eq!(&gpu[o..o + 4], &cpu, "row {row} block {block}");
        }
    }
}

pub fn device_normals_match_cpu_normals_within_1e6<R: Runtime>(client: &ComputeClient<R>) {
    let key = NoiseKey::new(99, 3);
    let (rows, row_len) = (7, 40_003);
    let gpu = normals_on_device(client, key, 1_000_000_000_000, rows, row_len).unwrap();
    let mut worst = 0.0f32;
    for row in 0..rows {
        let mut cpu = vec![0.0; row_len];
        fill_normals(key, 1_000_000_000_000 + row as u64, &mut cpu);
        for (g, c) in gpu[row * row_len..(row + 1) * row_len].iter().zip(&cpu) {
            worst = worst.max((g - c).abs());
        }
    }
    assert!(worst <= 1e-6, "largest CPU/GPU difference {worst}");
}

pub fn noising_matches_cpu_for_every_target_and_size<R: Runtime>(client: &ComputeClient<R>) {
    for (shape_index, &(rows, row_len)) in SHAPES.iter().enumerate() {
        let len = rows * row_len;
        let x0 = inputs(len, shape_index as u32);
        let params = NoisingParams {
            signal_scale: coefficients(rows, 1),
            noise_std: coefficients(rows, 2),
            key: NoiseKey::new(5, 1),
            first_sample: 123,
        };
        for kind in [
            NoisingTarget::None,
            NoisingTarget::Epsilon,
            NoisingTarget::V,
        ] {
            let (x0_h, x_t_h, target_h) = (
                upload(client, &x0),
                poisoned(client, len),
                poisoned(client, len),
            );
            launch_noising(
                client,
                &x0_h,
                len,
                row_len,
                &params,
                kind,
                &x_t_h,
                Some(&target_h),
            )
            .unwrap();
            let (mut x_t, mut target) = (vec![0.0; len], vec![0.0; len]);
            noising::cpu::noising(&x0, row_len, &params, kind, &mut x_t, Some(&mut target))
                .unwrap();
            let what = format!("noising {kind:?} {rows}×{row_len}");
            assert_close(&read(client, x_t_h, len), &x_t, &what);
            if kind != NoisingTarget::None {
                assert_close(&read(client, target_h, len), &target, &what);
            }
        }
    }
}

pub fn sampler_step_matches_cpu_with_and_without_noise_and_history<R: Runtime>(
    client: &ComputeClient<R>,
) {
    for (shape_index, &(rows, row_len)) in SHAPES.iter().enumerate() {
        let len = rows * row_len;
        let salt = 10 * shape_index as u32;
        let (x, d, d_prev) = (
            inputs(len, salt + 1),
            inputs(len, salt + 2),
            inputs(len, salt + 3),
        );
        let mut c_z = coefficients(rows, 7);
        c_z[0] = 0.0; // the first row draws no noise
        for (with_prev, with_noise) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let params = StepParams {
                c_x: coefficients(rows, 4),
                c_d: coefficients(rows, 5),
                c_p: if with_prev {
                    coefficients(rows, 6)
                } else {
                    vec![]
                },
                c_z: if with_noise {
                    c_z.clone()
                } else {
                    vec![0.0; rows]
                },
                key: NoiseKey::new(11, 40),
                first_sample: 9,
            };
            let (xh, dh, ph, out) = (
                upload(client, &x),
                upload(client, &d),
                upload(client, &d_prev),
                poisoned(client, len),
            );
            let prev_h = with_prev.then_some(&ph);
            launch_sampler_step(client, &xh, &dh, prev_h, len, row_len, &params, &out).unwrap();
            let mut expected = vec![0.0; len];
            let prev = with_prev.then_some(d_prev.as_slice());
            sampler_step::cpu::sampler_step(&x, &d, prev, row_len, &params, &mut expected).unwrap();
            let what = format!("step prev={with_prev} noise={with_noise} {rows}×{row_len}");
            assert_close(&read(client, out, len), &expected, &what);
        }
    }
}

pub fn nan_in_gives_nan_out<R: Runtime>(client: &ComputeClient<R>) {
    // 10 elements take the scalar kernels, 12 the vectorised ones.
    for n in [10usize, 12] {
        let mut x = inputs(n, 3);
        x[4] = f32::NAN;
        let params = StepParams {
            c_x: vec![1.0],
            c_d: vec![0.5],
            c_p: vec![],
            c_z: vec![0.1],
            key: NoiseKey::new(1, 1),
            first_sample: 0,
        };
        let (xh, dh, out) = (
            upload(client, &x),
            upload(client, &inputs(n, 4)),
            poisoned(client, n),
        );
        launch_sampler_step(client, &xh, &dh, None, n, n, &params, &out).unwrap();
        let y = read(client, out, n);
        assert!(y[4].is_nan(), "NaN must propagate (n = {n}), got {}", y[4]);
        assert!(y.iter().enumerate().all(|(i, v)| i == 4 || v.is_finite()));

        let noising = NoisingParams {
            signal_scale: vec![0.9],
            noise_std: vec![0.1],
            key: NoiseKey::new(1, 2),
            first_sample: 0,
        };
        let (x0h, xth) = (upload(client, &x), poisoned(client, n));
        launch_noising(
            client,
            &x0h,
            n,
            n,
            &noising,
            NoisingTarget::None,
            &xth,
            None,
        )
        .unwrap();
        assert!(
            read(client, xth, n)[4].is_nan(),
            "NaN must propagate through noising (n = {n})"
        );
    }
}

pub fn noise_of_an_image_does_not_depend_on_batch_size_or_position<R: Runtime>(
    client: &ComputeClient<R>,
) {
    let key = NoiseKey::new(2024, 0);
    let row_len = 28 * 28;
    // Image 37 alone, and as row 5 of a batch of 8 starting at image 32.
    let alone = normals_on_device(client, key, 37, 1, row_len).unwrap();
    let batch = normals_on_device(client, key, 32, 8, row_len).unwrap();
    assert_eq!(alone, batch[5 * row_len..6 * row_len].to_vec());
}

pub fn bad_arguments_are_errors_not_launches<R: Runtime>(client: &ComputeClient<R>) {
    let h = upload(client, &[0.0; 8]);
    let params = NoisingParams {
        signal_scale: vec![1.0; 3],
        noise_std: vec![1.0; 2],
        key: NoiseKey::new(0, 0),
        first_sample: 0,
    };
    let err = launch_noising(client, &h, 8, 4, &params, NoisingTarget::None, &h, None).unwrap_err();
    assert!(err.to_string().contains("one per sample"), "{err}");
    let err = launch_noising(client, &h, 8, 3, &params, NoisingTarget::None, &h, None).unwrap_err();
    assert!(err.to_string().contains("elements"), "{err}");
}

/// Declares one `#[test]` per check above, each on the client `$client` evaluates to.
#[macro_export]
macro_rules! kernel_tests {
    ($client:expr) => {
        $crate::kernel_tests!(@tests $client;
            philox_words_are_bit_identical_to_the_cpu,
            device_normals_match_cpu_normals_within_1e6,
            noising_matches_cpu_for_every_target_and_size,
            sampler_step_matches_cpu_with_and_without_noise_and_history,
            nan_in_gives_nan_out,
            noise_of_an_image_does_not_depend_on_batch_size_or_position,
            bad_arguments_are_errors_not_launches
        );
    };
    (@tests $client:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                kernel_checks::$name(&$client);
            }
        )*
    };
}
