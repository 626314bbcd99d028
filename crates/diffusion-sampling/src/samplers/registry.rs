//! The table of named samplers: one row a sampler module, whose [`SamplerMethod`] type gives the
//! name the command line and configs use, its aliases, a one-line summary for help text, the
//! sampler with default options, its default time grid, its evaluation count and its plan.
//! Everything that lists, parses, documents or runs samplers reads this table.

use super::default_grid::{DefaultGrid, TimeDomain};
use super::method::{PlanRequest, SamplerMethod};
use super::{
    Ddim, Ddpm, DpmSolverPp2m, DpmSolverPp2mSde, Euler, EulerAncestral, EulerMaruyama, FlowEuler,
    Heun, PredictorCorrector,
};
use crate::error::{SamplingError, SamplingResult};
use crate::grid::TimeSpacing;
use crate::plan::SamplingPlan;

/// One named sampler: its [`SamplerInfo`](super::SamplerInfo) and how to make it with default options.
#[derive(Debug)]
pub struct SamplerEntry {
    /// The name (kebab-case, as diffusers / k-diffusion users know it).
    pub name: &'static str,
    /// Other accepted spellings.
    pub aliases: &'static [&'static str],
    /// What it is, in one line (command-line help).
    pub summary: &'static str,
    /// The sampler with its default options; the argument is DDIM's η (ignored by the others).
    pub with_defaults: fn(f64) -> Sampler,
    /// The time grid it uses when none is asked for.
    pub default_grid: DefaultGrid,
}

impl SamplerEntry {
    /// The entry of sampler type `M`.
    const fn of<M: SamplerMethod>() -> Self
    where
        Sampler: From<M>,
    {
        let info = M::INFO;
        Self {
            name: info.name,
            aliases: info.aliases,
            summary: info.summary,
            with_defaults: |eta| Sampler::from(M::with_defaults(eta)),
            default_grid: info.default_grid,
        }
    }
}

/// Declares the samplers: each row is a module's [`SamplerMethod`] type. It makes the
/// [`Sampler`] enum (one variant a type, named as it), its dispatch to the types and
/// [`REGISTRY`], in the order help text lists them.
macro_rules! samplers {
    ($($method:ident),+ $(,)?) => {
        /// A sampler and its own options: one variant a registry entry, each holding its
        /// module's options type.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum Sampler {
            $(
                #[doc = concat!("See [`", stringify!($method), "`].")]
                $method($method),
            )+
        }

        $(
            impl From<$method> for Sampler {
                fn from(method: $method) -> Self {
                    Self::$method(method)
                }
            }
        )+

        /// Every named sampler, in the order help text lists them.
        pub static REGISTRY: &[SamplerEntry] = &[$(SamplerEntry::of::<$method>()),+];

        impl Sampler {
            /// Its registry entry (name, summary, default options and grid).
            pub fn entry(&self) -> &'static SamplerEntry {
                match self {
                    $(Self::$method(_) => const { &SamplerEntry::of::<$method>() },)+
                }
            }

            /// Network evaluations for `steps` steps.
            pub fn evaluations(&self, steps: usize) -> usize {
                match self {
                    $(Self::$method(method) => method.evaluations(steps),)+
                }
            }

            /// The method's own plan, before [`Sampler::plan`] names it and sets its clipping.
            pub(super) fn method_plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
                match self {
                    $(Self::$method(method) => method.plan(request),)+
                }
            }
        }
    };
}

samplers![
    Ddpm,
    Ddim,
    Euler,
    EulerAncestral,
    Heun,
    DpmSolverPp2m,
    DpmSolverPp2mSde,
    PredictorCorrector,
    EulerMaruyama,
    FlowEuler,
];

/// The registry's names, in its order (for messages and docs; aliases not included).
pub const SAMPLER_NAMES: [&str; REGISTRY.len()] = names();

const fn names() -> [&'static str; REGISTRY.len()] {
    let mut out = [""; REGISTRY.len()];
    let mut i = 0;
    while i < REGISTRY.len() {
        out[i] = REGISTRY[i].name;
        i += 1;
    }
    out
}

impl SamplerEntry {
    /// The entry answering to `name` (its name or an alias); an unknown name is an error that
    /// lists the accepted names.
    pub fn lookup(name: &str) -> SamplingResult<&'static Self> {
        resolve(name)
            .map(|(entry, _)| entry)
            .ok_or_else(|| unknown_sampler(name))
    }
}

/// The error for a name that is not in the registry: it lists the accepted names.
pub(super) fn unknown_sampler(name: &str) -> SamplingError {
    SamplingError::invalid(
        "sampler",
        format!(
            "unknown sampler `{name}`; valid samplers: {}",
            SAMPLER_NAMES.join(", ")
        ),
    )
}

/// The entry answering to `text` and the registry's own spelling of it (the name or the alias
/// that matched), usable in constant evaluation.
pub(super) const fn resolve(text: &str) -> Option<(&'static SamplerEntry, &'static str)> {
    let mut i = 0;
    while i < REGISTRY.len() {
        let entry = &REGISTRY[i];
        if same(entry.name, text) {
            return Some((entry, entry.name));
        }
        let mut a = 0;
        while a < entry.aliases.len() {
            if same(entry.aliases[a], text) {
                return Some((entry, entry.aliases[a]));
            }
            a += 1;
        }
        i += 1;
    }
    None
}

