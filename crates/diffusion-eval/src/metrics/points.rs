//! 2-D sample quality against a toy distribution's exact samples: sliced Wasserstein-2 (Rabin et
//! al. 2011; Bonneel et al. 2015) and the unbiased Gaussian-kernel MMD² (Gretton et al. 2012,
//! eq. 3), both from `diffusion_math::distance`, each beside its floor: the same distance between
//! two independent exact sample sets of the same size.

use diffusion_data::ToyDistribution;
use diffusion_math::distance::{mmd_squared, sliced_wasserstein2};

use crate::error::{EvalError, EvalResult};
use crate::report::MetricRow;

/// Random directions of the sliced Wasserstein distance.
pub const SW_DIRECTIONS: usize = 128;
/// Kernel bandwidth h of the MMD, `k(a, b) = exp(−‖a − b‖²/(2h²))`: about the scale of the toy
/// distributions' local structure (mixture components of std 0.1, moons of width ≈ 0.3).
pub const MMD_BANDWIDTH: f64 = 0.25;
/// Seeds of the two exact reference sets: far from training seeds, fixed so that every
/// evaluation of every checkpoint uses the same references.
const REFERENCE_SEEDS: [u64; 2] = [0xE7A1_0001, 0xE7A1_0002];
/// The seed of the sliced directions.
const DIRECTION_SEED: u64 = 0xE7A1_D1E5;

/// `n` exact samples of `toy` drawn from `seed`.
pub fn exact_samples(toy: ToyDistribution, n: usize, seed: u64) -> Vec<Vec<f64>> {
    (0..n as u64)
        .map(|i| toy.point(seed, i).0.to_vec())
        .collect()
}

/// SW2 and MMD² of the 2-D `samples` (flat x, y pairs) against exact samples of `toy`, with
/// their floors.
pub fn evaluate_points(samples: &[f32], toy: ToyDistribution) -> EvalResult<Vec<MetricRow>> {
    if samples.len() < 4 || !samples.len().is_multiple_of(2) {
        return Err(EvalError::invalid(format!(
            "2-D evaluation needs at least 2 points as x, y pairs; got {} values",
            samples.len()
        )));
    }
    let generated: Vec<Vec<f64>> = samples
        .chunks(2)
        .map(|p| vec![p[0] as f64, p[1] as f64])
        .collect();
    if generated.iter().flatten().any(|v| !v.is_finite()) {
        return Err(EvalError::invalid("a generated point is not finite"));
    }
    let n = generated.len();
    let reference = exact_samples(toy, n, REFERENCE_SEEDS[0]);
    let second = exact_samples(toy, n, REFERENCE_SEEDS[1]);
    let sw =
        |x: &[Vec<f64>], y: &[Vec<f64>]| sliced_wasserstein2(x, y, SW_DIRECTIONS, DIRECTION_SEED);
    let mmd = |x: &[Vec<f64>], y: &[Vec<f64>]| mmd_squared(x, y, MMD_BANDWIDTH);
    Ok(vec![
        MetricRow::new(
            format!("sliced W2 ({SW_DIRECTIONS} directions)"),
            sw(&generated, &reference)?,
            Some(sw(&second, &reference)?),
            "lower is better; floor: two exact sets of the same size",
        ),
        MetricRow::new(
            format!("MMD² (Gaussian, h = {MMD_BANDWIDTH})"),
            mmd(&generated, &reference)?,
            Some(mmd(&second, &reference)?),
            "lower is better (unbiased: can dip below 0)",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_samples_score_at_the_floor_and_noise_does_not() {
        let toy = ToyDistribution::TwoMoons;
        let good: Vec<f32> = exact_samples(toy, 400, 99)
            .into_iter()
            .flatten()
            .map(|v| v as f32)
            .collect();
        let rows = evaluate_points(&good, toy).unwrap();
        let floor = rows[0].floor.unwrap();
        assert!(
            rows[0].value < 3.0 * floor,
            "{} vs floor {floor}",
            rows[0].value
        );
        let bad: Vec<f32> = good.iter().map(|v| v * 2.0 + 1.0).collect();
        let rows_bad = evaluate_points(&bad, toy).unwrap();
        assert!(rows_bad[0].value > 10.0 * floor);
        assert!(rows_bad[1].value > 10.0 * rows[1].value.abs().max(1e-3));
        assert!(evaluate_points(&[1.0], toy).is_err());
    }
}
