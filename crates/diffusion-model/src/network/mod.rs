//! What every registered network can do: run as a denoiser ([`DenoisingNetwork`]), build, load
//! and save itself ([`Network`]), describe its config ([`NetworkSpec`]), and be the type that
//! work generic over networks runs with ([`NetworkVisitor`], [`TrainableVisitor`]). The registry
//! (`crate::registry`) names the kinds; the kinds implement these traits.

pub(crate) mod spec;
mod visit;

pub use spec::{Footprint, NetworkSpec};
pub use visit::{NetworkVisitor, TrainableVisitor};

use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::error::ModelResult;
use crate::layers::ParamInit;

/// A network that maps `(x, time, labels)` to an output of x's shape: what samplers and the
/// training loss call. `D` is the rank of the input batch (4 for images, 2 for points).
pub trait DenoisingNetwork<B: Backend, const D: usize> {
    /// One forward pass; `time` holds one value per row, or one value for the whole batch.
    fn run(
        &self,
        x: Tensor<B, D>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, D>>;

    /// Number of class embeddings (the null class included), `None` if unconditional.
    fn class_count(&self) -> Option<usize>;
}

/// A borrowed network is a network (a denoiser can wrap a model it does not own).
impl<B: Backend, const D: usize, N: DenoisingNetwork<B, D>> DenoisingNetwork<B, D> for &N {
    fn run(
        &self,
        x: Tensor<B, D>,
        time: Tensor<B, 1>,
        labels: Option<Tensor<B, 1, Int>>,
    ) -> ModelResult<Tensor<B, D>> {
        (**self).run(x, time, labels)
    }

    fn class_count(&self) -> Option<usize> {
        (**self).class_count()
    }
}

/// Implements [`DenoisingNetwork`] of rank `$rank` for `$network<B>` (every `B: $bound`) through
/// its inherent `forward(x, timesteps, class_labels)`, with the class count of its config: the
/// same few lines every registered network needs.
macro_rules! denoising_network {
    ($network:ident, $bound:path, $rank:literal) => {
        impl<B: $bound> $crate::network::DenoisingNetwork<B, $rank> for $network<B> {
            fn run(
                &self,
                x: burn::tensor::Tensor<B, $rank>,
                time: burn::tensor::Tensor<B, 1>,
                labels: Option<burn::tensor::Tensor<B, 1, burn::tensor::Int>>,
            ) -> $crate::error::ModelResult<burn::tensor::Tensor<B, $rank>> {
                self.forward(x, time, labels)
            }

            fn class_count(&self) -> Option<usize> {
                $crate::network::NetworkSpec::class_count(self.config())
            }
        }
    };
}
pub(crate) use denoising_network;

/// A registered network kind: a burn module that denoises, is built from its config with a
/// seeded initialisation, and loads and saves a diffusers-layout folder (config.json +
/// diffusion_pytorch_model.safetensors).
pub trait Network<B: Backend, const D: usize>: Module<B> + DenoisingNetwork<B, D> + Sized {
    /// The config.json of this kind.
    type Config: NetworkSpec;

    /// The network `config` describes, with parameters from `init` (a seeded draw, or zeros as
    /// placeholders for weights about to be loaded). Fails on an invalid config.
    fn initialised(
        config: &Self::Config,
        init: &mut ParamInit,
        device: &B::Device,
    ) -> ModelResult<Self>;

    /// A fresh network with PyTorch's default initialisation drawn from `seed` (the same
    /// weights on every backend).
    fn build(config: &Self::Config, seed: u64, device: &B::Device) -> ModelResult<Self> {
        Self::initialised(config, &mut ParamInit::new(seed), device)
    }

    /// The network of `config` with the weights of `dir`'s safetensors file; every missing,
    /// unexpected or mis-shaped tensor is reported by name.
    fn load(config: &Self::Config, dir: &Path, device: &B::Device) -> ModelResult<Self> {
        let placeholder = Self::initialised(config, &mut ParamInit::placeholder(), device)?;
        crate::weights::load_weights(placeholder, dir, device)
    }

    /// The config this network was built from.
    fn spec(&self) -> &Self::Config;

    /// Writes config.json + diffusion_pytorch_model.safetensors into `dir` (created if needed),
    /// each file atomically.
    fn save_to(&self, dir: &Path) -> ModelResult<()> {
        crate::weights::save_directory(self, dir, &self.spec().to_config_json())
    }

    /// Reads a folder that [`Network::save_to`] (or diffusers) wrote.
    fn load_from(dir: &Path, device: &B::Device) -> ModelResult<Self> {
        let config = Self::Config::read(dir)?;
        Self::load(&config, dir, device)
    }

    /// Why the network cannot take data items of `shape`, if it cannot.
    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        self.spec().item_shape_problem(shape)
    }
}
