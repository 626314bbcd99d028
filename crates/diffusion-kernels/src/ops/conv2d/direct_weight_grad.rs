//! Direct stride-1 convolution weight gradient with register-blocked accumulators (no im2col
//! matrix, no GEMM library), for CPUs with AVX-512 or AVX2 + FMA.
//!
//! On the padded-width grid of [`super::direct`] (input zero-padded into `P [Cin, Hp, Wp]`, the
//! output gradient laid out as `G [Cout, OH·Wp]` with zeros in the `KW − 1` extra columns of
//! each row), tap `(ky, kx)` of input channel `ci` reads `P` at the flat offset
//! `ci·Hp·Wp + ky·Wp + kx`, so with `k = (ci, ky, kx)` flattened:
//!
//! `dW[co, k] = Σ_n Σ_q G_n[co, q] · P_n[offset(k) + q]`.
//!
//! A block of `CO` output channels × `KB` entries of `k` keeps its `CO·KB` partial sums in
//! vector registers (one lane per grid position) over the whole grid, then reduces each across
//! its lanes: every step loads `CO + KB` vectors for `CO·KB` multiply-adds. Zero rows pad
//! `Cout` to whole blocks and the padding entries of `k` read offset 0; both are discarded.

use super::direct::pad_input;
use super::geometry::ConvGeom;

/// Which kernel this CPU runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

/// Block shapes `(CO, KB, lanes)`: `CO·KB` accumulators plus `CO + KB` loads fit the vector
/// registers (AVX-512: 16 + 8 of 32; AVX2: 8 + 6 of 16).
#[cfg(target_arch = "x86_64")]
const AVX512_BLOCK: Block = (4, 4, 16);
#[cfg(target_arch = "x86_64")]
const AVX2_BLOCK: Block = (2, 4, 8);

/// The grid layout and block cover of one geometry's weight gradient.
pub(crate) struct WeightGradPlan {
    wp: usize,
    /// Flat offsets of every `k`, padded to whole blocks.
    offsets: Vec<usize>,
    /// Grid positions rounded up to whole vectors; output channels to whole blocks.
    q_pad: usize,
    cout_pad: usize,
    padded_len: usize,
    kind: Kind,
}

impl WeightGradPlan {
    /// The plan for a stride-1 geometry on this CPU, or `None` without AVX2 + FMA or AVX-512
    /// (the caller then uses im2col).
    pub(crate) fn new(g: &ConvGeom) -> Option<Self> {
        Self::with_kind(g, detect()?)
    }

    fn with_kind(g: &ConvGeom, (kind, (co, kb, lanes)): (Kind, Block)) -> Option<Self> {
        assert!(
            g.sh == 1 && g.sw == 1,
            "direct weight gradient: stride must be 1"
        );
        let (hp, wp) = (g.h + 2 * g.ph, g.w + 2 * g.pw);
        let plane = hp * wp;
        let k = g.k();
        let mut offsets = Vec::with_capacity(k.div_ceil(kb) * kb);
        for ci in 0..g.cin {
            for ky in 0..g.kh {
                for kx in 0..g.kw {
                    offsets.push(ci * plane + ky * wp + kx);
                }
            }
        }
        offsets.resize(k.div_ceil(kb) * kb, 0);
        let q_pad = (g.oh * wp).div_ceil(lanes) * lanes;
        let max_offset = offsets.iter().copied().max().unwrap_or(0);
        Some(Self {
            wp,
            offsets,
            q_pad,
            cout_pad: g.cout.div_ceil(co) * co,
            padded_len: (max_offset + q_pad).max(g.cin * plane),
            kind,
        })
    }

    /// Length of the accumulator [`accumulate_sample`](Self::accumulate_sample) adds into:
    /// `[Cout_pad, K_pad]`.
    pub(crate) fn acc_len(&self) -> usize {
        self.cout_pad * self.offsets.len()
    }

