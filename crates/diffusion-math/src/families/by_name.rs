//! The forward processes by name, each with the defaults of its paper: the one lookup that
//! training configs (`objective.process`) and `diffusion schedule --family` share.
//!
//! | name | process | defaults |
//! | --- | --- | --- |
//! | `ddpm` | diffusers' `DDPMScheduler` table as a [`DiscreteVp`] | linear β 1e-4..0.02, 1000 timesteps (Ho et al. 2020) |
//! | `vp` | [`VpLinear`] | β 0.1..20 (Song et al. 2021) |
//! | `vp-cosine` | [`VpCosine`] | s = 0.008 (Nichol & Dhariwal 2021) |
//! | `subvp` | [`SubVp`] | β 0.1..20 (Song et al. 2021) |
//! | `ve` | [`Ve`] | σ 0.01..50 (Song et al. 2021) |
//! | `edm` | [`Edm`] | σ 0.002..80 (Karras et al. 2022) |
//! | `flow` | [`RectifiedFlow`] | (Liu et al. 2023; Lipman et al. 2023) |

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Edm, RectifiedFlow, SubVp, Ve, VpCosine, VpLinear};
use crate::discrete::{BetaSchedule, DiscreteSchedule, DiscreteVp};
use crate::error::{MathError, MathResult};
use crate::process::ForwardProcess;

/// A forward process shared across threads, chosen at run time.
pub type SharedProcess = Arc<dyn ForwardProcess + Send + Sync>;

/// A forward process by its configuration name (see the module table). Serialised as the name;
/// an unknown name is refused at parse time with the list of accepted ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcessName {
    /// diffusers' DDPM table (linear β, 1000 timesteps).
    Ddpm,
    /// The VP SDE with linear β.
    Vp,
    /// The cosine VP schedule.
    VpCosine,
    /// The sub-VP SDE.
    #[serde(rename = "subvp")]
    SubVp,
    /// The VE SDE.
    Ve,
    /// EDM's σ(t) = t.
    Edm,
    /// Rectified flow.
    Flow,
}

impl ProcessName {
    /// Every name, in the order of the module table.
    pub const ALL: [ProcessName; 7] = [
        Self::Ddpm,
        Self::Vp,
        Self::VpCosine,
        Self::SubVp,
        Self::Ve,
        Self::Edm,
        Self::Flow,
    ];

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ddpm => "ddpm",
            Self::Vp => "vp",
            Self::VpCosine => "vp-cosine",
            Self::SubVp => "subvp",
            Self::Ve => "ve",
            Self::Edm => "edm",
            Self::Flow => "flow",
        }
    }

    /// The process with its paper's defaults.
    pub fn process(self) -> MathResult<SharedProcess> {
        Ok(match self {
            Self::Ddpm => {
                let table = DiscreteSchedule::new(BetaSchedule::DDPM, DDPM_TIMESTEPS)?;
                Arc::new(DiscreteVp::new(table.alphas_cumprod().to_vec())?)
            }
            Self::Vp => Arc::new(VpLinear::song_default()),
            Self::VpCosine => Arc::new(VpCosine::nichol_default()),
            Self::SubVp => Arc::new(SubVp::song_default()),
            Self::Ve => Arc::new(Ve::song_default()),
            Self::Edm => Arc::new(Edm::karras_default()),
            Self::Flow => Arc::new(RectifiedFlow),
        })
    }

    /// The accepted names, comma-separated, for messages.
    pub fn accepted() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

/// The number of timesteps of the `ddpm` table (diffusers' default).
pub const DDPM_TIMESTEPS: usize = 1000;

impl FromStr for ProcessName {
    type Err = MathError;

    fn from_str(name: &str) -> MathResult<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| MathError::InvalidParameter {
                name: "process",
                value: f64::NAN,
                requirement: format!("unknown process `{name}`; use one of {}", Self::accepted()),
            })
    }
}

impl fmt::Display for ProcessName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for name in ProcessName::ALL {
            assert_eq!(name.as_str().parse::<ProcessName>().unwrap(), name);
            let json = serde_json::to_string(&name).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<ProcessName>(&json).unwrap(), name);
            let process = name.process().unwrap();
            assert!(process.t_max() > process.t_min(), "{name}");
        }
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let err = "vpsde".parse::<ProcessName>().unwrap_err().to_string();
        assert!(err.contains("unknown process `vpsde`") && err.contains("vp-cosine"));
        let err = serde_json::from_str::<ProcessName>("\"vpsde\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("vpsde") && err.contains("subvp"), "{err}");
    }

    #[test]
    fn ddpm_is_the_discrete_table() {
        let process = ProcessName::Ddpm.process().unwrap();
        assert_eq!(process.num_train_timesteps(), Some(DDPM_TIMESTEPS));
    }
}
