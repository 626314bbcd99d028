//! Work that is generic over the network type, run on whichever kind a config names: the
//! registry's dispatch ([`crate::registry::NetworkConfig::visit`]) calls the visitor with the
//! concrete type, so callers never match on network kinds.

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;

use super::Network;
use crate::ModelBackend;

/// Work on a network of any kind on backend `B` (load and sample, score, describe).
pub trait NetworkVisitor<B: ModelBackend> {
    /// What the work returns.
    type Output;

    /// Runs the work with `N`, the network type of the config's kind, and its parsed config.
    fn visit<const D: usize, N: Network<B, D>>(self, config: &N::Config) -> Self::Output;
}

/// Work that trains a network of any kind on the autodiff backend `B`: the network's
/// non-autodiff twin (for the EMA copy and checkpoints) is a network too.
pub trait TrainableVisitor<B>
where
    B: AutodiffBackend + ModelBackend,
    B::InnerBackend: ModelBackend,
{
    /// What the work returns.
    type Output;

    /// Runs the work with `N`, the network type of the config's kind, and its parsed config.
    fn visit<const D: usize, N>(self, config: &N::Config) -> Self::Output
    where
        N: Network<B, D> + AutodiffModule<B>,
        N::InnerModule: Network<B::InnerBackend, D, Config = N::Config>;
}
