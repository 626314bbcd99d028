//! diffusers' `scheduler_config.json`: the noise table, parameterisation and defaults a
//! pretrained model was trained and sampled with, so a downloaded model samples correctly.
//!
//! Every key the DDPM/DDIM/Euler/DPM-Solver family shares is read with diffusers' defaults;
//! keys that only concern one scheduler's internals are ignored. [`SchedulerConfig::ddpm_default`]
//! is the assumption when a model has no scheduler file: DDPM, linear β 1e-4..0.02 over 1000
//! steps, ε prediction.

use std::path::Path;

use diffusion_math::discrete::{BetaSchedule, DiffusersTable, DiscreteVp, TimestepSpacing};
use diffusion_math::Prediction;
use serde::{Deserialize, Serialize};

use crate::error::{SamplingError, SamplingResult};
use crate::grid::TimeSpacing;
use crate::samplers::DdpmVariance;

/// The keys of a diffusers scheduler config this crate uses.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SchedulerConfig {
    /// The scheduler class the model shipped with (informational).
    #[serde(rename = "_class_name", skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Training steps N.
    pub num_train_timesteps: usize,
    /// First β.
    pub beta_start: f64,
    /// Last β.
    pub beta_end: f64,
    /// `linear`, `scaled_linear` or `squaredcos_cap_v2`.
    pub beta_schedule: String,
    /// Explicit βs, overriding the schedule.
    pub trained_betas: Option<Vec<f64>>,
    /// `epsilon`, `sample` or `v_prediction`.
    pub prediction_type: String,
    /// Clip x₀ estimates (DDPM/DDIM).
    pub clip_sample: bool,
    /// The clipping range.
    pub clip_sample_range: f64,
    /// `leading`, `trailing` or `linspace`.
    pub timestep_spacing: String,
    /// Offset added to leading timesteps.
    pub steps_offset: usize,
    /// DDIM's last step goes to ᾱ = 1.
    pub set_alpha_to_one: bool,
    /// Rescale the table to zero terminal SNR (Lin et al. 2024).
    pub rescale_betas_zero_snr: bool,
    /// DDPM's `fixed_small` or `fixed_large`.
    pub variance_type: Option<String>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            class_name: None,
            num_train_timesteps: 1000,
            beta_start: 1e-4,
            beta_end: 0.02,
            beta_schedule: "linear".into(),
            trained_betas: None,
            prediction_type: "epsilon".into(),
            clip_sample: true,
            clip_sample_range: 1.0,
            timestep_spacing: "leading".into(),
            steps_offset: 0,
            set_alpha_to_one: true,
            rescale_betas_zero_snr: false,
            variance_type: None,
        }
    }
}

impl SchedulerConfig {
    /// What to assume without a scheduler file: DDPM, linear β 1e-4..0.02, 1000 steps, ε.
    pub fn ddpm_default() -> Self {
        Self::default()
    }

