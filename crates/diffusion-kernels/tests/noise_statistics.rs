//! The counter-based normals are standard normal and uncorrelated (CPU implementation; the GPU
//! draws are shown identical to these in wgpu_kernels.rs).

use diffusion_kernels::philox::{fill_normals, NoiseKey};

const N: usize = 1_000_000;

/// Φ(x) through erfc, with W. J. Cody-quality accuracy not needed: Abramowitz & Stegun 7.1.26
/// (absolute error below 1.5e-7) is far inside the KS tolerance used here.
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

fn draws(key: NoiseKey, rows: usize, row_len: usize) -> Vec<f32> {
    let mut out = vec![0.0; rows * row_len];
    for (row, chunk) in out.chunks_mut(row_len).enumerate() {
        fill_normals(key, row as u64, chunk);
    }
    out
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (
        a.iter().map(|&v| v as f64).sum::<f64>() / n,
        b.iter().map(|&v| v as f64).sum::<f64>() / n,
    );
    let mut cov = 0.0;
    let (mut va, mut vb) = (0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        cov += dx * dy;
        va += dx * dx;
        vb += dy * dy;
    }
    cov / (va * vb).sqrt()
}

#[test]
fn a_million_draws_are_standard_normal() {
    let z = draws(NoiseKey::new(12_345, 0), 1000, 1000);
    let n = z.len() as f64;
    let mean = z.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = z.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    // Standard errors: 1e-3 for the mean, √2·1e-3 for the variance; allow 5 of them.
    assert!(mean.abs() < 5e-3, "mean {mean}");
    assert!((var - 1.0).abs() < 7.1e-3, "variance {var}");
    let mut sorted: Vec<f64> = z.iter().map(|&v| v as f64).collect();
    sorted.sort_by(f64::total_cmp);
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = normal_cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    // Kolmogorov–Smirnov critical value at α = 0.001: 1.95/√n.
    assert!(d < 1.95 / n.sqrt(), "KS statistic {d}");
}

#[test]
fn neighbours_are_uncorrelated() {
    let key = NoiseKey::new(777, 5);
    let z = draws(key, 1000, 1000);
    // Adjacent elements (within each block of four and across blocks).
    let rho = correlation(&z[..N - 1], &z[1..]);
    assert!(
        rho.abs() < 5.0 / (N as f64).sqrt(),
        "adjacent elements ρ = {rho}"
    );
    // Adjacent samples: row r against row r + 1.
    let rho = correlation(&z[..N - 1000], &z[1000..]);
    assert!(
        rho.abs() < 5.0 / (N as f64).sqrt(),
        "adjacent samples ρ = {rho}"
    );
    // Adjacent streams: same (sample, element), stream 5 vs 6.
    let other = draws(NoiseKey::new(777, 6), 1000, 1000);
    let rho = correlation(&z, &other);
    assert!(
        rho.abs() < 5.0 / (N as f64).sqrt(),
        "adjacent streams ρ = {rho}"
    );
    // Squares too: Box–Muller pairs share a radius, a dependence linear correlation misses.
    let sq = |v: &[f32]| v.iter().map(|x| x * x).collect::<Vec<f32>>();
    let z2 = sq(&z);
    let rho = correlation(&z2[..N - 1], &z2[1..]);
    assert!(
        rho.abs() < 5.0 / (N as f64).sqrt(),
        "adjacent squares ρ = {rho}"
    );
}
