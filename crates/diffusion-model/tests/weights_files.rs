//! Reading and writing diffusers model directories: round trips, f16/bf16 weights, and the
//! errors for mismatched, truncated and corrupt files.

mod common;

use std::collections::BTreeMap;

use burn::backend::Flex;
use common::{fixture, fixture_io, max_abs_diff, run_model};
use diffusion_model::weights::{
    named_tensors, read_safetensors, write_safetensors, NamedTensor, WeightProblem, CONFIG_FILE,
    WEIGHTS_FILE,
};
use diffusion_model::{ModelError, Network, UNet2DModel};
use safetensors::Dtype;

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [CONFIG_FILE, WEIGHTS_FILE] {
        std::fs::copy(fixture(name).join(file), dir.path().join(file)).expect("copy");
    }
    dir
}

#[test]
fn saved_directory_reloads_bit_exactly_and_gives_the_same_output() {
    let device = Default::default();
    let model = UNet2DModel::<Flex>::load_from(&fixture("mnist_cond"), &device).expect("fixture");
    let out = tempfile::tempdir().expect("temp dir");
    model.save_to(out.path()).expect("save");
    let reloaded = UNet2DModel::<Flex>::load_from(out.path(), &device).expect("reload");
    assert_eq!(
        named_tensors::<Flex, _>(&model),
        named_tensors::<Flex, _>(&reloaded)
    );
    let (inputs, _, _) = fixture_io("mnist_cond");
    let (_, a) = run_model(&model, &inputs, &device);
    let (_, b) = run_model(&reloaded, &inputs, &device);
    assert_eq!(max_abs_diff(&a, &b), 0.0);
    // The written config is diffusers' (class name and keys), and no temporary file is left.
    let config = std::fs::read_to_string(out.path().join(CONFIG_FILE)).expect("config");
    assert!(config.contains("\"_class_name\": \"UNet2DModel\""));
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn half_precision_weights_load_as_f32() {
    let device = Default::default();
    let tensors = read_safetensors(&fixture("mnist_cond").join(WEIGHTS_FILE)).expect("fixture");
    for (dtype, round) in [
        (
            Dtype::F16,
            (|v: f32| half::f16::from_f32(v).to_f32()) as fn(f32) -> f32,
        ),
        (Dtype::BF16, |v: f32| half::bf16::from_f32(v).to_f32()),
    ] {
        let dir = copy_fixture("mnist_cond");
        let encoded: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
            .iter()
            .map(|(name, t)| {
                let bytes = t
                    .values
                    .iter()
                    .flat_map(|&v| match dtype {
                        Dtype::F16 => half::f16::from_f32(v).to_le_bytes(),
                        _ => half::bf16::from_f32(v).to_le_bytes(),
                    })
                    .collect();
                (name.clone(), bytes, t.shape.clone())
            })
            .collect();
        let views: Vec<_> = encoded
            .iter()
            .map(|(n, b, s)| {
                (
                    n.clone(),
                    safetensors::tensor::TensorView::new(dtype, s.clone(), b).expect("view"),
                )
            })
            .collect();
        let bytes = safetensors::serialize(views, None).expect("serialize");
        std::fs::write(dir.path().join(WEIGHTS_FILE), bytes).expect("write");
        let model = UNet2DModel::<Flex>::load_from(dir.path(), &device).expect("half weights load");
        let loaded = named_tensors::<Flex, _>(&model);
        for (name, t) in &tensors {
            let expected: Vec<f32> = t.values.iter().map(|&v| round(v)).collect();
            assert_eq!(loaded[name].values, expected, "{dtype:?} {name}");
        }
    }
}

#[test]
fn every_mismatch_is_reported_at_once_by_name_and_shape() {
    let dir = copy_fixture("mnist_cond");
    let path = dir.path().join(WEIGHTS_FILE);
    let mut tensors: BTreeMap<String, NamedTensor> = read_safetensors(&path).expect("fixture");
    tensors.remove("conv_in.weight").expect("present");
    tensors.insert(
        "extra.weight".into(),
        NamedTensor {
            shape: vec![2],
            values: vec![0.0; 2],
        },
    );
    let bias = tensors.get_mut("conv_out.bias").expect("present");
    bias.shape = vec![1, 1];
    write_safetensors(&path, &tensors).expect("write");
    let error =
        UNet2DModel::<Flex>::load_from(dir.path(), &Default::default()).expect_err("must fail");
    let ModelError::Weights { problems, .. } = &error else {
        panic!("expected a weights error, got {error}");
    };
    assert_eq!(problems.len(), 3, "{error}");
    assert!(problems.contains(&WeightProblem::Missing {
        name: "conv_in.weight".into(),
        expected: vec![8, 1, 3, 3]
    }));
    assert!(problems.contains(&WeightProblem::Unexpected {
        name: "extra.weight".into(),
        found: vec![2]
    }));
    assert!(problems.contains(&WeightProblem::Shape {
        name: "conv_out.bias".into(),
        expected: vec![1],
        found: vec![1, 1]
    }));
    let message = error.to_string();
    for needle in [
        "conv_in.weight",
        "extra.weight",
        "conv_out.bias",
        "[8, 1, 3, 3]",
    ] {
        assert!(
            message.contains(needle),
            "message lacks {needle}: {message}"
        );
    }
}

#[test]
fn truncated_and_garbage_files_are_reported_as_corrupt() {
    let dir = copy_fixture("mnist_cond");
    let path = dir.path().join(WEIGHTS_FILE);
    let bytes = std::fs::read(&path).expect("read");
    for broken in [
        bytes[..bytes.len() / 2].to_vec(),
        b"not a safetensors file".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&path, &broken).expect("write");
        let error =
            UNet2DModel::<Flex>::load_from(dir.path(), &Default::default()).expect_err("must fail");
        assert!(
            matches!(error, ModelError::CorruptWeights { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("truncated or corrupt"),
            "{error}"
        );
    }
}

#[test]
fn missing_files_say_what_a_model_directory_holds() {
    let empty = tempfile::tempdir().expect("temp dir");
    let error =
        UNet2DModel::<Flex>::load_from(empty.path(), &Default::default()).expect_err("must fail");
    assert!(error.to_string().contains("config.json"), "{error}");
    let dir = copy_fixture("mnist_cond");
    std::fs::remove_file(dir.path().join(WEIGHTS_FILE)).expect("remove");
    let error =
        UNet2DModel::<Flex>::load_from(dir.path(), &Default::default()).expect_err("must fail");
    assert!(error.to_string().contains(WEIGHTS_FILE), "{error}");
}

#[test]
fn legacy_attention_names_load_like_diffusers_loads_them() {
    let dir = copy_fixture("mnist_cond");
    let path = dir.path().join(WEIGHTS_FILE);
    let tensors = read_safetensors(&path).expect("fixture");
    let legacy: BTreeMap<String, NamedTensor> = tensors
        .iter()
        .map(|(name, t)| {
            let old = name
                .replace(".to_q.", ".query.")
                .replace(".to_k.", ".key.")
                .replace(".to_v.", ".value.")
                .replace(".to_out.0.", ".proj_attn.");
            (old, t.clone())
        })
        .collect();
    assert!(legacy.keys().any(|k| k.contains(".proj_attn.")));
    write_safetensors(&path, &legacy).expect("write");
    let model =
        UNet2DModel::<Flex>::load_from(dir.path(), &Default::default()).expect("legacy names load");
    assert_eq!(named_tensors::<Flex, _>(&model), tensors);
}
