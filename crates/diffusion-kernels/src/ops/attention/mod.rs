//! Fused multi-head scaled dot-product attention over channel-major tokens, with a custom
//! autodiff node.
//!
//! The U-Net's attention blocks keep activations as `[N, C, L]` (channels, then the `L = H·W`
//! positions), so the projections are 1×1 convolutions and the heads are channel ranges: no
//! transposes or head splits are materialised.
//!
//! - [`AttentionBackend`]: the backend trait (defaults = composed burn tensor ops).
//! - `Flex`: own kernels on contiguous f32 (per sample and head: two small GEMMs and a row
//!   softmax; the backward recomputes the probabilities instead of storing them), rayon-parallel
//!   over (sample, head); other dtypes fall back to the defaults.
//! - `CubeBackend` (wgpu, cuda): the defaults.
//! - `Autodiff<B, C>`: forward through `B::attention_forward`, backward through
//!   `B::attention_backward`.

mod autodiff;
mod backend;
pub mod cpu;

#[cfg(test)]
mod tests;

pub use backend::{default_attention_backward, default_attention_forward, AttentionBackend};

use burn::tensor::{Tensor, TensorPrimitive};

/// Multi-head scaled dot-product attention (Vaswani et al. 2017, eq. 1) on channel-major
/// tokens: `q`, `k`, `v` are `[N, C, L]` with `C = heads · d`; head `h` owns channels
/// `h·d .. (h+1)·d`. For each sample and head, with `Q, K, V` its `[d, L]` blocks,
///
/// `O = V · softmax(scale · QᵀK)ᵀ` (softmax over the key index, each query row sums to 1),
///
/// returned as `[N, C, L]` in the same layout. diffusers' `Attention` uses `scale = 1/√d`.
pub fn attention<B: AttentionBackend>(
    q: Tensor<B, 3>,
    k: Tensor<B, 3>,
    v: Tensor<B, 3>,
    heads: usize,
    scale: f64,
) -> Tensor<B, 3> {
    let dims = q.dims();
    assert!(
        heads > 0 && dims[1].is_multiple_of(heads),
        "attention: {} channels are not divisible into {heads} heads",
        dims[1]
    );
    assert_eq!(k.dims(), dims, "attention: k must have the shape of q");
    assert_eq!(v.dims(), dims, "attention: v must have the shape of q");
    let out = B::attention_forward(
        q.into_primitive().tensor(),
        k.into_primitive().tensor(),
        v.into_primitive().tensor(),
        heads,
        scale,
    );
    Tensor::from_primitive(TensorPrimitive::Float(out))
}
