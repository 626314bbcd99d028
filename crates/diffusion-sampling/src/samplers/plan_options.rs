//! The options every sampler's plan shares: where the evaluations go, where continuous grids
//! stop, and x₀ clipping.

use crate::grid::TimeSpacing;

/// Options shared by every sampler's plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanOptions {
    /// Where the evaluations go.
    pub spacing: TimeSpacing,
    /// Where continuous grids stop before the final denoising step (see [`crate::grid`]).
    pub t_end: Option<f64>,
    /// Clip x₀ estimates to `[−c, c]`.
    pub clip: Option<f64>,
}

impl PlanOptions {
    /// The given spacing, default end, no clipping.
    pub fn new(spacing: TimeSpacing) -> Self {
        Self {
            spacing,
            t_end: None,
            clip: None,
        }
    }
}
