//! The training objective: per sample, a time t, the noising coefficients (s(t), σ(t)), the
//! regression target `a·x₀ + b·ε` of the chosen prediction, and a loss weight λ(t).
//!
//! Loss `L = E_t E_{x₀,ε} [ λ(t) ‖net(s x₀ + σ ε, t) − (a x₀ + b ε)‖² ]` (Ho et al. 2020 for ε,
//! Salimans & Ho 2022 for v, Song et al. 2021 for the score with λ = σ², Lipman et al. 2023 /
//! Liu et al. 2023 for the flow velocity `ṡ x₀ + σ̇ ε`). Min-SNR-γ weights (Hang et al. 2023)
//! are written per prediction so they stay finite at SNR 0 and ∞. EDM (Karras et al. 2022)
//! fits the same form: the network sees `c_in·x_t` at time `¼ ln σ` and regresses
//! `(x₀ − c_skip·x_t)/c_out`, with `λ·c_out² = 1`.

use diffusion_math::families::DDPM_TIMESTEPS;
use diffusion_math::{EdmPreconditioning, Prediction, ProcessName};

use crate::config::{ObjectiveConfig, PredictionName, WeightingName};
use crate::error::{TrainError, TrainResult};

/// A forward process chosen at run time.
pub use diffusion_math::SharedProcess;

/// The loss weight λ(t).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weighting {
    /// λ = 1.
    Uniform,
    /// Min-SNR-γ: the ε-, x₀- or v-loss reweighted to `min(SNR, γ)` in x₀ units.
    MinSnr(f64),
    /// λ = σ(t)², denoising score matching's usual weight.
    SigmaSquared,
}

/// One sample's draw: its time, the network's input and time, the target and the weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleDraw {
    /// Process time.
    pub t: f64,
    /// s(t).
    pub signal_scale: f64,
    /// σ(t).
    pub noise_std: f64,
    /// The network input is `input_x0·x₀ + input_eps·ε` (s and σ, times c_in for EDM).
    pub input_x0: f64,
    /// See `input_x0`.
    pub input_eps: f64,
    /// The network's time input.
    pub network_time: f64,
    /// Target = `target_x0 · x₀ + target_eps · ε`.
    pub target_x0: f64,
    /// See `target_x0`.
    pub target_eps: f64,
    /// λ(t).
    pub weight: f64,
}

/// The process, prediction and weighting of a training run.
#[derive(Clone)]
pub struct Objective {
    /// The forward process.
    pub process: SharedProcess,
    /// What the network predicts.
    pub prediction: Prediction,
    /// λ(t).
    pub weighting: Weighting,
    /// Network time = this × process time.
    pub network_time_scale: f64,
    /// diffusers' scheduler config, for the `ddpm` process (saved beside the model).
    pub scheduler: Option<diffusion_sampling::SchedulerConfig>,
    /// EDM preconditioning, when the prediction is `edm` (then `prediction` is x₀ of `D`).
    pub edm: Option<EdmPreconditioning>,
}

/// diffusers' scheduler config of the `ddpm` process for `prediction` (saved beside the model,
/// so that diffusers and `diffusion sample` read the process back).
fn ddpm_scheduler(prediction: Prediction) -> TrainResult<diffusion_sampling::SchedulerConfig> {
    let mut s = diffusion_sampling::SchedulerConfig::ddpm_default();
    s.class_name = Some("DDPMScheduler".into());
    s.num_train_timesteps = DDPM_TIMESTEPS;
    s.prediction_type = match prediction {
        Prediction::Epsilon => "epsilon",
        Prediction::Sample => "sample",
        Prediction::VPrediction => "v_prediction",
        other => {
            return Err(TrainError::Config(format!(
                "objective.prediction: {other:?} has no diffusers scheduler; the ddpm process \
                 trains epsilon, sample or v_prediction"
            )))
        }
    }
    .into();
    Ok(s)
}

impl std::fmt::Debug for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objective")
            .field("process", &self.process.name())
            .field("prediction", &self.prediction)
            .field("weighting", &self.weighting)
            .finish()
    }
}

impl Objective {
    /// Builds the objective a config names; combinations that do not fit (EDM with another
    /// process, min-SNR for the score, …) are errors naming the key.
    pub fn from_config(config: &ObjectiveConfig) -> TrainResult<Self> {
        let prediction = match config.prediction.prediction() {
            Some(p) if config.process != ProcessName::Edm => p,
            _ => return Self::edm(config),
        };
        let process = config.process.process()?;
        let scheduler = match config.process {
            ProcessName::Ddpm => Some(ddpm_scheduler(prediction)?),
            _ => None,
        };
        let weighting = match config.weighting {
            WeightingName::Uniform => Weighting::Uniform,
            WeightingName::SigmaSquared => Weighting::SigmaSquared,
            WeightingName::MinSnr => {
                if !matches!(
                    prediction,
                    Prediction::Epsilon | Prediction::Sample | Prediction::VPrediction
                ) {
                    return Err(TrainError::Config(format!(
                        "objective.weighting: min-snr is defined for epsilon, sample and \
                         v_prediction, not {prediction:?}"
                    )));
                }
                if !(config.min_snr_gamma.is_finite() && config.min_snr_gamma > 0.0) {
                    return Err(TrainError::Config(format!(
                        "objective.min_snr_gamma: {} must be > 0",
                        config.min_snr_gamma
                    )));
                }
                Weighting::MinSnr(config.min_snr_gamma)
            }
        };
        Ok(Self {
            process,
            prediction,
            weighting,
            network_time_scale: config.network_time_scale,
            scheduler,
            edm: None,
        })
    }

