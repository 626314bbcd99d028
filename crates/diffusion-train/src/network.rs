//! The networks a run can train, with how each saves into a checkpoint directory.

use std::path::Path;

use burn::module::Module;
use burn::tensor::backend::Backend;
use diffusion_model::weights::{load_mlp, load_unet, save_mlp, save_unet};
use diffusion_model::{MlpDenoiser, ModelBackend, ModelResult, UNet2DModel};
use diffusion_sampling::denoiser::DenoisingNetwork;

/// A network the trainer can fit, save and reload; `D` is the rank of its input batch.
pub trait TrainableNetwork<B: Backend, const D: usize>:
    Module<B> + DenoisingNetwork<B, D> + Sized
{
    /// The sub-folder name of the live model in a checkpoint (`unet`, as in a diffusers
    /// pipeline); the EMA model goes to `<name>_ema`.
    const FOLDER: &'static str;

    /// Writes config.json + diffusion_pytorch_model.safetensors into `dir`.
    fn save_to(&self, dir: &Path) -> ModelResult<()>;

    /// Reads what [`TrainableNetwork::save_to`] wrote.
    fn load_from(dir: &Path, device: &B::Device) -> ModelResult<Self>;

    /// Why the network cannot take data items of `shape`, if it cannot.
    fn item_shape_problem(&self, shape: &[usize]) -> Option<String>;
}

impl<B: ModelBackend> TrainableNetwork<B, 4> for UNet2DModel<B> {
    const FOLDER: &'static str = "unet";

    fn save_to(&self, dir: &Path) -> ModelResult<()> {
        save_unet(self, dir)
    }

    fn load_from(dir: &Path, device: &B::Device) -> ModelResult<Self> {
        load_unet(dir, device)
    }

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let c = self.config();
        let multiple = self.size_multiple();
        match shape {
            [ch, h, w] if *ch == c.in_channels && h % multiple == 0 && w % multiple == 0 => None,
            _ => Some(format!(
                "the U-Net takes [{}, H, W] images with H and W divisible by {multiple}; the data \
                 items are {shape:?}",
                c.in_channels
            )),
        }
    }
}

impl<B: Backend> TrainableNetwork<B, 2> for MlpDenoiser<B> {
    const FOLDER: &'static str = "mlp";

    fn save_to(&self, dir: &Path) -> ModelResult<()> {
        save_mlp(self, dir)
    }

    fn load_from(dir: &Path, device: &B::Device) -> ModelResult<Self> {
        load_mlp(dir, device)
    }

    fn item_shape_problem(&self, shape: &[usize]) -> Option<String> {
        let dim = self.config().data_dim;
        (shape != [dim]).then(|| {
            format!("the MLP takes points of dimension {dim}; the data items are {shape:?}")
        })
    }
}