/// String equality in constant evaluation.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Sampler {
    /// The registry name (also the plan's `sampler`).
    pub fn name(&self) -> &'static str {
        self.entry().name
    }

    /// The spacing diffusers' scheduler for this sampler uses by default (`leading` for DDPM and
    /// DDIM, `linspace` for the rest) with `steps_offset` 0; [`Sampler::default_spacing`] picks
    /// the grid for any model.
    pub fn diffusers_default_spacing(&self) -> TimeSpacing {
        self.default_spacing(TimeDomain::Discrete { steps_offset: 0 })
    }

    /// The grid this sampler uses by default on a network trained on `domain`.
    pub fn default_spacing(&self, domain: TimeDomain) -> TimeSpacing {
        self.entry().default_grid.spacing(domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SamplingPlan;
    use crate::samplers::{PlanOptions, SamplerName, TimeDomain};
    use diffusion_math::discrete::{BetaSchedule, DiscreteSchedule, DiscreteVp, TimestepSpacing};
    use diffusion_math::{Edm, ForwardProcess, VpLinear};

    fn discrete() -> DiscreteVp {
        let table = DiscreteSchedule::new(BetaSchedule::DDPM, 1000).unwrap();
        DiscreteVp::new(table.alphas_cumprod().to_vec()).unwrap()
    }

    /// Every spelling the registry accepts, with its entry.
    fn spellings() -> Vec<(&'static str, &'static SamplerEntry)> {
        REGISTRY
            .iter()
            .flat_map(|e| {
                std::iter::once(&e.name)
                    .chain(e.aliases)
                    .map(move |&s| (s, e))
            })
            .collect()
    }

    fn default_plan(entry: &SamplerEntry, process: &dyn ForwardProcess, edm: bool) -> SamplingPlan {
        let sampler = (entry.with_defaults)(0.0);
        let grid = sampler.default_spacing(TimeDomain::of(process, edm, 0));
        sampler
            .plan(process, 6, &PlanOptions::new(grid))
            .unwrap_or_else(|e| panic!("{}: {e}", entry.name))
    }

    #[test]
    fn every_entry_parses_plans_and_round_trips_its_name() {
        // (Rectified flow is left out: its s(1) = 0 puts the σ-view samplers' σ̃ = σ/s at ∞.)
        let processes: [(&dyn ForwardProcess, bool); 3] = [
            (&discrete(), false),
            (&VpLinear::song_default(), false),
            (&Edm::karras_default(), true),
        ];
        for entry in REGISTRY {
            let sampler = Sampler::parse(entry.name, 0.0).unwrap();
            assert_eq!(sampler, (entry.with_defaults)(0.0));
            assert_eq!(sampler.name(), entry.name);
            assert_eq!(sampler.entry().name, entry.name);
            for &(process, edm) in &processes {
                let plan = default_plan(entry, process, edm);
                assert_eq!(plan.sampler, entry.name);
                assert_eq!(plan.evaluations(), sampler.evaluations(6), "{}", entry.name);
            }
            let name = SamplerName::parse(entry.name).unwrap();
            assert_eq!(name.to_string(), entry.name);
            assert_eq!(name.sampler(0.0), sampler);
            assert!(!entry.summary.is_empty());
        }
    }

    #[test]
    fn aliases_parse_to_their_entry_and_keep_their_spelling() {
        for (spelling, entry) in spellings() {
            let name = SamplerName::parse(spelling).unwrap();
            assert_eq!(name.as_str(), spelling);
            assert_eq!(name.entry().name, entry.name);
            assert_eq!(Sampler::parse(spelling, 0.0).unwrap().name(), entry.name);
        }
        assert_eq!(
            Sampler::parse("euler-a", 0.0).unwrap(),
            Sampler::EulerAncestral(EulerAncestral { eta: 1.0 })
        );
    }

    #[test]
    fn spellings_are_unique_and_the_name_list_follows_the_table() {
        let all = spellings();
        for (i, (a, _)) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
            assert!(
                a.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{a} is not kebab-case"
            );
        }
        let names: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
        assert_eq!(SAMPLER_NAMES.to_vec(), names);
    }

    #[test]
    fn unknown_names_are_errors_listing_every_name() {
        let err = SamplerEntry::lookup("dpm++").unwrap_err().to_string();
        assert!(err.contains("unknown sampler `dpm++`"), "{err}");
        assert!(err.contains(&SAMPLER_NAMES.join(", ")), "{err}");
        assert!(
            SamplerEntry::lookup("DDIM").is_err(),
            "names are case-sensitive"
        );
        assert!(resolve("").is_none());
    }

    #[test]
    fn default_grids_follow_diffusers_on_discrete_models() {
        for entry in REGISTRY {
            let leading = matches!(entry.name, "ddpm" | "ddim");
            let want = if leading {
                TimestepSpacing::Leading
            } else {
                TimestepSpacing::Linspace
            };
            assert_eq!(entry.default_grid.diffusers, want, "{}", entry.name);
        }
    }
}
