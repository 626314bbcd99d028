use burn::backend::{Autodiff, Flex};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Distribution, Int, Tensor};
use diffusion_model::{UNet2DConfig, UNet2DModel};
use std::time::Instant;

type B = Autodiff<Flex>;

fn main() {
    let chans = std::env::args().nth(1).unwrap_or("16,32,32".into());
    let batch: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(64);
    let attn = std::env::args().nth(3).unwrap_or("1".into()) == "1";
    let size: usize = std::env::args()
        .nth(4)
        .map(|s| s.parse().unwrap())
        .unwrap_or(28);
    let json = format!(
        r#"{{
        "sample_size": {size}, "in_channels": 1, "out_channels": 1,
        "block_out_channels": [{chans}], "layers_per_block": 1, "norm_num_groups": 8,
        "down_block_types": ["DownBlock2D", "DownBlock2D", "{}"],
        "up_block_types": ["{}", "UpBlock2D", "UpBlock2D"],
        "attention_head_dim": 8, "num_class_embeds": 11,
        "flip_sin_to_cos": true, "freq_shift": 0
    }}"#,
        if attn {
            "AttnDownBlock2D"
        } else {
            "DownBlock2D"
        },
        if attn { "AttnUpBlock2D" } else { "UpBlock2D" }
    );
    let config: UNet2DConfig = UNet2DConfig::from_json_str(&json, "x").unwrap().config;
    let device = Default::default();
    let mut model = UNet2DModel::<B>::new(&config, 0, &device).unwrap();
    let mut opt = AdamWConfig::new().init::<B, UNet2DModel<B>>();
    for i in 0..8 {
        let start = Instant::now();
        let x = Tensor::<B, 4>::random(
            [batch, 1, size, size],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let t = Tensor::<B, 1>::random([batch], Distribution::Uniform(0.0, 999.0), &device);
        let y = Tensor::<B, 1, Int>::from_ints(vec![3; batch].as_slice(), &device);
        let out = model.forward(x.clone(), t, Some(y)).unwrap();
        let loss = (out - x).powf_scalar(2.0).mean();
        let l = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = opt.step(1e-4, model, grads);
        println!(
            "step {i}: {:.1} ms loss {l}",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
