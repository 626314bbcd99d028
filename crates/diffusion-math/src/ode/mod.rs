//! Initial-value problems `y' = F(t, y)` for small systems of f64: a fixed-step classical RK4
//! and an adaptive Dormand–Prince 5(4). Both integrate forwards or backwards in time (t₁ < t₀),
//! which the reverse-time probability-flow ODE needs.

mod dopri5;
mod rk4;

pub use dopri5::{DormandPrince, OdeSolution, OdeStats};
pub use rk4::integrate_rk4;
