//! The metrics, in plain f64 on feature vectors or points: Fréchet distance ([`frechet`]),
//! precision/recall ([`precision_recall`]), class-conditional accuracy ([`accuracy`]) and the
//! 2-D distances against a toy distribution's exact samples ([`points`]).

pub mod accuracy;
pub mod frechet;
pub mod points;
pub mod precision_recall;
#[cfg(test)]
mod test_clouds;

use crate::error::{EvalError, EvalResult};

/// Checks a set of vectors: non-empty, one dimension, finite. Returns the dimension.
pub(crate) fn check_vectors(name: &str, x: &[Vec<f64>]) -> EvalResult<usize> {
    let dim = x
        .first()
        .map(Vec::len)
        .ok_or_else(|| EvalError::invalid(format!("{name}: no samples")))?;
    if dim == 0 {
        return Err(EvalError::invalid(format!(
            "{name}: vectors of dimension 0"
        )));
    }
    if let Some(i) = x.iter().position(|v| v.len() != dim) {
        return Err(EvalError::invalid(format!(
            "{name}: sample {i} has dimension {}, the first has {dim}",
            x[i].len()
        )));
    }
    if let Some(i) = x.iter().position(|v| v.iter().any(|a| !a.is_finite())) {
        return Err(EvalError::invalid(format!(
            "{name}: sample {i} holds a non-finite value"
        )));
    }
    Ok(dim)
}
