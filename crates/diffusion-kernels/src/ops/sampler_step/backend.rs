//! [`SamplerStepBackend`]: the fused sampler step on burn tensors, one call whatever the
//! backend. The default method reads the tensors to the host and runs
//! [`super::cpu::sampler_step`] (the path of `Flex`); burn's cubecl backends (wgpu, CUDA) launch
//! [`super::cube::launch_sampler_step`] on the tensors' own buffers; `Autodiff<B>` delegates to
//! `B` (sampler updates carry no gradient).

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use burn_cubecl::element::{BoolElement, FloatElement, IntElement};
use burn_cubecl::{CubeBackend, CubeRuntime};

use super::{cpu, cube, StepParams};
use crate::cube::tensors::{cube_of, empty_like, tensor_of};
use crate::error::KernelResult;
use crate::ops::rows::{host_f32, rows_and_len, same_shape};

/// Backends that can run the fused sampler-step kernel.
pub trait SamplerStepBackend: Backend {
    /// `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z` per sample with in-kernel z.
    fn fused_sampler_step<const D: usize>(
        x: Tensor<Self, D>,
        d: Tensor<Self, D>,
        d_prev: Option<Tensor<Self, D>>,
        params: &StepParams,
    ) -> KernelResult<Tensor<Self, D>> {
        cpu_sampler_step(x, d, d_prev, params)
    }
}

/// One fused sampler step (see [`SamplerStepBackend::fused_sampler_step`]).
pub fn sampler_step<B: SamplerStepBackend, const D: usize>(
    x: Tensor<B, D>,
    d: Tensor<B, D>,
    d_prev: Option<Tensor<B, D>>,
    params: &StepParams,
) -> KernelResult<Tensor<B, D>> {
    B::fused_sampler_step(x, d, d_prev, params)
}

/// Elements per row of a sampler step's state, after checking D and D_prev have its shape.
fn step_row_len<const D: usize>(
    x: &[usize; D],
    d: [usize; D],
    d_prev: Option<[usize; D]>,
) -> KernelResult<usize> {
    let (_, row_len) = rows_and_len(x)?;
    same_shape("d", x, &d)?;
    if let Some(p) = d_prev {
        same_shape("d_prev", x, &p)?;
    }
    Ok(row_len)
}

/// The CPU path of the sampler step for any burn backend.
pub fn cpu_sampler_step<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    d: Tensor<B, D>,
    d_prev: Option<Tensor<B, D>>,
    params: &StepParams,
) -> KernelResult<Tensor<B, D>> {
    let dims = x.dims();
    let row_len = step_row_len(&dims, d.dims(), d_prev.as_ref().map(Tensor::dims))?;
    let device = x.device();
    let (hx, hd) = (host_f32(x), host_f32(d));
    let hp = d_prev.map(host_f32);
    let mut out = vec![0.0; hx.len()];
    cpu::sampler_step(&hx, &hd, hp.as_deref(), row_len, params, &mut out)?;
    Ok(Tensor::from_data(TensorData::new(out, dims), &device))
}

impl SamplerStepBackend for Flex {}

impl<B: SamplerStepBackend, C: CheckpointStrategy> SamplerStepBackend for Autodiff<B, C> {
    fn fused_sampler_step<const D: usize>(
        x: Tensor<Self, D>,
        d: Tensor<Self, D>,
        d_prev: Option<Tensor<Self, D>>,
        params: &StepParams,
    ) -> KernelResult<Tensor<Self, D>> {
        let out = B::fused_sampler_step(x.inner(), d.inner(), d_prev.map(|p| p.inner()), params)?;
        Ok(Tensor::from_inner(out))
    }
}

impl<R, F, I, BT> SamplerStepBackend for CubeBackend<R, F, I, BT>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
{
    fn fused_sampler_step<const D: usize>(
        x: Tensor<Self, D>,
        d: Tensor<Self, D>,
        d_prev: Option<Tensor<Self, D>>,
        params: &StepParams,
    ) -> KernelResult<Tensor<Self, D>> {
        let dims = x.dims();
        let row_len = step_row_len(&dims, d.dims(), d_prev.as_ref().map(Tensor::dims))?;
        let (x, d) = (cube_of(x)?, cube_of(d)?);
        let prev = d_prev.map(cube_of).transpose()?;
        let len = x.meta.shape().num_elements();
        let out = empty_like(&x);
        cube::launch_sampler_step(
            &x.client,
            &x.handle,
            &d.handle,
            prev.as_ref().map(|p| &p.handle),
            len,
            row_len,
            params,
            &out.handle,
        )?;
        Ok(tensor_of(out))
    }
}
