//! burn's cubecl tensors as the fused kernels' raw buffers: contiguous f32 in, fresh buffers
//! out, wrapped back as burn tensors.

use burn::tensor::{Tensor, TensorPrimitive};
use burn_cubecl::element::{BoolElement, FloatElement, IntElement};
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, CubeRuntime};

use crate::error::{KernelError, KernelResult};

/// A float tensor's contiguous f32 device buffer, or an error for other dtypes.
fn cube_input<R: CubeRuntime>(t: CubeTensor<R>) -> KernelResult<CubeTensor<R>> {
    if t.dtype != burn::tensor::DType::F32 {
        return Err(KernelError::UnsupportedDtype(format!("{:?}", t.dtype)));
    }
    // Strided views (transposes, slices) are copied to a contiguous buffer first.
    Ok(burn_cubecl::kernel::into_contiguous(t))
}

/// The contiguous f32 buffer of a burn tensor on a cubecl backend.
pub(crate) fn cube_of<R, F, I, BT, const D: usize>(
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

/// An uninitialised f32 buffer of `like`'s shape on its device.
pub(crate) fn empty_like<R: CubeRuntime>(like: &CubeTensor<R>) -> CubeTensor<R> {
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

/// A burn tensor over a kernel's output buffer.
pub(crate) fn tensor_of<R, F, I, BT, const D: usize>(
    t: CubeTensor<R>,
) -> Tensor<CubeBackend<R, F, I, BT>, D>
where
    R: CubeRuntime,
    F: FloatElement,
    I: IntElement,
    BT: BoolElement,
{
    Tensor::from_primitive(TensorPrimitive::Float(t))
}
