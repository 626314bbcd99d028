//! Flex: per-sample plane copies on contiguous f32 (rayon-parallel over samples); other dtypes
//! use the defaults.

use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::{DType, Shape, TensorMetadata};
use rayon::prelude::*;

use super::ConcatBackend;
use crate::ops::flex_slices::{f32_contiguous, f32_slice, flex_from_vec};

fn f32_rank4(t: &FlexTensor) -> bool {
    t.dtype() == DType::F32 && t.shape().num_dims() == 4
}

impl ConcatBackend for Flex {
    fn concat_channels(a: FlexTensor, b: FlexTensor) -> FlexTensor {
        if !(f32_rank4(&a) && f32_rank4(&b)) {
            return <Flex as burn::tensor::ops::FloatTensorOps<Flex>>::float_cat(vec![a, b], 1);
        }
        let [n, ca, h, w] = a.shape().dims::<4>();
        let cb = b.shape().dims::<4>()[1];
        let (a, b) = (f32_contiguous(&a), f32_contiguous(&b));
        let (a, b) = (
            f32_slice(&a, "concat_channels"),
            f32_slice(&b, "concat_channels"),
        );
        let (la, lb) = (ca * h * w, cb * h * w);
        let mut out = crate::ops::buffers::zeroed(n * (la + lb));
        if la + lb > 0 {
            out.par_chunks_mut(la + lb).enumerate().for_each(|(i, o)| {
                o[..la].copy_from_slice(&a[i * la..(i + 1) * la]);
                o[la..].copy_from_slice(&b[i * lb..(i + 1) * lb]);
            });
        }
        flex_from_vec(out, Shape::new([n, ca + cb, h, w]))
    }

    fn split_channels(x: FlexTensor, first: usize) -> [FlexTensor; 2] {
        if !f32_rank4(&x) {
            let t = burn::tensor::Tensor::<Flex, 4>::from_primitive(
                burn::tensor::TensorPrimitive::Float(x),
            );
            let c = t.dims()[1];
            return [t.clone().narrow(1, 0, first), t.narrow(1, first, c - first)]
                .map(|p| p.into_primitive().tensor());
        }
        let [n, c, h, w] = x.shape().dims::<4>();
        assert!(first <= c, "split_channels: {first} of {c} channels");
        let x = f32_contiguous(&x);
        let x = f32_slice(&x, "split_channels");
        let (la, lb) = (first * h * w, (c - first) * h * w);
        let (mut a, mut b) = (
            crate::ops::buffers::zeroed(n * la),
            crate::ops::buffers::zeroed(n * lb),
        );
        if la + lb > 0 {
            let (ca, cb) = (la.max(1), lb.max(1));
            a.par_chunks_mut(ca)
                .zip(b.par_chunks_mut(cb))
                .enumerate()
                .for_each(|(i, (pa, pb))| {
                    let row = &x[i * (la + lb)..(i + 1) * (la + lb)];
                    pa.copy_from_slice(&row[..la]);
                    pb.copy_from_slice(&row[la..]);
                });
        }
        [
            flex_from_vec(a, Shape::new([n, first, h, w])),
            flex_from_vec(b, Shape::new([n, c - first, h, w])),
        ]
    }
}
