//! The adaptive ODE sampler and the likelihoods against closed forms of Gaussian mixtures.

mod common;

use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorData};
use common::convergence::{distance_to_exact, floor, mixture_2d};
use common::ddpm_process;
use diffusion_kernels::philox::fill_normals;
use diffusion_kernels::NoiseKey;
use diffusion_math::kl::gaussian_kl;
use diffusion_math::{ForwardProcess, GaussianMixture, VpLinear};
use diffusion_sampling::adaptive::AdaptiveOde;
use diffusion_sampling::likelihood::elbo::{ddpm_elbo, term_schedule, ElboOptions};
use diffusion_sampling::likelihood::ode::{Divergence, OdeLikelihood};
use diffusion_sampling::run::{initial_noise, to_host};
use diffusion_sampling::samplers::DdpmVariance;
use diffusion_sampling::{MixtureDenoiser, NoiseIdentity};

type Grad = Autodiff<Flex>;

fn rows_to_tensor<B: burn::tensor::backend::Backend>(rows: &[Vec<f64>]) -> Tensor<B, 2> {
    let dim = rows[0].len();
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(flat, [rows.len(), dim]),
        &Default::default(),
    )
}

#[test]
fn adaptive_ode_solves_a_gaussian_exactly_and_reports_its_work() {
    // For N(μ, V) the flow maps x̃_T = x_T/s_T to x₀ = μ + (x̃_T − μ)√(V/(V + σ̃_T²)).
    let (mu, var) = ([0.3, -0.2], [0.04, 0.25]);
    let mixture =
        GaussianMixture::new(&[1.0], &[mu.to_vec()], &[vec![var[0], 0.0, 0.0, var[1]]]).unwrap();
    let process = VpLinear::song_default();
    let model = MixtureDenoiser::new(mixture, process);
    let noise = NoiseIdentity {
        seed: 4,
        first_sample: 0,
    };
    let solver = AdaptiveOde {
        t_end: Some(1e-5),
        ..AdaptiveOde::default()
    };
    let (x0, report) = solver
        .sample::<Flex, _, 2>(&model, [64, 2], None, noise, &Default::default())
        .unwrap();
    let end = process.point_unchecked(1.0);
    let x_t = to_host(initial_noise::<Flex, 2>([64, 2], 1.0, noise, &Default::default()).unwrap());
    let sigma = end.noise_std / end.signal_scale;
    for (i, (&got, &x)) in to_host(x0).iter().zip(&x_t).enumerate() {
        let (m, v) = (mu[i % 2], var[i % 2]);
        let want = m + (x as f64 / end.signal_scale - m) * (v / (v + sigma * sigma)).sqrt();
        assert!(
            (got as f64 - want).abs() < 2e-3,
            "element {i}: {got} vs {want}"
        );
    }
    assert!(
        report.evaluations > 20 && report.evaluations < 2000,
        "{report:?}"
    );
}

#[test]
fn adaptive_ode_reaches_the_noise_floor_on_a_mixture() {
    let mixture = mixture_2d();
    let model = MixtureDenoiser::new(mixture.clone(), VpLinear::song_default());
    let n = 4000;
    let noise = NoiseIdentity {
        seed: 8,
        first_sample: 0,
    };
    let (x, report) = AdaptiveOde::default()
        .sample::<Flex, _, 2>(&model, [n, 2], None, noise, &Default::default())
        .unwrap();
    let rows: Vec<Vec<f64>> = to_host(x)
        .chunks(2)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let (d, f) = (distance_to_exact(&rows, &mixture), floor(&mixture, n));
    eprintln!(
        "adaptive ODE: {d:.4} (floor {f:.4}) with {} evaluations",
        report.evaluations
    );
    assert!(d < 1.5 * f, "{d} vs floor {f}");
}

