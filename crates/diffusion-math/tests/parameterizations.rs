//! Exact, mutually inverse conversions between ε, x₀, v, score and velocity, and the identities
//! that tie them to the SDE: Tweedie and the probability-flow drift.

mod common;

use common::{close, family_and_time};
use diffusion_math::parameterization::convert;
use diffusion_math::{Prediction, SignalNoise};
use proptest::prelude::*;

fn prediction() -> impl Strategy<Value = Prediction> {
    proptest::sample::select(Prediction::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_conversion_round_trips(
        (spec, t) in family_and_time(),
        x0 in -3.0f64..3.0,
        eps in -3.0f64..3.0,
        from in prediction(),
        to in prediction(),
    ) {
        let point = spec.build().at(t).unwrap();
        // Below s ≈ 1e-6 the x₀ part of x_t is lost to the rounding of x_t itself (an OU process
        // near its end reaches s ≈ e^{-48}), so no f64 conversion through x₀ can round-trip.
        prop_assume!(point.signal_scale > 1e-6);
        let x_t = point.signal_scale * x0 + point.noise_std * eps;
        let truth = SignalNoise { x0, eps };
        let value = truth.to_prediction(from, &point);
        let converted = convert(x_t, value, from, to, &point);
        prop_assert!(close(converted, truth.to_prediction(to, &point), 1e-8, 1e-8),
            "{spec:?}: {from:?}→{to:?}");
        let back = convert(x_t, converted, to, from, &point);
        prop_assert!(close(back, value, 1e-8, 1e-8), "{spec:?}: {from:?}→{to:?}→{from:?}: {back} vs {value}");
        let recovered = SignalNoise::from_prediction(x_t, value, from, &point);
        prop_assert!(close(recovered.x0, x0, 1e-7, 1e-7) && close(recovered.eps, eps, 1e-7, 1e-7));
    }

    /// For one noising (x₀, ε), the probability-flow drift evaluated with the conditional score
    /// −ε/σ equals the conditional velocity ds/dt x₀ + dσ/dt ε (Song et al. 2021, eq. 13).
    #[test]
    fn probability_flow_drift_is_conditional_velocity(
        (spec, t) in family_and_time(), x0 in -3.0f64..3.0, eps in -3.0f64..3.0,
    ) {
        let point = spec.build().at(t).unwrap();
        // Below s ≈ 1e-6 the x₀ part of x_t is lost to the rounding of x_t itself (an OU process
        // near its end reaches s ≈ e^{-48}), so no f64 conversion through x₀ can round-trip.
        prop_assume!(point.signal_scale > 1e-6);
        let x_t = point.signal_scale * x0 + point.noise_std * eps;
        let truth = SignalNoise { x0, eps };
        let score = truth.to_prediction(Prediction::Score, &point);
        let velocity = truth.to_prediction(Prediction::Velocity, &point);
        let drift = point.probability_flow_drift(x_t, score);
        prop_assert!(close(drift, velocity, 1e-9, 1e-9), "{spec:?}: {drift} vs {velocity}");
        // The reverse SDE drift differs from the flow by the other half of g²·score.
        let reverse = point.reverse_sde_drift(x_t, score);
        prop_assert!(close(reverse - drift, -0.5 * point.diffusion_sq * score, 1e-9, 1e-9));
    }
}

#[test]
fn diffusers_names_parse() {
    assert_eq!(Prediction::parse("epsilon").unwrap(), Prediction::Epsilon);
    assert_eq!(Prediction::parse("sample").unwrap(), Prediction::Sample);
    assert_eq!(
        Prediction::parse("v_prediction").unwrap(),
        Prediction::VPrediction
    );
    let err = Prediction::parse("noise").unwrap_err().to_string();
    assert!(err.contains("epsilon, sample, v_prediction"), "{err}");
}
