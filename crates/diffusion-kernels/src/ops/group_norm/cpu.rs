//! GroupNorm (+ optional SiLU) and per-(sample, channel) bias kernels on plain f32 slices.
//!
//! All buffers are contiguous row-major:
//! - x, y, dy, dx: `[N, C, S]` (trailing dims flattened into `S`)
//! - weight, bias: `[C]`
//! - mean, rstd:   `[N, G]`
//! - channel bias: `[N, C]`
//!
//! The elements of one (sample, group) pair are one contiguous run of `C/G * S` values, so
//! every kernel is parallelised over those runs with rayon (with a minimum amount of work per
//! task so that small tensors stay on one thread). Sums are accumulated in f64 lanes.

use rayon::prelude::*;

/// Geometry of a GroupNorm: `x [N, C, S]`, `G` groups of `C/G` channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GnGeom {
    /// Batch size N.
    pub n: usize,
    /// Channels C.
    pub c: usize,
    /// Spatial elements per channel S (H·W).
    pub s: usize,
    /// Groups G.
    pub groups: usize,
}

impl GnGeom {
    /// Panics unless `groups > 0` divides `c`.
    pub fn new(n: usize, c: usize, s: usize, groups: usize) -> Self {
        assert!(
            groups > 0 && c.is_multiple_of(groups),
            "group_norm: {c} channels are not divisible into {groups} groups"
        );
        Self { n, c, s, groups }
    }
    /// Channels per group.
    #[inline]
    pub fn cpg(&self) -> usize {
        self.c / self.groups
    }
    /// Elements per (sample, group): `C/G * S`.
    #[inline]
    pub fn group_len(&self) -> usize {
        self.cpg() * self.s
    }
    /// Elements of the whole tensor.
    #[inline]
    pub fn numel(&self) -> usize {
        self.n * self.c * self.s
    }
}

/// Below this many elements per rayon task, work is not split further.
const PAR_MIN_ELEMS: usize = 1 << 14;

#[inline]
fn min_len(chunk: usize) -> usize {
    (PAR_MIN_ELEMS / chunk.max(1)).max(1)
}

const LANES: usize = 8;

#[inline(always)]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-z))
}

/// eˣ without a libm call, branch-free so that loops over it vectorise: x = k·ln2 + r with
/// |r| ≤ ln2/2 (Cody–Waite split of ln2), eʳ by its degree-7 Taylor polynomial (truncation
/// error below 6e-9 relative), 2ᵏ from the exponent bits. x is clamped to [−87, 88], where
/// f32's eˣ is still normal; the SiLU around it needs no more range.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    // Round to nearest by adding and removing 1.5·2²³ (vectorises; `round` is a libm call on
    // baseline x86-64).
    const SHIFTER: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + SHIFTER;
    let k = shifted - SHIFTER;
    // k as an integer without a float→int conversion (whose saturating semantics keep the
    // loop scalar): `shifted` is 1.5·2²³ + k exactly, so its bits are those of 1.5·2²³ plus k.
    let k_int = shifted.to_bits().wrapping_sub(SHIFTER.to_bits());
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let p = 1.0 / 5040.0;
    let p = p * r + 1.0 / 720.0;
    let p = p * r + 1.0 / 120.0;
    let p = p * r + 1.0 / 24.0;
    let p = p * r + 1.0 / 6.0;
    let p = p * r + 0.5;
    let p = p * r + 1.0;
    let p = p * r + 1.0;
    let scale = f32::from_bits(k_int.wrapping_add(127) << 23);
    p * scale
}

/// Σ v, f64 lanes.
#[inline(always)]
fn sum_f64(v: &[f32]) -> f64 {
    let mut acc = [0f64; LANES];
    let chunks = v.chunks_exact(LANES);
    let rem = chunks.remainder();
    for ch in chunks {
        for i in 0..LANES {
            acc[i] += ch[i] as f64;
        }
    }
    acc.iter().sum::<f64>() + rem.iter().map(|&r| r as f64).sum::<f64>()
}

/// (Σ (v - m), Σ (v - m)²), f64 lanes.
#[inline(always)]
fn dev_sums_f64(v: &[f32], m: f64) -> (f64, f64) {
    let mut a1 = [0f64; LANES];
    let mut a2 = [0f64; LANES];
    let chunks = v.chunks_exact(LANES);
    let rem = chunks.remainder();
    for ch in chunks {
        for i in 0..LANES {
            let d = ch[i] as f64 - m;
            a1[i] += d;
            a2[i] += d * d;
        }
    }
    let (mut s1, mut s2) = (a1.iter().sum::<f64>(), a2.iter().sum::<f64>());
    for &r in rem {
        let d = r as f64 - m;
        s1 += d;
        s2 += d * d;
    }
    (s1, s2)
}

