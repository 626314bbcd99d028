//! Building full-size architectures from config.json and the config's validation.

use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData};
use diffusion_model::weights::named_shapes;
use diffusion_model::{ModelError, Network, UNet2DConfig, UNet2DModel};

fn cifar_config() -> UNet2DConfig {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ddpm_cifar10_32_config.json"
    );
    let text = std::fs::read_to_string(path).expect("config fixture");
    UNet2DConfig::from_json_str(&text, path)
        .expect("valid")
        .config
}

#[test]
fn ddpm_cifar10_32_builds_and_runs_a_forward_pass() {
    let config = cifar_config();
    let device = Default::default();
    let model = UNet2DModel::<Flex>::build(&config, 7, &device).expect("builds");
    let parameters: usize = named_shapes::<Flex, _>(&model)
        .values()
        .map(|s| s.iter().product::<usize>())
        .sum();
    // diffusers' UNet2DModel for this config: sum(p.numel() for p in model.parameters()).
    assert_eq!(parameters, 35_746_307);
    let sample = Tensor::<Flex, 4>::from_data(
        TensorData::new(
            (0..3 * 32 * 32)
                .map(|i| ((i % 17) as f32 / 8.0) - 1.0)
                .collect::<Vec<f32>>(),
            [1, 3, 32, 32],
        ),
        &device,
    );
    let timesteps = Tensor::<Flex, 1>::from_data([500.0f32], &device);
    let output = model.forward(sample, timesteps, None).expect("forward");
    assert_eq!(output.dims(), [1, 3, 32, 32]);
    let values = output.into_data().into_vec::<f32>().expect("f32");
    assert!(values.iter().all(|v| v.is_finite()));
}

#[test]
fn unsupported_values_are_errors_naming_the_key() {
    let cases = [
        (
            r#"{"time_embedding_type": "fourier"}"#,
            "time_embedding_type",
        ),
        (
            r#"{"down_block_types": ["CrossAttnDownBlock2D"], "up_block_types": ["UpBlock2D"], "block_out_channels": [32]}"#,
            "down_block_types",
        ),
        (
            r#"{"block_out_channels": [32, 64], "down_block_types": ["DownBlock2D"], "up_block_types": ["UpBlock2D"]}"#,
            "down_block_types",
        ),
        (r#"{"act_fn": "gelu"}"#, "act_fn"),
        (
            r#"{"resnet_time_scale_shift": "scale_shift"}"#,
            "resnet_time_scale_shift",
        ),
        (r#"{"class_embed_type": "timestep"}"#, "class_embed_type"),
        (r#"{"norm_num_groups": 5}"#, "norm_num_groups"),
        (r#"{"attention_head_dim": 9}"#, "attention_head_dim"),
    ];
    for (json, key) in cases {
        match UNet2DConfig::from_json_str(json, "config.json") {
            Err(ModelError::Config { key: found, .. }) => assert_eq!(found, key, "{json}"),
            other => panic!("{json}: expected a config error naming {key}, got {other:?}"),
        }
    }
    let malformed = UNet2DConfig::from_json_str("{\"in_channels\": \"three\"}", "config.json");
    assert!(matches!(malformed, Err(ModelError::ConfigSyntax { .. })));
}

#[test]
fn unknown_keys_are_ignored_and_reported() {
    let parsed = UNet2DConfig::from_json_str(
        r#"{"_class_name": "UNet2DModel", "_diffusers_version": "0.1", "some_future_key": 3}"#,
        "config.json",
    )
    .expect("valid");
    assert_eq!(parsed.ignored_keys, vec!["some_future_key".to_string()]);
    // diffusers' defaults apply to absent keys.
    assert_eq!(parsed.config.block_out_channels, vec![224, 448, 672, 896]);
    assert_eq!(parsed.config.attention_head_dim, Some(8));
}

#[test]
fn written_config_parses_back_to_the_same_config() {
    let config = cifar_config();
    let text = config.to_json_string();
    let parsed = UNet2DConfig::from_json_str(&text, "written").expect("valid");
    assert_eq!(parsed.config, config);
    assert!(parsed.ignored_keys.is_empty());
}

#[test]
fn forward_input_errors_say_what_is_wrong() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mnist_cond/config.json"
    );
    let config = UNet2DConfig::from_json_str(&std::fs::read_to_string(path).unwrap(), path)
        .unwrap()
        .config;
    let device = Default::default();
    let model = UNet2DModel::<Flex>::build(&config, 0, &device).unwrap();
    let t = Tensor::<Flex, 1>::from_data([1.0f32, 2.0], &device);
    let labels = Some(Tensor::<Flex, 1, burn::tensor::Int>::from_data(
        [1i64, 2],
        &device,
    ));
    let cases = [
        (
            Tensor::<Flex, 4>::zeros([2, 3, 28, 28], &device),
            t.clone(),
            labels.clone(),
            "channels",
        ),
        (
            Tensor::<Flex, 4>::zeros([2, 1, 27, 28], &device),
            t.clone(),
            labels.clone(),
            "multiples of 4",
        ),
        (
            Tensor::<Flex, 4>::zeros([2, 1, 28, 28], &device),
            Tensor::zeros([3], &device),
            labels.clone(),
            "timesteps",
        ),
        (
            Tensor::<Flex, 4>::zeros([2, 1, 28, 28], &device),
            t.clone(),
            None,
            "class_labels",
        ),
    ];
    for (sample, timesteps, labels, needle) in cases {
        let error = model
            .forward(sample, timesteps, labels)
            .expect_err("bad input");
        assert!(error.to_string().contains(needle), "{error}");
    }
    // One timestep for the whole batch is broadcast.
    let out = model.forward(
        Tensor::zeros([2, 1, 28, 28], &device),
        Tensor::from_data([5.0f32], &device),
        labels,
    );
    assert_eq!(out.expect("broadcast").dims(), [2, 1, 28, 28]);
}
