//! Small checks shared by constructors: each returns a [`MathError`] naming the parameter.

use crate::error::{MathError, MathResult};

/// Rejects NaN and infinities.
pub fn finite(name: &'static str, value: f64) -> MathResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(MathError::NonFinite { name, value })
    }
}

/// Requires a finite value strictly greater than zero.
pub fn positive(name: &'static str, value: f64) -> MathResult<f64> {
    finite(name, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(MathError::InvalidParameter {
            name,
            value,
            requirement: "must be greater than 0".into(),
        })
    }
}

/// Requires a finite value greater than or equal to zero.
pub fn non_negative(name: &'static str, value: f64) -> MathResult<f64> {
    finite(name, value)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(MathError::InvalidParameter {
            name,
            value,
            requirement: "must be 0 or greater".into(),
        })
    }
}

/// Requires `lo < value < hi`.
pub fn open_interval(name: &'static str, value: f64, lo: f64, hi: f64) -> MathResult<f64> {
    finite(name, value)?;
    if value > lo && value < hi {
        Ok(value)
    } else {
        Err(MathError::InvalidParameter {
            name,
            value,
            requirement: format!("must lie strictly between {lo} and {hi}"),
        })
    }
}

/// Requires `first < second`, reporting the second parameter when they are out of order.
pub fn ordered(
    first_name: &'static str,
    first: f64,
    second_name: &'static str,
    second: f64,
) -> MathResult<()> {
    if first < second {
        Ok(())
    } else {
        Err(MathError::InvalidParameter {
            name: second_name,
            value: second,
            requirement: format!("must be greater than `{first_name}` = {first}"),
        })
    }
}

/// Requires a non-zero count.
pub fn nonzero_count(name: &'static str, value: usize) -> MathResult<usize> {
    if value > 0 {
        Ok(value)
    } else {
        Err(MathError::InvalidParameter {
            name,
            value: 0.0,
            requirement: "must be at least 1".into(),
        })
    }
}
