//! Sampler steps as four numbers.
//!
//! Every first- and second-order sampler used with diffusion models updates the state linearly
//! in the state itself, the current denoiser output `D = E[x₀|x]` (the x₀-prediction), the
//! previous one, and fresh noise: `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`. This module
//! computes `(c_x, c_d, c_p, c_z)` in f64 for any forward process from its coefficients at the
//! two times (`ProcessPoint`s), so one fused kernel (diffusion-kernels) runs them all:
//! DDIM(η) and DDPM, Euler on the probability-flow ODE, Euler–Maruyama on the reverse SDE,
//! Heun's two stages, and DPM-Solver++(2M). Network outputs in other parameterisations are
//! converted to D first (see [`crate::parameterization`]).

use crate::error::{MathError, MathResult};
use crate::process::ProcessPoint;
use crate::validate;

/// `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepCoefficients {
    /// Multiplier of the current state.
    pub c_x: f64,
    /// Multiplier of the current denoiser output D.
    pub c_d: f64,
    /// Multiplier of the previous denoiser output (0 for one-step methods).
    pub c_p: f64,
    /// Standard deviation of the fresh noise (0 for deterministic methods).
    pub c_z: f64,
}

impl StepCoefficients {
    /// Applies the step to one element.
    pub fn apply(&self, x: f64, d: f64, d_prev: f64, z: f64) -> f64 {
        self.c_x * x + self.c_d * d + self.c_p * d_prev + self.c_z * z
    }
}

/// The probability-flow drift `f x − ½ g² ∇log p` written as `a·x + b·D`, using the score of
/// the denoiser `∇log p = (s D − x)/σ²` (Tweedie): `a = f + ½g²/σ²`, `b = −½g² s/σ²`.
/// With `f = s'/s` and `g² = 2σσ' − 2fσ²` these are `a = σ'/σ`, `b = s' − σ' s/σ` (the
/// conditional velocity `s' x₀ + σ' ε`), the form used here: it stays finite where s → 0
/// (rectified flow at t = 1, where f and g² diverge).
pub fn flow_drift(p: &ProcessPoint) -> (f64, f64) {
    let ratio = p.noise_std_derivative / p.noise_std;
    (ratio, p.signal_scale_derivative - ratio * p.signal_scale)
}

/// DDIM from `from` to `to` with stochasticity `η` (Song, Meng & Ermon 2021, eq. 12 and 16),
/// generalised to any (s, σ): with `ε̂ = (x − s_t D)/σ_t`,
/// `x_s = s_s D + √(σ_s² − σ_η²) ε̂ + σ_η z`, `σ_η² = η² σ_s² (σ_t² − (s_t/s_s)² σ_s²)/σ_t²`.
/// η = 0 is deterministic; η = 1 is DDPM's ancestral step with the posterior variance β̃.
pub fn ddim(from: &ProcessPoint, to: &ProcessPoint, eta: f64) -> MathResult<StepCoefficients> {
    validate::non_negative("eta", eta)?;
    let (s_t, sig_t) = (from.signal_scale, from.noise_std);
    let (s_s, sig_s) = (to.signal_scale, to.noise_std);
    let ratio = s_t / s_s;
    let transition_var = (sig_t * sig_t - ratio * ratio * sig_s * sig_s).max(0.0);
    let sigma_eta = eta * sig_s * (transition_var.sqrt() / sig_t);
    let k = (sig_s * sig_s - sigma_eta * sigma_eta).max(0.0).sqrt();
    Ok(StepCoefficients {
        c_x: k / sig_t,
        c_d: s_s - k * s_t / sig_t,
        c_p: 0.0,
        c_z: sigma_eta,
    })
}

/// One Euler step of the probability-flow ODE (Song et al. 2021, eq. 13; Karras et al. 2022,
/// Algorithm 1 without the correction): `x_next = x + h (a x + b D)`, `h = t_to − t_from`.
pub fn euler(from: &ProcessPoint, to: &ProcessPoint) -> StepCoefficients {
    let h = to.t - from.t;
    let (a, b) = flow_drift(from);
    StepCoefficients {
        c_x: 1.0 + h * a,
        c_d: h * b,
        c_p: 0.0,
        c_z: 0.0,
    }
}

