//! Fast 2-D convolution (forward and backward) with a custom autodiff node.
//!
//! - [`Conv2dBackend`]: the backend trait (defaults = burn's own conv ops).
//! - `Flex`: own NCHW im2col/col2im + `gemm` kernels for contiguous f32 (groups 1, dilation 1);
//!   other dtypes / configurations fall back to burn's ops.
//! - `CubeBackend` (wgpu, cuda): burn's ops.
//! - `Autodiff<B, C>`: forward through `B::conv2d_forward`, backward through
//!   `B::conv2d_input_grad` / `B::conv2d_weight_grad` / `B::conv2d_bias_grad`.

mod autodiff;
mod backend;
pub mod cpu;
mod direct;
mod direct_weight_grad;
mod geometry;

#[cfg(test)]
mod tests;

pub use backend::Conv2dBackend;

use burn::tensor::ops::ConvOptions;
use burn::tensor::{Tensor, TensorPrimitive};

/// 2-D convolution, groups = 1, dilation = 1.
///
/// `x [N, Cin, H, W]`, `weight [Cout, Cin, KH, KW]`, `bias [Cout]` -> `[N, Cout, OH, OW]`
/// with `OH = (H + 2*padding[0] - KH) / stride[0] + 1` (same for W).
pub fn conv2d<B: Conv2dBackend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Option<Tensor<B, 1>>,
    stride: [usize; 2],
    padding: [usize; 2],
) -> Tensor<B, 4> {
    let [_, cin, h, w] = x.dims();
    let [cout, wcin, kh, kw] = weight.dims();
    assert_eq!(
        cin, wcin,
        "conv2d: x has {cin} channels, weight expects {wcin} (only groups = 1 is supported)"
    );
    assert!(
        stride[0] > 0 && stride[1] > 0,
        "conv2d: stride must be non-zero"
    );
    assert!(
        h + 2 * padding[0] >= kh && w + 2 * padding[1] >= kw,
        "conv2d: kernel {kh}x{kw} larger than the padded input"
    );
    if let Some(b) = &bias {
        assert_eq!(b.dims(), [cout], "conv2d: bias must have shape [Cout]");
    }
    let options = ConvOptions::new(stride, padding, [1, 1], 1);
    let out = B::conv2d_forward(
        x.into_primitive().tensor(),
        weight.into_primitive().tensor(),
        bias.map(|b| b.into_primitive().tensor()),
        options,
    );
    Tensor::from_primitive(TensorPrimitive::Float(out))
}
