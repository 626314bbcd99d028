//! Seeded Gaussian point clouds shared by the metric tests.

use diffusion_math::rng::SplitMix64;

/// `n` points of dimension `dim` with independent `N(shift, scale²)` coordinates, from `seed`.
pub(crate) fn gaussian_cloud(
    n: usize,
    dim: usize,
    seed: u64,
    shift: f64,
    scale: f64,
) -> Vec<Vec<f64>> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            (0..dim)
                .map(|_| shift + scale * rng.standard_normal())
                .collect()
        })
        .collect()
}
