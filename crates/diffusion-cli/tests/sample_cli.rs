//! The `diffusion` binary end to end on a tiny randomly initialised model written in diffusers'
//! layout: sampling writes PNGs of the right size, images do not depend on the batch size,
//! inspect counts parameters exactly, schedule prints and plots, and bad input fails with a
//! one-line reason.

mod common;

use common::{diffusion, s, stderr, tiny_model};

#[test]
fn sampling_writes_pngs_that_do_not_depend_on_the_batch_size() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = tiny_model(tmp.path(), None);
    let grid = tmp.path().join("grid.png");
    let base = [
        "sample",
        "--model",
        s(&model),
        "--steps",
        "4",
        "--num",
        "5",
        "--seed",
        "11",
        "--quiet",
    ];
    let out = diffusion(&[&base[..], &["--out", s(&grid)]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    // 5 images → 3 columns, 2 rows of 8×8 with 2-pixel borders.
    let img = image::open(&grid).unwrap();
    assert_eq!((img.width(), img.height()), (3 * 10 + 2, 2 * 10 + 2));

    let mut runs = Vec::new();
    for batch in ["1", "2", "5"] {
        let dir = tmp.path().join(format!("batch{batch}"));
        let out = diffusion(&[&base[..], &["--batch", batch, "--out-dir", s(&dir)]].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        let files: Vec<Vec<u8>> = (0..5)
            .map(|i| std::fs::read(dir.join(format!("{i:05}.png"))).unwrap())
            .collect();
        runs.push(files);
    }
    assert_eq!(runs[0], runs[1], "batch 1 and 2 give the same PNG bytes");
    assert_eq!(runs[0], runs[2], "batch 1 and 5 give the same PNG bytes");
    assert_ne!(runs[0][0], runs[0][1], "different images per sample index");

    // Existing outputs are kept unless --force.
    let again = diffusion(&[&base[..], &["--out", s(&grid)]].concat());
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced = diffusion(&[&base[..], &["--out", s(&grid), "--force"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[test]
fn conditional_sampling_tensors_and_samplers() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = tiny_model(tmp.path(), Some(3));
    let tensors = tmp.path().join("x.safetensors");
    for sampler in ["ddpm", "euler-ancestral", "dpmpp-2m", "heun"] {
        let out = diffusion(&[
            "sample",
            "--model",
            s(&model),
            "--sampler",
            sampler,
            "--steps",
            "3",
            "--num",
            "4",
            "--class",
            "0,1",
            "--guidance",
            "2",
            "--save-tensors",
            s(&tensors),
            "--force",
            "--quiet",
            "--json",
        ]);
        assert!(out.status.success(), "{sampler}: {}", stderr(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["sampler"], sampler);
        let read = diffusion_model::weights::read_safetensors(&tensors).unwrap();
        assert_eq!(read["samples"].shape, vec![4, 1, 8, 8]);
        assert_eq!(read["labels"].values, vec![0.0, 1.0, 0.0, 1.0]);
        assert!(read["samples"].values.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn bad_input_fails_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = tiny_model(tmp.path(), None);
    let out_png = tmp.path().join("o.png");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["sample", "--model", "/no/such/dir"], "does not exist"),
        (
            vec!["sample", "--model", s(&model), "--sampler", "magic"],
            "valid samplers: ddpm, ddim",
        ),
        (vec!["sample", "--model", s(&model), "--steps", "-3"], "-3"),
        (
            vec!["sample", "--model", s(&model), "--steps", "0"],
            "--steps",
        ),
        (
            vec!["sample", "--model", s(&model), "--guidance", "3"],
            "class-conditional",
        ),
        (
            vec!["sample", "--model", s(&model), "--class", "1"],
            "class-conditional",
        ),
        (
            vec!["sample", "--model", s(&model), "--mask", "m.png"],
            "--init-image",
        ),
        (vec!["schedule", "--family", "spiral"], "unknown family"),
    ];
    for (args, expected) in cases {
        let out = diffusion(
            &[&args[..], &["--out", s(&out_png)]]
                .concat()
                .into_iter()
                .filter(|a| args[0] == "sample" || !["--out", s(&out_png)].contains(a))
                .collect::<Vec<_>>(),
        );
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A corrupt weights file is named in the error.
    std::fs::write(
        model.join("diffusion_pytorch_model.safetensors"),
        b"not safetensors",
    )
    .unwrap();
    let out = diffusion(&["sample", "--model", s(&model), "--out", s(&out_png)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("diffusion_pytorch_model.safetensors"),
        "{}",
        stderr(&out)
    );
    assert!(!out_png.exists());
}

#[test]
fn inspect_counts_parameters_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, parameters) = tiny_model(tmp.path(), Some(3));
    let out = diffusion(&["inspect", s(&model), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["parameters"], parameters);
    assert_eq!(report["architecture"]["num_class_embeds"], 3);
    assert!(
        report["process"].as_str().unwrap().contains("1000"),
        "{report}"
    );
}

#[test]
fn schedule_prints_csv_and_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let plot = tmp.path().join("s.png");
    let out = diffusion(&[
        "schedule",
        "--beta-schedule",
        "linear",
        "--points",
        "5",
        "--csv",
        "--plot",
        s(&plot),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("plot")).collect();
    assert_eq!(lines[0], "t,s,alpha_cumprod,sigma,log_snr,f,g");
    assert_eq!(lines.len(), 6);
    let first: Vec<f64> = lines[1].split(',').map(|v| v.parse().unwrap()).collect();
    assert!((first[2] - 0.9999).abs() < 1e-9, "ᾱ_0 = 1 − β_0: {first:?}");
    assert!(image::open(&plot).is_ok());
}
