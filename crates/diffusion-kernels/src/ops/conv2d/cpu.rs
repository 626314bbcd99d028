//! NCHW f32 convolution kernels on plain slices: im2col / col2im + `gemm`.
//!
//! All buffers are contiguous row-major:
//! - x:      `[N, Cin, H, W]`
//! - weight: `[Cout, Cin, KH, KW]` (seen as the matrix `[Cout, K]`, `K = Cin*KH*KW`)
//! - out:    `[N, Cout, OH, OW]`  (per sample the matrix `[Cout, OH*OW]`)
//!
//! Parallelism: when the batch is large enough, the batch is split into one
//! contiguous chunk of samples per rayon thread and `gemm` runs single-threaded
//! inside each chunk; otherwise the samples are processed one after the other
//! and `gemm` uses its own rayon parallelism.

use gemm::Parallelism;
use rayon::prelude::*;

use super::direct::DirectPlan;
use super::direct_weight_grad::WeightGradPlan;
pub use super::geometry::ConvGeom;

/// Scatters one input sample `[Cin, H, W]` into `cols` `[K, OH*OW]` (overwrites all of `cols`).
pub fn im2col(g: &ConvGeom, x: &[f32], cols: &mut [f32]) {
    im2col_rows(g, x, cols, 0, g.oh)
}

/// im2col restricted to output rows `oy0..oy1`: `cols` is `[K, (oy1-oy0)*OW]`.
pub fn im2col_rows(g: &ConvGeom, x: &[f32], cols: &mut [f32], oy0: usize, oy1: usize) {
    let hw = g.hw();
    let ohw = (oy1 - oy0) * g.ow;
    debug_assert_eq!(x.len(), g.cin * hw);
    debug_assert_eq!(cols.len(), g.k() * ohw);
    for ci in 0..g.cin {
        let xc = &x[ci * hw..(ci + 1) * hw];
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let r = (ci * g.kh + ky) * g.kw + kx;
                let row = &mut cols[r * ohw..(r + 1) * ohw];
                let (lo, hi) = g.ox_range(kx);
                for oy in oy0..oy1 {
                    let dst = &mut row[(oy - oy0) * g.ow..(oy - oy0 + 1) * g.ow];
                    let iy = (oy * g.sh + ky) as isize - g.ph as isize;
                    if iy < 0 || iy >= g.h as isize || lo >= hi {
                        dst.fill(0.0);
                        continue;
                    }
                    let src = &xc[iy as usize * g.w..(iy as usize + 1) * g.w];
                    dst[..lo].fill(0.0);
                    dst[hi..].fill(0.0);
                    if g.sw == 1 {
                        // ix = ox + kx - pw
                        let s0 = lo + kx - g.pw;
                        dst[lo..hi].copy_from_slice(&src[s0..s0 + (hi - lo)]);
                    } else {
                        for ox in lo..hi {
                            dst[ox] = src[ox * g.sw + kx - g.pw];
                        }
                    }
                }
            }
        }
    }
}

/// Accumulates `cols` `[K, OH*OW]` back into one input-gradient sample `[Cin, H, W]` (`+=`).
pub fn col2im_add(g: &ConvGeom, cols: &[f32], dx: &mut [f32]) {
    col2im_add_rows(g, cols, dx, 0, g.oh)
}

/// col2im restricted to output rows `oy0..oy1`: `cols` is `[K, (oy1-oy0)*OW]`.
pub fn col2im_add_rows(g: &ConvGeom, cols: &[f32], dx: &mut [f32], oy0: usize, oy1: usize) {
    let hw = g.hw();
    let ohw = (oy1 - oy0) * g.ow;
    debug_assert_eq!(dx.len(), g.cin * hw);
    debug_assert_eq!(cols.len(), g.k() * ohw);
    for ci in 0..g.cin {
        let dxc = &mut dx[ci * hw..(ci + 1) * hw];
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let r = (ci * g.kh + ky) * g.kw + kx;
                let row = &cols[r * ohw..(r + 1) * ohw];
                let (lo, hi) = g.ox_range(kx);
                if lo >= hi {
                    continue;
                }
                for oy in oy0..oy1 {
                    let iy = (oy * g.sh + ky) as isize - g.ph as isize;
                    if iy < 0 || iy >= g.h as isize {
                        continue;
                    }
                    let src = &row[(oy - oy0) * g.ow..(oy - oy0 + 1) * g.ow];
                    let dst = &mut dxc[iy as usize * g.w..(iy as usize + 1) * g.w];
                    if g.sw == 1 {
                        let d0 = lo + kx - g.pw;
                        for (d, s) in dst[d0..d0 + (hi - lo)].iter_mut().zip(&src[lo..hi]) {
                            *d += *s;
                        }
                    } else {
                        for ox in lo..hi {
                            dst[ox * g.sw + kx - g.pw] += src[ox];
                        }
                    }
                }
            }
        }
    }
}

