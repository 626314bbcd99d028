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

use crate::error::MathResult;
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
fn flow_drift(p: &ProcessPoint) -> (f64, f64) {
    let inv_var = 1.0 / (p.noise_std * p.noise_std);
    (
        p.drift_coef + 0.5 * p.diffusion_sq * inv_var,
        -0.5 * p.diffusion_sq * p.signal_scale * inv_var,
    )
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
    let half_lambda = |p: &ProcessPoint| (p.signal_scale / p.noise_std).ln();
    if to.noise_std == 0.0 {
        return StepCoefficients {
            c_d: to.signal_scale,
            ..StepCoefficients::default()
        };
    }
    let h = half_lambda(to) - half_lambda(from);
    let phi = -(-h).exp_m1(); // 1 − e^{−h}
    let c_x = to.noise_std / from.noise_std;
    match prev {
        None => StepCoefficients {
            c_x,
            c_d: to.signal_scale * phi,
            c_p: 0.0,
            c_z: 0.0,
        },
        Some(p) => {
            let r = (half_lambda(from) - half_lambda(p)) / h;
            let half_inv_r = 0.5 / r;
            StepCoefficients {
                c_x,
                c_d: to.signal_scale * phi * (1.0 + half_inv_r),
                c_p: -to.signal_scale * phi * half_inv_r,
                c_z: 0.0,
            }
        }
    }
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
