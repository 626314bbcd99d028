//! Flex tensors as f32 slices and back: the bridge our CPU kernels (convolution, GroupNorm)
//! use to run on flex's storage without going through `TensorData`.

use burn::backend::flex::{FlexTensor, Layout};
use burn::tensor::{Bytes, DType, Shape};

/// Contiguous data of a Flex tensor (zero-copy when already contiguous).
pub(crate) fn f32_contiguous(t: &FlexTensor) -> FlexTensor {
    t.to_contiguous()
}

/// The f32 values of a contiguous Flex tensor; `op` names the caller in the panic message of an
/// internal error (the callers check dtype and contiguity first).
pub(crate) fn f32_slice<'a>(t: &'a FlexTensor, op: &str) -> &'a [f32] {
    t.as_slice::<f32>()
        .unwrap_or_else(|| panic!("{op}: expected a contiguous f32 Flex tensor"))
}

/// A contiguous f32 Flex tensor owning `data`.
pub(crate) fn flex_from_vec(data: Vec<f32>, shape: Shape) -> FlexTensor {
    debug_assert_eq!(data.len(), shape.num_elements());
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(shape),
        DType::F32,
    )
}