/// Row-major matrix product `dst[m,n] (+)= lhs[m,k] * rhs[k,n]` with explicit strides.
///
/// `accumulate = false` overwrites `dst`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn matmul(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    dst_rs: usize,
    accumulate: bool,
    lhs: &[f32],
    lhs_rs: usize,
    lhs_cs: usize,
    rhs: &[f32],
    rhs_rs: usize,
    rhs_cs: usize,
    par: Parallelism,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                dst[i * dst_rs..i * dst_rs + n].fill(0.0);
            }
        }
        return;
    }
    // Bounds checks for the raw-pointer call below.
    assert!(dst.len() >= (m - 1) * dst_rs + n);
    assert!(lhs.len() > (m - 1) * lhs_rs + (k - 1) * lhs_cs);
    assert!(rhs.len() > (k - 1) * rhs_rs + (n - 1) * rhs_cs);
    // SAFETY: all accessed indices are inside the slices (checked above); dst does not alias
    // lhs/rhs since it is a distinct `&mut` borrow.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            par,
        );
    }
}

/// Output rows per im2col block, chosen so that one `[K, rows*OW]` block stays around
/// `COL_BLOCK_BYTES` (cache-resident). `ROW_BLOCK_OVERRIDE` (benchmark knob) forces a value;
/// 0 means automatic.
#[doc(hidden)]
pub static ROW_BLOCK_OVERRIDE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0);
const COL_BLOCK_BYTES: usize = 512 * 1024;

fn row_block(g: &ConvGeom) -> usize {
    let o = ROW_BLOCK_OVERRIDE.load(core::sync::atomic::Ordering::Relaxed);
    let rows = if o > 0 {
        o
    } else {
        (COL_BLOCK_BYTES / (4 * g.k() * g.ow).max(1)).max(1)
    };
    rows.min(g.oh).max(1)
}

thread_local! {
    /// Per-thread scratch (im2col columns, padded inputs and grids), kept across calls: a fresh
    /// buffer per rayon task was allocated and zero-filled for every convolution. Every user
    /// writes all of the part it reads (im2col fills its padding, the direct kernels zero
    /// their borders), so stale contents from an earlier call are never read.
    static SCRATCH: core::cell::RefCell<Vec<f32>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch buffer (a fresh one if it is already in use further up
/// this thread's stack, which the kernels never do but a caller nesting rayon work could).
fn with_scratch<R>(f: impl FnOnce(&mut Vec<f32>) -> R) -> R {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buffer) => f(&mut buffer),
        Err(_) => f(&mut Vec::new()),
    })
}

/// How to spread work over a batch of `n` samples.
enum Plan {
    /// One rayon task per sample (work-stealing), single-threaded gemm inside.
    PerSample,
    /// Samples one after the other, gemm with the given parallelism.
    Serial { par: Parallelism },
}

/// Benchmark knob: force the "serial samples, multi-threaded gemm" plan.
#[doc(hidden)]
pub static FORCE_GEMM_PARALLEL: core::sync::atomic::AtomicBool =
    core::sync::atomic::AtomicBool::new(false);

fn plan(n: usize) -> Plan {
    let threads = rayon::current_num_threads().max(1);
    if threads == 1 {
        return Plan::Serial {
            par: Parallelism::None,
        };
    }
    if FORCE_GEMM_PARALLEL.load(core::sync::atomic::Ordering::Relaxed) || n < threads {
        Plan::Serial {
            par: Parallelism::Rayon(threads),
        }
    } else {
        Plan::PerSample
    }
}

/// Largest input channel count for which the stride-1 forward runs the direct convolution.
/// Above it the im2col GEMM was as fast or faster on the ddpm-cifar10-32 layers (256 channels
/// at 8×8: 4.1–4.6 ms im2col vs 5.5–6.1 ms direct; 128 channels at 16×16 and 32×32: direct
/// faster), measured in one process with [`DISABLE_DIRECT_FORWARD`] alternating.
const DIRECT_MAX_CIN: usize = 128;

