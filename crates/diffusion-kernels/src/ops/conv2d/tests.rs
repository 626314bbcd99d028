use super::conv2d;
use burn::backend::{Autodiff, Flex};
use burn::tensor::module::conv2d as burn_conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Distribution, ElementConversion, Tensor, TensorData};

type F = Flex;
type A = Autodiff<Flex>;

/// Deterministic pseudo-random data in [-1, 1).
fn rand_data(shape: &[usize], seed: u64) -> TensorData {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    TensorData::new(v, shape.to_vec())
}

fn t<B: burn::tensor::backend::Backend, const D: usize>(
    shape: [usize; D],
    seed: u64,
) -> Tensor<B, D> {
    Tensor::from_data(rand_data(&shape, seed), &Default::default())
}

fn max_abs_diff<B: burn::tensor::backend::Backend, const D: usize>(
    a: Tensor<B, D>,
    b: Tensor<B, D>,
) -> f32 {
    (a - b).abs().max().into_scalar().elem::<f32>()
}

fn max_abs<B: burn::tensor::backend::Backend, const D: usize>(a: Tensor<B, D>) -> f32 {
    a.abs().max().into_scalar().elem::<f32>()
}

/// (n, cin, h, w, cout, k, stride, pad)
type Case = (usize, usize, usize, usize, usize, usize, usize, usize);
const CASES: &[Case] = &[
    (1, 3, 7, 9, 5, 3, 1, 1),
    (3, 4, 8, 8, 6, 3, 1, 1),
    (3, 5, 9, 7, 4, 3, 2, 1),
    (1, 2, 6, 5, 3, 3, 1, 0),
    (3, 3, 11, 10, 2, 3, 2, 0),
    (3, 8, 5, 7, 16, 1, 1, 0),
    (1, 6, 9, 9, 4, 1, 2, 0),
    (3, 4, 6, 6, 3, 1, 1, 1),
    (2, 3, 5, 5, 2, 5, 2, 2),
    (4, 7, 13, 6, 9, 3, 1, 1),
    (8, 16, 12, 12, 8, 3, 1, 1),
    (1, 3, 3, 3, 2, 3, 1, 0),  // 1x1 output
    (2, 70, 6, 5, 3, 3, 1, 1), // more than 64 input channels: stride 1 through im2col
    (2, 3, 6, 5, 70, 3, 1, 1), // more than 64 output channels: input grad through col2im
    (2, 3, 7, 6, 4, 5, 1, 2),  // 5x5, stride 1: input grad as a forward conv with padding 2
    (2, 3, 7, 6, 4, 5, 1, 1),  // 5x5, stride 1, padding 1: transposed padding 3
];

#[test]
fn forward_matches_burn() {
    for (i, &(n, cin, h, w, cout, k, s, p)) in CASES.iter().enumerate() {
        for with_bias in [false, true] {
            let seed = 100 * i as u64 + with_bias as u64;
            let x = t::<F, 4>([n, cin, h, w], seed);
            let wt = t::<F, 4>([cout, cin, k, k], seed + 7);
            let b = with_bias.then(|| t::<F, 1>([cout], seed + 13));
            let ours = conv2d(x.clone(), wt.clone(), b.clone(), [s, s], [p, p]);
            let reference = burn_conv2d(x, wt, b, ConvOptions::new([s, s], [p, p], [1, 1], 1));
            assert_eq!(ours.dims(), reference.dims(), "case {i}");
            let d = max_abs_diff(ours, reference);
            assert!(d < 1e-4, "case {i} bias={with_bias}: max abs diff {d}");
        }
    }
}

#[test]
fn forward_non_contiguous_input() {
    // x built as a permuted view: exercises the to_contiguous path.
    let x = t::<F, 4>([2, 9, 8, 3], 5).permute([0, 3, 1, 2]); // [2, 3, 9, 8]
    let wt = t::<F, 4>([4, 3, 3, 3], 6);
    let ours = conv2d(x.clone(), wt.clone(), None, [1, 1], [1, 1]);
    let reference = burn_conv2d(x, wt, None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1));
    assert!(max_abs_diff(ours, reference) < 1e-4);
}

