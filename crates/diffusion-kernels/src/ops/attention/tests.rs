use super::{attention, default_attention_backward, default_attention_forward, AttentionBackend};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{ElementConversion, Tensor, TensorData, TensorPrimitive};

type F = Flex;
type A = Autodiff<Flex>;

/// Deterministic pseudo-random values in [-amp, amp).
fn rand_t<B: Backend>(shape: [usize; 3], seed: u64, amp: f32) -> Tensor<B, 3> {
    let count: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(7);
    let v: Vec<f32> = (0..count)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amp
        })
        .collect();
    Tensor::from_data(TensorData::new(v, shape.to_vec()), &Default::default())
}

fn rel_err<B: Backend>(a: Tensor<B, 3>, b: Tensor<B, 3>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let scale = b.clone().abs().max().into_scalar().elem::<f32>().max(1e-6);
    (a - b).abs().max().into_scalar().elem::<f32>() / scale
}

fn prim(t: Tensor<F, 3>) -> FloatTensor<F> {
    t.into_primitive().tensor()
}

fn tensor(p: FloatTensor<F>) -> Tensor<F, 3> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// (N, C, L, heads): the MNIST U-Net's blocks (49 tokens, 4 heads of 8), one head, odd sizes.
const SHAPES: [(usize, usize, usize, usize); 4] =
    [(3, 32, 49, 4), (2, 6, 5, 1), (1, 12, 17, 3), (4, 4, 1, 2)];

#[test]
fn flex_forward_matches_the_composed_ops() {
    for (i, &(n, c, l, heads)) in SHAPES.iter().enumerate() {
        let scale = 1.0 / ((c / heads) as f64).sqrt();
        let [q, k, v] = [0, 1, 2].map(|j| rand_t::<F>([n, c, l], 10 * i as u64 + j, 2.0));
        let ours = tensor(<F as AttentionBackend>::attention_forward(
            prim(q.clone()),
            prim(k.clone()),
            prim(v.clone()),
            heads,
            scale,
        ));
        let reference = tensor(default_attention_forward::<F>(
            prim(q),
            prim(k),
            prim(v),
            heads,
            scale,
        ));
        let err = rel_err(ours, reference);
        assert!(err < 1e-5, "shape {:?}: relative error {err}", SHAPES[i]);
    }
}

#[test]
fn flex_backward_matches_the_composed_ops() {
    for (i, &(n, c, l, heads)) in SHAPES.iter().enumerate() {
        let scale = 1.0 / ((c / heads) as f64).sqrt();
        let [q, k, v, g] = [0, 1, 2, 3].map(|j| rand_t::<F>([n, c, l], 10 * i as u64 + j, 2.0));
        let ours = <F as AttentionBackend>::attention_backward(
            prim(q.clone()),
            prim(k.clone()),
            prim(v.clone()),
            prim(g.clone()),
            heads,
            scale,
        );
        let reference =
            default_attention_backward::<F>(prim(q), prim(k), prim(v), prim(g), heads, scale);
        for (j, (a, b)) in ours.into_iter().zip(reference).enumerate() {
            let err = rel_err(tensor(a), tensor(b));
            assert!(
                err < 1e-5,
                "shape {:?}, gradient {j}: relative error {err}",
                SHAPES[i]
            );
        }
    }
}

/// The custom autodiff node against burn's own autodiff through the composed forward: checks
/// the backward formula independently of our kernels.
#[test]
fn autodiff_gradients_match_burns_autodiff_of_the_composed_forward() {
    let (n, c, l, heads) = (2, 8, 10, 2);
    let scale = 0.5;
    let inputs =
        |seed: u64| [0, 1, 2].map(|j| rand_t::<A>([n, c, l], seed + j, 1.5).require_grad());
    let weights = rand_t::<A>([n, c, l], 99, 1.0);

    let [q, k, v] = inputs(40);
    let out = attention(q.clone(), k.clone(), v.clone(), heads, scale);
    let grads = (out * weights.clone()).sum().backward();
    let ours = [&q, &k, &v].map(|t| t.grad(&grads).expect("gradient"));

    let [q, k, v] = inputs(40);
    let out =
        Tensor::<A, 3>::from_primitive(TensorPrimitive::Float(default_attention_forward::<A>(
            q.clone().into_primitive().tensor(),
            k.clone().into_primitive().tensor(),
            v.clone().into_primitive().tensor(),
            heads,
            scale,
        )));
    let grads = (out * weights).sum().backward();
    let reference = [&q, &k, &v].map(|t| t.grad(&grads).expect("gradient"));

    for (j, (a, b)) in ours.into_iter().zip(reference).enumerate() {
        let err = rel_err(a, b);
        assert!(err < 1e-5, "gradient {j}: relative error {err}");
    }
}

/// Each output is a convex combination of the value columns: equal value columns come back
/// unchanged whatever the queries and keys.
#[test]
fn constant_values_pass_through() {
    let (n, c, l, heads) = (2, 8, 13, 4);
    let [q, k] = [0, 1].map(|j| rand_t::<F>([n, c, l], j, 3.0));
    let column = rand_t::<F>([n, c, 1], 5, 1.0);
    let v = column.clone().repeat_dim(2, l);
    let out = attention(q, k, v.clone(), heads, 0.7);
    assert!(rel_err(out, v) < 1e-6);
}

#[test]
fn non_contiguous_inputs_are_read_correctly() {
    let (n, c, l, heads) = (2, 8, 6, 2);
    let [q, k, v] = [0, 1, 2].map(|j| rand_t::<F>([n, l, c], 20 + j, 1.0));
    let [qt, kt, vt] = [&q, &k, &v].map(|t| t.clone().swap_dims(1, 2));
    let [qc, kc, vc] =
        [&qt, &kt, &vt].map(|t| Tensor::<F, 3>::from_data(t.to_data(), &Default::default()));
    let strided = attention(qt, kt, vt, heads, 0.3);
    let contiguous = attention(qc, kc, vc, heads, 0.3);
    assert!(rel_err(strided, contiguous) < 1e-6);
}

#[test]
#[should_panic(expected = "not divisible into 3 heads")]
fn heads_must_divide_the_channels() {
    let q = rand_t::<F>([1, 8, 4], 0, 1.0);
    let _ = attention(q.clone(), q.clone(), q, 3, 1.0);
}
