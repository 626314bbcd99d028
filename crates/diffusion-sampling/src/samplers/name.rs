//! [`SamplerName`]: a sampler's name as configs and command lines hold it, checked against the
//! registry when parsed, so a misspelt name fails when the config is read rather than when the
//! first preview is drawn.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::registry::{resolve, unknown_sampler, SamplerEntry};
use super::Sampler;
use crate::error::{SamplingError, SamplingResult};

/// A registry sampler name (or alias), kept as spelt. It (de)serialises as that kebab-case
/// string, so configs written with plain strings read unchanged; an unknown name is rejected
/// when parsed, with a message listing the accepted ones.
#[derive(Clone, Copy)]
pub struct SamplerName {
    /// The registry's spelling that matched (its name or one of its aliases).
    spelling: &'static str,
    /// The entry it names.
    entry: &'static SamplerEntry,
}

impl SamplerName {
    /// The name `text` (a registry name or alias); unknown names are an error listing the
    /// accepted names.
    pub fn parse(text: &str) -> SamplingResult<Self> {
        resolve(text)
            .map(|(entry, spelling)| Self { spelling, entry })
            .ok_or_else(|| unknown_sampler(text))
    }

    /// A name written in code, such as a config's default. Use it in a constant
    /// (`const { SamplerName::known("ddim") }`) so that a misspelling stops compilation.
    ///
    /// # Panics
    /// When `name` is not in the registry.
    pub const fn known(name: &'static str) -> Self {
        match resolve(name) {
            Some((entry, spelling)) => Self { spelling, entry },
            None => panic!("SamplerName::known: not a registry sampler name"),
        }
    }

    /// The name as spelt (an alias stays an alias).
    pub fn as_str(&self) -> &'static str {
        self.spelling
    }

    /// The registry entry it names.
    pub fn entry(&self) -> &'static SamplerEntry {
        self.entry
    }

    /// The sampler with its default options; `eta` is DDIM's η (the others ignore it).
    pub fn sampler(&self, eta: f64) -> Sampler {
        (self.entry.with_defaults)(eta)
    }
}

/// Names are equal when spelt the same (the spelling determines the entry).
impl PartialEq for SamplerName {
    fn eq(&self, other: &Self) -> bool {
        self.spelling == other.spelling
    }
}

impl Eq for SamplerName {}

/// Hashes the spelling, consistently with equality.
impl Hash for SamplerName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.spelling.hash(state);
    }
}

/// `SamplerName("ddim")`: the spelling, not the whole entry.
impl fmt::Debug for SamplerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SamplerName").field(&self.spelling).finish()
    }
}

/// Writes the name as spelt.
impl fmt::Display for SamplerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spelling)
    }
}

/// Parses as [`SamplerName::parse`].
impl FromStr for SamplerName {
    type Err = SamplingError;

    fn from_str(text: &str) -> SamplingResult<Self> {
        Self::parse(text)
    }
}

/// Serialises as the plain string.
impl Serialize for SamplerName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.spelling)
    }
}

/// Deserialises from a plain string, rejecting unknown names with the list of accepted ones.
impl<'de> Deserialize<'de> for SamplerName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Sampler {
    /// A sampler by its registry name or alias with default options (`eta` for DDIM); an
    /// unknown name is an error listing the accepted ones.
    pub fn parse(name: &str, eta: f64) -> SamplingResult<Self> {
        Ok(SamplerName::parse(name)?.sampler(eta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samplers::{Ddim, REGISTRY, SAMPLER_NAMES};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Preview {
        sampler: SamplerName,
        steps: usize,
    }

    #[test]
    fn configs_with_plain_strings_read_and_write_unchanged() {
        for entry in REGISTRY {
            for &spelling in std::iter::once(&entry.name).chain(entry.aliases) {
                let json = format!(r#"{{"sampler":"{spelling}","steps":30}}"#);
                let preview: Preview = serde_json::from_str(&json).unwrap();
                assert_eq!(preview.sampler.as_str(), spelling);
                assert_eq!(preview.sampler.entry().name, entry.name);
                assert_eq!(serde_json::to_string(&preview).unwrap(), json);
            }
        }
    }

    #[test]
    fn unknown_names_fail_to_parse_naming_the_accepted_ones() {
        let err = serde_json::from_str::<Preview>(r#"{"sampler":"dpm++","steps":30}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown sampler `dpm++`"), "{err}");
        assert!(err.contains(&SAMPLER_NAMES.join(", ")), "{err}");
        assert!(serde_json::from_str::<Preview>(r#"{"sampler":3,"steps":30}"#).is_err());
        assert!("ode-adaptive".parse::<SamplerName>().is_err());
    }

    #[test]
    fn names_compare_display_and_convert() {
        const DEFAULT: SamplerName = SamplerName::known("euler-ancestral");
        assert_eq!(DEFAULT, "euler-ancestral".parse().unwrap());
        assert_ne!(DEFAULT, SamplerName::known("euler-a"));
        assert_eq!(
            DEFAULT.entry().name,
            SamplerName::known("euler-a").entry().name
        );
        assert_eq!(DEFAULT.to_string(), "euler-ancestral");
        assert_eq!(
            SamplerName::known("ddim").sampler(0.5),
            Sampler::Ddim(Ddim {
                eta: 0.5,
                final_alpha_one: true
            })
        );
    }
}
