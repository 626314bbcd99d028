use super::{add_channel_bias, group_norm, GroupNormBackend};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor, TensorData, TensorPrimitive};

type F = Flex;
type A = Autodiff<Flex>;

/// Deterministic pseudo-random data in [-1, 1) (+ `offset`).
fn rand_data(shape: &[usize], seed: u64, offset: f32) -> TensorData {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0 + offset
        })
        .collect();
    TensorData::new(v, shape.to_vec())
}

fn t<B: Backend, const D: usize>(shape: [usize; D], seed: u64) -> Tensor<B, D> {
    Tensor::from_data(rand_data(&shape, seed, 0.0), &Default::default())
}

fn max_abs_diff<B: Backend, const D: usize>(a: Tensor<B, D>, b: Tensor<B, D>) -> f32 {
    (a - b).abs().max().into_scalar().elem::<f32>()
}

fn rel_err<B: Backend, const D: usize>(a: Tensor<B, D>, b: Tensor<B, D>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let scale = b.clone().abs().max().into_scalar().elem::<f32>().max(1e-6);
    max_abs_diff(a, b) / scale
}

/// GroupNorm from plain burn ops (mean_dim / var_bias / division / activation::silu).
fn reference<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    w: Tensor<B, 1>,
    b: Tensor<B, 1>,
    groups: usize,
    eps: f64,
    silu: bool,
) -> Tensor<B, D> {
    let dims = x.dims();
    let (n, c) = (dims[0], dims[1]);
    let len = dims.iter().product::<usize>() / (n * groups);
    let xg = x.reshape([n, groups, len]);
    let mean = xg.clone().mean_dim(2);
    let var = xg.clone().var_bias(2);
    let xn = (xg - mean) / var.add_scalar(eps).sqrt();
    let mut ws = [1usize; D];
    ws[1] = c;
    let y = xn.reshape(dims) * w.reshape(ws) + b.reshape(ws);
    if silu {
        burn::tensor::activation::silu(y)
    } else {
        y
    }
}

const EPS: f64 = 1e-5;

// (dims (rank 2..4, padded with 0), groups)
const CASES: &[(&[usize], usize)] = &[
    (&[3, 6], 1),
    (&[3, 6], 3),
    (&[1, 8], 8),
    (&[3, 6, 7], 1),
    (&[3, 6, 7], 3),
    (&[1, 6, 7], 6),
    (&[1, 4, 5], 2),
    (&[3, 6, 5, 7], 1),
    (&[3, 6, 5, 7], 3),
    (&[3, 6, 5, 7], 6),
    (&[1, 4, 3, 3], 2),
    (&[3, 8, 9, 11], 4),
    (&[4, 16, 17, 15], 8), // > 16k elements: parallel path
];

fn check_forward<const D: usize>(dims: [usize; D], groups: usize, silu: bool, seed: u64) {
    let c = dims[1];
    let x = t::<F, D>(dims, seed);
    let w = t::<F, 1>([c], seed + 1).add_scalar(1.0);
    let b = t::<F, 1>([c], seed + 2);
    let ours = group_norm(x.clone(), w.clone(), b.clone(), groups, EPS, silu);
    let r = reference(x, w, b, groups, EPS, silu);
    let e = rel_err(ours, r);
    assert!(
        e < 1e-5,
        "{dims:?} G={groups} silu={silu}: forward rel err {e}"
    );
}

fn for_each_case(mut f: impl FnMut(&[usize], usize, u64)) {
    for (i, &(dims, g)) in CASES.iter().enumerate() {
        f(dims, g, 100 * i as u64);
    }
}

#[test]
fn forward_matches_reference() {
    for silu in [false, true] {
        for_each_case(|dims, g, seed| match dims.len() {
            2 => check_forward([dims[0], dims[1]], g, silu, seed),
            3 => check_forward([dims[0], dims[1], dims[2]], g, silu, seed),
            4 => check_forward([dims[0], dims[1], dims[2], dims[3]], g, silu, seed),
            _ => unreachable!(),
        });
    }
}

