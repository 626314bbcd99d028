//! What the binary's end-to-end tests share: a tiny U-Net saved in diffusers' layout, and
//! running the `diffusion` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::backend::Flex;
use diffusion_model::weights::named_shapes;
use diffusion_model::Network;
use diffusion_model::{UNet2DConfig, UNet2DModel};

pub const SCHEDULER: &str = r#"{"_class_name": "DDPMScheduler", "num_train_timesteps": 1000,
  "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
  "prediction_type": "epsilon", "clip_sample": true}"#;

/// A tiny U-Net (8×8 grey images, two levels of 8 channels), class-conditional when
/// `classes` is given, saved with a DDPM scheduler config; returns the folder and its
/// parameter count.
pub fn tiny_model(root: &Path, classes: Option<usize>) -> (PathBuf, usize) {
    let mut json = serde_json::json!({
        "sample_size": 8, "in_channels": 1, "out_channels": 1, "layers_per_block": 1,
        "block_out_channels": [8, 8], "norm_num_groups": 4,
        "down_block_types": ["DownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "UpBlock2D"]
    });
    if let Some(c) = classes {
        json["num_class_embeds"] = c.into();
    }
    let config = UNet2DConfig::from_json_str(&json.to_string(), "test")
        .unwrap()
        .config;
    let model = UNet2DModel::<Flex>::build(&config, 3, &Default::default()).unwrap();
    let dir = root.join(if classes.is_some() {
        "conditional"
    } else {
        "unconditional"
    });
    model.save_to(&dir).unwrap();
    std::fs::write(dir.join("scheduler_config.json"), SCHEDULER).unwrap();
    let parameters = named_shapes::<Flex, _>(&model)
        .values()
        .map(|s| s.iter().product::<usize>())
        .sum();
    (dir, parameters)
}

pub fn diffusion(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diffusion"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
