//! `diffusion pull`: downloads a hub model's UNet2DModel (config, safetensors weights and the
//! scheduler config when present) into the Hugging Face cache and prints where it is.

use clap::Args;
use diffusion_model::hub::{fetch_unet, HubRequest};

/// Options of `diffusion pull`.
#[derive(Args, Debug)]
#[command(
    after_help = "The cache is $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
(shared with Python's huggingface_hub). HF_HUB_OFFLINE=1 reads the cache only; HF_TOKEN
authenticates for private or gated repositories.

examples:
  diffusion pull google/ddpm-cifar10-32
  diffusion pull google/ddpm-cifar10-32 --revision main"
)]
pub struct PullArgs {
    /// The hub repository, `owner/name`.
    pub id: String,
    /// Branch, tag or commit.
    #[arg(long, default_value = "main")]
    pub revision: String,
}

/// Runs `diffusion pull`.
pub fn run(args: &PullArgs) -> Result<(), String> {
    let mut request = HubRequest::from_env(&args.id);
    request.revision = args.revision.clone();
    let dir = fetch_unet(&request).map_err(|e| e.to_string())?;
    println!("{}", dir.display());
    Ok(())
}