fn rel_err<const D: usize>(a: Tensor<F, D>, b: Tensor<F, D>) -> f32 {
    let scale = max_abs(b.clone()).max(1e-6);
    max_abs_diff(a, b) / scale
}

/// Checks x/weight/bias gradients against burn's conv2d, with each input tracked or not.
fn check_grads(
    case: (usize, usize, usize, usize, usize, usize, usize, usize),
    seed: u64,
    track: [bool; 3],
    with_bias: bool,
) {
    let (n, cin, h, w, cout, k, s, p) = case;
    let xd = rand_data(&[n, cin, h, w], seed);
    let wd = rand_data(&[cout, cin, k, k], seed + 1);
    let bd = rand_data(&[cout], seed + 2);
    let oh = (h + 2 * p - k) / s + 1;
    let ow = (w + 2 * p - k) / s + 1;
    let rd = rand_data(&[n, cout, oh, ow], seed + 3);

    let run = |ours: bool| {
        let dev = Default::default();
        let mk = |d: &TensorData, tr: bool| {
            let t = Tensor::<A, 4>::from_data(d.clone(), &dev);
            if tr {
                t.require_grad()
            } else {
                t
            }
        };
        let x = mk(&xd, track[0]);
        let wt = mk(&wd, track[1]);
        let b = with_bias.then(|| {
            let t = Tensor::<A, 1>::from_data(bd.clone(), &dev);
            if track[2] {
                t.require_grad()
            } else {
                t
            }
        });
        let r = Tensor::<A, 4>::from_data(rd.clone(), &dev);
        // Two stacked ops so the conv's incoming grad is not trivially ones.
        let y = if ours {
            conv2d(x.clone(), wt.clone(), b.clone(), [s, s], [p, p])
        } else {
            burn_conv2d(
                x.clone(),
                wt.clone(),
                b.clone(),
                ConvOptions::new([s, s], [p, p], [1, 1], 1),
            )
        };
        let loss = (y * r).sum();
        let g = loss.backward();
        (
            track[0].then(|| x.grad(&g).expect("x grad")),
            track[1].then(|| wt.grad(&g).expect("w grad")),
            b.filter(|_| track[2]).map(|b| b.grad(&g).expect("b grad")),
        )
    };
    let (gx, gw, gb) = run(true);
    let (rx, rw, rb) = run(false);
    if let (Some(a), Some(b)) = (gx, rx) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{case:?}: x grad rel err {e}");
    }
    if let (Some(a), Some(b)) = (gw, rw) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "{case:?}: weight grad rel err {e}");
    }
    match (gb, rb) {
        (Some(a), Some(b)) => {
            let e = rel_err(a, b);
            assert!(e < 1e-4, "{case:?}: bias grad rel err {e}");
        }
        (None, None) => {}
        _ => panic!("bias grad presence mismatch"),
    }
}

#[test]
fn grads_match_burn() {
    for (i, &case) in CASES.iter().enumerate() {
        check_grads(case, 1000 + i as u64, [true, true, true], true);
        check_grads(case, 2000 + i as u64, [true, true, false], false);
    }
}

#[test]
fn grads_partial_tracking() {
    let case = (3, 4, 8, 8, 6, 3, 1, 1);
    check_grads(case, 1, [false, true, true], true);
    check_grads(case, 2, [true, false, false], true);
    check_grads(case, 3, [false, false, true], true);
    check_grads(case, 4, [true, false, false], false);
}

