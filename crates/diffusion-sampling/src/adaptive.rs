//! The adaptive probability-flow ODE sampler (Song et al. 2021, §4.3: RK45 with error control):
//! integrates `dx/dt = f x − ½ g² ∇log p_t(x)` from `t_max` to `t_end` with Dormand–Prince and
//! ends with one denoising step, reporting the network evaluations it took.
//!
//! The error norm covers the whole batch (as scipy's RK45 on a flattened batch does), so step
//! sizes depend on the batch: an image is reproducible from its seed and batch to within the
//! tolerance, not bit for bit. The state lives on the host between evaluations.

use std::cell::RefCell;

use burn::tensor::Tensor;
use diffusion_kernels::FusedKernels;
use diffusion_math::ode::DormandPrince;
use diffusion_math::sampler_coefficients::flow_drift;

use crate::denoiser::{denoise, Denoiser, Evaluation};
use crate::error::{SamplingError, SamplingResult};
use crate::grid::end_time;
use crate::run::{from_host, initial_noise, to_host, NoiseIdentity};

/// Tolerances of the adaptive solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveOde {
    /// Relative tolerance (Song et al.: 1e-5).
    pub rel_tol: f64,
    /// Absolute tolerance (Song et al.: 1e-5).
    pub abs_tol: f64,
    /// Where the ODE stops before the final denoising step (default as in [`crate::grid`]).
    pub t_end: Option<f64>,
}

impl AdaptiveOde {
    /// Its name where samplers are chosen by name (`diffusion sample --sampler`); it is not in
    /// the fixed-step registry because it builds no plan.
    pub const NAME: &'static str = "ode-adaptive";

    /// What it is, in one line (command-line help).
    pub const SUMMARY: &'static str =
        "adaptive Dormand–Prince on the probability-flow ODE (Song et al. 2021), to --tolerance";
}

impl Default for AdaptiveOde {
    fn default() -> Self {
        Self {
            rel_tol: 1e-5,
            abs_tol: 1e-5,
            t_end: None,
        }
    }
}

/// Work done by an adaptive solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptiveReport {
    /// Network evaluations, the final denoising step included.
    pub evaluations: usize,
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps.
    pub rejected: usize,
}

/// Evaluates the probability-flow drift of a host state (shape `shape`) at time t.
pub(crate) fn drift_on_host<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
    model: &M,
    y: &[f64],
    shape: [usize; D],
    t: f64,
    labels: Option<&[usize]>,
    device: &B::Device,
) -> SamplingResult<Vec<f64>> {
    let point = model.process().point_unchecked(t);
    let x = from_host::<B, D>(y.iter().map(|&v| v as f32).collect(), shape, device);
    let at = Evaluation {
        t,
        point,
        input_scale: 1.0,
    };
    let d = denoise(model, x.clone(), &at, labels, None)?;
    let (a, b) = flow_drift(&point);
    let drift = x.mul_scalar(a as f32) + d.mul_scalar(b as f32);
    Ok(to_host(drift).into_iter().map(f64::from).collect())
}

impl AdaptiveOde {
    /// Samples a batch of `shape` from noise keyed by `noise`.
    pub fn sample<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
        &self,
        model: &M,
        shape: [usize; D],
        labels: Option<&[usize]>,
        noise: NoiseIdentity,
        device: &B::Device,
    ) -> SamplingResult<(Tensor<B, D>, AdaptiveReport)> {
        let process = model.process();
        let solver = DormandPrince::new(self.rel_tol, self.abs_tol)?;
        let t_max = process.t_max();
        let t_end = end_time(process, self.t_end, 1e-3)?;
        let start = process.point_unchecked(t_max);
        let std = (start.signal_scale.powi(2) + start.noise_std.powi(2)).sqrt();
        let x_t = initial_noise::<B, D>(shape, std, noise, device)?;
        let y0: Vec<f64> = to_host(x_t).into_iter().map(f64::from).collect();
        let failure: RefCell<Option<SamplingError>> = RefCell::new(None);
        let rhs = |t: f64, y: &[f64], dy: &mut [f64]| {
            if failure.borrow().is_some() {
                dy.fill(f64::NAN);
                return;
            }
            match drift_on_host(model, y, shape, t, labels, device) {
                Ok(v) => dy.copy_from_slice(&v),
                Err(e) => {
                    *failure.borrow_mut() = Some(e);
                    dy.fill(f64::NAN);
                }
            }
        };
        let solved = solver.solve(rhs, t_max, t_end, &y0);
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        let solution = solved?;
        let x_end = from_host::<B, D>(
            solution.y.iter().map(|&v| v as f32).collect(),
            shape,
            device,
        );
        let at = Evaluation {
            t: t_end,
            point: process.point_unchecked(t_end),
            input_scale: 1.0,
        };
        let x0 = denoise(model, x_end, &at, labels, None)?;
        Ok((
            x0,
            AdaptiveReport {
                evaluations: solution.stats.evaluations + 1,
                accepted: solution.stats.accepted,
                rejected: solution.stats.rejected,
            },
        ))
    }
}
