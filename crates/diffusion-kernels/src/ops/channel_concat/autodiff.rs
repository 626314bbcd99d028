//! `Autodiff<B, C>` support: the forward runs `B::concat_channels`, the backward
//! `B::split_channels` (no tensor is kept, only the first input's channel count).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::Autodiff;
use burn::tensor::ops::FloatTensor;
use burn::tensor::TensorMetadata;

use super::ConcatBackend;

#[derive(Debug)]
struct ConcatChannels;

impl<B: ConcatBackend> Backward<B, 2> for ConcatChannels {
    /// Channels of the first input.
    type State = usize;

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_a, node_b] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let [da, db] = B::split_channels(grad, ops.state);
        for (node, d) in [(node_a, da), (node_b, db)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, d);
            }
        }
    }
}

impl<B: ConcatBackend, C: CheckpointStrategy> ConcatBackend for Autodiff<B, C> {
    fn concat_channels(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        let first = a.primitive.shape().dims::<4>()[1];
        match ConcatChannels
            .prepare::<C>([a.node.clone(), b.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                prep.finish(first, B::concat_channels(a.primitive, b.primitive))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::concat_channels(a.primitive, b.primitive)),
        }
    }
}
