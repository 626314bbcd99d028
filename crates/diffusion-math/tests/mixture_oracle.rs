//! The Gaussian-mixture oracle: exact scores satisfy Tweedie's formula against the directly
//! computed posterior mean, for every family, and its samples have the right moments.

mod common;

use common::{close, family_and_time};
use diffusion_math::tweedie::posterior_mean_from_score;
use diffusion_math::{GaussianMixture, MathError};
use proptest::prelude::*;

fn mixture(dim: usize, k: usize) -> impl Strategy<Value = GaussianMixture> {
    let weights = proptest::collection::vec(0.1f64..1.0, k);
    let means = proptest::collection::vec(proptest::collection::vec(-3.0f64..3.0, dim), k);
    let factors = proptest::collection::vec(proptest::collection::vec(-1.0f64..1.0, dim * dim), k);
    (weights, means, factors).prop_map(move |(w, m, a)| {
        // Σ = A Aᵀ + 0.05 I is symmetric positive definite.
        let covs: Vec<Vec<f64>> = a
            .iter()
            .map(|a| {
                let mut c = vec![0.0; dim * dim];
                for i in 0..dim {
                    for j in 0..dim {
                        c[i * dim + j] = (0..dim)
                            .map(|l| a[i * dim + l] * a[j * dim + l])
                            .sum::<f64>()
                            + if i == j { 0.05 } else { 0.0 };
                    }
                }
                c
            })
            .collect();
        GaussianMixture::new(&w, &m, &covs).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn tweedie_holds_on_the_exact_mixture(
        (spec, t) in family_and_time(),
        mix in (1usize..5, 1usize..4).prop_flat_map(|(d, k)| mixture(d, k)),
        seed in 0u64..1000,
    ) {
        let p = spec.build();
        let marginal = mix.marginal(&*p, t).unwrap();
        // A point drawn from p_t itself: noise an exact data sample.
        let x0 = &mix.sample(1, seed)[0];
        let (s, sigma) = (p.signal_scale(t), p.noise_std(t));
        let x: Vec<f64> = x0.iter().enumerate().map(|(i, v)| s * v + sigma * ((i as f64 + 1.0) * 0.37).sin()).collect();
        let score = marginal.score(&x).unwrap();
        let direct = marginal.posterior_mean(&x).unwrap();
        for i in 0..x.len() {
            // Tweedie in the form that stays well conditioned for any s: x + σ²∇log p = s·E[x₀|x].
            let shifted = x[i] + sigma * sigma * score[i];
            let scale = x[i].abs() + (sigma * sigma * score[i]).abs();
            prop_assert!(close(shifted, s * direct[i], 1e-7, 1e-12 * scale + 1e-14), "{spec:?} t={t}: {shifted} vs {}", s * direct[i]);
            // Dividing by s amplifies rounding by 1/s (an OU process reaches s ≈ 1e-13 in the
            // sampled range), so the x₀ form is compared only where that is below 1e6.
            if s > 1e-6 {
                let via_score = posterior_mean_from_score(x[i], score[i], s, sigma);
                prop_assert!(close(via_score, direct[i], 1e-7, 1e-8), "{spec:?} t={t}: {via_score} vs {}", direct[i]);
            }
        }
    }

    /// The score is the gradient of the log density (central differences).
    #[test]
    fn score_is_gradient_of_log_density(
        (spec, t) in family_and_time(),
        mix in (1usize..4, 1usize..4).prop_flat_map(|(d, k)| mixture(d, k)),
    ) {
        let p = spec.build();
        let marginal = mix.marginal(&*p, t).unwrap();
        let x: Vec<f64> = (0..mix.dim()).map(|i| 0.3 * i as f64 - 0.2).collect();
        let score = marginal.score(&x).unwrap();
        for i in 0..x.len() {
            let h = 1e-5 * (1.0 + p.noise_std(t));
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[i] += h;
            xm[i] -= h;
            let fd = (marginal.log_density(&xp).unwrap() - marginal.log_density(&xm).unwrap()) / (2.0 * h);
            prop_assert!(close(fd, score[i], 1e-4, 1e-6), "{spec:?}: fd {fd} vs score {}", score[i]);
        }
    }
}

#[test]
fn exact_samples_have_the_mixture_moments() {
    let mix = GaussianMixture::new(
        &[0.3, 0.7],
        &[vec![-2.0, 1.0], vec![1.0, 0.5]],
        &[vec![0.5, 0.1, 0.1, 0.3], vec![0.2, -0.05, -0.05, 0.4]],
    )
    .unwrap();
    let n = 200_000;
    let xs = mix.sample(n, 42);
    let mean: Vec<f64> = (0..2)
        .map(|i| xs.iter().map(|x| x[i]).sum::<f64>() / n as f64)
        .collect();
    let exact_mean = [0.3 * -2.0 + 0.7 * 1.0, 0.3 * 1.0 + 0.7 * 0.5];
    for i in 0..2 {
        assert!((mean[i] - exact_mean[i]).abs() < 0.01, "{mean:?}");
    }
    // Var(x₀) = Σ wₖ (Σₖ + μₖμₖᵀ) − μμᵀ, first coordinate.
    let exact_var0 = 0.3 * (0.5 + 4.0) + 0.7 * (0.2 + 1.0) - exact_mean[0] * exact_mean[0];
    let var0 = xs.iter().map(|x| (x[0] - mean[0]).powi(2)).sum::<f64>() / n as f64;
    assert!((var0 - exact_var0).abs() < 0.02, "{var0} vs {exact_var0}");
}

#[test]
fn invalid_mixtures_are_rejected_with_reasons() {
    let err =
        GaussianMixture::new(&[1.0], &[vec![0.0, 0.0]], &[vec![1.0, 2.0, 2.0, 1.0]]).unwrap_err();
    assert!(
        matches!(err, MathError::NotPositiveDefinite { component: 0, .. }),
        "{err}"
    );
    let err = GaussianMixture::new(&[1.0, 1.0], &[vec![0.0]], &[vec![1.0]]).unwrap_err();
    assert!(
        matches!(err, MathError::LengthMismatch { name: "means", .. }),
        "{err}"
    );
    let err = GaussianMixture::new(&[-1.0], &[vec![0.0]], &[vec![1.0]]).unwrap_err();
    assert!(err.to_string().contains("weight"), "{err}");
    let mix = GaussianMixture::isotropic(&[1.0], &[vec![0.0, 0.0]], &[1.0]).unwrap();
    let marginal = mix.marginal_at_scale(1.0, 0.5).unwrap();
    assert!(matches!(
        marginal.score(&[0.0]),
        Err(MathError::LengthMismatch { .. })
    ));
}
