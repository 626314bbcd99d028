//! `Autodiff<B, C>` support: the forward runs `B::attention_forward` and registers a backward
//! node that calls `B::attention_backward` (which recomputes the attention probabilities, so
//! only `q`, `k` and `v` are kept).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::Autodiff;
use burn::tensor::ops::FloatTensor;

use super::backend::AttentionBackend;

#[derive(Debug)]
struct Attention;

impl<B: AttentionBackend> Backward<B, 3> for Attention {
    /// Checkpointed `q`, `k`, `v`, then `heads` and `scale`.
    type State = (NodeId, NodeId, NodeId, usize, f64);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_q, node_k, node_v] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (q_state, k_state, v_state, heads, scale) = ops.state;
        let q = checkpointer.retrieve_node_output::<FloatTensor<B>>(q_state);
        let k = checkpointer.retrieve_node_output::<FloatTensor<B>>(k_state);
        let v = checkpointer.retrieve_node_output::<FloatTensor<B>>(v_state);
        let [dq, dk, dv] = B::attention_backward(q, k, v, grad, heads, scale);
        for (node, d) in [(node_q, dq), (node_k, dk), (node_v, dv)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, d);
            }
        }
    }
}

impl<B: AttentionBackend, C: CheckpointStrategy> AttentionBackend for Autodiff<B, C> {
    fn attention_forward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        heads: usize,
        scale: f64,
    ) -> FloatTensor<Self> {
        match Attention
            .prepare::<C>([q.node.clone(), k.node.clone(), v.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let q_state = prep.checkpoint(&q);
                let k_state = prep.checkpoint(&k);
                let v_state = prep.checkpoint(&v);
                prep.finish(
                    (q_state, k_state, v_state, heads, scale),
                    B::attention_forward(q.primitive, k.primitive, v.primitive, heads, scale),
                )
            }
            OpsKind::UnTracked(prep) => prep.finish(B::attention_forward(
                q.primitive,
                k.primitive,
                v.primitive,
                heads,
                scale,
            )),
        }
    }
}