#[test]
fn ode_likelihood_matches_the_exact_mixture_density() {
    let mixture = mixture_2d();
    let process = VpLinear::song_default();
    let model = MixtureDenoiser::new(mixture.clone(), process);
    let points = mixture.sample(12, 31);
    let solver = OdeLikelihood::default();
    let ll = solver
        .log_likelihood(&model, rows_to_tensor::<Grad>(&points), None, 0)
        .unwrap();
    let t0 = 1e-5;
    let exact = mixture.marginal(&process, t0).unwrap();
    for (p, got) in points.iter().zip(&ll.nats) {
        let want = exact.log_density(p).unwrap();
        assert!(
            (got - want).abs() <= 0.01 * want.abs().max(1.0),
            "log p({p:?}): {got} vs exact {want}"
        );
    }
    // Hutchinson's estimator is unbiased: its mean over probes approaches the exact value.
    let probes = 8;
    let mut mean = vec![0.0; points.len()];
    for seed in 0..probes {
        let hutch = OdeLikelihood {
            divergence: Divergence::Hutchinson { seed },
            ..solver
        };
        let est = hutch
            .log_likelihood(&model, rows_to_tensor::<Grad>(&points), None, 0)
            .unwrap();
        for (m, v) in mean.iter_mut().zip(&est.nats) {
            *m += v / probes as f64;
        }
    }
    let err: f64 = mean
        .iter()
        .zip(&ll.nats)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / mean.len() as f64;
    assert!(
        err < 0.15,
        "Hutchinson mean differs from the exact divergence by {err} nats"
    );
}

/// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), for an independent decoder check.
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    (1.0 - poly * (-x * x).exp()).copysign(x)
}

fn strided_terms() -> Vec<(usize, f64)> {
    term_schedule(1000, 250, 3)
}

#[test]
fn ddpm_bound_matches_an_independent_f64_computation() {
    // Every term recomputed on the host from the math crate (Gaussian KLs, the exact posterior
    // mean) with the kernels' own noise, for a few strided terms.
    let mixture = GaussianMixture::isotropic(
        &[0.6, 0.4],
        &[vec![0.3, -0.2], vec![-0.5, 0.4]],
        &[0.2, 0.3],
    )
    .unwrap();
    let process = ddpm_process();
    let model = MixtureDenoiser::new(mixture.clone(), process.clone());
    let points: Vec<Vec<f64>> = vec![vec![0.2, -0.4], vec![-0.6, 0.5], vec![1.0, -1.0]];
    let options = ElboOptions {
        variance: DdpmVariance::FixedLarge,
        stride: 250,
        seed: 3,
    };
    let elbo = ddpm_elbo(&model, rows_to_tensor::<Flex>(&points), None, 10, &options).unwrap();
    let abar = |i: usize| process.alphas_cumprod()[i];
    let noised = |i: usize, r: usize| -> Vec<f64> {
        let mut eps = [0.0f32; 2];
        fill_normals(NoiseKey::new(3, i as u32), 10 + r as u64, &mut eps);
        let (s, sig) = (abar(i).sqrt(), (1.0 - abar(i)).sqrt());
        // The kernel computes s·x₀ + σ·ε in f32.
        points[r]
            .iter()
            .zip(eps)
            .map(|(&x, e)| ((s as f32) * (x as f32) + (sig as f32) * e) as f64)
            .collect()
    };
    for (r, point) in points.iter().enumerate() {
        let mut diffusion = 0.0;
        for (i, weight) in strided_terms() {
            let x_t = noised(i, r);
            let d = mixture
                .marginal(&process, i as f64)
                .unwrap()
                .posterior_mean(&x_t)
                .unwrap();
            let beta = 1.0 - abar(i) / abar(i - 1);
            let tilde = (1.0 - abar(i - 1)) / (1.0 - abar(i)) * beta;
            let c0 = abar(i - 1).sqrt() * beta / (1.0 - abar(i));
            let c1 = (abar(i) / abar(i - 1)).sqrt() * (1.0 - abar(i - 1)) / (1.0 - abar(i));
            for e in 0..2 {
                let q_mean = c0 * point[e] + c1 * x_t[e];
                let p_mean = c0 * d[e] + c1 * x_t[e];
                diffusion += weight * gaussian_kl(q_mean, tilde, p_mean, beta);
            }
        }
        assert!(
            (elbo.diffusion[r] - diffusion).abs() < 1e-3 * diffusion.abs().max(1.0),
            "row {r}: {} vs {diffusion}",
            elbo.diffusion[r]
        );
        let prior: f64 = point
            .iter()
            .map(|&x| {
                let (s2, v) = (abar(999), 1.0 - abar(999));
                gaussian_kl(s2.sqrt() * x, v, 0.0, 1.0)
            })
            .sum();
        assert!(
            (elbo.prior[r] - prior).abs() < 1e-6,
            "prior row {r}: {} vs {prior}",
            elbo.prior[r]
        );
        let x_first = noised(0, r);
        let d = mixture
            .marginal(&process, 0.0)
            .unwrap()
            .posterior_mean(&x_first)
            .unwrap();
        let std = ((1.0 - abar(0)) / (1.0 - abar(1)) * (1.0 - abar(1) / abar(0))).sqrt();
        let phi = |z: f64| 0.5 * (1.0 + erf(z / 2f64.sqrt()));
        let decoder: f64 = (0..2)
            .map(|e| {
                let (x, m) = (point[e], d[e]);
                let upper = if x > 0.999 {
                    1.0
                } else {
                    phi((x - m + 1.0 / 255.0) / std)
                };
                let lower = if x < -0.999 {
                    0.0
                } else {
                    phi((x - m - 1.0 / 255.0) / std)
                };
                -(upper - lower).max(1e-12).ln()
            })
            .sum();
        assert!(
            (elbo.decoder[r] - decoder).abs() < 2e-2 * decoder.max(1.0),
            "decoder row {r}: {} vs {decoder}",
            elbo.decoder[r]
        );
    }
    assert_eq!(elbo.evaluations, strided_terms().len() + 1);
}

