//! Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall
//! metric for assessing generative models", §3, eqs. 1–3).
//!
//! Each set's manifold is the union of balls around its points whose radius is the distance to
//! the point's k-th nearest neighbour within the set: `f(φ, Φ) = 1` if `‖φ − φ'‖ ≤ ‖φ' − NN_k(φ')‖`
//! for some `φ' ∈ Φ`. Then `precision = (1/|Φ_g|) Σ_{φ_g} f(φ_g, Φ_r)` (generated samples that
//! land on the real manifold: fidelity) and `recall = (1/|Φ_r|) Σ_{φ_r} f(φ_r, Φ_g)` (real samples
//! covered by the generated manifold: diversity). The paper uses k = 3.

use super::check_vectors;
use crate::error::{EvalError, EvalResult};

/// The paper's neighbourhood size.
pub const DEFAULT_K: usize = 3;

/// Precision and recall of a generated set against a real one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionRecall {
    /// Fraction of generated samples inside the real manifold.
    pub precision: f64,
    /// Fraction of real samples inside the generated manifold.
    pub recall: f64,
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum()
}

/// The squared distance of each point to its k-th nearest neighbour in the same set (itself
/// excluded).
fn kth_radii(set: &[Vec<f64>], k: usize) -> Vec<f64> {
    set.iter()
        .enumerate()
        .map(|(i, a)| {
            let mut d: Vec<f64> = set
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, b)| squared_distance(a, b))
                .collect();
            let (_, kth, _) = d.select_nth_unstable_by(k - 1, f64::total_cmp);
            *kth
        })
        .collect()
}

/// The fraction of `queries` inside the manifold of `set` (balls of squared radii `radii`).
fn coverage(queries: &[Vec<f64>], set: &[Vec<f64>], radii: &[f64]) -> f64 {
    let inside = queries
        .iter()
        .filter(|q| {
            set.iter()
                .zip(radii)
                .any(|(p, &r)| squared_distance(q, p) <= r)
        })
        .count();
    inside as f64 / queries.len() as f64
}

/// Precision and recall of `generated` against `real` with k-NN radii (k ≥ 1; each set needs
/// more than k samples).
pub fn precision_recall(
    real: &[Vec<f64>],
    generated: &[Vec<f64>],
    k: usize,
) -> EvalResult<PrecisionRecall> {
    let d_real = check_vectors("real set", real)?;
    let d_gen = check_vectors("generated set", generated)?;
    if d_real != d_gen {
        return Err(EvalError::invalid(format!(
            "real features have dimension {d_real}, generated {d_gen}"
        )));
    }
    if k == 0 || real.len() <= k || generated.len() <= k {
        return Err(EvalError::invalid(format!(
            "precision/recall with k = {k} needs k ≥ 1 and more than k samples per set (real {}, \
             generated {})",
            real.len(),
            generated.len()
        )));
    }
    let real_radii = kth_radii(real, k);
    let gen_radii = kth_radii(generated, k);
    Ok(PrecisionRecall {
        precision: coverage(generated, real, &real_radii),
        recall: coverage(real, generated, &gen_radii),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::test_clouds::gaussian_cloud as cloud;
    use proptest::prelude::*;

    #[test]
    fn collapsed_and_disjoint_sets() {
        let real = cloud(200, 4, 1, 0.0, 1.0);
        // Mode collapse: all generated points near one real point → high precision, low recall.
        let collapsed = cloud(50, 4, 2, 0.0, 0.01);
        let pr = precision_recall(&real, &collapsed, 3).unwrap();
        assert!(pr.precision > 0.9 && pr.recall < 0.2, "{pr:?}");
        // Far away: neither.
        let far = cloud(100, 4, 3, 50.0, 1.0);
        let pr = precision_recall(&real, &far, 3).unwrap();
        assert_eq!((pr.precision, pr.recall), (0.0, 0.0));
        assert!(precision_recall(&real, &far[..3], 3).is_err());
        assert!(precision_recall(&real, &far, 0).is_err());
        assert!(precision_recall(&real, &cloud(10, 3, 4, 0.0, 1.0), 3).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn identical_sets_have_precision_and_recall_one(
            seed in 0u64..1000, n in 5usize..60, dim in 1usize..8, k in 1usize..5,
        ) {
            let x = cloud(n, dim, seed, 0.0, 1.0);
            let pr = precision_recall(&x, &x, k).unwrap();
            prop_assert_eq!((pr.precision, pr.recall), (1.0, 1.0));
        }
    }
}
