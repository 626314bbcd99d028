//! The one error type of the math crate: every constructor and checked evaluation returns it, so
//! bad input is reported with what is wrong and how to fix it, never a panic.

use thiserror::Error;

/// Why a math-crate call refused its input or could not finish.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MathError {
    /// A parameter is outside the set of values the formula is defined for.
    #[error("invalid parameter `{name}` = {value}: {requirement}")]
    InvalidParameter {
        /// The parameter's name as the caller spells it.
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// What the value must satisfy, phrased as advice.
        requirement: String,
    },
    /// A time lies outside the process's domain `[t_min, t_max]`.
    #[error(
        "time t = {t} is outside the domain [{t_min}, {t_max}] of {process}; pass a time inside it"
    )]
    TimeOutOfRange {
        /// The offending time.
        t: f64,
        /// Start of the domain.
        t_min: f64,
        /// End of the domain.
        t_max: f64,
        /// The process's name.
        process: String,
    },
    /// An input that must be a finite number was NaN or infinite.
    #[error("`{name}` must be a finite number, got {value}")]
    NonFinite {
        /// What the value is.
        name: &'static str,
        /// The value that was given.
        value: f64,
    },
    /// Two inputs that must agree in length (dimension, count) do not.
    #[error("length mismatch for `{name}`: expected {expected}, got {found}")]
    LengthMismatch {
        /// What was measured.
        name: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A covariance matrix is not symmetric positive definite.
    #[error(
        "covariance of mixture component {component} is not symmetric positive definite: {detail}"
    )]
    NotPositiveDefinite {
        /// Index of the offending component.
        component: usize,
        /// What failed (asymmetry, non-positive pivot).
        detail: String,
    },
    /// A numerical procedure (ODE solve, quadrature, root finding) gave up.
    #[error("numerical method failed: {0}")]
    NumericalFailure(String),
}

/// Result alias used throughout the math crate.
pub type MathResult<T> = Result<T, MathError>;