#[test]
fn ddpm_bound_upper_bounds_the_discrete_likelihood() {
    // Pixel-grid data from a broad Gaussian and the exact continuous denoiser: on average the
    // bound cannot fall below the data's own discrete NLL (Gibbs). It sits about 0.9 bit above
    // it: a continuous denoiser does not know the data lie on the grid, so the decoder term
    // (noise 0.01 against bins of 0.008) is far from a perfect discrete model's.
    let std = 0.3;
    let mixture = GaussianMixture::isotropic(&[1.0], &[vec![0.1, -0.1]], &[std]).unwrap();
    let model = MixtureDenoiser::new(mixture.clone(), ddpm_process());
    let quantize = |v: f64| ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() / 127.5 - 1.0;
    let points: Vec<Vec<f64>> = mixture
        .sample(64, 5)
        .iter()
        .map(|p| p.iter().map(|&v| quantize(v)).collect())
        .collect();
    let x0 = rows_to_tensor::<Flex>(&points);
    let options = ElboOptions {
        variance: DdpmVariance::FixedSmall,
        ..ElboOptions::default()
    };
    let elbo = ddpm_elbo(&model, x0.clone(), None, 0, &options).unwrap();
    assert_eq!(elbo.evaluations, 1000);
    let bound: f64 = elbo.bits_per_dim().iter().sum::<f64>() / points.len() as f64;
    // −log₂ P(bin) ≈ −log₂(p(y) Δ²) with Δ = 2/255.
    let marginal = mixture.marginal_at_scale(1.0, 0.0).unwrap();
    let exact: f64 = points
        .iter()
        .map(|p| {
            -(marginal.log_density(p).unwrap() + 2.0 * (2.0f64 / 255.0).ln())
                / (2.0 * std::f64::consts::LN_2)
        })
        .sum::<f64>()
        / points.len() as f64;
    eprintln!("bound {bound:.4} bits/dim, exact {exact:.4}");
    assert!(
        bound > exact - 0.05 && bound < exact + 1.5,
        "bound {bound} vs exact {exact}"
    );
    // One term per block of ten (after the first ten) estimates the same sum.
    let strided = ddpm_elbo(
        &model,
        x0,
        None,
        0,
        &ElboOptions {
            stride: 10,
            ..options
        },
    )
    .unwrap();
    let coarse: f64 = strided.bits_per_dim().iter().sum::<f64>() / points.len() as f64;
    assert!(
        (coarse - bound).abs() < 0.05,
        "stride 10: {coarse} vs {bound}"
    );
    let continuous = MixtureDenoiser::new(mixture, VpLinear::song_default());
    let err = ddpm_elbo(
        &continuous,
        rows_to_tensor::<Flex>(&points),
        None,
        0,
        &ElboOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("needs a discrete model"), "{err}");
}
