//! [`NoisingBackend`]: fused noising on burn tensors, one call whatever the backend. The default
//! method reads the batch to the host and runs [`super::cpu::noising`] (the path of `Flex`);
//! burn's cubecl backends (wgpu, CUDA) launch [`super::cube::launch_noising`] on the tensors' own
//! buffers; `Autodiff<B>` delegates to `B` (noise carries no gradient).

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use burn_cubecl::element::{BoolElement, FloatElement, IntElement};
use burn_cubecl::{CubeBackend, CubeRuntime};

use super::{cpu, cube, NoisingParams, NoisingTarget};
use crate::cube::tensors::{cube_of, empty_like, tensor_of};
use crate::error::KernelResult;
use crate::ops::rows::{host_f32, rows_and_len};

/// `x_t` and, when asked for, the training target.
#[derive(Debug, Clone)]
pub struct Noised<B: Backend, const D: usize> {
    /// `a·x₀ + b·ε`.
    pub x_t: Tensor<B, D>,
    /// ε, x₀ or v, per the requested [`NoisingTarget`]; `None` for [`NoisingTarget::None`].
    pub target: Option<Tensor<B, D>>,
}

/// Backends that can run the fused noising kernel.
pub trait NoisingBackend: Backend {
    /// `x_t = a·x₀ + b·ε` per sample with in-kernel ε, plus the requested target.
    fn fused_noising<const D: usize>(
        x0: Tensor<Self, D>,
        params: &NoisingParams,
        target: NoisingTarget,
    ) -> KernelResult<Noised<Self, D>> {
        cpu_noising(x0, params, target)
    }
}

/// Fused noising of a batch (see [`NoisingBackend::fused_noising`]).
pub fn noise<B: NoisingBackend, const D: usize>(
    x0: Tensor<B, D>,
    params: &NoisingParams,
    target: NoisingTarget,
) -> KernelResult<Noised<B, D>> {
    B::fused_noising(x0, params, target)
}

/// The CPU path for any burn backend: read the batch, run [`cpu::noising`], upload the result.
pub fn cpu_noising<B: Backend, const D: usize>(
    x0: Tensor<B, D>,
    params: &NoisingParams,
    target: NoisingTarget,
) -> KernelResult<Noised<B, D>> {
    let dims = x0.dims();
    let (_, row_len) = rows_and_len(&dims)?;
    let device = x0.device();
    let host = host_f32(x0.clone());
    let mut x_t = vec![0.0; host.len()];
    let mut tgt = if target.writes() {
        vec![0.0; host.len()]
    } else {
        Vec::new()
    };
    cpu::noising(
        &host,
        row_len,
        params,
        target,
        &mut x_t,
        target.writes().then_some(&mut tgt[..]),
    )?;
    let upload = |v: Vec<f32>| Tensor::<B, D>::from_data(TensorData::new(v, dims), &device);
    Ok(Noised {
        x_t: upload(x_t),
        target: match target {
            NoisingTarget::None => None,
            NoisingTarget::Sample => Some(x0),
            _ => Some(upload(tgt)),
        },
    })
}

impl NoisingBackend for Flex {}

impl<B: NoisingBackend, C: CheckpointStrategy> NoisingBackend for Autodiff<B, C> {
    fn fused_noising<const D: usize>(
        x0: Tensor<Self, D>,
        params: &NoisingParams,
        target: NoisingTarget,
    ) -> KernelResult<Noised<Self, D>> {
        let inner = B::fused_noising(x0.inner(), params, target)?;
        Ok(Noised {
            x_t: Tensor::from_inner(inner.x_t),
            target: inner.target.map(Tensor::from_inner),
        })
    }
}

impl<R, F, I, BT> NoisingBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
{
    fn fused_noising<const D: usize>(
        x0: Tensor<Self, D>,
        params: &NoisingParams,
        target: NoisingTarget,
    ) -> KernelResult<Noised<Self, D>> {
        let dims = x0.dims();
        let (_, row_len) = rows_and_len(&dims)?;
        let keep = (target == NoisingTarget::Sample).then(|| x0.clone());
        let x0 = cube_of(x0)?;
        let len = x0.meta.shape().num_elements();
        let x_t = empty_like(&x0);
        let tgt = target.writes().then(|| empty_like(&x0));
        cube::launch_noising(
            &x0.client,
            &x0.handle,
            len,
            row_len,
            params,
            target,
            &x_t.handle,
            tgt.as_ref().map(|t| &t.handle),
        )?;
        Ok(Noised {
            x_t: tensor_of(x_t),
            target: keep.or_else(|| tgt.map(tensor_of)),
        })
    }
}
