//! Fused GroupNorm (optionally followed by SiLU) and per-(sample, channel) bias add, with
//! custom autodiff backward nodes.
//!
//! - [`GroupNormBackend`]: the backend trait (defaults = composed burn tensor ops).
//! - `Flex`: own kernels on contiguous f32 slices (one stats pass + one output pass per
//!   (sample, group), rayon-parallel); other dtypes fall back to the defaults.
//! - `CubeBackend` (wgpu, cuda): the defaults.
//! - `Autodiff<B, C>`: forward through `B::group_norm_forward_stats` / `B::add_channel_bias`,
//!   backward through `B::group_norm_backward` / `B::channel_bias_grad`.

mod autodiff;
mod backend;
pub mod cpu;

#[cfg(test)]
mod tests;

pub use backend::{
    default_group_norm_backward, default_group_norm_forward_stats, GroupNormBackend, GroupNormGrads,
};

use burn::tensor::{Tensor, TensorPrimitive};

/// GroupNorm over x [N, C, *] (any rank 2..=4; trailing dims are treated as one spatial dim)
/// with per-channel weight, bias `[C]`:
/// y = (x - mean_g) / sqrt(var_g + eps) * weight_c + bias_c, biased variance over
/// (C/G channels × spatial) per sample and group, then, if `silu`, y = y * sigmoid(y).
pub fn group_norm<B: GroupNormBackend, const D: usize>(
    x: Tensor<B, D>,
    weight: Tensor<B, 1>,
    bias: Tensor<B, 1>,
    groups: usize,
    eps: f64,
    silu: bool,
) -> Tensor<B, D> {
    assert!(D >= 2, "group_norm: x must be [N, C, *] (rank >= 2)");
    let dims = x.dims();
    let (n, c) = (dims[0], dims[1]);
    let s: usize = dims[2..].iter().product();
    assert!(
        groups > 0 && c % groups == 0,
        "group_norm: {c} channels are not divisible into {groups} groups"
    );
    assert_eq!(weight.dims(), [c], "group_norm: weight must have shape [C]");
    assert_eq!(bias.dims(), [c], "group_norm: bias must have shape [C]");
    let x: Tensor<B, 3> = x.reshape([n, c, s]);
    let y = B::group_norm_forward(
        x.into_primitive().tensor(),
        weight.into_primitive().tensor(),
        bias.into_primitive().tensor(),
        groups,
        eps,
        silu,
    );
    Tensor::<B, 3>::from_primitive(TensorPrimitive::Float(y)).reshape(dims)
}

/// x [N, C, H, W] + b [N, C] broadcast over H, W (the time-embedding add of a resnet block).
pub fn add_channel_bias<B: GroupNormBackend>(x: Tensor<B, 4>, b: Tensor<B, 2>) -> Tensor<B, 4> {
    let [n, c, _, _] = x.dims();
    assert_eq!(
        b.dims(),
        [n, c],
        "add_channel_bias: b must have shape [N, C]"
    );
    let y = B::add_channel_bias(x.into_primitive().tensor(), b.into_primitive().tensor());
    Tensor::from_primitive(TensorPrimitive::Float(y))
}
