//! A lookup table with PyTorch's parameter name.

use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::ParamInit;

/// `torch.nn.Embedding`: row `i` of `weight` `[num, dim]` for index `i`.
#[derive(Module, Debug)]
pub struct Embedding<B: Backend> {
    /// The table, `[num_embeddings, dim]`.
    pub weight: Param<Tensor<B, 2>>,
}

impl<B: Backend> Embedding<B> {
    /// A table initialised N(0, 1), as PyTorch does.
    pub fn new(num: usize, dim: usize, init: &mut ParamInit, device: &B::Device) -> Self {
        Self {
            weight: init.normal([num, dim], device),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows for `indices` `[N]` → `[N, dim]`.
    pub fn forward(&self, indices: Tensor<B, 1, Int>) -> Tensor<B, 2> {
        self.weight.val().select(0, indices)
    }
}
