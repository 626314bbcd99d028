//! One way in which a weights file disagrees with a model.

use std::fmt;

/// A tensor the model expects but the file lacks, one the file has but the model does not,
/// or one whose shape differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightProblem {
    /// The model has this parameter; the file does not.
    Missing {
        /// State-dict key.
        name: String,
        /// The shape the model expects.
        expected: Vec<usize>,
    },
    /// The file has this tensor; the model has no such parameter.
    Unexpected {
        /// State-dict key.
        name: String,
        /// Its shape in the file.
        found: Vec<usize>,
    },
    /// Both have it, with different shapes.
    Shape {
        /// State-dict key.
        name: String,
        /// The shape the model expects.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
}

impl fmt::Display for WeightProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightProblem::Missing { name, expected } => {
                write!(f, "missing tensor `{name}` (expected shape {expected:?})")
            }
            WeightProblem::Unexpected { name, found } => {
                write!(
                    f,
                    "unexpected tensor `{name}` (shape {found:?}): the model has no such parameter"
                )
            }
            WeightProblem::Shape {
                name,
                expected,
                found,
            } => {
                write!(
                    f,
                    "tensor `{name}` has shape {found:?}, expected {expected:?}"
                )
            }
        }
    }
}
