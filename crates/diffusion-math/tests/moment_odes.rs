//! The Itô moment ODEs, integrated numerically, agree with every family's closed forms.

mod common;

use common::{close, family_and_time};
use diffusion_math::moments::{closed_form_moments, with_linear_sde, LinearSde, Moments};
use diffusion_math::ode::DormandPrince;
use diffusion_math::{ForwardProcess, OrnsteinUhlenbeck};
use proptest::prelude::*;

const REL: f64 = 1e-8;

fn initial(process: &dyn ForwardProcess, x0: f64) -> Moments {
    let sigma0 = process.noise_std(process.t_min());
    Moments::new(x0, sigma0 * sigma0)
}

fn assert_moments_close(
    numeric: Moments,
    exact: Moments,
    label: &str,
) -> Result<(), TestCaseError> {
    prop_assert!(
        close(numeric.mean, exact.mean, REL, 1e-14),
        "{label} mean {} vs {}",
        numeric.mean,
        exact.mean
    );
    prop_assert!(
        close(numeric.variance, exact.variance, REL, 1e-14),
        "{label} variance {} vs {}",
        numeric.variance,
        exact.variance
    );
    prop_assert!(
        close(numeric.second_moment, exact.second_moment, REL, 1e-14),
        "{label} E[x²] {} vs {}",
        numeric.second_moment,
        exact.second_moment
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn dormand_prince_moments_match_closed_forms((spec, t) in family_and_time(), x0 in 0.2f64..3.0) {
        let process = spec.build();
        let start = initial(&*process, x0);
        let t0 = process.t_min();
        let exact = closed_form_moments(&*process, start, t0, t).unwrap();
        let solver = DormandPrince::new(1e-12, 1e-16).unwrap();
        let (numeric, _) = with_linear_sde(&*process, |sde| sde.moments_adaptive(start, t0, t, &solver)).unwrap();
        assert_moments_close(numeric, exact, &format!("{spec:?} t={t}"))?;
    }

    #[test]
    fn rk4_moments_match_closed_forms((spec, t) in family_and_time(), x0 in 0.2f64..3.0) {
        let process = spec.build();
        let start = initial(&*process, x0);
        let t0 = process.t_min();
        let exact = closed_form_moments(&*process, start, t0, t).unwrap();
        let numeric = with_linear_sde(&*process, |sde| sde.moments_rk4(start, t0, t, 4000)).unwrap();
        assert_moments_close(numeric, exact, &format!("{spec:?} t={t}"))?;
    }

    #[test]
    fn uncentred_ou_mean_follows_the_affine_moment_ode(
        g in 0.2f64..2.0, mean in -3.0f64..3.0, var in 0.2f64..4.0, x0 in -3.0f64..3.0, t in 0.01f64..2.0,
    ) {
        let ou = OrnsteinUhlenbeck::constant(g, mean, var, 2.0).unwrap();
        let f = |u| ou.drift_coef(u);
        let h = |u| ou.drift_offset(u);
        let g2 = |u| ou.diffusion_sq(u);
        let sde = LinearSde { drift_coef: &f, drift_offset: &h, diffusion_sq: &g2 };
        let solver = DormandPrince::new(1e-12, 1e-16).unwrap();
        let (numeric, _) = sde.moments_adaptive(Moments::new(x0, 0.0), 0.0, t, &solver).unwrap();
        let kernel = ou.transition(0.0, t).unwrap();
        prop_assert!(close(numeric.mean, kernel.mean(x0), REL, 1e-12));
        prop_assert!(close(numeric.variance, kernel.variance, REL, 1e-14));
        let exact_second = kernel.variance + kernel.mean(x0).powi(2);
        prop_assert!(close(numeric.second_moment, exact_second, REL, 1e-12));
    }
}
