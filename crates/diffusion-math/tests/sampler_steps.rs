//! Sampler coefficients against exact solutions: a point mass (where DDIM and DPM-Solver++ are
//! exact) and a Gaussian (whose probability-flow ODE has a closed-form solution, so convergence
//! orders can be measured).

mod common;

use common::{close, family};
use diffusion_math::sampler_coefficients::{ddim, dpm_solver_pp_2m, euler, heun_second_stage};
use diffusion_math::{ForwardProcess, ProcessPoint};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// With data at a single point x₀ the denoiser is exact (D = x₀) and the probability-flow
    /// path is x_t = s_t x₀ + σ_t ε: DDIM(0) and DPM-Solver++(2M) follow it exactly.
    #[test]
    fn ddim_and_dpm_solver_are_exact_for_a_point_mass(
        spec in family(), u in 0.05f64..1.0, frac in 0.05f64..0.95, x0 in -2.0f64..2.0, eps in -2.0f64..2.0,
    ) {
        let p = spec.build();
        let t = u * spec.usable_t_max();
        let (t_prev, t_from, t_to) = ((t * 1.1).min(spec.usable_t_max()), t, t * frac);
        let pt = |t: f64| p.at(t).unwrap();
        let x_at = |q: &ProcessPoint| q.signal_scale * x0 + q.noise_std * eps;
        let (prev, from, to) = (pt(t_prev), pt(t_from), pt(t_to));
        let target = x_at(&to);
        let via_ddim = ddim(&from, &to, 0.0).unwrap().apply(x_at(&from), x0, 0.0, 0.0);
        prop_assert!(close(via_ddim, target, 1e-9, 1e-9), "{spec:?}: DDIM {via_ddim} vs {target}");
        for history in [None, Some(&prev)] {
            prop_assume!(t_prev > t_from);
            let c = dpm_solver_pp_2m(history, &from, &to);
            let got = c.apply(x_at(&from), x0, x0, 0.0);
            prop_assert!(close(got, target, 1e-9, 1e-9), "{spec:?}: DPM++ {got} vs {target}");
        }
    }
}

/// Data N(μ, v): D(x, t) = μ + s v (x − s μ)/(s² v + σ²), and the probability-flow ODE carries
/// x = s μ + √(s² v + σ²) ξ along with a fixed ξ.
struct Gaussian1d {
    mean: f64,
    var: f64,
}

impl Gaussian1d {
    fn denoise(&self, x: f64, p: &ProcessPoint) -> f64 {
        let (s, sig) = (p.signal_scale, p.noise_std);
        self.mean + s * self.var * (x - s * self.mean) / (s * s * self.var + sig * sig)
    }
    fn on_path(&self, xi: f64, p: &ProcessPoint) -> f64 {
        let (s, sig) = (p.signal_scale, p.noise_std);
        s * self.mean + (s * s * self.var + sig * sig).sqrt() * xi
    }
}

/// Integrates from t = 0.8 to t = 0.1 of `process` with `n` uniform steps of each method;
/// returns the final errors (Euler, Heun, DPM-Solver++(2M)).
fn errors(process: &dyn ForwardProcess, n: usize) -> (f64, f64, f64) {
    let data = Gaussian1d {
        mean: 0.7,
        var: 0.3,
    };
    let xi = 1.3;
    let (t0, t1) = (0.8 * process.t_max(), 0.1 * process.t_max());
    let times: Vec<f64> = (0..=n)
        .map(|i| t0 + (t1 - t0) * i as f64 / n as f64)
        .collect();
    let pts: Vec<ProcessPoint> = times.iter().map(|&t| process.at(t).unwrap()).collect();
    let exact = data.on_path(xi, &pts[n]);
    let (mut xe, mut xh, mut xd) = (
        data.on_path(xi, &pts[0]),
        data.on_path(xi, &pts[0]),
        data.on_path(xi, &pts[0]),
    );
    let mut d_prev = 0.0;
    for i in 0..n {
        let (from, to) = (&pts[i], &pts[i + 1]);
        xe = euler(from, to).apply(xe, data.denoise(xe, from), 0.0, 0.0);
        let d1 = data.denoise(xh, from);
        let predictor = euler(from, to).apply(xh, d1, 0.0, 0.0);
        xh = heun_second_stage(from, to).apply(xh, data.denoise(predictor, to), d1, 0.0);
        let d = data.denoise(xd, from);
        let prev = if i == 0 { None } else { Some(&pts[i - 1]) };
        xd = dpm_solver_pp_2m(prev, from, to).apply(xd, d, d_prev, 0.0);
        d_prev = d;
    }
    ((xe - exact).abs(), (xh - exact).abs(), (xd - exact).abs())
}

#[test]
fn convergence_orders_on_a_gaussian() {
    for process in [
        Box::new(diffusion_math::VpLinear::song_default()) as Box<dyn ForwardProcess>,
        Box::new(diffusion_math::Edm::new(10.0).unwrap()),
        Box::new(diffusion_math::RectifiedFlow),
    ] {
        let (e1, h1, d1) = errors(&*process, 20);
        let (e2, h2, d2) = errors(&*process, 40);
        let name = process.name();
        // Halving the step: Euler's error halves, the second-order methods' quarters.
        assert!(
            e1 / e2 > 1.7 && e1 / e2 < 2.5,
            "{name}: Euler ratio {}",
            e1 / e2
        );
        assert!(h1 / h2 > 3.3, "{name}: Heun ratio {}", h1 / h2);
        assert!(d1 / d2 > 3.0, "{name}: DPM-Solver++ ratio {}", d1 / d2);
        assert!(
            h2 < e2 && d2 < e2,
            "{name}: second order must beat Euler ({h2}, {d2} vs {e2})"
        );
    }
}