    /// The EDM objective: process `edm`, prediction `edm`, its own σ distribution and weight.
    fn edm(config: &ObjectiveConfig) -> TrainResult<Self> {
        if config.prediction != PredictionName::Edm || config.process != ProcessName::Edm {
            return Err(TrainError::Config(format!(
                "objective: EDM preconditioning needs process = \"edm\" and prediction = \"edm\" \
                 together (got process `{}`, prediction `{}`)",
                config.process,
                crate::config::name_of(&config.prediction)
            )));
        }
        if config.weighting != WeightingName::Uniform {
            return Err(TrainError::Config(
                "objective.weighting: EDM has its own weight λ(σ) = 1/c_out²; leave `uniform`"
                    .into(),
            ));
        }
        let pre = EdmPreconditioning::new(config.sigma_data, config.p_mean, config.p_std)
            .map_err(|e| TrainError::Config(format!("objective: {e}")))?;
        Ok(Self {
            process: ProcessName::Edm.process()?,
            prediction: Prediction::Sample,
            weighting: Weighting::Uniform,
            network_time_scale: 1.0,
            scheduler: None,
            edm: Some(pre),
        })
    }

    /// The draw for two independent uniform numbers in [0, 1): a discrete process takes
    /// timestep `⌊u·N⌋`; a continuous one `t = t_min + δ + u·(t_max − t_min − δ)` with δ = 10⁻⁵
    /// of the span, so σ(t) > 0 for score targets; EDM draws `ln σ ~ N(P_mean, P_std²)` from
    /// both (Box–Muller).
    pub fn draw(&self, u: f64, u2: f64) -> TrainResult<SampleDraw> {
        if let Some(pre) = &self.edm {
            let z = (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let sigma = pre.training_sigma(z).clamp(1e-4, self.process.t_max());
            let (a, b) = pre.target_coefficients(sigma);
            let c_in = pre.c_in(sigma);
            return Ok(SampleDraw {
                t: sigma,
                signal_scale: 1.0,
                noise_std: sigma,
                input_x0: c_in,
                input_eps: c_in * sigma,
                network_time: pre.c_noise(sigma),
                target_x0: a,
                target_eps: b,
                weight: 1.0,
            });
        }
        let p = &self.process;
        let t = match p.num_train_timesteps() {
            Some(n) => ((u * n as f64).floor()).min(n as f64 - 1.0),
            None => {
                let span = p.t_max() - p.t_min();
                let delta = 1e-5 * span;
                p.t_min() + delta + u * (span - delta)
            }
        };
        let point = p.at(t)?;
        let (s, sigma) = (point.signal_scale, point.noise_std);
        let (target_x0, target_eps) = match self.prediction {
            Prediction::Epsilon => (0.0, 1.0),
            Prediction::Sample => (1.0, 0.0),
            Prediction::VPrediction => (-sigma, s),
            Prediction::Score => (0.0, -1.0 / sigma),
            Prediction::Velocity => (point.signal_scale_derivative, point.noise_std_derivative),
        };
        Ok(SampleDraw {
            t,
            signal_scale: s,
            noise_std: sigma,
            input_x0: s,
            input_eps: sigma,
            network_time: t * self.network_time_scale,
            target_x0,
            target_eps,
            weight: self.weight(s, sigma),
        })
    }

    /// λ for the coefficients (s, σ).
    fn weight(&self, s: f64, sigma: f64) -> f64 {
        match self.weighting {
            Weighting::Uniform => 1.0,
            Weighting::SigmaSquared => sigma * sigma,
            Weighting::MinSnr(gamma) => {
                // SNR = s²/σ²; each ratio is written so that SNR = 0 and SNR = ∞ give finite values.
                let snr = if sigma == 0.0 {
                    f64::INFINITY
                } else {
                    (s / sigma).powi(2)
                };
                let clipped = snr.min(gamma);
                match self.prediction {
                    // min(SNR, γ)/SNR: 1 while SNR ≤ γ.
                    Prediction::Epsilon => {
                        if snr <= gamma {
                            1.0
                        } else {
                            gamma / snr
                        }
                    }
                    Prediction::Sample => clipped,
                    // min(SNR, γ)/(SNR + 1) = min(s², γσ²)/(s² + σ²)·… in σ-safe form.
                    _ => {
                        if snr.is_infinite() {
                            0.0
                        } else {
                            clipped / (snr + 1.0)
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objective section a config file with these names gives (unknown names fail here).
    fn named(process: &str, prediction: &str, weighting: &str) -> TrainResult<ObjectiveConfig> {
        let json = serde_json::json!({
            "process": process, "prediction": prediction, "weighting": weighting
        });
        serde_json::from_value(json).map_err(|e| TrainError::Config(e.to_string()))
    }

    fn objective(process: &str, prediction: &str, weighting: &str) -> Objective {
        Objective::from_config(&named(process, prediction, weighting).unwrap()).unwrap()
    }

    #[test]
    fn discrete_draws_are_integer_timesteps_of_the_ddpm_table() {
        let o = objective("ddpm", "epsilon", "uniform");
        let d = o.draw(0.999_999, 0.5).unwrap();
        assert_eq!(d.t, 999.0);
        // ᾱ_999 of the linear table is about 4.0358e-5.
        assert!(
            (d.signal_scale.powi(2) - 4.0358e-5).abs() < 1e-8,
            "{}",
            d.signal_scale
        );
        assert_eq!(o.draw(0.0, 0.5).unwrap().t, 0.0);
        assert_eq!((d.target_x0, d.target_eps, d.weight), (0.0, 1.0, 1.0));
    }

    #[test]
    fn targets_are_the_named_predictions() {
        let x0 = 0.7;
        let eps = -1.3;
        type Expected = fn(f64, f64, f64, f64) -> f64;
        let cases: [(&str, Expected); 3] = [
            ("v_prediction", |s, sg, _, _| s * -1.3 - sg * 0.7),
            ("score", |_, sg, _, _| 1.3 / sg),
            ("velocity", |_, _, ds, dsg| ds * 0.7 + dsg * -1.3),
        ];
        for (pred, want) in cases {
            let o = objective("vp", pred, "uniform");
            let d = o.draw(0.37, 0.5).unwrap();
            let p = o.process.at(d.t).unwrap();
            let target = d.target_x0 * x0 + d.target_eps * eps;
            let expected = want(
                d.signal_scale,
                d.noise_std,
                p.signal_scale_derivative,
                p.noise_std_derivative,
            );
            assert!(
                (target - expected).abs() < 1e-12,
                "{pred}: {target} vs {expected}"
            );
        }
        // Rectified flow: x_t = (1 − t)x₀ + tε, velocity ε − x₀.
        let d = objective("flow", "velocity", "uniform")
            .draw(0.5, 0.5)
            .unwrap();
        assert!((d.target_x0 + 1.0).abs() < 1e-12 && (d.target_eps - 1.0).abs() < 1e-12);
    }

    #[test]
    fn min_snr_weights_are_finite_everywhere_and_match_the_formula() {
        for pred in ["epsilon", "sample", "v_prediction"] {
            let o = objective("vp-cosine", pred, "min-snr");
            for u in [0.0, 1e-9, 0.3, 0.999_999_9] {
                let d = o.draw(u, 0.5).unwrap();
                assert!(d.weight.is_finite() && d.weight >= 0.0, "{pred} at {u}");
                let snr = (d.signal_scale / d.noise_std).powi(2);
                let expected = match pred {
                    "epsilon" => snr.min(5.0) / snr,
                    "sample" => snr.min(5.0),
                    _ => snr.min(5.0) / (snr + 1.0),
                };
                if snr.is_finite() && snr > 0.0 {
                    assert!(
                        (d.weight - expected).abs() <= 1e-9 * expected.max(1.0),
                        "{pred} {u}"
                    );
                }
            }
        }
        let o = objective("ddpm", "epsilon", "min-snr");
        assert_eq!(o.weight(0.0, 1.0), 1.0);
        assert_eq!(o.weight(1.0, 0.0), 0.0);
    }

    #[test]
    fn edm_draws_follow_table_1() {
        let o = objective("edm", "edm", "uniform");
        let pre = o.edm.unwrap();
        // u = 1 − e^{−1/2}, u2 = 0 gives z = 1: σ = exp(P_mean + P_std).
        let d = o.draw(1.0 - (-0.5f64).exp(), 0.0).unwrap();
        assert!((d.t - (0.0f64).exp()).abs() < 1e-12, "{}", d.t);
        assert!((d.network_time - 0.25 * d.t.ln()).abs() < 1e-12);
        assert!((d.input_x0 - pre.c_in(d.t)).abs() < 1e-12);
        assert!((d.input_eps - pre.c_in(d.t) * d.t).abs() < 1e-12);
        assert_eq!(d.weight, 1.0);
    }

    #[test]
    fn bad_combinations_are_errors() {
        for (process, prediction, weighting) in [
            ("ddpm", "score", "uniform"),
            ("vp", "score", "min-snr"),
            ("edm2", "epsilon", "uniform"),
            ("vp", "epsilon", "p2"),
            ("vp", "edm", "uniform"),
            ("edm", "epsilon", "uniform"),
            ("edm", "edm", "min-snr"),
        ] {
            let r = named(process, prediction, weighting).and_then(|c| Objective::from_config(&c));
            assert!(r.is_err(), "{process} {prediction} {weighting}");
        }
    }
}
