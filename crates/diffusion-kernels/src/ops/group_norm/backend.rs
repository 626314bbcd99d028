//! The [`GroupNormBackend`] trait, its burn-op defaults, and its implementations for Flex
//! (own CPU kernels) and CubeBackend (the defaults).

use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Shape, Tensor, TensorMetadata, TensorPrimitive};
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime, FloatElement, IntElement};

use super::cpu::{self, GnGeom};
use crate::ops::flex_slices::{f32_contiguous, f32_slice, flex_from_vec};

/// Gradients returned by [`GroupNormBackend::group_norm_backward`]; each is present only
/// when it was requested.
pub struct GroupNormGrads<B: Backend> {
    /// Gradient w.r.t. `x`, same shape as `x`.
    pub x: Option<FloatTensor<B>>,
    /// Gradient w.r.t. `weight`, `[C]`.
    pub weight: Option<FloatTensor<B>>,
    /// Gradient w.r.t. `bias`, `[C]`.
    pub bias: Option<FloatTensor<B>>,
}

/// Backends with a fused GroupNorm (optionally followed by SiLU) and its backward.
///
/// Shapes: `x [N, C, *]` (rank >= 2, trailing dims treated as one spatial dim `S`),
/// `weight`, `bias` `[C]`, `mean`, `rstd` `[N, G]`. For [`add_channel_bias`](Self::add_channel_bias):
/// `x [N, C, H, W]`, `b [N, C]`.
///
/// The defaults are composed from burn tensor ops (correct on any backend, not fused), so any
/// backend can opt in with an empty impl.
pub trait GroupNormBackend: Backend {
    /// GroupNorm (+ SiLU when `silu`) forward, output only.
    /// Default: `group_norm_forward_stats(..).0`.
    fn group_norm_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        groups: usize,
        eps: f64,
        silu: bool,
    ) -> FloatTensor<Self> {
        Self::group_norm_forward_stats(x, weight, bias, groups, eps, silu).0
    }

    /// GroupNorm (+ SiLU) forward returning `(y, mean [N, G], rstd [N, G])` with
    /// `rstd = 1 / sqrt(var + eps)` (biased variance), as needed by the backward.
    fn group_norm_forward_stats(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        groups: usize,
        eps: f64,
        silu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        default_group_norm_forward_stats::<Self>(x, weight, bias, groups, eps, silu)
    }

    /// Backward of [`group_norm_forward_stats`](Self::group_norm_forward_stats).
    /// `bias` is only read when `silu` (the pre-activation is recomputed).
    /// `need = [x, weight, bias]` selects which gradients are computed.
    #[allow(clippy::too_many_arguments)]
    fn group_norm_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        mean: FloatTensor<Self>,
        rstd: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        groups: usize,
        silu: bool,
        need: [bool; 3],
    ) -> GroupNormGrads<Self> {
        default_group_norm_backward::<Self>(
            x,
            weight,
            bias,
            mean,
            rstd,
            output_grad,
            groups,
            silu,
            need,
        )
    }

    /// `x [N, C, H, W] + b [N, C]` broadcast over H, W. Default: `x + b.reshape([N, C, 1, 1])`.
    fn add_channel_bias(x: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        let x = float::<Self, 4>(x);
        let [n, c, _, _] = x.dims();
        (x + float::<Self, 2>(b).reshape([n, c, 1, 1]))
            .into_primitive()
            .tensor()
    }

    /// Gradient of [`add_channel_bias`](Self::add_channel_bias) w.r.t. `b`:
    /// `output_grad [N, C, H, W]` summed over H, W, shape `[N, C]`.
    fn channel_bias_grad(output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        let dy = float::<Self, 4>(output_grad);
        let [n, c, h, w] = dy.dims();
        dy.reshape([n, c, h * w])
            .sum_dim(2)
            .reshape([n, c])
            .into_primitive()
            .tensor()
    }
}

// ---------------------------------------------------------------------------------------------
// Defaults composed from burn tensor ops.
// ---------------------------------------------------------------------------------------------

