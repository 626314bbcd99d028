//! Which training timesteps a scheduler visits for N inference steps, following diffusers'
//! `timestep_spacing` (Lin et al. 2024, Table 2) with numpy's arithmetic: `round` is
//! round-half-to-even, `linspace` pins its last value, `arange` with a float step has
//! `ceil(span/step)` elements.

use serde::{Deserialize, Serialize};

use crate::error::{MathError, MathResult};
use crate::validate;

/// diffusers' `timestep_spacing` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestepSpacing {
    /// Multiples of `N / n` (integer division) counted up from 0, plus `steps_offset`.
    Leading,
    /// Multiples of `N / n` counted down from N, minus one (always includes step N − 1).
    Trailing,
    /// Evenly spaced from 0 to N − 1 inclusive, rounded.
    Linspace,
}

impl TimestepSpacing {
    /// Parses diffusers' names `leading`, `trailing`, `linspace`.
    pub fn parse(name: &str) -> MathResult<Self> {
        match name {
            "leading" => Ok(Self::Leading),
            "trailing" => Ok(Self::Trailing),
            "linspace" => Ok(Self::Linspace),
            other => Err(MathError::InvalidParameter {
                name: "timestep_spacing",
                value: f64::NAN,
                requirement: format!(
                    "unknown spacing `{other}`; use leading, trailing or linspace"
                ),
            }),
        }
    }
}

fn check_counts(num_train_timesteps: usize, num_inference_steps: usize) -> MathResult<()> {
    validate::nonzero_count("num_train_timesteps", num_train_timesteps)?;
    validate::nonzero_count("num_inference_steps", num_inference_steps)?;
    if num_inference_steps > num_train_timesteps {
        return Err(MathError::InvalidParameter {
            name: "num_inference_steps",
            value: num_inference_steps as f64,
            requirement: format!(
                "cannot exceed num_train_timesteps = {num_train_timesteps}; ask for fewer steps"
            ),
        });
    }
    Ok(())
}

/// numpy's `linspace(start, stop, num)`.
fn np_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| start + i as f64 * step).collect();
    v[num - 1] = stop;
    v
}

/// numpy's `arange(start, stop, step)` for a negative float step.
fn np_arange_down(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let len = ((stop - start) / step).ceil().max(0.0) as usize;
    (0..len).map(|i| start + i as f64 * step).collect()
}

fn to_timesteps(
    values: impl Iterator<Item = f64>,
    num_train_timesteps: usize,
) -> MathResult<Vec<usize>> {
    values
        .map(|v| {
            if v < 0.0 || v >= num_train_timesteps as f64 {
                Err(MathError::InvalidParameter {
                    name: "steps_offset",
                    value: v,
                    requirement: format!(
                        "produces timestep {v}, outside 0..{num_train_timesteps}; lower steps_offset"
                    ),
                })
            } else {
                Ok(v as usize)
            }
        })
        .collect()
}

/// diffusers' `leading` (multiples of `N / n` up from 0, plus the offset) and `trailing`
/// (multiples of `N / n` down from N, rounded half to even, minus one) values, descending;
/// `None` for `linspace`, which each scheduler family rounds its own way.
fn leading_or_trailing(
    big_n: usize,
    n: usize,
    spacing: TimestepSpacing,
    steps_offset: usize,
) -> Option<Vec<f64>> {
    match spacing {
        TimestepSpacing::Linspace => None,
        TimestepSpacing::Leading => {
            let ratio = big_n / n;
            Some(
                (0..n)
                    .rev()
                    .map(|i| (i * ratio + steps_offset) as f64)
                    .collect(),
            )
        }
        TimestepSpacing::Trailing => {
            let ratio = big_n as f64 / n as f64;
            Some(
                np_arange_down(big_n as f64, 0.0, -ratio)
                    .into_iter()
                    .map(|v| v.round_ties_even() - 1.0)
                    .collect(),
            )
        }
    }
}

/// The descending timesteps of `DDIMScheduler.set_timesteps` / `DDPMScheduler.set_timesteps`.
pub fn inference_timesteps(
    num_train_timesteps: usize,
    num_inference_steps: usize,
    spacing: TimestepSpacing,
    steps_offset: usize,
) -> MathResult<Vec<usize>> {
    check_counts(num_train_timesteps, num_inference_steps)?;
    let (big_n, n) = (num_train_timesteps, num_inference_steps);
    let values = leading_or_trailing(big_n, n, spacing, steps_offset).unwrap_or_else(|| {
        np_linspace(0.0, (big_n - 1) as f64, n)
            .into_iter()
            .map(f64::round_ties_even)
            .rev()
            .collect()
    });
    to_timesteps(values.into_iter(), big_n)
}

/// The descending timesteps of `DPMSolverMultistepScheduler.set_timesteps` (and the other
/// multistep solvers), which place `n + 1` points and drop the last.
pub fn dpm_solver_timesteps(
    num_train_timesteps: usize,
    num_inference_steps: usize,
    spacing: TimestepSpacing,
    steps_offset: usize,
) -> MathResult<Vec<usize>> {
    check_counts(num_train_timesteps, num_inference_steps)?;
    let (big_n, n) = (num_train_timesteps, num_inference_steps);
    let values: Vec<f64> = match spacing {
        TimestepSpacing::Linspace => {
            let mut v: Vec<f64> = np_linspace(0.0, (big_n - 1) as f64, n + 1)
                .into_iter()
                .map(f64::round_ties_even)
                .rev()
                .collect();
            v.pop();
            v
        }
        TimestepSpacing::Leading => {
            let ratio = big_n / (n + 1);
            (1..=n)
                .rev()
                .map(|i| (i * ratio + steps_offset) as f64)
                .collect()
        }
        TimestepSpacing::Trailing => {
            let ratio = big_n as f64 / n as f64;
            np_arange_down(big_n as f64, 0.0, -ratio)
                .into_iter()
                .map(|v| v.round_ties_even() - 1.0)
                .collect()
        }
    };
    to_timesteps(values.into_iter(), big_n)
}

/// The descending, possibly fractional, timesteps of diffusers' σ-based schedulers
/// (`EulerDiscreteScheduler`, `EulerAncestralDiscreteScheduler`, `HeunDiscreteScheduler`), which
/// keep `linspace` values unrounded and store every timestep as float32.
pub fn euler_timesteps(
    num_train_timesteps: usize,
    num_inference_steps: usize,
    spacing: TimestepSpacing,
    steps_offset: usize,
) -> MathResult<Vec<f64>> {
    check_counts(num_train_timesteps, num_inference_steps)?;
    let (big_n, n) = (num_train_timesteps, num_inference_steps);
    let values = leading_or_trailing(big_n, n, spacing, steps_offset).unwrap_or_else(|| {
        np_linspace(0.0, (big_n - 1) as f64, n)
            .into_iter()
            .rev()
            .collect()
    });
    if let Some(&bad) = values.iter().find(|&&v| v < 0.0 || v > (big_n - 1) as f64) {
        return Err(MathError::InvalidParameter {
            name: "steps_offset",
            value: bad,
            requirement: format!("produces timestep {bad}, outside 0..{big_n}; lower steps_offset"),
        });
    }
    Ok(values.into_iter().map(|v| v as f32 as f64).collect())
}
