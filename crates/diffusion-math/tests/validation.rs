//! Bad input is refused with a typed error whose message says what is wrong.

use diffusion_math::discrete::{
    inference_timesteps, karras_sigmas, BetaSchedule, DiscreteSchedule, TimestepSpacing,
};
use diffusion_math::kl::prior_kl;
use diffusion_math::ode::DormandPrince;
use diffusion_math::{
    CustomProcess, Edm, ForwardProcess, MathError, OrnsteinUhlenbeck, SubVp, Ve, VpCosine, VpLinear,
};

fn message<T: std::fmt::Debug>(r: Result<T, MathError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn constructors_reject_invalid_parameters() {
    assert!(message(VpLinear::new(0.1, 0.05, 1.0)).contains("beta_max"));
    assert!(message(VpLinear::new(-0.1, 20.0, 1.0)).contains("beta_min"));
    assert!(message(SubVp::new(0.1, f64::NAN, 1.0)).contains("finite"));
    assert!(message(Ve::new(50.0, 0.01)).contains("sigma_max"));
    assert!(message(Ve::new(0.0, 1.0)).contains("sigma_min"));
    assert!(message(Edm::new(-1.0)).contains("sigma_max"));
    assert!(message(VpCosine::new(0.008, 1.0)).contains("t_max"));
    assert!(
        message(OrnsteinUhlenbeck::constant(1.0, 0.0, 0.0, 1.0)).contains("stationary_variance")
    );
    assert!(message(OrnsteinUhlenbeck::new(|t| 1.0 - t, 0.0, 1.0, 2.0)).contains("g(t)"));
    assert!(message(CustomProcess::new("bad", |t| 1.0 - t, |t| t, 0.0, 1.0)).contains("s(t)"));
    let shrinking_noise = CustomProcess::new("denoising", |_| 1.0, |t| 1.0 - 0.5 * t, 0.0, 1.0);
    assert!(message(shrinking_noise).contains("g²"));
    assert!(message(DormandPrince::new(-1.0, 1e-9)).contains("rel_tol"));
}

#[test]
fn times_outside_the_domain_are_errors() {
    let vp = VpLinear::song_default();
    let err = vp.at(1.5).unwrap_err();
    assert!(matches!(err, MathError::TimeOutOfRange { .. }));
    assert!(err.to_string().contains("[0, 1]"), "{err}");
    assert!(vp.at(f64::NAN).is_err());
    assert!(vp
        .transition(0.7, 0.2)
        .unwrap_err()
        .to_string()
        .contains("s ≤ t"));
    assert!(vp.time_at_log_snr(-100.0).is_err());
    assert!(prior_kl(&vp, &[0.0], 0.0).is_err());
}

#[test]
fn discrete_tables_reject_bad_betas_and_counts() {
    let bad = BetaSchedule::from_diffusers("linear", 0.0, 0.02);
    assert!(message(bad).contains("beta_start"));
    assert!(
        message(BetaSchedule::from_diffusers("cosine", 1e-4, 0.02)).contains("squaredcos_cap_v2")
    );
    assert!(message(DiscreteSchedule::from_betas(vec![0.1, 1.0, 0.2])).contains("β[1]"));
    assert!(message(DiscreteSchedule::from_betas(vec![])).contains("at least 1"));
    assert!(
        DiscreteSchedule::from_betas(vec![0.1, 0.5, 1.0]).is_ok(),
        "a zero-SNR last step is allowed"
    );
    assert!(
        message(inference_timesteps(1000, 0, TimestepSpacing::Leading, 0))
            .contains("num_inference_steps")
    );
    assert!(
        message(inference_timesteps(10, 11, TimestepSpacing::Trailing, 0))
            .contains("cannot exceed")
    );
    assert!(message(TimestepSpacing::parse("uniform")).contains("leading, trailing or linspace"));
    assert!(message(karras_sigmas(1.0, 0.5, 10, 7.0)).contains("sigma_max"));
}

#[test]
fn prior_term_is_small_for_vp_and_large_for_short_ve() {
    let x0 = [0.5, -1.0, 0.9];
    let vp = prior_kl(&VpLinear::song_default(), &x0, 1.0).unwrap();
    assert!((0.0..1e-3).contains(&vp), "{vp}");
    let ve = Ve::new(0.01, 2.0).unwrap();
    let kl = prior_kl(&ve, &x0, 2.0 * 2.0).unwrap();
    assert!(kl > 0.05, "{kl}");
}

#[test]
fn continuous_vp_is_the_limit_of_the_ddpm_table() {
    // Song et al. 2021, §3.4 / appendix B: DDPM's βᵢ = β(i/N)/N with β_min = 0.1, β_max = 20.
    let table = DiscreteSchedule::new(BetaSchedule::DDPM, 1000).unwrap();
    let vp = VpLinear::song_default();
    for i in [0usize, 100, 500, 999] {
        let t = (i + 1) as f64 / 1000.0;
        let continuous = vp.signal_scale(t).powi(2);
        let discrete = table.alphas_cumprod()[i];
        assert!(
            (continuous - discrete).abs() < 0.01 * discrete.max(1e-4) + 1e-4,
            "i={i}: {continuous} vs {discrete}"
        );
    }
}