#[test]
fn grads_through_two_layers() {
    // conv -> relu -> conv, compares all parameter grads.
    let dev = Default::default();
    let xd = rand_data(&[3, 4, 10, 10], 42);
    let w1 = rand_data(&[8, 4, 3, 3], 43);
    let w2 = rand_data(&[5, 8, 3, 3], 44);
    let b1 = rand_data(&[8], 45);
    let run = |ours: bool| {
        let x = Tensor::<A, 4>::from_data(xd.clone(), &dev).require_grad();
        let w1 = Tensor::<A, 4>::from_data(w1.clone(), &dev).require_grad();
        let w2 = Tensor::<A, 4>::from_data(w2.clone(), &dev).require_grad();
        let b1 = Tensor::<A, 1>::from_data(b1.clone(), &dev).require_grad();
        let c = |x, w, b, s, p| {
            if ours {
                conv2d(x, w, b, [s, s], [p, p])
            } else {
                burn_conv2d(x, w, b, ConvOptions::new([s, s], [p, p], [1, 1], 1))
            }
        };
        let h = burn::tensor::activation::relu(c(x.clone(), w1.clone(), Some(b1.clone()), 1, 1));
        let y = c(h, w2.clone(), None, 2, 1);
        let g = (y.clone() * y).sum().backward();
        [
            x.grad(&g).unwrap(),
            w1.grad(&g).unwrap(),
            w2.grad(&g).unwrap().reshape([5, 8, 3, 3]),
        ]
        .map(|t| t.flatten::<1>(0, 3))
        .into_iter()
        .chain([b1.grad(&g).unwrap()])
        .collect::<Vec<_>>()
    };
    for (a, b) in run(true).into_iter().zip(run(false)) {
        let e = rel_err(a, b);
        assert!(e < 1e-4, "rel err {e}");
    }
}

#[test]
fn random_distribution_smoke() {
    // Larger batch: exercises the chunked (per-thread) path including the weight-grad reduction.
    let x = Tensor::<F, 4>::random(
        [9, 5, 6, 6],
        Distribution::Uniform(-1.0, 1.0),
        &Default::default(),
    );
    let w = Tensor::<F, 4>::random(
        [7, 5, 3, 3],
        Distribution::Uniform(-1.0, 1.0),
        &Default::default(),
    );
    let ours = conv2d(x.clone(), w.clone(), None, [1, 1], [1, 1]);
    let reference = burn_conv2d(x, w, None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1));
    assert!(max_abs_diff(ours, reference) < 1e-4);
}

#[test]
fn backends_implement_trait() {
    // Compile-time check only (no GPU needed): wgpu and its autodiff wrapper implement the trait.
    fn assert_impl<B: super::Conv2dBackend>() {}
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
        let x = Tensor::<AB, 4>::from_data(rand_data(&[2, 3, 6, 6], 7), &dev).require_grad();
        let w1 = Tensor::<AB, 4>::from_data(rand_data(&[4, 3, 3, 3], 8), &dev).require_grad();
        let w2 = Tensor::<AB, 4>::from_data(rand_data(&[2, 4, 1, 1], 9), &dev).require_grad();
        let b = Tensor::<AB, 1>::from_data(rand_data(&[4], 10), &dev).require_grad();
        let c = |x, w, b| {
            if ours {
                conv2d(x, w, b, [1, 1], [1, 1])
            } else {
                burn_conv2d(x, w, b, ConvOptions::new([1, 1], [1, 1], [1, 1], 1))
            }
        };
        let h = c(x.clone(), w1.clone(), Some(b.clone())).tanh();
        let y = if ours {
            conv2d(h, w2.clone(), None, [1, 1], [0, 0])
        } else {
            burn_conv2d(
                h,
                w2.clone(),
                None,
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            )
        };
        let g = y.powi_scalar(2).sum().backward();
        [
            x.grad(&g).unwrap().flatten::<1>(0, 3).into_data(),
            w1.grad(&g).unwrap().flatten::<1>(0, 3).into_data(),
            w2.grad(&g).unwrap().flatten::<1>(0, 3).into_data(),
            b.grad(&g).unwrap().into_data(),
        ]
    };
    for (a, b) in run(true).into_iter().zip(run(false)) {
        // Relative 1e-4, or 1e-6 absolute near zero where summation order dominates.
        a.assert_approx_eq::<f32>(&b, burn::tensor::Tolerance::rel_abs(1e-4, 1e-6));
    }
}
