//! Placeholder: burn's stock convolution (replaced by the fast CPU convolution).
use burn::tensor::backend::Backend;
use burn::tensor::module;
use burn::tensor::ops::ConvOptions;
use burn::tensor::Tensor;

/// Backends with a 2-D convolution and a matching backward.
pub trait Conv2dBackend: Backend {}
impl<B: Backend> Conv2dBackend for B {}

/// 2-D convolution: x [N,Cin,H,W], weight [Cout,Cin,kh,kw], bias [Cout].
pub fn conv2d<B: Conv2dBackend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Option<Tensor<B, 1>>,
    stride: [usize; 2],
    padding: [usize; 2],
) -> Tensor<B, 4> {
    module::conv2d(x, weight, bias, ConvOptions::new(stride, padding, [1, 1], 1))
}
