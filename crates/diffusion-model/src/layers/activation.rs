//! SiLU, the only activation diffusers' UNet2DModel uses here.

use burn::tensor::backend::Backend;
use burn::tensor::{activation, Tensor};

/// SiLU (swish): x · σ(x) (Elfwing et al. 2018), diffusers' `act_fn = "silu"`.
pub fn silu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    activation::silu(x)
}