    /// `acc [Cout_pad, K_pad] += dW` of one sample (`xs [Cin, H, W]`, `dys [Cout, OH, OW]`).
    pub(crate) fn accumulate_sample(
        &self,
        g: &ConvGeom,
        xs: &[f32],
        dys: &[f32],
        acc: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        assert_eq!(acc.len(), self.acc_len());
        scratch.resize(self.padded_len + self.cout_pad * self.q_pad, 0.0);
        let (padded, grid) = scratch.split_at_mut(self.padded_len);
        pad_input(g, self.wp, xs, padded);
        // The output gradient on the padded-width grid: valid columns copied, the rest zero
        // (rows of channels that only round Cout up included).
        let ohw = g.ohw();
        for (co, row) in grid.chunks_exact_mut(self.q_pad).enumerate() {
            if co >= g.cout {
                row.fill(0.0);
                continue;
            }
            for oy in 0..g.oh {
                let dst = &mut row[oy * self.wp..(oy + 1) * self.wp];
                dst[..g.ow].copy_from_slice(&dys[co * ohw + oy * g.ow..][..g.ow]);
                dst[g.ow..].fill(0.0);
            }
            row[g.oh * self.wp..].fill(0.0);
        }
        match self.kind {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX-512F on this CPU; the kernel checks its buffer sizes.
            Kind::Avx512 => unsafe { blocks_avx512(self, padded, grid, acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX2 and FMA on this CPU; the kernel checks its buffer sizes.
            Kind::Avx2Fma => unsafe { blocks_avx2(self, padded, grid, acc) },
        }
    }

    /// The valid `[Cout, K]` part of an accumulator.
    pub(crate) fn finish(&self, g: &ConvGeom, acc: &[f32]) -> Vec<f32> {
        let (k, k_pad) = (g.k(), self.offsets.len());
        let mut dw = Vec::with_capacity(g.cout * k);
        for co in 0..g.cout {
            dw.extend_from_slice(&acc[co * k_pad..co * k_pad + k]);
        }
        dw
    }
}

/// `(CO, KB, lanes)` of a kernel.
type Block = (usize, usize, usize);

#[allow(unreachable_code)]
fn detect() -> Option<(Kind, Block)> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Some((Kind::Avx512, AVX512_BLOCK));
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some((Kind::Avx2Fma, AVX2_BLOCK));
        }
    }
    None
}

/// Checks the sizes the unchecked kernels rely on.
fn check(p: &WeightGradPlan, padded: &[f32], grid: &[f32], acc: &[f32]) {
    let max_offset = p.offsets.iter().copied().max().unwrap_or(0);
    assert!(
        padded.len() >= max_offset + p.q_pad,
        "direct weight gradient: input slack"
    );
    assert!(
        grid.len() >= p.cout_pad * p.q_pad,
        "direct weight gradient: grid size"
    );
    assert!(
        acc.len() >= p.cout_pad * p.offsets.len(),
        "direct weight gradient: acc size"
    );
}

/// Defines a `#[target_feature]` kernel that adds every block's sums into `acc`, for one
/// instruction set: `$vec` registers of `$lanes` floats, `CO × KB` per block.
macro_rules! blocks_kernel {
    ($name:ident, $features:literal, $block:expr, $vec:ty, $lanes:expr,
     $zero:ident, $load:ident, $fmadd:ident, $hsum:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name(p: &WeightGradPlan, padded: &[f32], grid: &[f32], acc: &mut [f32]) {
            use std::arch::x86_64::*;
            const CO: usize = $block.0;
            const KB: usize = $block.1;
            check(p, padded, grid, acc);
            let k_pad = p.offsets.len();
            for co0 in (0..p.cout_pad).step_by(CO) {
                let g0 = grid.as_ptr().add(co0 * p.q_pad);
                for (kblk, offs) in p.offsets.chunks_exact(KB).enumerate() {
                    let src: [*const f32; KB] =
                        core::array::from_fn(|j| padded.as_ptr().add(offs[j]));
                    let mut sums: [[$vec; KB]; CO] = [[$zero(); KB]; CO];
                    for q in (0..p.q_pad).step_by($lanes) {
                        let gv: [$vec; CO] =
                            core::array::from_fn(|r| $load(g0.add(r * p.q_pad + q)));
                        for (j, s) in src.iter().enumerate() {
                            let xv = $load(s.add(q));
                            for r in 0..CO {
                                sums[r][j] = $fmadd(gv[r], xv, sums[r][j]);
                            }
                        }
                    }
                    for (r, row) in sums.iter().enumerate() {
                        for (j, v) in row.iter().enumerate() {
                            acc[(co0 + r) * k_pad + kblk * KB + j] += $hsum(*v);
                        }
                    }
                }
            }
        }
    };
}

