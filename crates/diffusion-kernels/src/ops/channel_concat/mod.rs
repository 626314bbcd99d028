//! Concatenation of two `[N, C, H, W]` maps along the channels (the U-Net decoder's skip
//! connections), with a custom autodiff node whose backward hands back two *contiguous*
//! gradients.
//!
//! Why: burn's `cat` backward returns slices (strided views) of the output gradient; every op
//! that later reads them on flex (our convolution and GroupNorm, burn's gradient accumulation)
//! first walks them element by element. On the MNIST training step that cost more than the
//! convolutions' bias gradients. Here the split is one plane copy per sample.
//!
//! - [`ConcatBackend`]: the backend trait (defaults = burn's `cat` and `slice`).
//! - `Flex`: own parallel plane copies for f32.
//! - `CubeBackend` (wgpu, cuda): the defaults.
//! - `Autodiff<B, C>`: forward through `B::concat_channels`, backward through
//!   `B::split_channels`.

mod autodiff;
mod flex;

#[cfg(test)]
mod tests;

use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive};
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime, FloatElement, IntElement};

/// `[a, b]` along dimension 1: `a [N, Ca, H, W]`, `b [N, Cb, H, W]` → `[N, Ca + Cb, H, W]`.
pub fn concat_channels<B: ConcatBackend>(a: Tensor<B, 4>, b: Tensor<B, 4>) -> Tensor<B, 4> {
    let ([n, _, h, w], [nb, _, hb, wb]) = (a.dims(), b.dims());
    assert!(
        n == nb && h == hb && w == wb,
        "concat_channels: shapes {:?} and {:?} differ outside the channel dimension",
        a.dims(),
        b.dims()
    );
    Tensor::from_primitive(TensorPrimitive::Float(B::concat_channels(
        a.into_primitive().tensor(),
        b.into_primitive().tensor(),
    )))
}

/// Backends with a channel concatenation and its inverse split.
pub trait ConcatBackend: Backend {
    /// `[a, b]` along dimension 1 (rank 4). Default: `B::float_cat`.
    fn concat_channels(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::float_cat(vec![a, b], 1)
    }

    /// Splits `x [N, C, H, W]` into channels `0..first` and `first..C`. Default: two
    /// `B::float_slice` views.
    fn split_channels(x: FloatTensor<Self>, first: usize) -> [FloatTensor<Self>; 2] {
        let t = Tensor::<Self, 4>::from_primitive(TensorPrimitive::Float(x));
        let c = t.dims()[1];
        [t.clone().narrow(1, 0, first), t.narrow(1, first, c - first)]
            .map(|p| p.into_primitive().tensor())
    }
}

impl<R, F, I, BT> ConcatBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
    CubeBackend<R, F, I, BT>: Backend,
{
}
