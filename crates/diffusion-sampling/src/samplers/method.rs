//! [`SamplerMethod`]: what each sampler module provides. A sampler is a type holding its own
//! options (DDIM's η, Heun's churn, …) that knows its name and help text ([`SamplerInfo`]), its
//! default options, how many network evaluations it makes and how to plan a run; the registry
//! lists the types.

use diffusion_math::discrete::TimestepSpacing;
use diffusion_math::ForwardProcess;

use super::default_grid::DefaultGrid;
use super::plan_options::PlanOptions;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// A sampler's name, other spellings, help text and default grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamplerInfo {
    /// The name (kebab-case, as diffusers / k-diffusion users know it).
    pub name: &'static str,
    /// Other accepted spellings.
    pub aliases: &'static [&'static str],
    /// What it is, in one line (command-line help).
    pub summary: &'static str,
    /// The time grid it uses when none is asked for.
    pub default_grid: DefaultGrid,
}

/// The default grid of diffusers' DDPM and DDIM schedulers (`timestep_spacing="leading"`).
pub const LEADING: DefaultGrid = DefaultGrid {
    diffusers: TimestepSpacing::Leading,
};

/// The default grid of diffusers' other schedulers (`timestep_spacing="linspace"`).
pub const LINSPACE: DefaultGrid = DefaultGrid {
    diffusers: TimestepSpacing::Linspace,
};

impl SamplerInfo {
    /// A sampler with no aliases on diffusers' `linspace` grid (the default of every diffusers
    /// scheduler but DDPM's and DDIM's).
    pub const fn new(name: &'static str, summary: &'static str) -> Self {
        Self {
            name,
            aliases: &[],
            summary,
            default_grid: LINSPACE,
        }
    }

    /// The same with other accepted spellings.
    pub const fn with_aliases(self, aliases: &'static [&'static str]) -> Self {
        Self { aliases, ..self }
    }

    /// The same with another default grid.
    pub const fn with_grid(self, default_grid: DefaultGrid) -> Self {
        Self {
            default_grid,
            ..self
        }
    }
}

/// What a plan is asked for: the process, the number of steps and the options every sampler
/// shares.
#[derive(Clone, Copy)]
pub struct PlanRequest<'a> {
    /// The forward process the network was trained under.
    pub process: &'a dyn ForwardProcess,
    /// Steps (not network evaluations: see [`SamplerMethod::evaluations`]).
    pub steps: usize,
    /// Grid, end time and clipping.
    pub options: &'a PlanOptions,
}

/// One sampler: its options are the implementing type's fields.
pub trait SamplerMethod: Copy {
    /// Its name, aliases, help text and default grid.
    const INFO: SamplerInfo;

    /// The sampler with its default options; `eta` is the η the command line passes (DDIM
    /// uses it, the others ignore it).
    fn with_defaults(eta: f64) -> Self;

    /// Network evaluations for `steps` steps (one a step unless the method says otherwise).
    fn evaluations(&self, steps: usize) -> usize {
        steps
    }

    /// The plan of `request.steps` steps on `request.process`. [`Sampler::plan`](super::Sampler::plan) fills in the
    /// plan's sampler name and clipping.
    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan>;
}
