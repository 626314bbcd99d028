//! Counter-based noise: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers:
//! as easy as 1, 2, 3", SC 2011) and the Box–Muller transform, in plain Rust.
//!
//! A standard normal is a pure function of `(seed, stream, sample, element)`:
//! the Philox counter is `[element / 4, sample_lo, sample_hi, stream]` and the key is
//! `[seed_lo, seed_hi]`; one Philox call gives the four normals of elements `4j .. 4j+3`.
//! Because nothing depends on the batch layout or the device, the same image gets the same noise
//! whatever the batch size, its position in the batch, or the backend. The cubecl kernels in
//! [`crate::cube`] compute exactly the same integers.

/// Philox multiplier for counter word 0.
pub const PHILOX_M0: u32 = 0xD251_1F53;
/// Philox multiplier for counter word 2.
pub const PHILOX_M1: u32 = 0xCD9E_8D57;
/// Weyl increment of key word 0 (golden ratio).
pub const PHILOX_W0: u32 = 0x9E37_79B9;
/// Weyl increment of key word 1 (√3 − 1).
pub const PHILOX_W1: u32 = 0xBB67_AE85;

/// Which random numbers to draw: a run's seed and a stream that separates uses (training noise,
/// each sampler step, label dropout, …) so that they never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoiseKey {
    /// The run's seed.
    pub seed: u64,
    /// The use of the numbers within the run.
    pub stream: u32,
}

impl NoiseKey {
    /// A key for `seed` and `stream`.
    pub fn new(seed: u64, stream: u32) -> Self {
        Self { seed, stream }
    }
}

/// The Philox4x32 bijection with 10 rounds.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(PHILOX_W0);
            k[1] = k[1].wrapping_add(PHILOX_W1);
        }
        let p0 = PHILOX_M0 as u64 * c[0] as u64;
        let p1 = PHILOX_M1 as u64 * c[2] as u64;
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// The four raw 32-bit words for elements `4·block .. 4·block+3` of a sample.
pub fn philox_block(key: NoiseKey, sample: u64, block: u32) -> [u32; 4] {
    philox4x32_10(
        [block, sample as u32, (sample >> 32) as u32, key.stream],
        [key.seed as u32, (key.seed >> 32) as u32],
    )
}

/// Maps the top 23 bits of a word to `(k + ½)/2²³`: strictly inside (0, 1) and exact in f32
/// (`k + ½` needs 24 significant bits, all f32 has), so CPU and GPU get the same uniform.
/// The smallest value, 2⁻²⁴, bounds the normals' magnitude at √(48 ln 2) ≈ 5.77.
pub fn unit_open(word: u32) -> f32 {
    ((word >> 9) as f32 + 0.5) * (1.0 / 8_388_608.0)
}

/// Box–Muller (Box & Muller 1958): two uniforms to two standard normals,
/// `r = √(−2 ln u₁)`, `θ = π (2u₂ − 1)`, `(r cos θ, r sin θ)`.
///
/// The logarithm and the trigonometric functions are this module's own ([`ln_unit`],
/// [`sincos_pi`]), built from +, −, ×, ÷ and exact bit manipulation only, and the cube kernels
/// run the very same operations: GPU drivers' native `log`, `sin`, `cos` differ from the CPU's
/// by up to ~7e-6 (measured on lavapipe), ours agree to a few ulps.
pub fn box_muller(w1: u32, w2: u32) -> (f32, f32) {
    let r = (-2.0 * ln_unit(w1)).sqrt();
    let (sin, cos) = sincos_pi(2.0 * unit_open(w2) - 1.0);
    (r * cos, r * sin)
}

/// Coefficients of the series `ln m = 2 atanh t = t·(2 + t²(2/3 + t²(2/5 + …)))` used by
/// [`ln_unit`] and its cube twin (one source for both, so they cannot drift apart).
pub const LN_SERIES: [f32; 6] = [2.0, 0.666_666_7, 0.4, 0.285_714_3, 0.222_222_2, 0.181_818_2];
/// Taylor coefficients of `sin x / x` in powers of x² (1, −1/3!, 1/5!, −1/7!, 1/9!).
pub const SIN_TAYLOR: [f32; 5] = [
    1.0,
    -0.166_666_67,
    0.008_333_334,
    -1.984_127e-4,
    2.755_731_9e-6,
];
/// Taylor coefficients of `cos x` in powers of x² (1, −1/2!, 1/4!, …, −1/10!).
pub const COS_TAYLOR: [f32; 6] = [
    1.0,
    -0.5,
    0.041_666_668,
    -0.001_388_888_9,
    2.480_158_7e-5,
    -2.755_732e-7,
];