#[test]
fn forward_non_contiguous_input() {
    // [2, 9, 8, 6] permuted to [2, 6, 9, 8]: exercises the to_contiguous / reshape path.
    let x = t::<F, 4>([2, 9, 8, 6], 5).permute([0, 3, 1, 2]);
    let w = t::<F, 1>([6], 6);
    let b = t::<F, 1>([6], 7);
    for silu in [false, true] {
        let ours = group_norm(x.clone(), w.clone(), b.clone(), 3, EPS, silu);
        let r = reference(x.clone(), w.clone(), b.clone(), 3, EPS, silu);
        assert!(rel_err(ours, r) < 1e-5);
    }
    // Non-contiguous weight/bias (strided slices) too.
    let w = t::<F, 1>([12], 8)
        .slice([0..12; 1])
        .reshape([6, 2])
        .slice([0..6, 1..2])
        .reshape([6]);
    let ours = group_norm(x.clone(), w.clone(), b.clone(), 2, EPS, true);
    let r = reference(x, w, b, 2, EPS, true);
    assert!(rel_err(ours, r) < 1e-5);
}

#[test]
fn forward_accuracy_vs_f64() {
    // Large mean offset: checks the statistics are accurate (parity with an f64 reference).
    let (n, c, s, groups) = (2usize, 8usize, 300usize, 4usize);
    let xd = rand_data(&[n, c, s], 11, 50.0);
    let x: Vec<f32> = xd.to_vec().unwrap();
    let w: Vec<f32> = (0..c).map(|i| 0.5 + i as f32 * 0.1).collect();
    let b: Vec<f32> = (0..c).map(|i| i as f32 * 0.01 - 0.03).collect();
    let gl = c / groups * s;
    let mut expect = vec![0f64; x.len()];
    for (i, xg) in x.chunks(gl).enumerate() {
        let m = xg.iter().map(|&v| v as f64).sum::<f64>() / gl as f64;
        let var = xg.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / gl as f64;
        for (j, &v) in xg.iter().enumerate() {
            let ch = (i % groups) * (c / groups) + j / s;
            let z = (v as f64 - m) / (var + EPS).sqrt() * w[ch] as f64 + b[ch] as f64;
            expect[i * gl + j] = z / (1.0 + (-z).exp());
        }
    }
    let dev = Default::default();
    let y = group_norm(
        Tensor::<F, 3>::from_data(xd, &dev),
        Tensor::<F, 1>::from_data(TensorData::new(w, [c]), &dev),
        Tensor::<F, 1>::from_data(TensorData::new(b, [c]), &dev),
        groups,
        EPS,
        true,
    );
    let y: Vec<f32> = y.into_data().to_vec().unwrap();
    let scale = expect.iter().fold(0f64, |a, v| a.max(v.abs()));
    let err = y
        .iter()
        .zip(&expect)
        .fold(0f64, |a, (&u, &v)| a.max((u as f64 - v).abs()));
    // x has |mean| = 50 and std ~0.6: f32 rounding of x itself is ~2e-6 relative to y's scale.
    assert!(err / scale < 1e-5, "rel err {}", err / scale);
}

/// Checks x/weight/bias gradients of `Σ r ⊙ group_norm(x)` against the burn-op reference.
fn check_grads<const D: usize>(
    dims: [usize; D],
    groups: usize,
    silu: bool,
    track: [bool; 3],
    seed: u64,
) {
    let c = dims[1];
    let xd = rand_data(&dims, seed, 0.0);
    let wd = rand_data(&[c], seed + 1, 1.0);
    let bd = rand_data(&[c], seed + 2, 0.0);
    let rd = rand_data(&dims, seed + 3, 0.0);
    let run = |ours: bool| {
        let dev = Default::default();
        let mk = |t: Tensor<A, D>, tr: bool| if tr { t.require_grad() } else { t };
        let x = mk(Tensor::<A, D>::from_data(xd.clone(), &dev), track[0]);
        let w = Tensor::<A, 1>::from_data(wd.clone(), &dev);
        let w = if track[1] { w.require_grad() } else { w };
        let b = Tensor::<A, 1>::from_data(bd.clone(), &dev);
        let b = if track[2] { b.require_grad() } else { b };
        let r = Tensor::<A, D>::from_data(rd.clone(), &dev);
        // `x * 1.0`: x's grad flows through another op first.
        let y = if ours {
            group_norm(x.clone() * 1.0, w.clone(), b.clone(), groups, EPS, silu)
        } else {
            reference(x.clone() * 1.0, w.clone(), b.clone(), groups, EPS, silu)
        };
        let g = (y * r).sum().backward();
        (
            track[0].then(|| x.grad(&g).expect("x grad")),
            track[1].then(|| w.grad(&g).expect("w grad")),
            track[2].then(|| b.grad(&g).expect("b grad")),
        )
    };
    let (gx, gw, gb) = run(true);
    let (rx, rw, rb) = run(false);
    let ctx = format!("{dims:?} G={groups} silu={silu} track={track:?}");
    if let (Some(a), Some(b)) = (gx, rx) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{ctx}: x grad rel err {e}");
    }
    if let (Some(a), Some(b)) = (gw, rw) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{ctx}: weight grad rel err {e}");
    }
    if let (Some(a), Some(b)) = (gb, rb) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{ctx}: bias grad rel err {e}");
    }
}