/// Mean and 1/sqrt(var + eps) of one group (two-pass, corrected, biased variance).
#[inline(always)]
fn group_stats(xg: &[f32], eps: f64) -> (f32, f32) {
    let len = xg.len() as f64;
    let m = sum_f64(xg) / len;
    let (s1, s2) = dev_sums_f64(xg, m);
    let var = ((s2 - s1 * s1 / len) / len).max(0.0);
    let m = m + s1 / len;
    (m as f32, (1.0 / (var + eps).sqrt()) as f32)
}

/// Forward of one (sample, group) `i`: writes `yg`, returns `(mean, rstd)`. Dispatches to an
/// AVX2 build of the same code when the CPU has it (the default x86-64 target is SSE2 only).
#[allow(clippy::too_many_arguments)]
#[inline]
fn forward_group(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    yg: &mut [f32],
    weight: &[f32],
    bias: &[f32],
    eps: f64,
    silu: bool,
) -> (f32, f32) {
    #[cfg(target_arch = "x86_64")]
    if crate::ops::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        return unsafe { forward_group_avx2(g, i, xg, yg, weight, bias, eps, silu) };
    }
    forward_group_body(g, i, xg, yg, weight, bias, eps, silu)
}

/// [`forward_group_body`] compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
unsafe fn forward_group_avx2(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    yg: &mut [f32],
    weight: &[f32],
    bias: &[f32],
    eps: f64,
    silu: bool,
) -> (f32, f32) {
    forward_group_body(g, i, xg, yg, weight, bias, eps, silu)
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_group_body(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    yg: &mut [f32],
    weight: &[f32],
    bias: &[f32],
    eps: f64,
    silu: bool,
) -> (f32, f32) {
    let (s, cpg) = (g.s, g.cpg());
    let (mean, rstd) = group_stats(xg, eps);
    let c0 = (i % g.groups) * cpg;
    for j in 0..cpg {
        let scale = rstd * weight[c0 + j];
        let shift = bias[c0 + j];
        let xs = &xg[j * s..(j + 1) * s];
        let ys = &mut yg[j * s..(j + 1) * s];
        if silu {
            for (yv, &xv) in ys.iter_mut().zip(xs) {
                let z = (xv - mean) * scale + shift;
                *yv = z * sigmoid(z);
            }
        } else {
            for (yv, &xv) in ys.iter_mut().zip(xs) {
                *yv = (xv - mean) * scale + shift;
            }
        }
    }
    (mean, rstd)
}

/// Forward: returns `(y [N,C,S], mean [N,G], rstd [N,G])`.
pub fn group_norm_forward(
    g: &GnGeom,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    eps: f64,
    silu: bool,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    assert_eq!(x.len(), g.numel(), "group_norm: x length");
    assert_eq!(weight.len(), g.c, "group_norm: weight length");
    assert_eq!(bias.len(), g.c, "group_norm: bias length");
    let (gl, groups) = (g.group_len(), g.groups);
    let mut y = crate::ops::buffers::zeroed(x.len());
    if gl == 0 {
        let nan = vec![f32::NAN; g.n * groups];
        return (y, nan.clone(), nan);
    }
    let stats: Vec<(f32, f32)> = y
        .par_chunks_mut(gl)
        .zip(x.par_chunks(gl))
        .enumerate()
        .with_min_len(min_len(gl))
        .map(|(i, (yg, xg))| forward_group(g, i, xg, yg, weight, bias, eps, silu))
        .collect();
    let (mean, rstd) = stats.into_iter().unzip();
    (y, mean, rstd)
}

/// Backward results; each present only when requested.
pub struct GnGrads {
    /// Gradient of the input.
    pub dx: Option<Vec<f32>>,
    /// Gradient of the per-channel scale.
    pub dweight: Option<Vec<f32>>,
    /// Gradient of the per-channel shift.
    pub dbias: Option<Vec<f32>>,
}

/// Per-task accumulators: Σ dy'·x̂ and Σ dy' per channel, plus a scratch buffer for dy'.
struct Acc {
    dw: Vec<f64>,
    db: Vec<f64>,
    scratch: Vec<f32>,
}

/// Backward of one (sample, group); dispatches like [`forward_group`].
#[allow(clippy::too_many_arguments)]
#[inline]
fn group_backward(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    dyg: &[f32],
    dxg: Option<&mut [f32]>,
    weight: &[f32],
    bias: &[f32],
    mean: &[f32],
    rstd: &[f32],
    silu: bool,
    acc: &mut Acc,
) {
    #[cfg(target_arch = "x86_64")]
    if crate::ops::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        return unsafe {
            group_backward_avx2(g, i, xg, dyg, dxg, weight, bias, mean, rstd, silu, acc)
        };
    }
    group_backward_body(g, i, xg, dyg, dxg, weight, bias, mean, rstd, silu, acc)
}