blocks_kernel!(
    blocks_avx512,
    "avx512f",
    AVX512_BLOCK,
    __m512,
    16,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_fmadd_ps,
    _mm512_reduce_add_ps
);
blocks_kernel!(
    blocks_avx2,
    "avx2,fma",
    AVX2_BLOCK,
    __m256,
    8,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_fmadd_ps,
    hsum256
);

/// The sum of the 8 lanes, in registers (a store and a scalar loop made the reductions, one per
/// accumulator and block, cost more than the small layers' multiply-adds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn hsum256(v: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernels this CPU can run.
    fn kinds() -> Vec<(Kind, Block)> {
        let mut kinds = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                kinds.push((Kind::Avx2Fma, AVX2_BLOCK));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                kinds.push((Kind::Avx512, AVX512_BLOCK));
            }
        }
        kinds
    }

    /// The weight gradient by its definition, in f64: Σ_n Σ_(oy,ox) dy · x(shifted).
    fn naive(g: &ConvGeom, x: &[f32], dy: &[f32]) -> Vec<f64> {
        let mut dw = vec![0.0f64; g.cout * g.k()];
        for n in 0..g.n {
            for co in 0..g.cout {
                for ci in 0..g.cin {
                    for ky in 0..g.kh {
                        for kx in 0..g.kw {
                            let mut acc = 0.0f64;
                            for oy in 0..g.oh {
                                for ox in 0..g.ow {
                                    let iy = (oy + ky) as isize - g.ph as isize;
                                    let ix = (ox + kx) as isize - g.pw as isize;
                                    if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize
                                    {
                                        continue;
                                    }
                                    acc += dy[((n * g.cout + co) * g.oh + oy) * g.ow + ox] as f64
                                        * x[((n * g.cin + ci) * g.h + iy as usize) * g.w
                                            + ix as usize]
                                            as f64;
                                }
                            }
                            dw[((co * g.cin + ci) * g.kh + ky) * g.kw + kx] += acc;
                        }
                    }
                }
            }
        }
        dw
    }

    #[test]
    fn every_kernel_matches_the_definition() {
        // (n, cin, h, w, cout, k, pad): partial channel blocks, partial k blocks (Cin·9 not a
        // multiple of 4), 5×5, padding 0 and 2, a 1-wide image.
        let cases = [
            (2, 3, 7, 9, 5, 3, 1),
            (3, 16, 6, 6, 16, 3, 1),
            (2, 1, 5, 6, 1, 3, 0),
            (1, 7, 9, 8, 13, 5, 2),
            (2, 4, 1, 10, 3, 3, 1),
        ];
        for (i, &(n, cin, h, w, cout, k, pad)) in cases.iter().enumerate() {
            let g = ConvGeom::new([n, cin, h, w], [cout, cin, k, k], [1, 1], [pad, pad]);
            let x: Vec<f32> = (0..n * cin * h * w)
                .map(|j| ((j * 37 + i) % 23) as f32 / 11.0 - 1.0)
                .collect();
            let dy: Vec<f32> = (0..n * cout * g.ohw())
                .map(|j| ((j * 53 + 3 * i) % 19) as f32 / 9.0 - 1.0)
                .collect();
            let expected = naive(&g, &x, &dy);
            for kind in kinds() {
                let plan = WeightGradPlan::with_kind(&g, kind).expect("plan");
                let mut acc = vec![0.0f32; plan.acc_len()];
                let mut scratch = Vec::new();
                for s in 0..n {
                    plan.accumulate_sample(
                        &g,
                        &x[s * cin * h * w..(s + 1) * cin * h * w],
                        &dy[s * cout * g.ohw()..(s + 1) * cout * g.ohw()],
                        &mut acc,
                        &mut scratch,
                    );
                }
                let dw = plan.finish(&g, &acc);
                for (j, (&o, &e)) in dw.iter().zip(&expected).enumerate() {
                    assert!(
                        (o as f64 - e).abs() <= 1e-4 * (1.0 + e.abs()),
                        "case {i} {:?}: element {j} is {o}, expected {e}",
                        kind.0
                    );
                }
            }
        }
    }
}
