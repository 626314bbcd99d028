use super::{concat_channels, ConcatBackend};
use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

type F = Flex;
type A = Autodiff<Flex>;

fn ramp<B: burn::tensor::backend::Backend>(shape: [usize; 4], start: f32) -> Tensor<B, 4> {
    let count: usize = shape.iter().product();
    let v: Vec<f32> = (0..count).map(|i| start + i as f32 * 0.5).collect();
    Tensor::from_data(TensorData::new(v, shape.to_vec()), &Default::default())
}

#[test]
fn matches_burns_cat_including_strided_inputs() {
    let a = ramp::<F>([3, 2, 4, 5], 0.0);
    let b = ramp::<F>([3, 5, 4, 3], 100.0).swap_dims(2, 3); // [3, 5, 3, 4] is not what we want
    let b = b
        .swap_dims(2, 3)
        .narrow(3, 0, 3)
        .repeat_dim(3, 2)
        .narrow(3, 0, 5); // [3, 5, 4, 5] view
    let ours = concat_channels(a.clone(), b.clone());
    let reference = Tensor::cat(vec![a, b], 1);
    assert_eq!(ours.dims(), [3, 7, 4, 5]);
    ours.into_data().assert_eq(&reference.into_data(), true);
}

#[test]
fn split_is_the_inverse_of_concat() {
    let x = ramp::<F>([2, 6, 3, 3], -4.0);
    let [a, b] = <F as ConcatBackend>::split_channels(x.clone().into_primitive().tensor(), 2)
        .map(|p| Tensor::<F, 4>::from_primitive(TensorPrimitive::Float(p)));
    assert_eq!((a.dims(), b.dims()), ([2, 2, 3, 3], [2, 4, 3, 3]));
    concat_channels(a, b)
        .into_data()
        .assert_eq(&x.into_data(), true);
}

#[test]
fn gradients_route_back_to_each_input() {
    let a = ramp::<A>([2, 3, 2, 2], 0.0).require_grad();
    let b = ramp::<A>([2, 1, 2, 2], 1.0).require_grad();
    let weights = ramp::<A>([2, 4, 2, 2], -3.0);
    let grads = (concat_channels(a.clone(), b.clone()) * weights.clone())
        .sum()
        .backward();
    let expected_a = weights.clone().narrow(1, 0, 3).into_data();
    let expected_b = weights.narrow(1, 3, 1).into_data();
    a.grad(&grads)
        .expect("da")
        .into_data()
        .assert_eq(&expected_a, true);
    b.grad(&grads)
        .expect("db")
        .into_data()
        .assert_eq(&expected_b, true);
}

#[test]
#[should_panic(expected = "differ outside the channel dimension")]
fn mismatched_spatial_shapes_are_rejected() {
    let _ = concat_channels(ramp::<F>([1, 2, 3, 3], 0.0), ramp::<F>([1, 2, 3, 4], 0.0));
}