/// Largest input and output channel counts for which the stride-1 weight gradient runs the
/// direct kernel ([`WeightGradPlan`]): 1.3–1.7× faster than im2col on the MNIST U-Net's layers
/// (16–48 channels), slower at 128 channels (ddpm-cifar10-32: 6.5 vs 4.6–5.7 ms at 16×16,
/// 20–21 vs 17–19 ms at 32×32, batch 8), where each block re-reads its rows from L2 too often.
const DIRECT_WEIGHT_GRAD_MAX_CHANNELS: usize = 64;

/// Benchmark knob: never use the direct (register-blocked) forward, input gradient or weight
/// gradient.
#[doc(hidden)]
pub static DISABLE_DIRECT_FORWARD: core::sync::atomic::AtomicBool =
    core::sync::atomic::AtomicBool::new(false);

/// Whether the forward of `g` runs the direct convolution ([`DirectPlan`]).
fn uses_direct_forward(g: &ConvGeom) -> bool {
    g.sh == 1
        && g.sw == 1
        && !g.is_pointwise()
        && g.cin <= DIRECT_MAX_CIN
        && !DISABLE_DIRECT_FORWARD.load(core::sync::atomic::Ordering::Relaxed)
}

/// Forward: `out[n] = W[Cout,K] * im2col(x[n]) (+ bias)`.
pub fn conv2d_forward(g: &ConvGeom, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let (k, ohw, chw) = (g.k(), g.ohw(), g.cin * g.hw());
    assert_eq!(x.len(), g.n * chw);
    assert_eq!(weight.len(), g.cout * k);
    if let Some(b) = bias {
        assert_eq!(b.len(), g.cout);
    }
    let out_per = g.cout * ohw;
    let mut out = crate::ops::buffers::zeroed(g.n * out_per);
    if out.is_empty() {
        return out;
    }

    let direct = uses_direct_forward(g).then(|| {
        let plan = DirectPlan::new(g);
        let packed = plan.pack_weights(g, weight);
        (plan, packed)
    });

    // One sample: `o` is its output slice, `cols` a reusable scratch buffer.
    let one = |s: usize, o: &mut [f32], cols: &mut Vec<f32>, par| {
        if let Some((plan, packed)) = &direct {
            plan.forward_sample(g, &x[s * chw..(s + 1) * chw], packed, bias, o, cols);
            return;
        }
        if let Some(b) = bias {
            for (co, row) in o.chunks_exact_mut(ohw).enumerate() {
                row.fill(b[co]);
            }
        }
        let xs = &x[s * chw..(s + 1) * chw];
        if g.is_pointwise() {
            matmul(
                g.cout,
                ohw,
                k,
                o,
                ohw,
                bias.is_some(),
                weight,
                k,
                1,
                xs,
                ohw,
                1,
                par,
            );
            return;
        }
        let rb = row_block(g);
        for oy0 in (0..g.oh).step_by(rb) {
            let oy1 = (oy0 + rb).min(g.oh);
            let nb = (oy1 - oy0) * g.ow;
            cols.resize(k * nb, 0.0);
            im2col_rows(g, xs, &mut cols[..k * nb], oy0, oy1);
            let dst = &mut o[oy0 * g.ow..];
            matmul(
                g.cout,
                nb,
                k,
                dst,
                ohw,
                bias.is_some(),
                weight,
                k,
                1,
                &cols[..k * nb],
                nb,
                1,
                par,
            );
        }
    };

    match plan(g.n) {
        Plan::PerSample => out
            .par_chunks_mut(out_per)
            .enumerate()
            .for_each(|(s, o)| with_scratch(|cols| one(s, o, cols, Parallelism::None))),
        Plan::Serial { par } => {
            let mut cols = Vec::new();
            for (s, o) in out.chunks_mut(out_per).enumerate() {
                one(s, o, &mut cols, par);
            }
        }
    }
    out
}

