//! 2-D toy distributions for demos and tests that train in seconds. Each draw is a pure function
//! of `(seed, index)`, so a dataset of n points is the first n of an endless deterministic stream.

use std::f64::consts::PI;
use std::path::Path;

use crate::dataset::Dataset;
use crate::error::{DataError, DataResult};
use crate::order::uniform;

/// A 2-D distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToyDistribution {
    /// Eight Gaussians (std 0.1) on a circle of radius 1.5; labels are the component, 0–7.
    GaussianMixture,
    /// scikit-learn's two interleaved half circles with noise 0.05, centred; labels 0–1.
    TwoMoons,
    /// A 2-D swiss roll, `r = θ` for θ ∈ [1.5π, 4.5π], scaled to about [−1.4, 1.4]; unlabelled.
    SwissRoll,
    /// A 4×4 checkerboard on [−2, 2]², points uniform on the 8 dark squares; unlabelled.
    Checkerboard,
}

/// The names [`ToyDistribution::parse`] accepts.
pub const TOY_NAMES: [&str; 4] = [
    "gaussian-mixture",
    "two-moons",
    "swiss-roll",
    "checkerboard",
];

impl ToyDistribution {
    /// Parses a name from [`TOY_NAMES`].
    pub fn parse(name: &str) -> DataResult<Self> {
        match name {
            "gaussian-mixture" | "mixture" => Ok(Self::GaussianMixture),
            "two-moons" | "moons" => Ok(Self::TwoMoons),
            "swiss-roll" => Ok(Self::SwissRoll),
            "checkerboard" => Ok(Self::Checkerboard),
            other => Err(DataError::Invalid(format!(
                "unknown toy distribution `{other}`; choose one of {}",
                TOY_NAMES.join(", ")
            ))),
        }
    }

    /// Number of classes of the labels it carries, if any.
    pub fn num_classes(self) -> Option<usize> {
        match self {
            Self::GaussianMixture => Some(8),
            Self::TwoMoons => Some(2),
            Self::SwissRoll | Self::Checkerboard => None,
        }
    }

    /// Point `index` of the stream drawn from `seed`, and its label (0 when unlabelled).
    pub fn point(self, seed: u64, index: u64) -> ([f64; 2], u32) {
        let u = |k: u64| uniform(seed, k, index);
        let normal = |k: u64| {
            // Box–Muller on two independent uniforms; 1 − u keeps the logarithm finite.
            let (u1, u2) = (1.0 - u(k), u(k + 1));
            (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
        };
        match self {
            Self::GaussianMixture => {
                let c = (u(0) * 8.0) as u32 % 8;
                let angle = 2.0 * PI * c as f64 / 8.0;
                (
                    [
                        1.5 * angle.cos() + 0.1 * normal(1),
                        1.5 * angle.sin() + 0.1 * normal(3),
                    ],
                    c,
                )
            }
            Self::TwoMoons => {
                let c = u32::from(u(0) >= 0.5);
                let a = PI * u(1);
                let (x, y) = if c == 0 {
                    (a.cos(), a.sin())
                } else {
                    (1.0 - a.cos(), 0.5 - a.sin())
                };
                ([x - 0.5 + 0.05 * normal(2), y - 0.25 + 0.05 * normal(4)], c)
            }
            Self::SwissRoll => {
                let theta = 1.5 * PI + 3.0 * PI * u(0);
                let scale = 1.0 / 10.0;
                (
                    [
                        scale * theta * theta.cos() + 0.02 * normal(1),
                        scale * theta * theta.sin() + 0.02 * normal(3),
                    ],
                    0,
                )
            }
            Self::Checkerboard => {
                // Pick one of the 8 dark squares of the 4×4 board, then a uniform point in it.
                let square = (u(0) * 8.0) as u32 % 8;
                let row = square / 2;
                let col = 2 * (square % 2) + (row % 2);
                ([-2.0 + col as f64 + u(1), -2.0 + row as f64 + u(2)], 0)
            }
        }
    }

    /// The first `n` points of the stream drawn from `seed`, as a dataset of shape `[2]`.
    pub fn dataset(self, n: usize, seed: u64) -> DataResult<Dataset> {
        let mut values = Vec::with_capacity(2 * n);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n as u64 {
            let (p, c) = self.point(seed, i);
            values.extend([p[0] as f32, p[1] as f32]);
            labels.push(c);
        }
        let name = format!("toy:{self:?}");
        let mut data = Dataset::new(
            vec![2],
            values,
            self.num_classes().map(|_| labels),
            Path::new(&name),
        )?;
        data.num_classes = self.num_classes();
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_distribution_is_deterministic_and_bounded() {
        for name in TOY_NAMES {
            let toy = ToyDistribution::parse(name).unwrap();
            let a = toy.dataset(500, 1).unwrap();
            assert_eq!(a, toy.dataset(500, 1).unwrap());
            assert_ne!(a, toy.dataset(500, 2).unwrap());
            assert!(a.values.iter().all(|v| v.abs() < 2.5), "{name}");
            let mean: f32 = a.values.iter().sum::<f32>() / a.values.len() as f32;
            assert!(mean.abs() < 0.3, "{name}: mean {mean}");
        }
        assert!(ToyDistribution::parse("spiral").is_err());
    }

    #[test]
    fn mixture_points_sit_near_their_component() {
        for i in 0..200 {
            let ([x, y], c) = ToyDistribution::GaussianMixture.point(3, i);
            let angle = 2.0 * PI * c as f64 / 8.0;
            let d = ((x - 1.5 * angle.cos()).powi(2) + (y - 1.5 * angle.sin()).powi(2)).sqrt();
            assert!(d < 0.6, "{d}");
        }
    }

    #[test]
    fn checkerboard_points_are_on_dark_squares() {
        for i in 0..500 {
            let ([x, y], _) = ToyDistribution::Checkerboard.point(4, i);
            let (col, row) = ((x + 2.0).floor() as i64, (y + 2.0).floor() as i64);
            assert_eq!((col + row) % 2, 0, "({x}, {y})");
        }
    }
}
