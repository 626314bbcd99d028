//! The [`Conv2dBackend`] trait and its implementations for Flex (own CPU kernels) and
//! CubeBackend (burn's own ops).

use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::ops::{ConvOptions, FloatTensor, FloatTensorOps, ModuleOps};
use burn::tensor::{DType, Shape, TensorMetadata};
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime, FloatElement, IntElement};

use super::cpu;
use super::geometry::ConvGeom;
use crate::ops::flex_slices::{f32_contiguous, f32_slice, flex_from_vec};

/// Backends with a fast 2-D convolution and a matching backward.
///
/// Shapes: `x [N, Cin, H, W]`, `weight [Cout, Cin, KH, KW]`, `bias [Cout]`,
/// `output_grad [N, Cout, OH, OW]`.
///
/// The defaults are burn's own module ops, so any backend can opt in with an empty impl.
pub trait Conv2dBackend: Backend {
    /// Forward convolution. Default: `B::conv2d`.
    fn conv2d_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, bias, options)
    }

    /// Gradient w.r.t. `x` (only the shape of `x` is needed by the CPU kernel).
    /// Default: `B::conv2d_x_backward`.
    fn conv2d_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, output_grad, options)
    }

    /// Gradient w.r.t. `weight`. Default: `B::conv2d_weight_backward`.
    fn conv2d_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, output_grad, options)
    }

    /// Gradient w.r.t. `bias`: `output_grad` summed over batch and space, shape `[Cout]`.
    fn conv2d_bias_grad(output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        let [n, c, h, w] = output_grad.shape().dims::<4>();
        let g = Self::float_reshape(output_grad, Shape::new([n, c, h * w]));
        let g = Self::float_sum_dim(g, 2); // [n, c, 1]
        let g = Self::float_sum_dim(g, 0); // [1, c, 1]
        Self::float_reshape(g, Shape::new([c]))
    }
}

// ---------------------------------------------------------------------------------------------
// CubeBackend (wgpu, cuda, ...): burn's own ops.
// ---------------------------------------------------------------------------------------------

impl<R, F, I, BT> Conv2dBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
    CubeBackend<R, F, I, BT>: Backend,
{
}

// ---------------------------------------------------------------------------------------------
// Flex: own NCHW kernels for contiguous f32, burn's ops otherwise.
// ---------------------------------------------------------------------------------------------

/// Whether our kernels handle this configuration (else fall back to burn's ops).
fn flex_supported(options: &ConvOptions<2>, tensors: &[&FlexTensor]) -> bool {
    options.groups == 1
        && options.dilation == [1, 1]
        && tensors
            .iter()
            .all(|t| t.dtype() == DType::F32 && t.shape().num_dims() == 4)
}

fn geom(x_shape: &Shape, w_shape: &Shape, options: &ConvOptions<2>) -> ConvGeom {
    ConvGeom::new(
        x_shape.dims::<4>(),
        w_shape.dims::<4>(),
        options.stride,
        options.padding,
    )
}

impl Conv2dBackend for Flex {
    fn conv2d_forward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: Option<FlexTensor>,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let bias_ok = bias
            .as_ref()
            .is_none_or(|b| b.dtype() == DType::F32 && b.shape().num_dims() == 1);
        if !bias_ok || !flex_supported(&options, &[&x, &weight]) {
            return <Flex as ModuleOps<Flex>>::conv2d(x, weight, bias, options);
        }
        let g = geom(&x.shape(), &weight.shape(), &options);
        let (x, weight) = (f32_contiguous(&x), f32_contiguous(&weight));
        let bias = bias.map(|b| f32_contiguous(&b));
        let out = cpu::conv2d_forward(
            &g,
            f32_slice(&x, "conv2d"),
            f32_slice(&weight, "conv2d"),
            bias.as_ref().map(|b| f32_slice(b, "conv2d")),
        );
        flex_from_vec(out, Shape::new([g.n, g.cout, g.oh, g.ow]))
    }

    fn conv2d_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        if !flex_supported(&options, &[&x, &weight, &output_grad]) {
            return <Flex as ModuleOps<Flex>>::conv2d_x_backward(x, weight, output_grad, options);
        }
        let g = geom(&x.shape(), &weight.shape(), &options);
        assert_eq!(
            output_grad.shape().dims::<4>(),
            [g.n, g.cout, g.oh, g.ow],
            "conv2d_input_grad: output_grad shape mismatch"
        );
        let (weight, dy) = (f32_contiguous(&weight), f32_contiguous(&output_grad));
        let dx = cpu::conv2d_input_grad(&g, f32_slice(&weight, "conv2d"), f32_slice(&dy, "conv2d"));
        flex_from_vec(dx, Shape::new([g.n, g.cin, g.h, g.w]))
    }

    fn conv2d_weight_grad(
        x: FlexTensor,
        weight: FlexTensor,
        output_grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        if !flex_supported(&options, &[&x, &weight, &output_grad]) {
            return <Flex as ModuleOps<Flex>>::conv2d_weight_backward(
                x,
                weight,
                output_grad,
                options,
            );
        }
        let g = geom(&x.shape(), &weight.shape(), &options);
        assert_eq!(
            output_grad.shape().dims::<4>(),
            [g.n, g.cout, g.oh, g.ow],
            "conv2d_weight_grad: output_grad shape mismatch"
        );
        let (x, dy) = (f32_contiguous(&x), f32_contiguous(&output_grad));
        let dw = cpu::conv2d_weight_grad(&g, f32_slice(&x, "conv2d"), f32_slice(&dy, "conv2d"));
        flex_from_vec(dw, Shape::new([g.cout, g.cin, g.kh, g.kw]))
    }

    fn conv2d_bias_grad(output_grad: FlexTensor) -> FlexTensor {
        if output_grad.dtype() != DType::F32 || output_grad.shape().num_dims() != 4 {
            let [n, c, h, w] = output_grad.shape().dims::<4>();
            let g = Self::float_reshape(output_grad, Shape::new([n, c, h * w]));
            let g = Self::float_sum_dim(g, 2);
            let g = Self::float_sum_dim(g, 0);
            return Self::float_reshape(g, Shape::new([c]));
        }
        let [n, c, h, w] = output_grad.shape().dims::<4>();
        let dy = f32_contiguous(&output_grad);
        let db = cpu::conv2d_bias_grad(n, c, h * w, f32_slice(&dy, "conv2d"));
        flex_from_vec(db, Shape::new([c]))
    }
}
