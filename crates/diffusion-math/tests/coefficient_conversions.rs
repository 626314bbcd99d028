//! (s, σ) ↔ (f, g): closed forms, numerical derivatives and the variance ODE describe one process.

mod common;

use common::{close, family_and_time};
use diffusion_math::coefficients::{
    diffusion_sq_from_noise_std, drift_from_signal_scale, marginal_from_sde,
};
use diffusion_math::{CustomProcess, ForwardProcess};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// f = s'/s and g² = 2σσ' − 2fσ² reproduce each family's closed-form f and g².
    #[test]
    fn closed_form_derivatives_are_consistent((spec, t) in family_and_time()) {
        let p = spec.build();
        let point = p.at(t).unwrap();
        let f = drift_from_signal_scale(point.signal_scale, point.signal_scale_derivative);
        prop_assert!(close(f, point.drift_coef, 1e-12, 1e-12), "{spec:?}: f {f} vs {}", point.drift_coef);
        let g2 = diffusion_sq_from_noise_std(point.noise_std, point.noise_std_derivative, point.drift_coef);
        prop_assert!(close(g2, point.diffusion_sq, 1e-10, 1e-12), "{spec:?}: g² {g2} vs {}", point.diffusion_sq);
    }

    /// A process known only through s(t) and σ(t) gets f and g² numerically; they agree with the
    /// closed forms.
    #[test]
    fn numerical_sde_coefficients_from_marginals((spec, t) in family_and_time()) {
        let p = spec.build();
        let (ps, pn) = (p.clone(), p.clone());
        let custom = CustomProcess::new(
            "numeric",
            move |u| ps.signal_scale(u),
            move |u| pn.noise_std(u),
            p.t_min(),
            spec.usable_t_max(),
        )
        .unwrap();
        let (f_num, f_exact) = (custom.drift_coef(t), p.drift_coef(t));
        prop_assert!(close(f_num, f_exact, 1e-6, 1e-9), "{spec:?} t={t}: f {f_num} vs {f_exact}");
        let (g_num, g_exact) = (custom.diffusion_sq(t), p.diffusion_sq(t));
        prop_assert!(close(g_num, g_exact, 1e-6, 1e-9), "{spec:?} t={t}: g² {g_num} vs {g_exact}");
    }

    /// A process known only through f(t) and g(t)² gets s and σ from the moment ODEs.
    #[test]
    fn marginals_from_sde_coefficients((spec, t) in family_and_time()) {
        let p = spec.build();
        let t0 = p.t_min();
        let f = |u| p.drift_coef(u);
        let g2 = |u| p.diffusion_sq(u);
        let (s, sigma) = marginal_from_sde(&f, &g2, t0, p.signal_scale(t0), p.noise_std(t0), t).unwrap();
        prop_assert!(close(s, p.signal_scale(t), 1e-8, 1e-14), "{spec:?}: s {s} vs {}", p.signal_scale(t));
        prop_assert!(close(sigma, p.noise_std(t), 1e-8, 1e-12), "{spec:?}: σ {sigma} vs {}", p.noise_std(t));
    }

    /// Chapman–Kolmogorov for Gaussian kernels: q(x_t|x_0) = ∫ q(x_t|x_s) q(x_s|x_0) dx_s.
    #[test]
    fn transitions_compose((spec, t) in family_and_time(), frac in 0.0f64..1.0) {
        let p = spec.build();
        let (t0, s) = (p.t_min(), p.t_min() + frac * (t - p.t_min()));
        let (a, b, c) = (p.transition(t0, s).unwrap(), p.transition(s, t).unwrap(), p.transition(t0, t).unwrap());
        prop_assert!(close(b.mean_scale * a.mean_scale, c.mean_scale, 1e-12, 1e-15));
        let composed = b.mean_scale * b.mean_scale * a.variance + b.variance;
        prop_assert!(close(composed, c.variance, 1e-9, 1e-13), "{spec:?}: {composed} vs {}", c.variance);
    }

    /// The log-SNR is monotone and `time_at_log_snr` inverts it.
    #[test]
    fn log_snr_inverts((spec, t) in family_and_time()) {
        let p = spec.build();
        let lambda = p.log_snr(t);
        prop_assume!(lambda.is_finite());
        let back = p.time_at_log_snr(lambda).unwrap();
        prop_assert!(close(p.log_snr(back), lambda, 1e-9, 1e-9), "{spec:?}: t={t} back={back}");
        prop_assert!(p.log_snr(t * 0.9) >= lambda);
    }
}
