//! `Autodiff<B, C>` support: the forward runs `B::group_norm_forward_stats` /
//! `B::add_channel_bias` and registers a backward node that calls `B::group_norm_backward` /
//! `B::channel_bias_grad`. Mirrors the conv2d node.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::Autodiff;
use burn::tensor::ops::FloatTensor;

use super::backend::GroupNormBackend;

#[derive(Debug)]
struct GroupNormNode;

/// Saved for the backward: checkpointed x, weight (and bias when `silu`), the per-(n, g)
/// statistics from the forward, groups, silu.
#[derive(Debug, Clone)]
struct GroupNormState<B: GroupNormBackend> {
    x: NodeId,
    weight: NodeId,
    bias: Option<NodeId>,
    mean: FloatTensor<B>,
    rstd: FloatTensor<B>,
    groups: usize,
    silu: bool,
}

impl<B: GroupNormBackend> Backward<B, 3> for GroupNormNode {
    type State = GroupNormState<B>;

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let st = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(st.x);
        let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(st.weight);
        let bias = st
            .bias
            .map(|id| checkpointer.retrieve_node_output::<FloatTensor<B>>(id));
        let need = [node_x.is_some(), node_weight.is_some(), node_bias.is_some()];
        let g = B::group_norm_backward(
            x, weight, bias, st.mean, st.rstd, grad, st.groups, st.silu, need,
        );
        if let (Some(node), Some(dx)) = (node_x, g.x) {
            grads.register::<B>(node.id, dx);
        }
        if let (Some(node), Some(dw)) = (node_weight, g.weight) {
            grads.register::<B>(node.id, dw);
        }
        if let (Some(node), Some(db)) = (node_bias, g.bias) {
            grads.register::<B>(node.id, db);
        }
    }
}

#[derive(Debug)]
struct AddChannelBiasNode;

impl<B: GroupNormBackend> Backward<B, 2> for AddChannelBiasNode {
    type State = ();

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_b] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = node_b {
            grads.register::<B>(node.id, B::channel_bias_grad(grad.clone()));
        }
        if let Some(node) = node_x {
            grads.register::<B>(node.id, grad);
        }
    }
}

/// `group_norm_forward` and `add_channel_bias` are routed through custom nodes; the other
/// methods keep their defaults (burn's differentiable ops on `Autodiff<B>`).
impl<B: GroupNormBackend, C: CheckpointStrategy> GroupNormBackend for Autodiff<B, C> {
    fn group_norm_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        groups: usize,
        eps: f64,
        silu: bool,
    ) -> FloatTensor<Self> {
        match GroupNormNode
            .prepare::<C>([x.node.clone(), weight.node.clone(), bias.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                let bias_state = silu.then(|| prep.checkpoint(&bias));
                let (y, mean, rstd) = B::group_norm_forward_stats(
                    x.primitive,
                    weight.primitive,
                    bias.primitive,
                    groups,
                    eps,
                    silu,
                );
                let state = GroupNormState {
                    x: x_state,
                    weight: weight_state,
                    bias: bias_state,
                    mean,
                    rstd,
                    groups,
                    silu,
                };
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::group_norm_forward(
                x.primitive,
                weight.primitive,
                bias.primitive,
                groups,
                eps,
                silu,
            )),
        }
    }

    fn add_channel_bias(x: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        AddChannelBiasNode
            .prepare::<C>([x.node.clone(), b.node.clone()])
            .compute_bound()
            .stateless(B::add_channel_bias(x.primitive, b.primitive))
    }
}