#[test]
fn grads_match_reference() {
    for silu in [false, true] {
        for_each_case(|dims, g, seed| {
            let seed = seed + 7 + silu as u64;
            match dims.len() {
                2 => check_grads([dims[0], dims[1]], g, silu, [true; 3], seed),
                3 => check_grads([dims[0], dims[1], dims[2]], g, silu, [true; 3], seed),
                4 => check_grads(
                    [dims[0], dims[1], dims[2], dims[3]],
                    g,
                    silu,
                    [true; 3],
                    seed,
                ),
                _ => unreachable!(),
            }
        });
    }
}

#[test]
fn grads_partial_tracking() {
    for silu in [false, true] {
        for track in [
            [false, true, true],
            [true, false, false],
            [false, false, true],
            [false, true, false],
        ] {
            check_grads([3, 6, 5, 7], 3, silu, track, 31);
        }
    }
}

#[test]
fn untracked_autodiff_forward() {
    let x = t::<A, 4>([2, 6, 4, 5], 3);
    let w = t::<A, 1>([6], 4);
    let b = t::<A, 1>([6], 5);
    let ours = group_norm(x.clone(), w.clone(), b.clone(), 2, EPS, true).inner();
    let r = reference(x.inner(), w.inner(), b.inner(), 2, EPS, true);
    assert!(rel_err(ours, r) < 1e-5);
}

fn prim<B: Backend, const D: usize>(t: Tensor<B, D>) -> burn::tensor::ops::FloatTensor<B> {
    t.into_primitive().tensor()
}

