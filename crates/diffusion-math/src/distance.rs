//! Distances between two sample sets, for checking samplers against exact samples.
//!
//! - Sliced Wasserstein-2 (Rabin et al. 2011; Bonneel et al. 2015): the root mean over random
//!   unit directions θ of `W₂²(θ·X, θ·Y)`, each a sorted matching in one dimension.
//! - Maximum mean discrepancy with a Gaussian kernel (Gretton et al. 2012, unbiased MMD², eq. 3).
//!
//! Both are noisy for finite samples: measure the floor by comparing two exact sample sets of
//! the same size.

use crate::error::{MathError, MathResult};
use crate::rng::SplitMix64;
use crate::validate;

fn check_sets(x: &[Vec<f64>], y: &[Vec<f64>], same_size: bool) -> MathResult<usize> {
    validate::nonzero_count("number of samples", x.len().min(y.len()))?;
    if same_size && x.len() != y.len() {
        return Err(MathError::LengthMismatch {
            name: "second sample set",
            expected: x.len(),
            found: y.len(),
        });
    }
    let dim = x[0].len();
    if let Some(bad) = x.iter().chain(y).find(|v| v.len() != dim) {
        return Err(MathError::LengthMismatch {
            name: "sample dimension",
            expected: dim,
            found: bad.len(),
        });
    }
    Ok(dim)
}

/// Sliced Wasserstein-2 distance between two equally sized sets over `directions` random
/// directions drawn from `seed`.
pub fn sliced_wasserstein2(
    x: &[Vec<f64>],
    y: &[Vec<f64>],
    directions: usize,
    seed: u64,
) -> MathResult<f64> {
    let dim = check_sets(x, y, true)?;
    validate::nonzero_count("directions", directions)?;
    let mut rng = SplitMix64::new(seed);
    let mut total = 0.0;
    for _ in 0..directions {
        let mut theta: Vec<f64> = (0..dim).map(|_| rng.standard_normal()).collect();
        let norm = theta.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
        theta.iter_mut().for_each(|v| *v /= norm);
        let project = |set: &[Vec<f64>]| -> Vec<f64> {
            let mut p: Vec<f64> = set
                .iter()
                .map(|v| v.iter().zip(&theta).map(|(a, b)| a * b).sum())
                .collect();
            p.sort_by(f64::total_cmp);
            p
        };
        let (px, py) = (project(x), project(y));
        total += px
            .iter()
            .zip(&py)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / px.len() as f64;
    }
    Ok((total / directions as f64).sqrt())
}

/// Unbiased MMD² with the Gaussian kernel `exp(−‖a − b‖²/(2 h²))` of bandwidth `h`.
pub fn mmd_squared(x: &[Vec<f64>], y: &[Vec<f64>], bandwidth: f64) -> MathResult<f64> {
    check_sets(x, y, false)?;
    validate::positive("bandwidth", bandwidth)?;
    if x.len() < 2 || y.len() < 2 {
        return Err(MathError::InvalidParameter {
            name: "number of samples",
            value: x.len().min(y.len()) as f64,
            requirement: "the unbiased MMD needs at least 2 samples per set".into(),
        });
    }
    let k = |a: &[f64], b: &[f64]| {
        let d2: f64 = a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum();
        (-d2 / (2.0 * bandwidth * bandwidth)).exp()
    };
    let within = |s: &[Vec<f64>]| {
        let mut sum = 0.0;
        for i in 0..s.len() {
            for j in 0..s.len() {
                if i != j {
                    sum += k(&s[i], &s[j]);
                }
            }
        }
        sum / (s.len() * (s.len() - 1)) as f64
    };
    let mut cross = 0.0;
    for a in x {
        for b in y {
            cross += k(a, b);
        }
    }
    Ok(within(x) + within(y) - 2.0 * cross / (x.len() * y.len()) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaussian(n: usize, shift: f64, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|_| vec![rng.standard_normal() + shift, rng.standard_normal()])
            .collect()
    }

    #[test]
    fn identical_sets_are_at_distance_zero() {
        let x = gaussian(200, 0.0, 1);
        assert_eq!(sliced_wasserstein2(&x, &x, 16, 0).unwrap(), 0.0);
    }

    #[test]
    fn a_shift_is_seen_through_the_projections() {
        // Shifting by c along x₁: each projection moves by c·θ₁, E[θ₁²] = 1/2 in 2-D.
        let x = gaussian(500, 0.0, 1);
        let y: Vec<Vec<f64>> = x.iter().map(|v| vec![v[0] + 2.0, v[1]]).collect();
        let d = sliced_wasserstein2(&x, &y, 4000, 3).unwrap();
        assert!((d - 2.0 / 2f64.sqrt()).abs() < 0.03, "{d}");
    }

    #[test]
    fn mmd_separates_shifted_sets() {
        let (x, y) = (gaussian(300, 0.0, 1), gaussian(300, 0.0, 2));
        let z = gaussian(300, 1.0, 3);
        let same = mmd_squared(&x, &y, 1.0).unwrap();
        let shifted = mmd_squared(&x, &z, 1.0).unwrap();
        assert!(same.abs() < 0.01 && shifted > 0.05, "{same} {shifted}");
    }

    #[test]
    fn mismatched_sets_are_errors() {
        let x = gaussian(10, 0.0, 1);
        assert!(sliced_wasserstein2(&x, &x[..5], 4, 0).is_err());
        assert!(mmd_squared(&x, &vec![vec![0.0; 3]; 4], 1.0).is_err());
    }
}