fn float<B: Backend, const D: usize>(t: FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// `(N, C, S)` of a `[N, C, *]` shape.
fn ncs(shape: &Shape) -> (usize, usize, usize) {
    assert!(
        shape.num_dims() >= 2,
        "group_norm: x must have rank >= 2, got {shape:?}"
    );
    (shape[0], shape[1], shape.iter().skip(2).product())
}

/// Burn-op GroupNorm forward: `(y, mean [N, G], rstd [N, G])`.
pub fn default_group_norm_forward_stats<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    groups: usize,
    eps: f64,
    silu: bool,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let shape = x.shape();
    let (n, c, s) = ncs(&shape);
    assert!(
        groups > 0 && c % groups == 0,
        "group_norm: {c} channels, {groups} groups"
    );
    let xg = float::<B, 3>(B::float_reshape(x, Shape::new([n, c, s]))).reshape([
        n,
        groups,
        c / groups * s,
    ]);
    let mean = xg.clone().mean_dim(2); // [n, g, 1]
    let xc = xg - mean.clone();
    let var = xc.clone().square().mean_dim(2);
    let rstd = var.add_scalar(eps).sqrt().recip();
    let xhat = (xc * rstd.clone()).reshape([n, c, s]);
    let y =
        xhat * float::<B, 1>(weight).reshape([1, c, 1]) + float::<B, 1>(bias).reshape([1, c, 1]);
    let y = if silu { y.clone() * sigmoid(y) } else { y };
    (
        B::float_reshape(y.into_primitive().tensor(), shape),
        mean.reshape([n, groups]).into_primitive().tensor(),
        rstd.reshape([n, groups]).into_primitive().tensor(),
    )
}

/// Burn-op GroupNorm backward (see [`GroupNormBackend::group_norm_backward`]).
#[allow(clippy::too_many_arguments)]
pub fn default_group_norm_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: Option<FloatTensor<B>>,
    mean: FloatTensor<B>,
    rstd: FloatTensor<B>,
    output_grad: FloatTensor<B>,
    groups: usize,
    silu: bool,
    need: [bool; 3],
) -> GroupNormGrads<B> {
    let shape = x.shape();
    let (n, c, s) = ncs(&shape);
    let cpg = c / groups;
    let grouped = |t: Tensor<B, 3>| t.reshape([n, groups, cpg * s]);
    let x = grouped(float::<B, 3>(B::float_reshape(x, Shape::new([n, c, s]))));
    let mean = float::<B, 2>(mean).reshape([n, groups, 1]);
    let rstd = float::<B, 2>(rstd).reshape([n, groups, 1]);
    let w = float::<B, 1>(weight).reshape([1, c, 1]);
    let xhat = ((x - mean) * rstd.clone()).reshape([n, c, s]);
    let mut dy = float::<B, 3>(B::float_reshape(output_grad, Shape::new([n, c, s])));
    if silu {
        let b = float::<B, 1>(bias.expect("group_norm_backward: bias is required with silu"));
        let z = xhat.clone() * w.clone() + b.reshape([1, c, 1]);
        let sg = sigmoid(z.clone());
        let one_minus = sg.clone().neg().add_scalar(1.0);
        dy = dy * (sg * (z * one_minus).add_scalar(1.0));
    }
    let channel_sum = |t: Tensor<B, 3>| t.sum_dim(2).sum_dim(0).reshape([c]);
    let dweight = need[1].then(|| {
        channel_sum(dy.clone() * xhat.clone())
            .into_primitive()
            .tensor()
    });
    let dbias = need[2].then(|| channel_sum(dy.clone()).into_primitive().tensor());
    let dx = need[0].then(|| {
        let gy = grouped(dy * w);
        let xhat = grouped(xhat);
        let mg = gy.clone().mean_dim(2);
        let mgx = (gy.clone() * xhat.clone()).mean_dim(2);
        B::float_reshape(
            ((gy - mg - xhat * mgx) * rstd).into_primitive().tensor(),
            shape,
        )
    });
    GroupNormGrads {
        x: dx,
        weight: dweight,
        bias: dbias,
    }
}

// ---------------------------------------------------------------------------------------------
// CubeBackend (wgpu, cuda, ...): the burn-op defaults.
// ---------------------------------------------------------------------------------------------

impl<R, F, I, BT> GroupNormBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
    CubeBackend<R, F, I, BT>: Backend,
{
}

// ---------------------------------------------------------------------------------------------
// Flex: own kernels for f32, burn ops otherwise.
// ---------------------------------------------------------------------------------------------

fn all_f32(tensors: &[&FlexTensor]) -> bool {
    tensors.iter().all(|t| t.dtype() == DType::F32)
}

