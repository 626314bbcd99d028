//! The [`AttentionBackend`] trait, its burn-op defaults, and its implementations for Flex (own
//! CPU kernels) and CubeBackend (the defaults).

use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Shape, Tensor, TensorMetadata, TensorPrimitive};
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime, FloatElement, IntElement};

use super::cpu::{self, AttnGeom};
use crate::ops::flex_slices::{f32_contiguous, f32_slice, flex_from_vec};

/// Backends with a fused multi-head attention on channel-major tokens and its backward.
///
/// Shapes: `q`, `k`, `v`, `output_grad` and every result are `[N, C, L]`, `C = heads · d`
/// (see [`attention`](super::attention) for the formula).
///
/// The defaults are composed from burn tensor ops (correct on any backend, not fused), so any
/// backend can opt in with an empty impl.
pub trait AttentionBackend: Backend {
    /// `O = V · softmax(scale · QᵀK)ᵀ` per sample and head.
    fn attention_forward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        heads: usize,
        scale: f64,
    ) -> FloatTensor<Self> {
        default_attention_forward::<Self>(q, k, v, heads, scale)
    }

    /// Gradients `[dq, dk, dv]` of [`attention_forward`](Self::attention_forward) given the
    /// gradient of its output.
    fn attention_backward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        heads: usize,
        scale: f64,
    ) -> [FloatTensor<Self>; 3] {
        default_attention_backward::<Self>(q, k, v, output_grad, heads, scale)
    }
}

// ---------------------------------------------------------------------------------------------
// Defaults composed from burn tensor ops.
// ---------------------------------------------------------------------------------------------

fn float<B: Backend, const D: usize>(t: FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// `[N, C, L]` → per-head blocks `[N, heads, d, L]`, and the shape to go back.
fn heads_of<B: Backend>(t: FloatTensor<B>, heads: usize) -> (Tensor<B, 4>, [usize; 3]) {
    let t = float::<B, 3>(t);
    let [n, c, l] = t.dims();
    (t.reshape([n, heads, c / heads, l]), [n, c, l])
}

/// `softmax(scale · QᵀK)` per head: `[N, heads, L(query), L(key)]`.
fn probabilities<B: Backend>(q: &Tensor<B, 4>, k: &Tensor<B, 4>, scale: f64) -> Tensor<B, 4> {
    softmax(q.clone().swap_dims(2, 3).matmul(k.clone()) * scale, 3)
}

/// Burn-op attention forward (see [`AttentionBackend::attention_forward`]).
pub fn default_attention_forward<B: Backend>(
    q: FloatTensor<B>,
    k: FloatTensor<B>,
    v: FloatTensor<B>,
    heads: usize,
    scale: f64,
) -> FloatTensor<B> {
    let (q, dims) = heads_of::<B>(q, heads);
    let (k, _) = heads_of::<B>(k, heads);
    let (v, _) = heads_of::<B>(v, heads);
    let p = probabilities(&q, &k, scale);
    v.matmul(p.swap_dims(2, 3))
        .reshape(dims)
        .into_primitive()
        .tensor()
}

/// Burn-op attention backward (see [`AttentionBackend::attention_backward`]). With
/// `P = softmax(S)`, `S = scale · QᵀK`, `O = V Pᵀ` and `G = ∂L/∂O`:
/// `dV = G P`, `dP = Gᵀ V`, `dS = P ⊙ (dP − rowsum(P ⊙ dP))`, `dQ = scale · K dSᵀ`,
/// `dK = scale · Q dS`.
pub fn default_attention_backward<B: Backend>(
    q: FloatTensor<B>,
    k: FloatTensor<B>,
    v: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    heads: usize,
    scale: f64,
) -> [FloatTensor<B>; 3] {
    let (q, dims) = heads_of::<B>(q, heads);
    let (k, _) = heads_of::<B>(k, heads);
    let (v, _) = heads_of::<B>(v, heads);
    let (g, _) = heads_of::<B>(output_grad, heads);
    let p = probabilities(&q, &k, scale);
    let dv = g.clone().matmul(p.clone());
    let dp = g.swap_dims(2, 3).matmul(v);
    let row = (dp.clone() * p.clone()).sum_dim(3);
    let ds = (p * (dp - row)) * scale;
    let dq = k.matmul(ds.clone().swap_dims(2, 3));
    let dk = q.matmul(ds);
    [dq, dk, dv].map(|t| t.reshape(dims).into_primitive().tensor())
}

// ---------------------------------------------------------------------------------------------
// CubeBackend (wgpu, cuda, ...): the defaults.
// ---------------------------------------------------------------------------------------------

impl<R, F, I, BT> AttentionBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
    CubeBackend<R, F, I, BT>: Backend,
{
}

// ---------------------------------------------------------------------------------------------
// Flex: own kernels for f32, the defaults otherwise.
// ---------------------------------------------------------------------------------------------

fn all_f32(tensors: &[&FlexTensor]) -> bool {
    tensors
        .iter()
        .all(|t| t.dtype() == DType::F32 && t.shape().num_dims() == 3)
}

fn geom(shape: &Shape, heads: usize) -> AttnGeom {
    let [n, c, l] = shape.dims::<3>();
    AttnGeom::new(n, c, l, heads)
}

impl AttentionBackend for Flex {
    fn attention_forward(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        heads: usize,
        scale: f64,
    ) -> FlexTensor {
        if !all_f32(&[&q, &k, &v]) {
            return default_attention_forward::<Flex>(q, k, v, heads, scale);
        }
        let shape = q.shape();
        let g = geom(&shape, heads);
        let (q, k, v) = (f32_contiguous(&q), f32_contiguous(&k), f32_contiguous(&v));
        let o = cpu::attention_forward(
            &g,
            f32_slice(&q, "attention"),
            f32_slice(&k, "attention"),
            f32_slice(&v, "attention"),
            scale as f32,
        );
        flex_from_vec(o, shape)
    }

    fn attention_backward(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        output_grad: FlexTensor,
        heads: usize,
        scale: f64,
    ) -> [FlexTensor; 3] {
        if !all_f32(&[&q, &k, &v, &output_grad]) {
            return default_attention_backward::<Flex>(q, k, v, output_grad, heads, scale);
        }
        let shape = q.shape();
        let g = geom(&shape, heads);
        let (q, k, v) = (f32_contiguous(&q), f32_contiguous(&k), f32_contiguous(&v));
        let dout = f32_contiguous(&output_grad);
        let grads = cpu::attention_backward(
            &g,
            f32_slice(&q, "attention"),
            f32_slice(&k, "attention"),
            f32_slice(&v, "attention"),
            f32_slice(&dout, "attention"),
            scale as f32,
        );
        grads.map(|d| flex_from_vec(d, shape.clone()))
    }
}