/// [`group_backward_body`] compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
unsafe fn group_backward_avx2(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    dyg: &[f32],
    dxg: Option<&mut [f32]>,
    weight: &[f32],
    bias: &[f32],
    mean: &[f32],
    rstd: &[f32],
    silu: bool,
    acc: &mut Acc,
) {
    group_backward_body(g, i, xg, dyg, dxg, weight, bias, mean, rstd, silu, acc)
}

/// Backward of one (sample, group). `acc.scratch` holds dy' (used for SiLU only).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn group_backward_body(
    g: &GnGeom,
    i: usize,
    xg: &[f32],
    dyg: &[f32],
    dxg: Option<&mut [f32]>,
    weight: &[f32],
    bias: &[f32],
    mean: &[f32],
    rstd: &[f32],
    silu: bool,
    acc: &mut Acc,
) {
    let (s, cpg) = (g.s, g.cpg());
    let c0 = (i % g.groups) * cpg;
    let (m, r) = (mean[i], rstd[i]);
    // Pass 1: dy' (SiLU-adjusted upstream gradient), per-channel Σ dy' and Σ dy'·x̂.
    let mut sum_g = 0f64; // Σ w·dy'
    let mut sum_gx = 0f64; // Σ w·dy'·x̂
    for j in 0..cpg {
        let c = c0 + j;
        let xs = &xg[j * s..(j + 1) * s];
        let dys = &dyg[j * s..(j + 1) * s];
        let mut a_dy = [0f64; LANES];
        let mut a_dyx = [0f64; LANES];
        let mut tail_dy = 0f64;
        let mut tail_dyx = 0f64;
        if silu {
            let (w, b) = (weight[c] * r, bias[c]);
            let sc = &mut acc.scratch[j * s..(j + 1) * s];
            for ((d, &xv), &dyv) in sc.iter_mut().zip(xs).zip(dys) {
                let z = (xv - m) * w + b;
                let sg = sigmoid(z);
                *d = dyv * (sg * (1.0 + z * (1.0 - sg)));
            }
            let sc = &acc.scratch[j * s..(j + 1) * s];
            let chunks = sc.chunks_exact(LANES).zip(xs.chunks_exact(LANES));
            for (dc, xc) in chunks {
                for l in 0..LANES {
                    let xh = (xc[l] - m) * r;
                    a_dy[l] += dc[l] as f64;
                    a_dyx[l] += (dc[l] * xh) as f64;
                }
            }
            let k = s - s % LANES;
            for (&dv, &xv) in sc[k..].iter().zip(&xs[k..]) {
                tail_dy += dv as f64;
                tail_dyx += (dv * ((xv - m) * r)) as f64;
            }
        } else {
            for (dc, xc) in dys.chunks_exact(LANES).zip(xs.chunks_exact(LANES)) {
                for l in 0..LANES {
                    let xh = (xc[l] - m) * r;
                    a_dy[l] += dc[l] as f64;
                    a_dyx[l] += (dc[l] * xh) as f64;
                }
            }
            let k = s - s % LANES;
            for (&dv, &xv) in dys[k..].iter().zip(&xs[k..]) {
                tail_dy += dv as f64;
                tail_dyx += (dv * ((xv - m) * r)) as f64;
            }
        }
        let sdy = a_dy.iter().sum::<f64>() + tail_dy;
        let sdyx = a_dyx.iter().sum::<f64>() + tail_dyx;
        acc.db[c] += sdy;
        acc.dw[c] += sdyx;
        sum_g += weight[c] as f64 * sdy;
        sum_gx += weight[c] as f64 * sdyx;
    }
    // Pass 2: dx = rstd · (w·dy' − mean(g) − x̂ · mean(g·x̂)).
    if let Some(dxg) = dxg {
        let len = (cpg * s) as f64;
        let mg = (sum_g / len) as f32;
        let mgx = (sum_gx / len) as f32;
        for j in 0..cpg {
            let w = weight[j + c0];
            let xs = &xg[j * s..(j + 1) * s];
            let src = if silu {
                &acc.scratch[j * s..(j + 1) * s]
            } else {
                &dyg[j * s..(j + 1) * s]
            };
            let dxs = &mut dxg[j * s..(j + 1) * s];
            for ((o, &xv), &dv) in dxs.iter_mut().zip(xs).zip(src) {
                let xh = (xv - m) * r;
                *o = r * (w * dv - mg - xh * mgx);
            }
        }
    }
}

