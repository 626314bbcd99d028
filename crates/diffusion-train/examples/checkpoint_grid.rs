//! Draws a class-by-row grid from a training checkpoint's EMA U-Net with a chosen sampler, to
//! compare samplers and guidance scales on a trained model:
//! `cargo run --release -p diffusion-train --example checkpoint_grid -- CHECKPOINT OUT.png
//! [SAMPLER] [STEPS] [GUIDANCE]`.

use std::path::PathBuf;

use burn::backend::Flex;
use diffusion_model::Network;
use diffusion_model::UNet2DModel;
use diffusion_train::checkpoint::read_state;
use diffusion_train::objective::Objective;
use diffusion_train::preview::{draw_samples, write_preview};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err(
            "usage: checkpoint_grid CHECKPOINT OUT.png [SAMPLER] [STEPS] [GUIDANCE]".into(),
        );
    }
    let checkpoint = PathBuf::from(&args[0]);
    let state = read_state(&checkpoint)?;
    let mut preview = state.config.preview.clone();
    if let Some(s) = args.get(2) {
        preview.sampler = s.parse()?;
    }
    if let Some(s) = args.get(3) {
        preview.steps = s.parse()?;
    }
    if let Some(g) = args.get(4) {
        preview.guidance_scale = g.parse()?;
    }
    let device = Default::default();
    let unet: UNet2DModel<Flex> = UNet2DModel::load_from(&checkpoint.join("unet_ema"), &device)?;
    let objective = Objective::from_config(&state.config.objective)?;
    let classes = unet
        .config()
        .num_class_embeds
        .ok_or("the U-Net is unconditional")?;
    let per = preview.per_row.max(1);
    let labels: Vec<usize> = (0..10 * per).map(|i| i / per).collect();
    let c = unet.config();
    let shape = [c.in_channels, 28, 28];
    let start = std::time::Instant::now();
    let samples = draw_samples::<Flex, _, 4>(
        &unet,
        &objective,
        &preview,
        &shape,
        Some((&labels, classes - 1)),
        labels.len(),
        state.seed,
        &device,
    )?;
    write_preview(&PathBuf::from(&args[1]), &samples, &shape, 10, &[])?;
    println!(
        "{} {} steps, guidance {}: {:.1} s",
        preview.sampler,
        preview.steps,
        preview.guidance_scale,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
