//! One fused kernel runs every sampler: coefficients from diffusion-math (f64) drive the wgpu
//! kernel, and the result matches the f64 update `c_x·x + c_d·D + c_p·D_prev + c_z·z`.

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use burn::tensor::{Tensor, TensorData};
use diffusion_kernels::philox::normal;
use diffusion_kernels::{sampler_step, NoiseKey, StepParams};
use diffusion_math::sampler_coefficients::{
    ddim, dpm_solver_pp_2m, euler, euler_maruyama, heun_second_stage, StepCoefficients,
};
use diffusion_math::{Edm, ForwardProcess, VpLinear};

const ROWS: usize = 3;
const ROW_LEN: usize = 50;

fn methods() -> Vec<(&'static str, [StepCoefficients; ROWS])> {
    let vp = VpLinear::song_default();
    let edm = Edm::karras_default();
    // Each row of the batch is at its own time (per-sample coefficients).
    let vp_pts = |dt: f64| {
        [0.9, 0.6, 0.3].map(|t| {
            (
                vp.at(t).unwrap(),
                vp.at(t - dt).unwrap(),
                vp.at(t + dt).unwrap(),
            )
        })
    };
    let edm_pts = [10.0, 2.0, 0.5].map(|s| (edm.at(s).unwrap(), edm.at(0.7 * s).unwrap()));
    vec![
        (
            "DDPM (DDIM η=1)",
            vp_pts(0.05).map(|(a, b, _)| ddim(&a, &b, 1.0).unwrap()),
        ),
        (
            "DDIM η=0",
            vp_pts(0.05).map(|(a, b, _)| ddim(&a, &b, 0.0).unwrap()),
        ),
        (
            "DDIM η=0.5",
            vp_pts(0.05).map(|(a, b, _)| ddim(&a, &b, 0.5).unwrap()),
        ),
        ("Euler (EDM)", edm_pts.map(|(a, b)| euler(&a, &b))),
        (
            "Heun stage 2 (EDM)",
            edm_pts.map(|(a, b)| heun_second_stage(&a, &b)),
        ),
        (
            "Euler–Maruyama (VP)",
            vp_pts(0.01).map(|(a, b, _)| euler_maruyama(&a, &b)),
        ),
        (
            "DPM-Solver++(2M) (VP)",
            vp_pts(0.05).map(|(a, b, p)| dpm_solver_pp_2m(Some(&p), &a, &b)),
        ),
    ]
}

#[test]
fn every_sampler_runs_through_the_fused_kernel() {
    let device = WgpuDevice::DefaultDevice;
    let len = ROWS * ROW_LEN;
    let gen = |salt: f64| -> Vec<f32> {
        (0..len)
            .map(|i| ((i as f64 * 0.37 + salt).sin()) as f32)
            .collect()
    };
    let (x, d, d_prev) = (gen(0.1), gen(1.7), gen(2.9));
    let tensor = |v: &Vec<f32>| {
        Tensor::<Wgpu, 2>::from_data(TensorData::new(v.clone(), [ROWS, ROW_LEN]), &device)
    };
    let key = NoiseKey::new(31, 7);
    for (name, coefs) in methods() {
        let params = StepParams {
            c_x: coefs.iter().map(|c| c.c_x as f32).collect(),
            c_d: coefs.iter().map(|c| c.c_d as f32).collect(),
            c_p: coefs.iter().map(|c| c.c_p as f32).collect(),
            c_z: coefs.iter().map(|c| c.c_z as f32).collect(),
            key,
            first_sample: 100,
        };
        let out = sampler_step(tensor(&x), tensor(&d), Some(tensor(&d_prev)), &params).unwrap();
        let got: Vec<f32> = out.into_data().into_vec().unwrap();
        for (row, coef) in coefs.iter().enumerate() {
            for e in 0..ROW_LEN {
                let i = row * ROW_LEN + e;
                let z = normal(key, 100 + row as u64, e as u64) as f64;
                let expected = coef.apply(x[i] as f64, d[i] as f64, d_prev[i] as f64, z);
                let scale = 1.0 + coef.c_x.abs() + coef.c_d.abs() + coef.c_p.abs() + coef.c_z.abs();
                assert!(
                    (got[i] as f64 - expected).abs() <= 2e-6 * scale,
                    "{name}, row {row}, element {e}: kernel {} vs f64 {expected}",
                    got[i]
                );
            }
        }
    }
}
