//! Direct stride-1 convolution with register-blocked accumulators (an "implicit GEMM": no im2col
//! matrix is built and no GEMM library is called).
//!
//! Per sample the input is zero-padded once into `P [Cin, Hp, Wp]`, and the output is computed on
//! the padded-width grid `q = oy·Wp + ox` (`ox < Wp`; the last `KW − 1` columns of each row are
//! discarded), where kernel tap `(ky, kx)` reads `P` at the constant offset `ky·Wp + kx`:
//!
//! `out[co, q] = Σ_ci Σ_tap W[co, ci, tap] · P[ci, q + offset(tap)]`.
//!
//! The work is cut into blocks of `CO` output channels × `Q` consecutive grid positions whose
//! `CO·Q` sums stay in vector registers for the whole `Cin·KH·KW` reduction: each step loads
//! `Q` inputs and `CO` weights for `CO·Q` multiply-adds (an im2col GEMM first copies the input
//! nine times; nine GEMMs over shifted views write the output back once per tap). The block
//! shape is chosen per instruction set (AVX-512: 8 × 32, AVX2 + FMA: 6 × 16, otherwise 4 × 8), each
//! a `#[target_feature]` build of the same generic code picked at run time.

use super::geometry::ConvGeom;

/// Block shapes (output channels, positions) per instruction set: the `CO·Q/lanes` accumulators
/// plus the loads fit the vector registers (AVX-512: 16 of 32; AVX2: 12 of 16; SSE2: 8 of 16).
#[cfg(target_arch = "x86_64")]
const AVX512_BLOCK: (usize, usize) = (8, 32);
#[cfg(target_arch = "x86_64")]
const AVX2_BLOCK: (usize, usize) = (6, 16);
const PORTABLE_BLOCK: (usize, usize) = (4, 8);

/// The padded-width grid and its register-block cover for one geometry.
pub(crate) struct DirectPlan {
    /// Padded input width and plane size.
    wp: usize,
    plane: usize,
    /// Tap offsets into a padded plane, `ky·Wp + kx`.
    offsets: Vec<usize>,
    /// Output channels and grid positions rounded up to whole blocks.
    cout_pad: usize,
    q_pad: usize,
    /// Length of the padded input buffer (with slack so the last block reads in bounds).
    padded_len: usize,
    co: usize,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    Portable,
}

fn detect() -> Kind {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Kind::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Kind::Avx2Fma;
        }
    }
    Kind::Portable
}

impl DirectPlan {
    /// The plan for a stride-1 geometry (panics otherwise: callers check).
    pub(crate) fn new(g: &ConvGeom) -> Self {
        Self::with_kind(g, detect())
    }

    fn with_kind(g: &ConvGeom, kind: Kind) -> Self {
        assert!(
            g.sh == 1 && g.sw == 1,
            "direct convolution: stride must be 1"
        );
        let (co, q) = match kind {
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => AVX512_BLOCK,
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => AVX2_BLOCK,
            Kind::Portable => PORTABLE_BLOCK,
        };
        let (hp, wp) = (g.h + 2 * g.ph, g.w + 2 * g.pw);
        let plane = hp * wp;
        let offsets = (0..g.kh)
            .flat_map(|ky| (0..g.kw).map(move |kx| ky * wp + kx))
            .collect::<Vec<_>>();
        let q_pad = (g.oh * wp).div_ceil(q) * q;
        let max_offset = offsets.last().copied().unwrap_or(0);
        let padded_len = (g.cin.max(1) - 1) * plane + q_pad + max_offset;
        Self {
            wp,
            plane,
            offsets,
            cout_pad: g.cout.div_ceil(co) * co,
            q_pad,
            padded_len: padded_len.max(g.cin * plane),
            co,
            kind,
        }
    }

    /// Weights `[Cout, Cin, KH, KW]` repacked as `[Cout/CO, Cin, taps, CO]` (zero rows for the
    /// channels that round `Cout` up to whole blocks), so one block step reads `CO` adjacent
    /// weights.
    pub(crate) fn pack_weights(&self, g: &ConvGeom, weight: &[f32]) -> Vec<f32> {
        let taps = g.kh * g.kw;
        let mut packed = vec![0.0f32; self.cout_pad * g.cin * taps];
        for co in 0..g.cout {
            let (blk, r) = (co / self.co, co % self.co);
            for ci in 0..g.cin {
                for t in 0..taps {
                    packed[((blk * g.cin + ci) * taps + t) * self.co + r] =
                        weight[(co * g.cin + ci) * taps + t];
                }
            }
        }
        packed
    }

    /// Scratch floats one sample needs (padded input, then the output grid).
    pub(crate) fn scratch_len(&self) -> usize {
        self.padded_len + self.cout_pad * self.q_pad
    }

