//! What a network predicts, and exact conversions between the choices.
//!
//! With `x_t = s x₀ + σ ε` every prediction is a linear function of the pair `(x₀, ε)` given
//! `x_t`, so each converts to any other:
//! - ε-prediction (Ho et al. 2020) and x₀-prediction ("sample" in diffusers);
//! - v-prediction `v = s ε − σ x₀` (Salimans & Ho 2022, with α = s for VP; generalised here to
//!   any s, σ, which inverts as `x₀ = (s x_t − σ v)/(s² + σ²)`, `ε = (σ x_t + s v)/(s² + σ²)`);
//! - the score `∇log p_t(x_t | x₀) = −ε/σ` (Song et al. 2021), whose posterior mean is the true
//!   score by Tweedie;
//! - the flow velocity `u = ds/dt · x₀ + dσ/dt · ε` (Lipman et al. 2023; rectified flow's
//!   `ε − x₀`), whose posterior mean is the probability-flow drift `f x − ½ g² ∇log p_t`.

use serde::{Deserialize, Serialize};

use crate::error::{MathError, MathResult};
use crate::process::ProcessPoint;

/// The quantity a denoising network outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prediction {
    /// The noise ε (diffusers' `epsilon`).
    Epsilon,
    /// The clean sample x₀ (diffusers' `sample`).
    Sample,
    /// `v = s ε − σ x₀` (diffusers' `v_prediction`).
    VPrediction,
    /// The score `−ε/σ`.
    Score,
    /// The flow velocity `ds/dt x₀ + dσ/dt ε` (flow matching).
    Velocity,
}

impl Prediction {
    /// Every prediction type, for iteration in tests and command-line help.
    pub const ALL: [Prediction; 5] = [
        Prediction::Epsilon,
        Prediction::Sample,
        Prediction::VPrediction,
        Prediction::Score,
        Prediction::Velocity,
    ];

    /// Parses diffusers' `prediction_type` strings (`epsilon`, `sample`, `v_prediction`) and this
    /// crate's `score`, `velocity` (also `flow`).
    pub fn parse(name: &str) -> MathResult<Self> {
        match name {
            "epsilon" | "eps" => Ok(Self::Epsilon),
            "sample" | "x0" => Ok(Self::Sample),
            "v_prediction" | "v" => Ok(Self::VPrediction),
            "score" => Ok(Self::Score),
            "velocity" | "flow" => Ok(Self::Velocity),
            other => Err(MathError::InvalidParameter {
                name: "prediction_type",
                value: f64::NAN,
                requirement: format!(
                    "unknown prediction type `{other}`; use one of epsilon, sample, v_prediction, score, velocity"
                ),
            }),
        }
    }
}

/// The clean signal and the noise that together explain one element of `x_t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalNoise {
    /// `x₀`.
    pub x0: f64,
    /// `ε`.
    pub eps: f64,
}

impl SignalNoise {
    /// The value a network of the given kind should output for this `(x₀, ε)` at `point`.
    pub fn to_prediction(self, kind: Prediction, point: &ProcessPoint) -> f64 {
        let (s, sigma) = (point.signal_scale, point.noise_std);
        match kind {
            Prediction::Epsilon => self.eps,
            Prediction::Sample => self.x0,
            Prediction::VPrediction => s * self.eps - sigma * self.x0,
            Prediction::Score => -self.eps / sigma,
            Prediction::Velocity => {
                point.signal_scale_derivative * self.x0 + point.noise_std_derivative * self.eps
            }
        }
    }

    /// Recovers `(x₀, ε)` from `x_t` and a prediction of the given kind at `point`.
    pub fn from_prediction(x_t: f64, value: f64, kind: Prediction, point: &ProcessPoint) -> Self {
        let (s, sigma) = (point.signal_scale, point.noise_std);
        match kind {
            Prediction::Epsilon => Self {
                x0: (x_t - sigma * value) / s,
                eps: value,
            },
            Prediction::Sample => Self {
                x0: value,
                eps: (x_t - s * value) / sigma,
            },
            Prediction::VPrediction => {
                let norm = s * s + sigma * sigma;
                Self {
                    x0: (s * x_t - sigma * value) / norm,
                    eps: (sigma * x_t + s * value) / norm,
                }
            }
            Prediction::Score => {
                let eps = -sigma * value;
                Self {
                    x0: (x_t - sigma * eps) / s,
                    eps,
                }
            }
            Prediction::Velocity => {
                // Solve [s σ; s' σ'] (x₀, ε)ᵀ = (x_t, u)ᵀ.
                let (ds, dsigma) = (point.signal_scale_derivative, point.noise_std_derivative);
                let det = s * dsigma - sigma * ds;
                Self {
                    x0: (dsigma * x_t - sigma * value) / det,
                    eps: (s * value - ds * x_t) / det,
                }
            }
        }
    }
}

/// Converts one element of a prediction from one parameterisation to another at `point`.
pub fn convert(
    x_t: f64,
    value: f64,
    from: Prediction,
    to: Prediction,
    point: &ProcessPoint,
) -> f64 {
    if from == to {
        return value;
    }
    SignalNoise::from_prediction(x_t, value, from, point).to_prediction(to, point)
}
