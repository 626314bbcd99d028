//! Multi-head attention kernels on channel-major f32 slices (`[N, C, L]`, head `h` = channels
//! `h·d .. (h+1)·d`), one rayon task per (sample, head).
//!
//! Per task, with `Q, K, V, G` the head's `[d, L]` blocks (row-major, row stride `L`):
//! - forward: `S = scale · QᵀK` `[L, L]`, `P = softmax_rows(S)`, `O = V Pᵀ`;
//! - backward (P recomputed, not stored): `dV = G P`, `dP = Gᵀ V`,
//!   `dS = scale · P ⊙ (dP − rowsum(P ⊙ dP))`, `dQ = K dSᵀ`, `dK = Q dS`
//!   (the softmax Jacobian `diag(p) − p pᵀ` applied row by row).
//!
//! The products are strided GEMMs (`gemm` crate, single-threaded inside a task).

use gemm::Parallelism;
use rayon::prelude::*;

use crate::ops::conv2d::cpu::matmul;
use crate::ops::group_norm::cpu::fast_exp;

/// Geometry of one attention call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttnGeom {
    /// Samples.
    pub n: usize,
    /// Channels, `heads · d`.
    pub c: usize,
    /// Positions (tokens) per sample.
    pub l: usize,
    /// Heads.
    pub heads: usize,
    /// Channels per head.
    pub d: usize,
}

impl AttnGeom {
    /// Geometry of `[n, c, l]` tokens split into `heads` heads; panics when `c` is not a
    /// multiple of `heads`.
    pub fn new(n: usize, c: usize, l: usize, heads: usize) -> Self {
        assert!(
            heads > 0 && c.is_multiple_of(heads),
            "attention: {c} channels are not divisible into {heads} heads"
        );
        Self {
            n,
            c,
            l,
            heads,
            d: c / heads,
        }
    }

    /// Elements of one (sample, head) block, `d · L`.
    fn block(&self) -> usize {
        self.d * self.l
    }

    /// Elements of one full tensor, `N · C · L`.
    fn len(&self) -> usize {
        self.n * self.c * self.l
    }
}

/// `P = softmax_rows(scale · QᵀK)` into `p` `[L, L]`; `q`, `k` are one head's `[d, L]` blocks.
fn probabilities(g: &AttnGeom, q: &[f32], k: &[f32], scale: f32, p: &mut [f32]) {
    let l = g.l;
    // S[a, b] = Σ_j Q[j, a] K[j, b]: lhs = Qᵀ (row stride 1, column stride L).
    matmul(l, l, g.d, p, l, false, q, 1, l, k, l, 1, Parallelism::None);
    softmax_rows(p, l, scale);
}

/// Each row of `p` `[L, L]` ← softmax(scale · row). Dispatches to an AVX2 build of the same
/// code when the CPU has it (the default x86-64 target is SSE2 only).
fn softmax_rows(p: &mut [f32], l: usize, scale: f32) {
    #[cfg(target_arch = "x86_64")]
    if crate::ops::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        return unsafe { softmax_rows_avx2(p, l, scale) };
    }
    softmax_rows_body(p, l, scale)
}

/// [`softmax_rows_body`] compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn softmax_rows_avx2(p: &mut [f32], l: usize, scale: f32) {
    softmax_rows_body(p, l, scale)
}

/// Independent accumulators for row reductions: a single running max or sum is a chain of
/// dependent instructions that the compiler may not reorder (f32 is not associative), so the
/// loops would stay scalar and latency-bound.
const LANES: usize = 8;

/// Maximum of `row` (lane-wise, then across lanes).
#[inline(always)]
fn row_max(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            *m = if v > *m { v } else { *m };
        }
    }
    tail.iter()
        .chain(&lanes)
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