/// The input gradient of a stride-1 convolution as a forward convolution, when that is the
/// faster path: `dx = conv2d(dy, W')` with the kernel transposed and flipped,
/// `W'[ci, co, ky, kx] = W[co, ci, KH−1−ky, KW−1−kx]`, and padding `KH−1−ph` (a stride-1
/// transposed convolution is a correlation with the flipped kernel; Dumoulin & Visin 2016,
/// "A guide to convolution arithmetic", §4.1). The output size is `OH + KH − 1 − 2·ph = H`.
/// This runs on the direct convolution (no im2col/col2im) when the transposed convolution
/// qualifies for it.
fn input_grad_as_forward(g: &ConvGeom, weight: &[f32], dy: &[f32]) -> Option<Vec<f32>> {
    if g.sh != 1 || g.sw != 1 || g.is_pointwise() || g.ph >= g.kh || g.pw >= g.kw {
        return None;
    }
    let transposed = ConvGeom::new(
        [g.n, g.cout, g.oh, g.ow],
        [g.cin, g.cout, g.kh, g.kw],
        [1, 1],
        [g.kh - 1 - g.ph, g.kw - 1 - g.pw],
    );
    if !uses_direct_forward(&transposed) {
        return None;
    }
    let taps = g.kh * g.kw;
    let mut flipped = vec![0.0f32; weight.len()];
    for co in 0..g.cout {
        for ci in 0..g.cin {
            let src = &weight[(co * g.cin + ci) * taps..(co * g.cin + ci + 1) * taps];
            let dst = &mut flipped[(ci * g.cout + co) * taps..(ci * g.cout + co + 1) * taps];
            for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
                *d = *s;
            }
        }
    }
    Some(conv2d_forward(&transposed, dy, &flipped, None))
}

/// Input gradient: `dx[n] = col2im(W^T[K,Cout] * dy[n])`, or for stride 1 the equivalent
/// forward convolution of `dy` (`input_grad_as_forward`).
pub fn conv2d_input_grad(g: &ConvGeom, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let (k, ohw, chw) = (g.k(), g.ohw(), g.cin * g.hw());
    assert_eq!(weight.len(), g.cout * k);
    assert_eq!(dy.len(), g.n * g.cout * ohw);
    if let Some(dx) = input_grad_as_forward(g, weight, dy) {
        return dx;
    }
    let dy_per = g.cout * ohw;
    let mut dx = crate::ops::buffers::zeroed(g.n * chw);
    if dx.is_empty() {
        return dx;
    }
    // W^T as a row-major [K, Cout] matrix (small; makes gemm's lhs unit-stride).
    let mut wt = vec![0.0f32; k * g.cout];
    for co in 0..g.cout {
        for kk in 0..k {
            wt[kk * g.cout + co] = weight[co * k + kk];
        }
    }
    let wt = &wt;

    let one = |s: usize, d: &mut [f32], cols: &mut Vec<f32>, par| {
        let dys = &dy[s * dy_per..(s + 1) * dy_per];
        if g.is_pointwise() {
            matmul(
                k, ohw, g.cout, d, ohw, false, wt, g.cout, 1, dys, ohw, 1, par,
            );
        } else {
            let rb = row_block(g);
            for oy0 in (0..g.oh).step_by(rb) {
                let oy1 = (oy0 + rb).min(g.oh);
                let nb = (oy1 - oy0) * g.ow;
                cols.resize(k * nb, 0.0);
                let c = &mut cols[..k * nb];
                matmul(
                    k,
                    nb,
                    g.cout,
                    c,
                    nb,
                    false,
                    wt,
                    g.cout,
                    1,
                    &dys[oy0 * g.ow..],
                    ohw,
                    1,
                    par,
                );
                col2im_add_rows(g, c, d, oy0, oy1);
            }
        }
    };

    match plan(g.n) {
        Plan::PerSample => dx
            .par_chunks_mut(chw)
            .enumerate()
            .for_each(|(s, d)| with_scratch(|cols| one(s, d, cols, Parallelism::None))),
        Plan::Serial { par } => {
            let mut cols = Vec::new();
            for (s, d) in dx.chunks_mut(chw).enumerate() {
                one(s, d, &mut cols, par);
            }
        }
    }
    dx
}