/// One Euler–Maruyama step of the reverse-time SDE `dx = (f x − g² ∇log p) dt + g dw̄`
/// (Song et al. 2021, eq. 6; Kloeden & Platen 1992): with `h = t_to − t_from < 0`,
/// `x_next = x + h (f x − g² (s D − x)/σ²) + g √|h| z`.
pub fn euler_maruyama(from: &ProcessPoint, to: &ProcessPoint) -> StepCoefficients {
    let h = to.t - from.t;
    let inv_var = 1.0 / (from.noise_std * from.noise_std);
    StepCoefficients {
        c_x: 1.0 + h * (from.drift_coef + from.diffusion_sq * inv_var),
        c_d: -h * from.diffusion_sq * from.signal_scale * inv_var,
        c_p: 0.0,
        c_z: (from.diffusion_sq * h.abs()).sqrt(),
    }
}

/// Heun's second stage (Karras et al. 2022, Algorithm 1, lines 9–11) on the probability-flow
/// ODE, written from the state `x` at the start of the step: with `D_prev` the denoiser at
/// `(x, t_from)` and `D` the denoiser at the Euler predictor `x̃ = x + h(a₁x + b₁D_prev)`,
/// `x_next = x + h/2 (a₁x + b₁D_prev + a₂x̃ + b₂D)`. The first stage is [`euler`].
pub fn heun_second_stage(from: &ProcessPoint, to: &ProcessPoint) -> StepCoefficients {
    let h = to.t - from.t;
    let (a1, b1) = flow_drift(from);
    let (a2, b2) = flow_drift(to);
    StepCoefficients {
        c_x: 1.0 + 0.5 * h * (a1 + a2 * (1.0 + h * a1)),
        c_d: 0.5 * h * b2,
        c_p: 0.5 * h * b1 * (1.0 + h * a2),
        c_z: 0.0,
    }
}

/// Half log-SNR `λ = log(s/σ)`, the time variable of DPM-Solver.
fn half_lambda(p: &ProcessPoint) -> f64 {
    (p.signal_scale / p.noise_std).ln()
}

/// The DPM-Solver++ multistep update shared by the ODE and SDE variants:
/// `x_next = c_x x + s_to φ ((1 + 1/(2r)) D − 1/(2r) D_prev) + c_z z` with `r = h_prev/h`, the
/// `D_prev` terms dropped on a first step; `c_x`, `φ` and `c_z` come from `h = λ_to − λ_from`.
fn dpm_multistep(
    prev: Option<&ProcessPoint>,
    from: &ProcessPoint,
    to: &ProcessPoint,
    weights: impl Fn(f64) -> (f64, f64, f64),
) -> StepCoefficients {
    if to.noise_std == 0.0 {
        return StepCoefficients {
            c_d: to.signal_scale,
            ..StepCoefficients::default()
        };
    }
    let h = half_lambda(to) - half_lambda(from);
    let (c_x, phi, c_z) = weights(h);
    let half_inv_r = prev.map_or(0.0, |p| 0.5 * h / (half_lambda(from) - half_lambda(p)));
    StepCoefficients {
        c_x,
        c_d: to.signal_scale * phi * (1.0 + half_inv_r),
        c_p: -to.signal_scale * phi * half_inv_r,
        c_z,
    }
}

/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2) in half-log-SNR time
/// `λ = log(s/σ)`: with `h = λ_to − λ_from` and `r = h_prev/h`,
/// `x_next = (σ_to/σ_from) x − s_to (e^{−h} − 1) ((1 + 1/(2r)) D − 1/(2r) D_prev)`.
/// `prev` is the point of the previous step (`None`: the first-order first step, DPM-Solver++1
/// = DDIM); a step to σ = 0 is also taken at first order, as diffusers' `lower_order_final`.
pub fn dpm_solver_pp_2m(
    prev: Option<&ProcessPoint>,
    from: &ProcessPoint,
    to: &ProcessPoint,
) -> StepCoefficients {
    dpm_multistep(prev, from, to, |h| {
        (to.noise_std / from.noise_std, -(-h).exp_m1(), 0.0)
    })
}

/// DDPM's ancestral step with the "fixed_large" variance (Ho et al. 2020, §3.2: σ² = β): the
/// posterior mean of [`ddim`] with η = 1 and noise standard deviation `√β'`, where
/// `β' = 1 − (s_from/s_to)²` is the β of the (possibly strided) step. diffusers adds no noise
/// on the step that starts at timestep 0, so `from_first_step` drops it there.
pub fn ddpm_fixed_large(
    from: &ProcessPoint,
    to: &ProcessPoint,
    from_first_step: bool,
) -> MathResult<StepCoefficients> {
    let mean = ddim(from, to, 1.0)?;
    let ratio = from.signal_scale / to.signal_scale;
    let beta = (1.0 - ratio * ratio).max(0.0);
    Ok(StepCoefficients {
        c_z: if from_first_step { 0.0 } else { beta.sqrt() },
        ..mean
    })
}