/// Backward of [`group_norm_forward`]. `need = [dx, dweight, dbias]`.
#[allow(clippy::too_many_arguments)]
pub fn group_norm_backward(
    g: &GnGeom,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    mean: &[f32],
    rstd: &[f32],
    dy: &[f32],
    silu: bool,
    need: [bool; 3],
) -> GnGrads {
    assert_eq!(x.len(), g.numel(), "group_norm_backward: x length");
    assert_eq!(
        dy.len(),
        g.numel(),
        "group_norm_backward: output_grad length"
    );
    assert_eq!(weight.len(), g.c, "group_norm_backward: weight length");
    assert!(
        !silu || bias.len() == g.c,
        "group_norm_backward: bias length"
    );
    assert_eq!(
        mean.len(),
        g.n * g.groups,
        "group_norm_backward: mean length"
    );
    assert_eq!(
        rstd.len(),
        g.n * g.groups,
        "group_norm_backward: rstd length"
    );
    let gl = g.group_len();
    let c = g.c;
    let new_acc = || Acc {
        dw: vec![0f64; c],
        db: vec![0f64; c],
        scratch: if silu { vec![0f32; gl] } else { Vec::new() },
    };
    let merge = |mut a: Acc, b: Acc| {
        for (u, v) in a.dw.iter_mut().zip(&b.dw) {
            *u += v;
        }
        for (u, v) in a.db.iter_mut().zip(&b.db) {
            *u += v;
        }
        a
    };
    let mut dx = need[0].then(|| crate::ops::buffers::zeroed(x.len()));
    let acc = if gl == 0 {
        new_acc()
    } else if let Some(dx) = dx.as_mut() {
        dx.par_chunks_mut(gl)
            .zip(x.par_chunks(gl))
            .zip(dy.par_chunks(gl))
            .enumerate()
            .with_min_len(min_len(gl))
            .fold(new_acc, |mut acc, (i, ((dxg, xg), dyg))| {
                group_backward(
                    g,
                    i,
                    xg,
                    dyg,
                    Some(dxg),
                    weight,
                    bias,
                    mean,
                    rstd,
                    silu,
                    &mut acc,
                );
                acc
            })
            .reduce(new_acc, merge)
    } else {
        x.par_chunks(gl)
            .zip(dy.par_chunks(gl))
            .enumerate()
            .with_min_len(min_len(gl))
            .fold(new_acc, |mut acc, (i, (xg, dyg))| {
                group_backward(
                    g, i, xg, dyg, None, weight, bias, mean, rstd, silu, &mut acc,
                );
                acc
            })
            .reduce(new_acc, merge)
    };
    GnGrads {
        dx,
        dweight: need[1].then(|| acc.dw.iter().map(|&v| v as f32).collect()),
        dbias: need[2].then(|| acc.db.iter().map(|&v| v as f32).collect()),
    }
}

/// `out[n, c, :] = x[n, c, :] + b[n, c]` for `x [N, C, S]`, `b [N, C]`.
pub fn add_channel_bias(nc: usize, s: usize, x: &[f32], b: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), nc * s, "add_channel_bias: x length");
    assert_eq!(b.len(), nc, "add_channel_bias: bias length");
    let mut out = crate::ops::buffers::zeroed(x.len());
    if s == 0 {
        return out;
    }
    out.par_chunks_mut(s)
        .zip(x.par_chunks(s))
        .zip(b.par_iter())
        .with_min_len(min_len(s))
        .for_each(|((o, xs), &bv)| {
            for (o, &xv) in o.iter_mut().zip(xs) {
                *o = xv + bv;
            }
        });
    out
}

/// `db[n, c] = Σ_s dy[n, c, s]` for `dy [N, C, S]`.
pub fn channel_bias_grad(nc: usize, s: usize, dy: &[f32]) -> Vec<f32> {
    assert_eq!(dy.len(), nc * s, "channel_bias_grad: output_grad length");
    if s == 0 {
        return vec![0f32; nc];
    }
    dy.par_chunks(s)
        .with_min_len(min_len(s))
        .map(|row| sum_f64(row) as f32)
        .collect()
}

#[cfg(test)]
mod fast_exp_tests {
    use super::fast_exp;

    #[test]
    fn fast_exp_is_within_a_few_ulps_of_libm() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let exact = (x as f64).exp();
            let rel = ((fast_exp(x) as f64 - exact) / exact).abs();
            worst = worst.max(rel);
            x += 0.001_37;
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
    }
}
