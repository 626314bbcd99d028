//! The default time grid: which evaluation times a sampler uses when the caller asks for none.
//! It depends on the sampler (diffusers' default `timestep_spacing` of its scheduler, kept in
//! its registry entry) and on the time domain the network was trained on.

use diffusion_math::discrete::TimestepSpacing;
use diffusion_math::ForwardProcess;

use crate::grid::TimeSpacing;

/// ρ of the Karras σ grid used by default for EDM-trained networks (Karras et al. 2022).
const KARRAS_RHO: f64 = 7.0;

/// The time a network was trained on, which decides the kind of default grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDomain {
    /// Discrete timesteps (a diffusers scheduler's table): diffusers' spacing, as its schedulers
    /// do by default.
    Discrete {
        /// diffusers' `steps_offset` of the model's scheduler (0 for models trained here).
        steps_offset: usize,
    },
    /// Continuous σ with EDM preconditioning: Karras et al.'s σ grid (ρ = 7).
    Edm,
    /// Any other continuous time: evenly spaced from `t_max` to `t_end`.
    Continuous,
}

impl TimeDomain {
    /// The domain of a network trained under `process`: discrete when the process has training
    /// timesteps (then with the scheduler's `steps_offset`), EDM when it is `edm`-preconditioned,
    /// continuous otherwise.
    pub fn of(process: &dyn ForwardProcess, edm: bool, steps_offset: usize) -> Self {
        if process.num_train_timesteps().is_some() {
            Self::Discrete { steps_offset }
        } else if edm {
            Self::Edm
        } else {
            Self::Continuous
        }
    }
}

/// A sampler's default time grid, as kept in its registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultGrid {
    /// diffusers' default `timestep_spacing` of the scheduler that runs this sampler (`leading`
    /// for DDPM and DDIM, `linspace` for the rest), used on discrete models.
    pub diffusers: TimestepSpacing,
}

impl DefaultGrid {
    /// The spacing for a network trained on `domain`.
    pub fn spacing(&self, domain: TimeDomain) -> TimeSpacing {
        match domain {
            TimeDomain::Discrete { steps_offset } => TimeSpacing::Diffusers {
                spacing: self.diffusers,
                steps_offset,
            },
            TimeDomain::Edm => TimeSpacing::Karras { rho: KARRAS_RHO },
            TimeDomain::Continuous => TimeSpacing::Uniform,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diffusion_math::discrete::{BetaSchedule, DiscreteSchedule, DiscreteVp};
    use diffusion_math::{Edm, RectifiedFlow, VpLinear};

    #[test]
    fn the_domain_follows_the_process_then_the_preconditioning() {
        let table = DiscreteSchedule::new(BetaSchedule::DDPM, 1000).unwrap();
        let discrete = DiscreteVp::new(table.alphas_cumprod().to_vec()).unwrap();
        for edm in [false, true] {
            assert_eq!(
                TimeDomain::of(&discrete, edm, 1),
                TimeDomain::Discrete { steps_offset: 1 }
            );
        }
        assert_eq!(
            TimeDomain::of(&Edm::karras_default(), true, 0),
            TimeDomain::Edm
        );
        assert_eq!(
            TimeDomain::of(&VpLinear::song_default(), false, 0),
            TimeDomain::Continuous
        );
        assert_eq!(
            TimeDomain::of(&RectifiedFlow, false, 3),
            TimeDomain::Continuous
        );
    }

    #[test]
    fn each_domain_has_its_grid() {
        let grid = DefaultGrid {
            diffusers: TimestepSpacing::Leading,
        };
        assert_eq!(
            grid.spacing(TimeDomain::Discrete { steps_offset: 1 }),
            TimeSpacing::Diffusers {
                spacing: TimestepSpacing::Leading,
                steps_offset: 1
            }
        );
        assert_eq!(
            grid.spacing(TimeDomain::Edm),
            TimeSpacing::Karras { rho: 7.0 }
        );
        assert_eq!(grid.spacing(TimeDomain::Continuous), TimeSpacing::Uniform);
    }
}