/// Euler ancestral (Karras et al. 2022 / k-diffusion's `sample_euler_ancestral`), on points in
/// the EDM view (s = 1, σ the noise level): split the target level into a deterministic part
/// `σ_down` and fresh noise `σ_up`, with `σ_up = min(σ_to, η √(σ_to²(σ_from² − σ_to²)/σ_from²))`,
/// `σ_down = √(σ_to² − σ_up²)`; then `x_next = x + (σ_down − σ_from)(x − D)/σ_from + σ_up z`.
pub fn euler_ancestral(
    from: &ProcessPoint,
    to: &ProcessPoint,
    eta: f64,
) -> MathResult<StepCoefficients> {
    validate::non_negative("eta", eta)?;
    let (sf, st) = (from.noise_std, to.noise_std);
    let up = (eta * (st * st * (sf * sf - st * st) / (sf * sf)).max(0.0).sqrt()).min(st);
    let down = (st * st - up * up).max(0.0).sqrt();
    let ratio = down / sf;
    Ok(StepCoefficients {
        c_x: ratio,
        c_d: 1.0 - ratio,
        c_p: 0.0,
        c_z: up,
    })
}

/// SDE-DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", §4 and appendix; diffusers'
/// `sde-dpmsolver++` with the midpoint rule) in half-log-SNR time: with `h = λ_to − λ_from`,
/// `x_next = (σ_to/σ_from) e^{−h} x + s_to (1 − e^{−2h}) (D + ½(D − D_prev)/r) + σ_to √(1 − e^{−2h}) z`,
/// `r = h_prev/h`; the first step (`prev = None`) drops the `D_prev` term, and a step to σ = 0
/// returns `s_to D`.
pub fn dpm_solver_pp_2m_sde(
    prev: Option<&ProcessPoint>,
    from: &ProcessPoint,
    to: &ProcessPoint,
) -> StepCoefficients {
    dpm_multistep(prev, from, to, |h| {
        let phi = -(-2.0 * h).exp_m1(); // 1 − e^{−2h}
        (
            to.noise_std / from.noise_std * (-h).exp(),
            phi,
            to.noise_std * phi.sqrt(),
        )
    })
}

/// One Langevin corrector step at a fixed point (Song et al. 2021, Algorithm 4/5):
/// `x ← x + ε ∇log p + √(2ε) z` with the denoiser's score `(s D − x)/σ²`, i.e.
/// `x ← (1 − ε/σ²) x + (ε s/σ²) D + √(2ε) z`. The step size ε is chosen by the caller from the
/// target signal-to-noise ratio.
pub fn langevin(at: &ProcessPoint, step_size: f64) -> MathResult<StepCoefficients> {
    validate::non_negative("step_size", step_size)?;
    let inv_var = 1.0 / (at.noise_std * at.noise_std);
    Ok(StepCoefficients {
        c_x: 1.0 - step_size * inv_var,
        c_d: step_size * at.signal_scale * inv_var,
        c_p: 0.0,
        c_z: (2.0 * step_size).sqrt(),
    })
}

