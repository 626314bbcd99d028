//! [`Sampler::plan`]: a sampler's plan, named after its registry entry and with the caller's x₀
//! clipping. The [`Sampler`] enum itself is declared by the registry.

use diffusion_math::ForwardProcess;

use super::method::PlanRequest;
use super::plan_options::PlanOptions;
use super::Sampler;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

impl Sampler {
    /// The plan of `steps` steps on `process`.
    pub fn plan(
        &self,
        process: &dyn ForwardProcess,
        steps: usize,
        options: &PlanOptions,
    ) -> SamplingResult<SamplingPlan> {
        let request = PlanRequest {
            process,
            steps,
            options,
        };
        let mut plan = self.method_plan(&request)?;
        plan.sampler = self.name().to_string();
        plan.clip = options.clip;
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::TimeSpacing;
    use crate::samplers::{Churn, Ddim, Ddpm, DdpmVariance, Heun, TimeDomain, SAMPLER_NAMES};
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
            Sampler::Ddpm(Ddpm {
                variance: DdpmVariance::FixedSmall,
            })
            .diffusers_default_spacing(),
        );
        let ddpm = Sampler::Ddpm(Ddpm {
            variance: DdpmVariance::FixedSmall,
        })
        .plan(&process, 50, &options)
        .unwrap();
        let ddim = Sampler::Ddim(Ddim {
            eta: 1.0,
            final_alpha_one: true,
        })
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
        let negative = Sampler::Ddim(Ddim {
            eta: -1.0,
            final_alpha_one: true,
        });
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
        let heun = Sampler::Heun(Heun {
            churn: Churn {
                s_churn: 10.0,
                ..Churn::default()
            },
        });
        assert_eq!(heun.name(), "heun");
        assert_eq!(
            heun.default_spacing(TimeDomain::Edm),
            TimeSpacing::Karras { rho: 7.0 }
        );
        assert_eq!(
            heun.default_spacing(TimeDomain::Continuous),
            TimeSpacing::Uniform
        );
        let ddpm = Sampler::Ddpm(Ddpm {
            variance: DdpmVariance::FixedLarge,
        });
        assert_eq!(
            ddpm.default_spacing(TimeDomain::Discrete { steps_offset: 1 }),
            TimeSpacing::Diffusers {
                spacing: diffusion_math::discrete::TimestepSpacing::Leading,
                steps_offset: 1
            }
        );
    }
}