impl GroupNormBackend for Flex {
    fn group_norm_forward_stats(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        groups: usize,
        eps: f64,
        silu: bool,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        if !all_f32(&[&x, &weight, &bias]) {
            return default_group_norm_forward_stats::<Flex>(x, weight, bias, groups, eps, silu);
        }
        let shape = x.shape();
        let (n, c, s) = ncs(&shape);
        let g = GnGeom::new(n, c, s, groups);
        let (x, weight, bias) = (
            f32_contiguous(&x),
            f32_contiguous(&weight),
            f32_contiguous(&bias),
        );
        let (y, mean, rstd) = cpu::group_norm_forward(
            &g,
            f32_slice(&x, "group_norm"),
            f32_slice(&weight, "group_norm"),
            f32_slice(&bias, "group_norm"),
            eps,
            silu,
        );
        (
            flex_from_vec(y, shape),
            flex_from_vec(mean, Shape::new([n, groups])),
            flex_from_vec(rstd, Shape::new([n, groups])),
        )
    }

    fn group_norm_backward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: Option<FlexTensor>,
        mean: FlexTensor,
        rstd: FlexTensor,
        output_grad: FlexTensor,
        groups: usize,
        silu: bool,
        need: [bool; 3],
    ) -> GroupNormGrads<Flex> {
        let bias_ok = bias.as_ref().is_none_or(|b| b.dtype() == DType::F32);
        if !bias_ok || !all_f32(&[&x, &weight, &mean, &rstd, &output_grad]) {
            return default_group_norm_backward::<Flex>(
                x,
                weight,
                bias,
                mean,
                rstd,
                output_grad,
                groups,
                silu,
                need,
            );
        }
        let shape = x.shape();
        let (n, c, s) = ncs(&shape);
        assert_eq!(
            output_grad.shape(),
            shape,
            "group_norm_backward: output_grad shape"
        );
        let g = GnGeom::new(n, c, s, groups);
        let bias = match (silu, bias) {
            (true, Some(b)) => Some(f32_contiguous(&b)),
            (true, None) => panic!("group_norm_backward: bias is required with silu"),
            (false, _) => None,
        };
        let [x, weight, mean, rstd, dy] =
            [&x, &weight, &mean, &rstd, &output_grad].map(f32_contiguous);
        let grads = cpu::group_norm_backward(
            &g,
            f32_slice(&x, "group_norm"),
            f32_slice(&weight, "group_norm"),
            bias.as_ref().map_or(&[], |b| f32_slice(b, "group_norm")),
            f32_slice(&mean, "group_norm"),
            f32_slice(&rstd, "group_norm"),
            f32_slice(&dy, "group_norm"),
            silu,
            need,
        );
        GroupNormGrads {
            x: grads.dx.map(|v| flex_from_vec(v, shape)),
            weight: grads.dweight.map(|v| flex_from_vec(v, Shape::new([c]))),
            bias: grads.dbias.map(|v| flex_from_vec(v, Shape::new([c]))),
        }
    }

    fn add_channel_bias(x: FlexTensor, b: FlexTensor) -> FlexTensor {
        if !all_f32(&[&x, &b]) || x.shape().num_dims() != 4 {
            let x = float::<Flex, 4>(x);
            let [n, c, _, _] = x.dims();
            return (x + float::<Flex, 2>(b).reshape([n, c, 1, 1]))
                .into_primitive()
                .tensor();
        }
        let shape = x.shape();
        let [n, c, h, w] = shape.dims::<4>();
        assert_eq!(
            b.shape().dims::<2>(),
            [n, c],
            "add_channel_bias: b must be [N, C]"
        );
        let (x, b) = (f32_contiguous(&x), f32_contiguous(&b));
        let out = cpu::add_channel_bias(
            n * c,
            h * w,
            f32_slice(&x, "group_norm"),
            f32_slice(&b, "group_norm"),
        );
        flex_from_vec(out, shape)
    }

    fn channel_bias_grad(output_grad: FlexTensor) -> FlexTensor {
        let [n, c, h, w] = output_grad.shape().dims::<4>();
        if !all_f32(&[&output_grad]) {
            return float::<Flex, 4>(output_grad)
                .reshape([n, c, h * w])
                .sum_dim(2)
                .reshape([n, c])
                .into_primitive()
                .tensor();
        }
        let dy = f32_contiguous(&output_grad);
        let db = cpu::channel_bias_grad(n * c, h * w, f32_slice(&dy, "group_norm"));
        flex_from_vec(db, Shape::new([n, c]))
    }
}
