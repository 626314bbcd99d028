//! [`Sampler`]: a sampler with its own options, and the dispatch from it to its registry entry,
//! its network-evaluation count and its planning function.

use diffusion_math::sampler_coefficients as coef;
use diffusion_math::ForwardProcess;

use super::options::{Churn, DdpmVariance, Predictor};
use super::plan_options::PlanOptions;
use super::{edm_view, process_view};
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// A sampler and its own options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), strided as diffusers does.
    Ddpm {
        /// Posterior variance.
        variance: DdpmVariance,
    },
    /// DDIM (Song, Meng & Ermon 2021) with stochasticity η (0: deterministic, 1: DDPM).
    Ddim {
        /// η ≥ 0.
        eta: f64,
        /// Whether the last step goes to ᾱ = 1 (diffusers' `set_alpha_to_one`) rather than
        /// to timestep 0.
        final_alpha_one: bool,
    },
    /// Euler on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 without the
    /// correction), optionally with churn.
    Euler {
        /// Stochastic churn.
        churn: Churn,
    },
    /// Heun's second-order method in σ (Karras et al. 2022, Algorithm 2).
    Heun {
        /// Stochastic churn.
        churn: Churn,
    },
    /// Euler ancestral in σ (k-diffusion, diffusers' `EulerAncestralDiscreteScheduler`).
    EulerAncestral {
        /// η (1: full ancestral noise).
        eta: f64,
    },
    /// Euler–Maruyama on the reverse-time SDE (Song et al. 2021, eq. 6).
    EulerMaruyama,
    /// Predictor–corrector (Song et al. 2021, Algorithms 2–5).
    PredictorCorrector {
        /// The predictor.
        predictor: Predictor,
        /// Langevin corrector steps per predictor step.
        corrector_steps: usize,
        /// Target signal-to-noise ratio of the corrector (0.16 for VE CIFAR-10 in the paper).
        snr: f64,
    },
    /// DPM-Solver++(2M) (Lu et al. 2022) in log-SNR time.
    DpmSolverPp2m,
    /// SDE-DPM-Solver++(2M).
    DpmSolverPp2mSde,
    /// Euler on the probability-flow ODE in the process's own time: for flow-matching models,
    /// the rectified-flow sampler `x ← x + h·u`.
    FlowEuler,
}

impl Sampler {
    /// Network evaluations for `steps` steps.
    pub fn evaluations(&self, steps: usize) -> usize {
        match self {
            Self::Heun { .. } => (2 * steps).saturating_sub(1),
            Self::PredictorCorrector {
                corrector_steps, ..
            } => steps * (1 + corrector_steps),
            _ => steps,
        }
    }