/// `ln(unit_open(word))`, i.e. `ln((2k + 1)/2²⁴)` with `k = word >> 9`.
///
/// Writes `2k + 1 = m·2ⁿ⁻¹` exactly (bit length n, mantissa m ∈ [1, 2), folded into
/// (√2/2, √2]), then `ln m = 2 atanh(t)`, `t = (m − 1)/(m + 1)`, `|t| ≤ 0.172`, by its series to
/// t¹¹ (truncation below 2e-10; Abramowitz & Stegun 4.1.27).
pub fn ln_unit(word: u32) -> f32 {
    let odd = ((word >> 9) << 1) | 1;
    let bits = 32 - odd.leading_zeros();
    let scale = f32::from_bits((128 - bits) << 23); // 2^(1 − bits), exact
    let mut m = odd as f32 * scale;
    let mut e = bits as f32 - 25.0;
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1.0;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let c = LN_SERIES;
    let series = t * (c[0] + t2 * (c[1] + t2 * (c[2] + t2 * (c[3] + t2 * (c[4] + t2 * c[5])))));
    series + e * std::f32::consts::LN_2
}

/// `(sin πy, cos πy)` for `y ∈ [−1, 1]`: exact reduction to `r = y − q/2 ∈ [−¼, ¼]`, Taylor
/// polynomials of sin and cos of πr (to x⁹ and x¹⁰: truncation below 2e-9), then the quadrant.
pub fn sincos_pi(y: f32) -> (f32, f32) {
    let q = (2.0 * y + 0.5).floor();
    let r = y - 0.5 * q;
    let (s, c) = sincos_pi_reduced(r);
    if q == 1.0 {
        (c, -s)
    } else if q == -1.0 {
        (-c, s)
    } else if q == 0.0 {
        (s, c)
    } else {
        (-s, -c)
    }
}

/// sin πr and cos πr for `|r| ≤ ¼` by Taylor polynomials in Horner form.
fn sincos_pi_reduced(r: f32) -> (f32, f32) {
    let x = r * std::f32::consts::PI;
    let x2 = x * x;
    let (a, b) = (SIN_TAYLOR, COS_TAYLOR);
    let s = x * (a[0] + x2 * (a[1] + x2 * (a[2] + x2 * (a[3] + x2 * a[4]))));
    let c = b[0] + x2 * (b[1] + x2 * (b[2] + x2 * (b[3] + x2 * (b[4] + x2 * b[5]))));
    (s, c)
}

/// The four standard normals of elements `4·block .. 4·block+3` of a sample.
pub fn normal_block(key: NoiseKey, sample: u64, block: u32) -> [f32; 4] {
    let w = philox_block(key, sample, block);
    let (z0, z1) = box_muller(w[0], w[1]);
    let (z2, z3) = box_muller(w[2], w[3]);
    [z0, z1, z2, z3]
}

/// The standard normal for one `(seed, stream, sample, element)`.
pub fn normal(key: NoiseKey, sample: u64, element: u64) -> f32 {
    normal_block(key, sample, (element / 4) as u32)[(element % 4) as usize]
}

/// Fills `out` with the normals of elements `0..out.len()` of one sample.
pub fn fill_normals(key: NoiseKey, sample: u64, out: &mut [f32]) {
    for (block, chunk) in out.chunks_mut(4).enumerate() {
        let z = normal_block(key, sample, block as u32);
        chunk.copy_from_slice(&z[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of Random123's `kat_vectors` for philox4x32_10.
    #[test]
    fn matches_random123_known_answers() {
        assert_eq!(
            philox4x32_10([0, 0, 0, 0], [0, 0]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn own_transcendentals_are_accurate() {
        for word in [
            0u32,
            1 << 9,
            12_345 << 9,
            0x7fff_ffff,
            0xdead_beef,
            u32::MAX,
        ] {
            let exact = (unit_open(word) as f64).ln();
            let ours = ln_unit(word) as f64;
            assert!(
                (ours - exact).abs() <= 4e-7 * exact.abs().max(1e-6),
                "ln at {word:#x}: {ours} vs {exact}"
            );
        }
        for i in 0..=2000 {
            let y = -1.0 + i as f32 / 1000.0;
            let (s, c) = sincos_pi(y);
            let theta = std::f64::consts::PI * y as f64;
            assert!((s as f64 - theta.sin()).abs() < 3e-7, "sin π{y}");
            assert!((c as f64 - theta.cos()).abs() < 3e-7, "cos π{y}");
        }
    }

    #[test]
    fn unit_open_stays_inside_the_interval() {
        assert!(unit_open(0) > 0.0);
        assert!(unit_open(u32::MAX) < 1.0);
    }

    #[test]
    fn normals_are_a_pure_function_of_their_key() {
        let key = NoiseKey::new(7, 3);
        let mut row = vec![0.0; 11];
        fill_normals(key, 42, &mut row);
        for (e, &z) in row.iter().enumerate() {
            assert_eq!(z, normal(key, 42, e as u64));
        }
        assert_ne!(normal(key, 42, 0), normal(NoiseKey::new(7, 4), 42, 0));
        assert_ne!(normal(key, 42, 0), normal(key, 43, 0));
        assert_ne!(normal(key, 42, 0), normal(NoiseKey::new(8, 3), 42, 0));
    }
}