/// Rewrites a step `x_next = c_x·x_start + c_d·D + c_p·D_prev` whose `x_start` is the state
/// *before* a first stage `x_mid = a·x_start + b·D_prev` so that it starts from `x_mid` instead:
/// `x_start = (x_mid − b·D_prev)/a`. Two-stage methods (Heun) then run as two one-state updates.
pub fn rebase_on_first_stage(
    second: StepCoefficients,
    first: StepCoefficients,
) -> MathResult<StepCoefficients> {
    if first.c_x == 0.0 || !first.c_x.is_finite() {
        return Err(MathError::NumericalFailure(format!(
            "cannot rebase a second stage on a first stage with c_x = {}",
            first.c_x
        )));
    }
    let scale = second.c_x / first.c_x;
    Ok(StepCoefficients {
        c_x: scale,
        c_d: second.c_d,
        c_p: second.c_p - scale * first.c_d,
        c_z: second.c_z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::{Edm, VpLinear};
    use crate::process::ForwardProcess;

    #[test]
    fn ddim_with_eta_one_is_the_ddpm_posterior() {
        let vp = VpLinear::song_default();
        let (from, to) = (vp.at(0.6).unwrap(), vp.at(0.55).unwrap());
        let c = ddim(&from, &to, 1.0).unwrap();
        let (abar_t, abar_s) = (from.signal_scale.powi(2), to.signal_scale.powi(2));
        let alpha_t = abar_t / abar_s;
        let beta_t = 1.0 - alpha_t;
        // Ho et al. 2020, eq. 7: μ̃ = √ᾱ_s β_t/(1−ᾱ_t) x₀ + √α_t (1−ᾱ_s)/(1−ᾱ_t) x_t, β̃ = (1−ᾱ_s)/(1−ᾱ_t) β_t.
        let mean_x0 = abar_s.sqrt() * beta_t / (1.0 - abar_t);
        let mean_xt = alpha_t.sqrt() * (1.0 - abar_s) / (1.0 - abar_t);
        let var = (1.0 - abar_s) / (1.0 - abar_t) * beta_t;
        assert!((c.c_d - mean_x0).abs() < 1e-12, "{} vs {mean_x0}", c.c_d);
        assert!((c.c_x - mean_xt).abs() < 1e-12, "{} vs {mean_xt}", c.c_x);
        assert!((c.c_z * c.c_z - var).abs() < 1e-12);
    }

    #[test]
    fn euler_ancestral_with_eta_zero_is_euler() {
        let edm = Edm::karras_default();
        let (from, to) = (edm.at(2.0).unwrap(), edm.at(1.5).unwrap());
        let a = euler_ancestral(&from, &to, 0.0).unwrap();
        let e = euler(&from, &to);
        assert!((a.c_x - e.c_x).abs() < 1e-15 && (a.c_d - e.c_d).abs() < 1e-15);
        assert_eq!(a.c_z, 0.0);
        // η = 1 keeps the marginal variance: σ_down² + σ_up² = σ_to².
        let b = euler_ancestral(&from, &to, 1.0).unwrap();
        let down = b.c_x * 2.0;
        assert!((down * down + b.c_z * b.c_z - 1.5 * 1.5).abs() < 1e-12);
    }

    #[test]
    fn rebased_heun_equals_the_two_stage_update() {
        let edm = Edm::karras_default();
        let (from, to) = (edm.at(3.0).unwrap(), edm.at(2.0).unwrap());
        let (x, d1, d2) = (1.3, 0.4, 0.45);
        let first = euler(&from, &to);
        let second = heun_second_stage(&from, &to);
        let mid = first.apply(x, d1, 0.0, 0.0);
        let rebased = rebase_on_first_stage(second, first).unwrap();
        let direct = second.apply(x, d2, d1, 0.0);
        assert!((rebased.apply(mid, d2, d1, 0.0) - direct).abs() < 1e-14);
    }

    #[test]
    fn sde_dpm_solver_first_order_keeps_a_gaussian_marginal() {
        // With D = x₀ exact for a point mass at 0, the update maps N(0, σ_from²) to N(0, σ_to²).
        let vp = VpLinear::song_default();
        let (from, to) = (vp.at(0.8).unwrap(), vp.at(0.5).unwrap());
        let c = dpm_solver_pp_2m_sde(None, &from, &to);
        let var = c.c_x * c.c_x * from.noise_std.powi(2) + c.c_z * c.c_z;
        assert!((var - to.noise_std.powi(2)).abs() < 1e-12);
    }

    #[test]
    fn euler_on_edm_is_karras_step() {
        let edm = Edm::karras_default();
        let (from, to) = (edm.at(2.0).unwrap(), edm.at(1.5).unwrap());
        let c = euler(&from, &to);
        // x + (σ_to − σ_from) (x − D)/σ_from
        assert!((c.c_x - (1.0 - 0.5 / 2.0)).abs() < 1e-15);
        assert!((c.c_d - 0.5 / 2.0).abs() < 1e-15);
    }

    #[test]
    fn heun_second_stage_matches_the_two_stage_form() {
        let edm = Edm::karras_default();
        let (from, to) = (edm.at(3.0).unwrap(), edm.at(2.0).unwrap());
        let (x, d1, d2) = (1.3, 0.4, 0.45);
        let h = -1.0;
        let x_tilde = x + h * (x - d1) / 3.0;
        let expected = x + 0.5 * h * ((x - d1) / 3.0 + (x_tilde - d2) / 2.0);
        let got = heun_second_stage(&from, &to).apply(x, d2, d1, 0.0);
        assert!((got - expected).abs() < 1e-14, "{got} vs {expected}");
    }
}
