//! `--sampler` values, read from diffusion-sampling's registry: the accepted names, their
//! aliases and the one-line summaries `--help` shows all come from the table, so the command
//! line can never offer a sampler the library lacks or miss one it has.

use std::ffi::OsStr;
use std::fmt;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, Command, Error};
use diffusion_sampling::adaptive::AdaptiveOde;
use diffusion_sampling::samplers::{REGISTRY, SAMPLER_NAMES};
use diffusion_sampling::SamplerName;

/// What `diffusion sample --sampler` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplerChoice {
    /// A fixed-step sampler of the registry.
    Fixed(SamplerName),
    /// The adaptive probability-flow ODE solver ([`AdaptiveOde`]).
    Adaptive,
}

impl SamplerChoice {
    /// The name as given on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Fixed(name) => name.as_str(),
            Self::Adaptive => AdaptiveOde::NAME,
        }
    }
}

/// Writes the name as given.
impl fmt::Display for SamplerChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses `--sampler` from the registry into `T`: registry names only (`eval`), or names and
/// the adaptive ODE solver (`sample`); `--help` lists the accepted values with their summaries.
#[derive(Debug, Clone, Copy)]
pub struct SamplerParser<T> {
    parse: fn(&str) -> Result<T, String>,
    adaptive: bool,
}

/// `eval --sampler`: the registry's fixed-step samplers.
pub const FIXED_SAMPLER: SamplerParser<SamplerName> = SamplerParser {
    parse: parse_fixed,
    adaptive: false,
};

/// `sample --sampler`: the registry's samplers and `ode-adaptive`.
pub const SAMPLER_CHOICE: SamplerParser<SamplerChoice> = SamplerParser {
    parse: parse_choice,
    adaptive: true,
};

impl<T: Clone + Send + Sync + 'static> TypedValueParser for SamplerParser<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let adaptive = self
            .adaptive
            .then(|| PossibleValue::new(AdaptiveOde::NAME).help(AdaptiveOde::SUMMARY));
        Some(Box::new(registry_values().chain(adaptive)))
    }
}

/// The registry's samplers as clap values, with their aliases and summaries.
fn registry_values() -> impl Iterator<Item = PossibleValue> {
    REGISTRY.iter().map(|entry| {
        PossibleValue::new(entry.name)
            .aliases(entry.aliases.iter().copied())
            .help(entry.summary)
    })
}

/// A registry name; clap reports the error as an invalid value of the argument.
fn parse_fixed(text: &str) -> Result<SamplerName, String> {
    SamplerName::parse(text).map_err(|_| unknown(text, false))
}

/// A registry name or `ode-adaptive`.
fn parse_choice(text: &str) -> Result<SamplerChoice, String> {
    if text == AdaptiveOde::NAME {
        return Ok(SamplerChoice::Adaptive);
    }
    SamplerName::parse(text)
        .map(SamplerChoice::Fixed)
        .map_err(|_| unknown(text, true))
}

/// The message for an unknown name: it lists every accepted one (and `ode-adaptive` where the
/// command takes it).
fn unknown(text: &str, adaptive: bool) -> String {
    let mut valid = SAMPLER_NAMES.join(", ");
    if adaptive {
        valid = format!("{valid}, {}", AdaptiveOde::NAME);
    }
    format!("unknown sampler `{text}`; valid samplers: {valid}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Sample {
        #[arg(long, default_value = "ddim", value_parser = SAMPLER_CHOICE)]
        sampler: SamplerChoice,
    }

    #[derive(Parser, Debug)]
    struct Eval {
        #[arg(long, value_parser = FIXED_SAMPLER)]
        sampler: Option<SamplerName>,
    }

    #[test]
    fn every_registry_name_and_alias_parses_as_spelt() {
        for entry in REGISTRY {
            for &name in std::iter::once(&entry.name).chain(entry.aliases) {
                let sample = Sample::try_parse_from(["sample", "--sampler", name]).unwrap();
                assert_eq!(sample.sampler.as_str(), name);
                let eval = Eval::try_parse_from(["eval", "--sampler", name]).unwrap();
                assert_eq!(eval.sampler.map(|n| n.as_str()), Some(name));
            }
        }
        let default = Sample::try_parse_from(["sample"]).unwrap();
        assert_eq!(
            default.sampler,
            SamplerChoice::Fixed(SamplerName::known("ddim"))
        );
    }

    #[test]
    fn ode_adaptive_is_a_sample_choice_only() {
        let sample = Sample::try_parse_from(["sample", "--sampler", "ode-adaptive"]).unwrap();
        assert_eq!(sample.sampler, SamplerChoice::Adaptive);
        let err = Eval::try_parse_from(["eval", "--sampler", "ode-adaptive"])
            .unwrap_err()
            .to_string();
        let listed = format!("valid samplers: {}\n", SAMPLER_NAMES.join(", "));
        assert!(err.contains(&listed), "{err}");
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let err = Sample::try_parse_from(["sample", "--sampler", "magic"])
            .unwrap_err()
            .to_string();
        let want = format!("valid samplers: {}, ode-adaptive", SAMPLER_NAMES.join(", "));
        assert!(
            err.contains("unknown sampler `magic`") && err.contains(&want),
            "{err}"
        );
    }

    #[test]
    fn help_lists_every_sampler_with_its_summary() {
        let help = <Sample as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        for entry in REGISTRY {
            assert!(
                help.contains(entry.name) && help.contains(entry.summary),
                "{help}"
            );
        }
        assert!(help.contains(AdaptiveOde::NAME) && help.contains(AdaptiveOde::SUMMARY));
    }
}