    /// The plan of `steps` steps on `process`.
    pub fn plan(
        &self,
        process: &dyn ForwardProcess,
        steps: usize,
        options: &PlanOptions,
    ) -> SamplingResult<SamplingPlan> {
        let mut plan = match *self {
            Self::Ddpm { variance } => process_view::ddpm(process, steps, options, variance),
            Self::Ddim {
                eta,
                final_alpha_one,
            } => process_view::ddim(process, steps, options, eta, final_alpha_one),
            Self::DpmSolverPp2m => process_view::dpm_solver(process, steps, options, false),
            Self::DpmSolverPp2mSde => process_view::dpm_solver(process, steps, options, true),
            Self::EulerMaruyama => {
                process_view::single_stage(process, steps, options, coef::euler_maruyama)
            }
            Self::FlowEuler => process_view::single_stage(process, steps, options, coef::euler),
            Self::PredictorCorrector {
                predictor,
                corrector_steps,
                snr,
            } => process_view::predictor_corrector(
                process,
                steps,
                options,
                predictor,
                corrector_steps,
                snr,
            ),
            Self::Euler { churn } => edm_view::euler(process, steps, options, churn, false),
            Self::Heun { churn } => edm_view::euler(process, steps, options, churn, true),
            Self::EulerAncestral { eta } => edm_view::euler_ancestral(process, steps, options, eta),
        }?;
        plan.sampler = self.name().to_string();
        plan.clip = options.clip;
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::TimeSpacing;
    use crate::samplers::TimeDomain;
    use crate::samplers::SAMPLER_NAMES;
    use diffusion_math::discrete::{BetaSchedule, DiscreteSchedule, DiscreteVp};
    use diffusion_math::VpLinear;

    fn discrete() -> DiscreteVp {
        let table = DiscreteSchedule::new(BetaSchedule::DDPM, 1000).unwrap();
        DiscreteVp::new(table.alphas_cumprod().to_vec()).unwrap()
    }

    #[test]
    fn every_named_sampler_plans_with_its_advertised_evaluations() {
        let process = discrete();
        for name in SAMPLER_NAMES {
            let sampler = Sampler::parse(name, 0.0).unwrap();
            assert_eq!(sampler.name(), name);
            let options = PlanOptions::new(sampler.diffusers_default_spacing());
            let plan = sampler.plan(&process, 12, &options).unwrap();
            assert_eq!(plan.evaluations(), sampler.evaluations(12), "{name}");
            assert_eq!(plan.sampler, name);
            assert!(
                plan.steps[0].starts_at.is_some(),
                "{name} starts on a marginal"
            );
            for step in &plan.steps {
                let c = step.coefficients;
                assert!(
                    [c.c_x, c.c_d, c.c_p, c.c_z].iter().all(|v| v.is_finite()),
                    "{name}: {step:?}"
                );
            }
        }
    }

    #[test]
    fn ddim_with_eta_one_is_ddpm() {
        let process = discrete();
        let options = PlanOptions::new(
            Sampler::Ddpm {
                variance: DdpmVariance::FixedSmall,
            }
            .diffusers_default_spacing(),
        );
        let ddpm = Sampler::Ddpm {
            variance: DdpmVariance::FixedSmall,
        }
        .plan(&process, 50, &options)
        .unwrap();
        let ddim = Sampler::Ddim {
            eta: 1.0,
            final_alpha_one: true,
        }
        .plan(&process, 50, &options)
        .unwrap();
        for (a, b) in ddpm.steps.iter().zip(&ddim.steps) {
            let (a, b) = (a.coefficients, b.coefficients);
            for (x, y) in [(a.c_x, b.c_x), (a.c_d, b.c_d), (a.c_z, b.c_z)] {
                assert!((x - y).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn unknown_names_list_the_valid_samplers() {
        let err = Sampler::parse("dpm++", 0.0).unwrap_err().to_string();
        assert!(
            err.contains("unknown sampler `dpm++`") && err.contains("dpmpp-2m"),
            "{err}"
        );
    }

    #[test]
    fn bad_requests_are_errors() {
        let vp = VpLinear::song_default();
        let ddim = Sampler::parse("ddim", 0.0).unwrap();
        let uniform = PlanOptions::new(TimeSpacing::Uniform);
        assert!(ddim.plan(&vp, 0, &uniform).is_err());
        let diffusers = PlanOptions::new(ddim.diffusers_default_spacing());
        let err = ddim.plan(&vp, 10, &diffusers).unwrap_err().to_string();
        assert!(err.contains("needs a discrete model"), "{err}");
        assert!(ddim.plan(&discrete(), 1001, &diffusers).is_err());
        let negative = Sampler::Ddim {
            eta: -1.0,
            final_alpha_one: true,
        };
        assert!(negative.plan(&vp, 10, &uniform).is_err());
    }

    #[test]
    fn every_plan_ends_at_sigma_zero() {
        // A point mass at 3: D = 3 everywhere, so every deterministic plan must return 3 from any
        // start (each method is exact for a constant denoiser in its own coordinates).
        let vp = VpLinear::song_default();
        for name in ["ddim", "euler", "heun", "dpmpp-2m", "flow-euler"] {
            let sampler = Sampler::parse(name, 0.0).unwrap();
            let spacing = match name {
                "euler" | "heun" => TimeSpacing::Karras { rho: 7.0 },
                _ => TimeSpacing::Uniform,
            };
            let plan = sampler.plan(&vp, 8, &PlanOptions::new(spacing)).unwrap();
            let (mut x, mut prev) = (0.7, 0.0);
            for step in &plan.steps {
                x = step.coefficients.apply(x, 3.0, prev, 0.0);
                prev = 3.0;
            }
            assert!((x - 3.0).abs() < 1e-9, "{name}: {x}");
        }
    }

    #[test]
    fn variants_keep_their_names_and_default_grids() {
        let heun = Sampler::Heun {
            churn: Churn {
                s_churn: 10.0,
                ..Churn::default()
            },
        };
        assert_eq!(heun.name(), "heun");
        assert_eq!(
            heun.default_spacing(TimeDomain::Edm),
            TimeSpacing::Karras { rho: 7.0 }
        );
        assert_eq!(
            heun.default_spacing(TimeDomain::Continuous),
            TimeSpacing::Uniform
        );
        let ddpm = Sampler::Ddpm {
            variance: DdpmVariance::FixedLarge,
        };
        assert_eq!(
            ddpm.default_spacing(TimeDomain::Discrete { steps_offset: 1 }),
            TimeSpacing::Diffusers {
                spacing: diffusion_math::discrete::TimestepSpacing::Leading,
                steps_offset: 1
            }
        );
    }
}
