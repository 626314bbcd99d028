//! The fused kernels on burn tensors: one call whatever the backend.
//!
//! [`FusedKernels`] is implemented for burn's cubecl backends (wgpu, CUDA), which launch the
//! cubecl kernels on the tensors' own buffers, for `Flex` (CPU), which runs [`crate::cpu`], and
//! for `Autodiff<B>` by delegating to `B` (noise and sampler updates carry no gradient). The
//! first dimension of every tensor indexes samples; the rest is flattened.

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_cubecl::element::{BoolElement, FloatElement, IntElement};
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, CubeRuntime};

use crate::cpu;
use crate::cube;
use crate::error::{KernelError, KernelResult};
use crate::spec::{NoisingParams, NoisingTarget, StepParams};

/// `x_t` and, when asked for, the training target.
#[derive(Debug, Clone)]
pub struct Noised<B: Backend, const D: usize> {
    /// `a·x₀ + b·ε`.
    pub x_t: Tensor<B, D>,
    /// ε, x₀ or v, per the requested [`NoisingTarget`]; `None` for [`NoisingTarget::None`].
    pub target: Option<Tensor<B, D>>,
}

/// Backends that can run the fused noising and sampler-step kernels.
pub trait FusedKernels: Backend {
    /// `x_t = a·x₀ + b·ε` per sample with in-kernel ε, plus the requested target.
    fn fused_noising<const D: usize>(
        x0: Tensor<Self, D>,
        params: &NoisingParams,
        target: NoisingTarget,
    ) -> KernelResult<Noised<Self, D>> {
        cpu_noising(x0, params, target)
    }

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

/// Fused noising of a batch (see [`FusedKernels::fused_noising`]).
pub fn noise<B: FusedKernels, const D: usize>(
    x0: Tensor<B, D>,
    params: &NoisingParams,
    target: NoisingTarget,
) -> KernelResult<Noised<B, D>> {
    B::fused_noising(x0, params, target)
}

/// One fused sampler step (see [`FusedKernels::fused_sampler_step`]).
pub fn sampler_step<B: FusedKernels, const D: usize>(
    x: Tensor<B, D>,
    d: Tensor<B, D>,
    d_prev: Option<Tensor<B, D>>,
    params: &StepParams,
) -> KernelResult<Tensor<B, D>> {
    B::fused_sampler_step(x, d, d_prev, params)
}

/// Rows (first dimension) and elements per row of a shape.
fn rows_and_len(dims: &[usize]) -> KernelResult<(usize, usize)> {
    match dims.split_first() {
        Some((&rows, rest)) if rows > 0 => Ok((rows, rest.iter().product())),
        _ => Err(KernelError::NoRows(dims.to_vec())),
    }
}

fn same_shape(name: &'static str, expected: &[usize], found: &[usize]) -> KernelResult<()> {
    if expected == found {
        Ok(())
    } else {
        Err(KernelError::ShapeMismatch {
            name,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    }
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

fn host_f32<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("converted to f32 above")
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
    let writes = matches!(target, NoisingTarget::Epsilon | NoisingTarget::V);
    let mut tgt = if writes {
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
        writes.then_some(&mut tgt[..]),
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

impl FusedKernels for Flex {}

impl<B: FusedKernels, C: CheckpointStrategy> FusedKernels for Autodiff<B, C> {
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

/// A float tensor's contiguous f32 device buffer, or an error for other dtypes.
fn cube_input<R: CubeRuntime>(t: CubeTensor<R>) -> KernelResult<CubeTensor<R>> {
    if t.dtype != burn::tensor::DType::F32 {
        return Err(KernelError::UnsupportedDtype(format!("{:?}", t.dtype)));
    }
    // Strided views (transposes, slices) are copied to a contiguous buffer first.
    Ok(burn_cubecl::kernel::into_contiguous(t))
}

fn cube_of<R, F, I, BT, const D: usize>(
    t: Tensor<CubeBackend<R, F, I, BT>, D>,
) -> KernelResult<CubeTensor<R>>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
{
    cube_input(t.into_primitive().tensor())
}

fn empty_like<R: CubeRuntime>(like: &CubeTensor<R>) -> CubeTensor<R> {
    let shape = like.meta.shape().clone();
    let handle = like.client.empty(shape.num_elements() * 4);
    CubeTensor::new_contiguous(
        like.client.clone(),
        like.device.clone(),
        shape,
        handle,
        like.dtype,
    )
}

fn tensor_of<R, F, I, BT, const D: usize>(t: CubeTensor<R>) -> Tensor<CubeBackend<R, F, I, BT>, D>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
{
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

impl<R, F, I, BT> FusedKernels for CubeBackend<R, F, I, BT>
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
        let writes = matches!(target, NoisingTarget::Epsilon | NoisingTarget::V);
        let tgt = writes.then(|| empty_like(&x0));
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