/// Weight gradient: `dW[Cout,K] = sum_n dy[n][Cout,OHW] * im2col(x[n])^T` (computed as its
/// transpose, see below).
pub fn conv2d_weight_grad(g: &ConvGeom, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (k, ohw, chw) = (g.k(), g.ohw(), g.cin * g.hw());
    assert_eq!(x.len(), g.n * chw);
    assert_eq!(dy.len(), g.n * g.cout * ohw);
    let dy_per = g.cout * ohw;
    let wlen = g.cout * k;

    // acc += im2col(x[s]) * dy[s]^T, accumulated transposed as [K, Cout]: the long side K
    // (= Cin·KH·KW) is then the GEMM's row count, which its micro-kernels tile well, where
    // Cout (16–32 in the small U-Nets) would leave most of each tile empty.
    let one = |s: usize, acc: &mut [f32], cols: &mut Vec<f32>, par| {
        let xs = &x[s * chw..(s + 1) * chw];
        let dys = &dy[s * dy_per..(s + 1) * dy_per];
        if g.is_pointwise() {
            // lhs = x[s] as [Cin, OHW]; rhs = dy^T: element (p, co) = dy[co*ohw + p]
            matmul(
                k, g.cout, ohw, acc, g.cout, true, xs, ohw, 1, dys, 1, ohw, par,
            );
            return;
        }
        let rb = row_block(g);
        for oy0 in (0..g.oh).step_by(rb) {
            let oy1 = (oy0 + rb).min(g.oh);
            let nb = (oy1 - oy0) * g.ow;
            cols.resize(k * nb, 0.0);
            im2col_rows(g, xs, &mut cols[..k * nb], oy0, oy1);
            // rhs = dy^T rows oy0..oy1: element (p, co) = dy[co*ohw + oy0*ow + p]
            matmul(
                k,
                g.cout,
                nb,
                acc,
                g.cout,
                true,
                &cols[..k * nb],
                nb,
                1,
                &dys[oy0 * g.ow..],
                1,
                ohw,
                par,
            );
        }
    };

    if g.n == 0 || wlen == 0 {
        return vec![0.0f32; wlen];
    }
    let direct = (uses_direct_forward(g)
        && g.cin <= DIRECT_WEIGHT_GRAD_MAX_CHANNELS
        && g.cout <= DIRECT_WEIGHT_GRAD_MAX_CHANNELS)
        .then(|| WeightGradPlan::new(g))
        .flatten();
    if let Some(direct) = direct {
        let acc = (0..g.n)
            .into_par_iter()
            .fold(
                || vec![0.0f32; direct.acc_len()],
                |mut acc, s| {
                    let xs = &x[s * chw..(s + 1) * chw];
                    let dys = &dy[s * dy_per..(s + 1) * dy_per];
                    with_scratch(|scratch| direct.accumulate_sample(g, xs, dys, &mut acc, scratch));
                    acc
                },
            )
            .reduce_with(|mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += *y;
                }
                a
            })
            .expect("at least one sample");
        return direct.finish(g, &acc);
    }
    let transposed = match plan(g.n) {
        // Per-task accumulators (rayon fold), summed at the end.
        Plan::PerSample => (0..g.n)
            .into_par_iter()
            .fold(
                || vec![0.0f32; wlen],
                |mut acc, s| {
                    with_scratch(|cols| one(s, &mut acc, cols, Parallelism::None));
                    acc
                },
            )
            .reduce_with(|mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += *y;
                }
                a
            })
            .unwrap(),
        Plan::Serial { par } => {
            let mut dw = vec![0.0f32; wlen];
            let mut cols = Vec::new();
            for s in 0..g.n {
                one(s, &mut dw, &mut cols, par);
            }
            dw
        }
    };
    // [K, Cout] -> [Cout, K]
    let mut dw = vec![0.0f32; wlen];
    for (kk, row) in transposed.chunks_exact(g.cout).enumerate() {
        for (co, &v) in row.iter().enumerate() {
            dw[co * k + kk] = v;
        }
    }
    dw
}

/// Bias gradient: `db[c] = sum_{n, p} dy[n, c, p]`.
pub fn conv2d_bias_grad(n: usize, c: usize, hw: usize, dy: &[f32]) -> Vec<f32> {
    assert_eq!(dy.len(), n * c * hw);
    (0..c)
        .into_par_iter()
        .with_min_len(8)
        .map(|ci| {
            let mut acc = 0.0f64;
            for s in 0..n {
                let row = &dy[(s * c + ci) * hw..(s * c + ci + 1) * hw];
                // 8 independent f32 lanes, then f64 across rows.
                let mut lanes = [0.0f32; 8];
                let mut chunks = row.chunks_exact(8);
                for ch in &mut chunks {
                    for i in 0..8 {
                        lanes[i] += ch[i];
                    }
                }
                let tail: f32 = chunks.remainder().iter().sum();
                acc += (lanes.iter().sum::<f32>() + tail) as f64;
            }
            acc as f32
        })
        .collect()
}
