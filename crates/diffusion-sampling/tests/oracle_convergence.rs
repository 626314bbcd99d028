//! Samplers against the exact score: with the Gaussian-mixture oracle as the denoiser, samples
//! at NFE 10, 20, 50, 200 are compared with exact samples by sliced W2 (2-D and 16-D). The
//! table itself is printed by `cargo run --release -p diffusion-sampling --example
//! convergence_table` and copied into docs/samplers.md.

mod common;

use burn::backend::Flex;
use common::convergence::{
    cases, distance_to_exact, floor, mixture_16d, mixture_2d, sample, sample_from, Case, Start,
};
use diffusion_math::{ForwardProcess, GaussianMixture, VpLinear};
use diffusion_sampling::grid::TimeSpacing;
use diffusion_sampling::run::{initial_noise, to_host};
use diffusion_sampling::samplers::{Churn, Euler, Heun};
use diffusion_sampling::NoiseIdentity;
use diffusion_sampling::Sampler;

const N: usize = 8000;
const NFES: [usize; 4] = [10, 20, 50, 200];

fn check_mixture(label: &str, mixture: &GaussianMixture) {
    let floor = floor(mixture, N);
    let mut at = std::collections::HashMap::new();
    for case in cases() {
        let d: Vec<f64> = NFES
            .iter()
            .map(|&nfe| distance_to_exact(&sample(&case, mixture, nfe, N, 5).0, mixture))
            .collect();
        eprintln!("{label} {:<24} {d:.4?} (floor {floor:.4})", case.name);
        assert!(
            d[3] < d[0] || d[0] <= 1.2 * floor,
            "{label} {}: error does not fall with NFE: {d:?}",
            case.name
        );
        if case.deterministic {
            assert!(
                d[3] <= 1.2 * floor,
                "{label} {}: NFE 200 gives {:.4}, above the floor {floor:.4}",
                case.name,
                d[3]
            );
        }
        at.insert(case.name, d);
    }
    // Second order beats first order on the same grid: DPM-Solver++(2M) vs DDIM (= DPM-Solver++1).
    for i in 0..2 {
        assert!(
            at["dpmpp-2m"][i] < at["ddim (η=0)"][i],
            "{label}: dpmpp-2m {:?} vs ddim {:?}",
            at["dpmpp-2m"],
            at["ddim (η=0)"]
        );
    }
}

#[test]
fn samplers_converge_to_the_exact_2d_mixture() {
    check_mixture("2-D", &mixture_2d());
}

#[test]
fn samplers_converge_to_the_exact_16d_mixture() {
    check_mixture("16-D", &mixture_16d());
}

#[test]
fn heun_is_second_order_on_the_probability_flow_ode() {
    // One anisotropic Gaussian N(μ, V): the probability-flow ODE in σ has the closed-form
    // solution x₀ = μ + (x̃_T − μ)·√(V/(V + σ_T²)), so discretisation errors are measured
    // exactly, from the same initial noise the samplers draw.
    let (mu, var) = ([0.3, -0.2], [0.04, 0.25]);
    let mixture =
        GaussianMixture::new(&[1.0], &[mu.to_vec()], &[vec![var[0], 0.0, 0.0, var[1]]]).unwrap();
    let karras = TimeSpacing::Karras { rho: 7.0 };
    let case = |sampler| Case {
        name: "",
        sampler,
        spacing: karras,
        deterministic: true,
    };
    let heun = case(Sampler::Heun(Heun {
        churn: Churn::default(),
    }));
    let euler = case(Sampler::Euler(Euler {
        churn: Churn::default(),
    }));
    let n = 256;
    let process = VpLinear::song_default();
    let sigma_t = process.noise_std(1.0) / process.signal_scale(1.0);
    let z = initial_noise::<Flex, 2>(
        [n, 2],
        (1.0 + sigma_t * sigma_t).sqrt(),
        NoiseIdentity {
            seed: 5,
            first_sample: 0,
        },
        &Default::default(),
    )
    .unwrap();
    let exact: Vec<f64> = to_host(z)
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let (m, v) = (mu[i % 2], var[i % 2]);
            m + (x as f64 - m) * (v / (v + sigma_t * sigma_t)).sqrt()
        })
        .collect();
    let err = |c: &Case, nfe: usize| {
        let got: Vec<f64> = sample_from(c, &mixture, nfe, n, 5, Start::GaussianPrior)
            .0
            .concat();
        let sq: f64 = got.iter().zip(&exact).map(|(a, b)| (a - b).powi(2)).sum();
        (sq / exact.len() as f64).sqrt()
    };
    let (h1, h2) = (err(&heun, 19), err(&heun, 39));
    let (e1, e2) = (err(&euler, 10), err(&euler, 20));
    let (e3, h3) = (err(&euler, 40), err(&heun, 79));
    eprintln!("heun NFE 19/39/79: {h1:.2e} {h2:.2e} {h3:.2e}; euler NFE 10/20/40: {e1:.2e} {e2:.2e} {e3:.2e}");
    assert!(h1 / h2 > 3.0, "Heun is not second order: {h1} → {h2}");
    assert!(
        e1 / e2 > 1.5 && e1 / e2 < 3.0,
        "Euler is not first order: {e1} → {e2}"
    );
    assert!(h2 < e2 && h3 < e3, "Heun should beat Euler at equal NFE");
}