    /// One sample: `xs [Cin, H, W]` → `o [Cout, OH, OW]` (+ bias), `packed` from
    /// [`pack_weights`](Self::pack_weights).
    pub(crate) fn forward_sample(
        &self,
        g: &ConvGeom,
        xs: &[f32],
        packed: &[f32],
        bias: Option<&[f32]>,
        o: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        scratch.resize(self.scratch_len(), 0.0);
        let (padded, grid) = scratch.split_at_mut(self.padded_len);
        pad_input(g, self.wp, xs, padded);
        let taps = self.offsets.len();
        match self.kind {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX-512F on this CPU; the kernel checks its buffer sizes.
            Kind::Avx512 => unsafe {
                grid_avx512(self, g.cin, taps, packed, padded, grid);
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` found AVX2 and FMA on this CPU; the kernel checks its buffer sizes.
            Kind::Avx2Fma => unsafe {
                grid_avx2(self, g.cin, taps, packed, padded, grid);
            },
            Kind::Portable => grid_portable(self, g.cin, taps, packed, padded, grid),
        }
        let ohw = g.ohw();
        for co in 0..g.cout {
            let b = bias.map_or(0.0, |b| b[co]);
            for oy in 0..g.oh {
                let src = &grid[co * self.q_pad + oy * self.wp..][..g.ow];
                let dst = &mut o[co * ohw + oy * g.ow..][..g.ow];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d = s + b;
                }
            }
        }
    }
}

/// Writes `xs [Cin, H, W]` zero-padded into `padded` (`[Cin, Hp, Wp]` planes, then slack): the
/// interior is copied and only the border and the slack are zeroed, since a full clear of the
/// buffer for every sample cost as much as the copy.
pub(crate) fn pad_input(g: &ConvGeom, wp: usize, xs: &[f32], padded: &mut [f32]) {
    let hp = g.h + 2 * g.ph;
    let plane = hp * wp;
    let hw = g.hw();
    for ci in 0..g.cin {
        let p = &mut padded[ci * plane..(ci + 1) * plane];
        p[..g.ph * wp].fill(0.0);
        p[(g.ph + g.h) * wp..].fill(0.0);
        for y in 0..g.h {
            let row = &mut p[(y + g.ph) * wp..(y + g.ph + 1) * wp];
            row[..g.pw].fill(0.0);
            row[g.pw..g.pw + g.w].copy_from_slice(&xs[ci * hw + y * g.w..ci * hw + (y + 1) * g.w]);
            row[g.pw + g.w..].fill(0.0);
        }
    }
    padded[g.cin * plane..].fill(0.0);
}

/// Defines a `#[target_feature]` kernel that fills the output grid `[cout_pad, q_pad]` block by
/// block, for one instruction set: `$vec` registers of `$lanes` floats, `CO × Q` per block.
macro_rules! grid_kernel {
    ($name:ident, $features:literal, $block:expr, $vec:ty, $lanes:expr,
     $zero:ident, $load:ident, $splat:ident, $fmadd:ident, $store:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name(
            p: &DirectPlan,
            cin: usize,
            taps: usize,
            packed: &[f32],
            padded: &[f32],
            grid: &mut [f32],
        ) {
            use std::arch::x86_64::*;
            const CO: usize = $block.0;
            const V: usize = $block.1 / $lanes;
            let wblock = cin * taps * CO;
            assert!(packed.len() >= p.cout_pad / CO * wblock && grid.len() >= p.cout_pad * p.q_pad);
            assert!(padded.len() >= (cin.max(1) - 1) * p.plane + p.q_pad + p.offsets[taps - 1]);
            for blk in 0..p.cout_pad / CO {
                for q0 in (0..p.q_pad).step_by(V * $lanes) {
                    let w = packed.as_ptr().add(blk * wblock);
                    let mut acc: [[$vec; V]; CO] = [[$zero(); V]; CO];
                    for ci in 0..cin {
                        let base = padded.as_ptr().add(ci * p.plane + q0);
                        let wci = w.add(ci * taps * CO);
                        for (t, &off) in p.offsets.iter().enumerate() {
                            let src = base.add(off);
                            let x: [$vec; V] = core::array::from_fn(|v| $load(src.add($lanes * v)));
                            let wt = wci.add(t * CO);
                            for (r, acc_r) in acc.iter_mut().enumerate() {
                                let wr = $splat(*wt.add(r));
                                for v in 0..V {
                                    acc_r[v] = $fmadd(x[v], wr, acc_r[v]);
                                }
                            }
                        }
                    }
                    for (r, acc_r) in acc.iter().enumerate() {
                        let dst = grid.as_mut_ptr().add((blk * CO + r) * p.q_pad + q0);
                        for v in 0..V {
                            $store(dst.add($lanes * v), acc_r[v]);
                        }
                    }
                }
            }
        }
    };
}

grid_kernel!(
    grid_avx512,
    "avx512f",
    AVX512_BLOCK,
    __m512,
    16,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
    _mm512_storeu_ps
);
grid_kernel!(
    grid_avx2,
    "avx2,fma",
    AVX2_BLOCK,
    __m256,
    8,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
    _mm256_storeu_ps
);

/// Every block of the output grid `[cout_pad, q_pad]`, portable code (no FMA).
fn grid_portable(
    p: &DirectPlan,
    cin: usize,
    taps: usize,
    packed: &[f32],
    padded: &[f32],
    grid: &mut [f32],
) {
    const CO: usize = PORTABLE_BLOCK.0;
    const Q: usize = PORTABLE_BLOCK.1;
    let wblock = cin * taps * CO;
    for blk in 0..p.cout_pad / CO {
        for q0 in (0..p.q_pad).step_by(Q) {
            let w = &packed[blk * wblock..(blk + 1) * wblock];
            let mut acc = [[0.0f32; Q]; CO];
            for ci in 0..cin {
                let base = ci * p.plane + q0;
                let wci = &w[ci * taps * CO..(ci + 1) * taps * CO];
                for (t, &off) in p.offsets.iter().enumerate() {
                    let src: &[f32; Q] = padded[base + off..base + off + Q]
                        .try_into()
                        .expect("block in bounds");
                    let wt = &wci[t * CO..(t + 1) * CO];
                    for (acc_r, &wr) in acc.iter_mut().zip(wt) {
                        for (a, &x) in acc_r.iter_mut().zip(src) {
                            *a += x * wr;
                        }
                    }
                }
            }
            for (r, row) in acc.iter().enumerate() {
                let at = (blk * CO + r) * p.q_pad + q0;
                grid[at..at + Q].copy_from_slice(row);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernels this CPU can run (the portable one always).
    fn kinds() -> Vec<Kind> {
        let mut kinds = vec![Kind::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                kinds.push(Kind::Avx2Fma);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                kinds.push(Kind::Avx512);
            }
        }
        kinds
    }

    /// The convolution by its definition, in f64.
    fn naive(g: &ConvGeom, x: &[f32], w: &[f32], b: &[f32]) -> Vec<f64> {
        let mut out = vec![0.0f64; g.n * g.cout * g.ohw()];
        for n in 0..g.n {
            for co in 0..g.cout {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let mut acc = b[co] as f64;
                        for ci in 0..g.cin {
                            for ky in 0..g.kh {
                                for kx in 0..g.kw {
                                    let iy = (oy + ky) as isize - g.ph as isize;
                                    let ix = (ox + kx) as isize - g.pw as isize;
                                    if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize
                                    {
                                        continue;
                                    }
                                    let xv = x[((n * g.cin + ci) * g.h + iy as usize) * g.w
                                        + ix as usize];
                                    let wv = w[((co * g.cin + ci) * g.kh + ky) * g.kw + kx];
                                    acc += xv as f64 * wv as f64;
                                }
                            }
                        }
                        out[((n * g.cout + co) * g.oh + oy) * g.ow + ox] = acc;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_kernel_matches_the_definition() {
        // (n, cin, h, w, cout, k, pad): odd channel counts leave partial channel blocks, odd
        // sizes partial position blocks; one channel in and out; 5×5 and a 1-wide image.
        let cases = [
            (2, 3, 7, 9, 5, 3, 1),
            (1, 16, 12, 12, 16, 3, 1),
            (2, 1, 5, 6, 1, 3, 0),
            (1, 7, 9, 8, 13, 5, 2),
            (1, 4, 1, 10, 3, 3, 1),
            (3, 20, 4, 4, 33, 3, 1),
        ];
        for (i, &(n, cin, h, w, cout, k, pad)) in cases.iter().enumerate() {
            let g = ConvGeom::new([n, cin, h, w], [cout, cin, k, k], [1, 1], [pad, pad]);
            let x: Vec<f32> = (0..n * cin * h * w)
                .map(|j| ((j * 37 + i) % 23) as f32 / 11.0 - 1.0)
                .collect();
            let wt: Vec<f32> = (0..cout * cin * k * k)
                .map(|j| ((j * 53 + 3 * i) % 19) as f32 / 9.0 - 1.0)
                .collect();
            let b: Vec<f32> = (0..cout).map(|c| c as f32 * 0.25 - 1.0).collect();
            let expected = naive(&g, &x, &wt, &b);
            for kind in kinds() {
                let plan = DirectPlan::with_kind(&g, kind);
                let packed = plan.pack_weights(&g, &wt);
                let per = g.cout * g.ohw();
                let mut out = vec![f32::NAN; n * per];
                let mut scratch = Vec::new();
                for s in 0..n {
                    plan.forward_sample(
                        &g,
                        &x[s * cin * h * w..(s + 1) * cin * h * w],
                        &packed,
                        Some(&b),
                        &mut out[s * per..(s + 1) * per],
                        &mut scratch,
                    );
                }
                for (j, (&o, &e)) in out.iter().zip(&expected).enumerate() {
                    assert!(
                        (o as f64 - e).abs() <= 1e-4 * (1.0 + e.abs()),
                        "case {i} {kind:?}: element {j} is {o}, expected {e}"
                    );
                }
            }
        }
    }
}