fn float<B: Backend, const D: usize>(t: burn::tensor::ops::FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

#[test]
fn default_impl_matches_flex_kernels() {
    // The burn-op defaults (used on wgpu/cuda) against the Flex kernels, forward + backward.
    let (dims, groups) = ([3usize, 6, 5, 7], 3usize);
    let x = t::<F, 4>(dims, 41);
    let w = t::<F, 1>([6], 42).add_scalar(1.0);
    let b = t::<F, 1>([6], 43);
    let dy = t::<F, 4>(dims, 44);
    for silu in [false, true] {
        let (y0, m0, r0) = super::default_group_norm_forward_stats::<F>(
            prim(x.clone()),
            prim(w.clone()),
            prim(b.clone()),
            groups,
            EPS,
            silu,
        );
        let (y1, m1, r1) = F::group_norm_forward_stats(
            prim(x.clone()),
            prim(w.clone()),
            prim(b.clone()),
            groups,
            EPS,
            silu,
        );
        assert!(rel_err(float::<F, 4>(y0), float::<F, 4>(y1)) < 1e-5);
        assert!(rel_err(float::<F, 2>(m0.clone()), float::<F, 2>(m1)) < 1e-5);
        assert!(rel_err(float::<F, 2>(r0.clone()), float::<F, 2>(r1)) < 1e-5);
        let g0 = super::default_group_norm_backward::<F>(
            prim(x.clone()),
            prim(w.clone()),
            Some(prim(b.clone())),
            m0.clone(),
            r0.clone(),
            prim(dy.clone()),
            groups,
            silu,
            [true; 3],
        );
        let g1 = F::group_norm_backward(
            prim(x.clone()),
            prim(w.clone()),
            Some(prim(b.clone())),
            m0,
            r0,
            prim(dy.clone()),
            groups,
            silu,
            [true; 3],
        );
        assert!(rel_err(float::<F, 4>(g0.x.unwrap()), float::<F, 4>(g1.x.unwrap())) < 1e-4);
        assert!(
            rel_err(
                float::<F, 1>(g0.weight.unwrap()),
                float::<F, 1>(g1.weight.unwrap())
            ) < 1e-4
        );
        assert!(
            rel_err(
                float::<F, 1>(g0.bias.unwrap()),
                float::<F, 1>(g1.bias.unwrap())
            ) < 1e-4
        );
    }
}

#[test]
fn add_channel_bias_forward() {
    let x = t::<F, 4>([3, 5, 7, 6], 51);
    let b = t::<F, 2>([3, 5], 52);
    let ours = add_channel_bias(x.clone(), b.clone());
    let r = x.clone() + b.clone().reshape([3, 5, 1, 1]);
    assert_eq!(max_abs_diff(ours, r), 0.0);
    // Non-contiguous x, larger (parallel path).
    let x = t::<F, 4>([4, 40, 20, 32], 53).swap_dims(2, 3);
    let b = t::<F, 2>([4, 40], 54);
    let ours = add_channel_bias(x.clone(), b.clone());
    let r = x + b.reshape([4, 40, 1, 1]);
    assert_eq!(max_abs_diff(ours, r), 0.0);
}

#[test]
fn add_channel_bias_grads() {
    let dims = [3usize, 5, 7, 6];
    let (xd, bd, rd) = (
        rand_data(&dims, 61, 0.0),
        rand_data(&[3, 5], 62, 0.0),
        rand_data(&dims, 63, 0.0),
    );
    for track in [[true, true], [true, false], [false, true]] {
        let run = |ours: bool| {
            let dev = Default::default();
            let x = Tensor::<A, 4>::from_data(xd.clone(), &dev);
            let x = if track[0] { x.require_grad() } else { x };
            let b = Tensor::<A, 2>::from_data(bd.clone(), &dev);
            let b = if track[1] { b.require_grad() } else { b };
            let r = Tensor::<A, 4>::from_data(rd.clone(), &dev);
            let y = if ours {
                add_channel_bias(x.clone(), b.clone())
            } else {
                x.clone() + b.clone().reshape([3, 5, 1, 1])
            };
            let g = (y.clone() * y * r).sum().backward();
            (x.grad(&g), b.grad(&g))
        };
        let (gx, gb) = run(true);
        let (rx, rb) = run(false);
        assert_eq!(gx.is_some(), track[0]);
        assert_eq!(gb.is_some(), track[1]);
        if let (Some(a), Some(b)) = (gx, rx) {
            assert!(rel_err(a, b) < 1e-5, "x grad");
        }
        if let (Some(a), Some(b)) = (gb, rb) {
            assert!(rel_err(a, b) < 1e-5, "b grad");
        }
    }
}

#[test]
fn backends_implement_trait() {
    fn assert_impl<B: GroupNormBackend>() {}
    assert_impl::<Flex>();
    assert_impl::<A>();
    assert_impl::<burn::backend::Wgpu>();
    assert_impl::<Autodiff<burn::backend::Wgpu>>();
    assert_impl::<
        Autodiff<Flex, burn::backend::autodiff::checkpoint::strategy::BalancedCheckpointing>,
    >();
}

#[test]
fn grads_with_balanced_checkpointing() {
    type AB = Autodiff<Flex, burn::backend::autodiff::checkpoint::strategy::BalancedCheckpointing>;
    let dev = Default::default();
    let run = |ours: bool| {
        let x = Tensor::<AB, 4>::from_data(rand_data(&[2, 6, 5, 4], 71, 0.0), &dev).require_grad();
        let w = Tensor::<AB, 1>::from_data(rand_data(&[6], 72, 1.0), &dev).require_grad();
        let b = Tensor::<AB, 1>::from_data(rand_data(&[6], 73, 0.0), &dev).require_grad();
        let tb = Tensor::<AB, 2>::from_data(rand_data(&[2, 6], 74, 0.0), &dev).require_grad();
        let h = x.clone().tanh();
        let y = if ours {
            add_channel_bias(
                group_norm(h, w.clone(), b.clone(), 3, EPS, true),
                tb.clone(),
            )
        } else {
            reference(h, w.clone(), b.clone(), 3, EPS, true) + tb.clone().reshape([2, 6, 1, 1])
        };
        let g = y.powi_scalar(2).sum().backward();
        [
            x.grad(&g).unwrap().flatten::<1>(0, 3).into_data(),
            w.grad(&g).unwrap().into_data(),
            b.grad(&g).unwrap().into_data(),
            tb.grad(&g).unwrap().flatten::<1>(0, 1).into_data(),
        ]
    };
    for (a, b) in run(true).into_iter().zip(run(false)) {
        a.assert_approx_eq::<f32>(&b, burn::tensor::Tolerance::relative(1e-4));
    }
}