    /// Parses and checks a config; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: &str) -> SamplingResult<Self> {
        let config: Self = serde_json::from_str(text).map_err(|e| {
            SamplingError::invalid(
                "scheduler config",
                format!("{origin} is not a valid scheduler_config.json: {e}"),
            )
        })?;
        config.process()?;
        config.prediction()?;
        config.spacing()?;
        config.ddpm_variance()?;
        Ok(config)
    }

    /// Reads `scheduler_config.json`.
    pub fn from_file(path: &Path) -> SamplingResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SamplingError::invalid(
                "scheduler config",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        Self::from_json_str(&text, &path.display().to_string())
    }

    /// The model's forward process: diffusers' float32 table as a [`DiscreteVp`].
    pub fn process(&self) -> SamplingResult<DiscreteVp> {
        let table = match &self.trained_betas {
            Some(betas) => DiffusersTable::from_betas_f32(
                betas.iter().map(|&b| b as f32).collect(),
                self.rescale_betas_zero_snr,
            )?,
            None => DiffusersTable::new(
                BetaSchedule::from_diffusers(&self.beta_schedule, self.beta_start, self.beta_end)?,
                self.num_train_timesteps,
                self.rescale_betas_zero_snr,
            )?,
        };
        Ok(DiscreteVp::new(
            table.alphas_cumprod.iter().map(|&a| a as f64).collect(),
        )?)
    }

    /// What the model predicts.
    pub fn prediction(&self) -> SamplingResult<Prediction> {
        Ok(Prediction::parse(&self.prediction_type)?)
    }

    /// The timestep spacing of the config.
    pub fn spacing(&self) -> SamplingResult<TimeSpacing> {
        Ok(TimeSpacing::Diffusers {
            spacing: TimestepSpacing::parse(&self.timestep_spacing)?,
            steps_offset: self.steps_offset,
        })
    }

    /// x₀ clipping, if enabled.
    pub fn clip(&self) -> Option<f64> {
        self.clip_sample.then_some(self.clip_sample_range)
    }

    /// DDPM's variance (`fixed_small` unless the config says `fixed_large`).
    pub fn ddpm_variance(&self) -> SamplingResult<DdpmVariance> {
        match self.variance_type.as_deref() {
            None | Some("fixed_small") | Some("fixed_small_log") => Ok(DdpmVariance::FixedSmall),
            Some("fixed_large") | Some("fixed_large_log") => Ok(DdpmVariance::FixedLarge),
            Some(other) => Err(SamplingError::invalid(
                "variance_type",
                format!("`{other}` is not supported; use fixed_small or fixed_large (learned variances are not implemented)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ddpm_cifar10_scheduler() {
        let text = r#"{"_class_name": "DDPMScheduler", "_diffusers_version": "0.1.1",
            "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001,
            "clip_sample": true, "num_train_timesteps": 1000, "trained_betas": null,
            "variance_type": "fixed_small"}"#;
        let config = SchedulerConfig::from_json_str(text, "test").unwrap();
        assert_eq!(
            config,
            SchedulerConfig {
                class_name: Some("DDPMScheduler".into()),
                variance_type: Some("fixed_small".into()),
                ..SchedulerConfig::ddpm_default()
            }
        );
        let process = config.process().unwrap();
        assert_eq!(process.num_train_timesteps(), 1000);
        assert!((process.alphas_cumprod()[0] - 0.9999).abs() < 1e-7);
        assert_eq!(config.prediction().unwrap(), Prediction::Epsilon);
        assert_eq!(config.clip(), Some(1.0));
    }

    #[test]
    fn trained_betas_and_v_prediction() {
        let text = r#"{"trained_betas": [0.1, 0.2, 0.3], "prediction_type": "v_prediction", "timestep_spacing": "trailing"}"#;
        let config = SchedulerConfig::from_json_str(text, "test").unwrap();
        let process = config.process().unwrap();
        assert_eq!(process.num_train_timesteps(), 3);
        assert!((process.alphas_cumprod()[2] - 0.9 * 0.8 * 0.7).abs() < 1e-6);
        assert_eq!(config.prediction().unwrap(), Prediction::VPrediction);
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        for (text, needle) in [
            ("{", "not a valid scheduler_config.json"),
            (
                r#"{"beta_schedule": "cubic"}"#,
                "unknown beta schedule `cubic`",
            ),
            (
                r#"{"prediction_type": "noise"}"#,
                "unknown prediction type `noise`",
            ),
            (
                r#"{"timestep_spacing": "random"}"#,
                "unknown spacing `random`",
            ),
            (
                r#"{"variance_type": "learned_range"}"#,
                "learned variances are not implemented",
            ),
            (
                r#"{"trained_betas": [0.5, 1.5]}"#,
                "every β must lie in (0, 1)",
            ),
        ] {
            let err = SchedulerConfig::from_json_str(text, "x.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