/// Σ row (lane-wise, then across lanes).
#[inline(always)]
fn row_sum(row: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (acc, &v) in lanes.iter_mut().zip(chunk) {
            *acc += v;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Σ a·b (lane-wise, then across lanes).
#[inline(always)]
fn row_dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = a.chunks_exact(LANES).zip(b.chunks_exact(LANES));
    for (ca, cb) in chunks {
        for i in 0..LANES {
            lanes[i] += ca[i] * cb[i];
        }
    }
    let k = a.len() - a.len() % LANES;
    let tail: f32 = a[k..].iter().zip(&b[k..]).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

#[inline(always)]
fn softmax_rows_body(p: &mut [f32], l: usize, scale: f32) {
    for row in p.chunks_exact_mut(l) {
        row.iter_mut().for_each(|s| *s *= scale);
        let max = row_max(row);
        row.iter_mut().for_each(|s| *s = fast_exp(*s - max));
        let inv = 1.0 / row_sum(row);
        row.iter_mut().for_each(|s| *s *= inv);
    }
}

/// `ds ← scale · P ⊙ (dP − rowsum(P ⊙ dP))` row by row (`ds` holds `dP` on entry); dispatches
/// like [`softmax_rows`].
fn softmax_backward_rows(ds: &mut [f32], p: &[f32], l: usize, scale: f32) {
    #[cfg(target_arch = "x86_64")]
    if crate::ops::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        return unsafe { softmax_backward_rows_avx2(ds, p, l, scale) };
    }
    softmax_backward_rows_body(ds, p, l, scale)
}

/// [`softmax_backward_rows_body`] compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn softmax_backward_rows_avx2(ds: &mut [f32], p: &[f32], l: usize, scale: f32) {
    softmax_backward_rows_body(ds, p, l, scale)
}

#[inline(always)]
fn softmax_backward_rows_body(ds: &mut [f32], p: &[f32], l: usize, scale: f32) {
    for (dsr, pr) in ds.chunks_exact_mut(l).zip(p.chunks_exact(l)) {
        let dot = row_dot(dsr, pr);
        for (s, &pv) in dsr.iter_mut().zip(pr) {
            *s = scale * pv * (*s - dot);
        }
    }
}

/// Forward: returns `O` `[N, C, L]` (see the module doc).
pub fn attention_forward(g: &AttnGeom, q: &[f32], k: &[f32], v: &[f32], scale: f32) -> Vec<f32> {
    assert!(q.len() == g.len() && k.len() == g.len() && v.len() == g.len());
    let (l, block) = (g.l, g.block());
    let mut out = crate::ops::buffers::zeroed(g.len());
    if block == 0 {
        return out;
    }
    out.par_chunks_mut(block).enumerate().for_each_init(
        || vec![0.0f32; l * l],
        |p, (task, o)| {
            let at = task * block..(task + 1) * block;
            probabilities(g, &q[at.clone()], &k[at.clone()], scale, p);
            // O[j, a] = Σ_b V[j, b] P[a, b]: rhs = Pᵀ (row stride 1, column stride L).
            matmul(
                g.d,
                l,
                l,
                o,
                l,
                false,
                &v[at],
                l,
                1,
                p,
                1,
                l,
                Parallelism::None,
            );
        },
    );
    out
}

/// Backward: returns `[dq, dk, dv]`, each `[N, C, L]` (see the module doc).
pub fn attention_backward(
    g: &AttnGeom,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    dout: &[f32],
    scale: f32,
) -> [Vec<f32>; 3] {
    let len = g.len();
    assert!(q.len() == len && k.len() == len && v.len() == len && dout.len() == len);
    let (l, d, block) = (g.l, g.d, g.block());
    let (mut dq, mut dk, mut dv) = (
        crate::ops::buffers::zeroed(len),
        crate::ops::buffers::zeroed(len),
        crate::ops::buffers::zeroed(len),
    );
    if block == 0 {
        return [dq, dk, dv];
    }
    dq.par_chunks_mut(block)
        .zip(dk.par_chunks_mut(block))
        .zip(dv.par_chunks_mut(block))
        .enumerate()
        .for_each_init(
            || (vec![0.0f32; l * l], vec![0.0f32; l * l]),
            |(p, ds), (task, ((dq, dk), dv))| {
                let at = task * block..(task + 1) * block;
                let (q, k, v, go) = (&q[at.clone()], &k[at.clone()], &v[at.clone()], &dout[at]);
                probabilities(g, q, k, scale, p);
                // dV[j, b] = Σ_a G[j, a] P[a, b].
                matmul(d, l, l, dv, l, false, go, l, 1, p, l, 1, Parallelism::None);
                // dP[a, b] = Σ_j G[j, a] V[j, b]: lhs = Gᵀ.
                matmul(l, l, d, ds, l, false, go, 1, l, v, l, 1, Parallelism::None);
                softmax_backward_rows(ds, p, l, scale);
                // dQ[j, a] = Σ_b K[j, b] dS[a, b]: rhs = dSᵀ.
                matmul(d, l, l, dq, l, false, k, l, 1, ds, 1, l, Parallelism::None);
                // dK[j, b] = Σ_a Q[j, a] dS[a, b].
                matmul(d, l, l, dk, l, false, q, l, 1, ds, l, 1, Parallelism::None);
            },
        );
    [dq, dk, dv]
}
