//! The `diffusion` binary against malformed and hostile input: every case must exit non-zero
//! with one `error:` line naming what is wrong, never panic or abort, and create or change no
//! file. Plus the races: two `sample` runs to one `--out`, and a run into a held folder.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::{diffusion, s, stderr, tiny_model};
use diffusion_model::weights::{read_safetensors, write_safetensors, WEIGHTS_FILE};

/// Every file under `root` with its length and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            out.insert(path, (meta.len(), meta.modified().unwrap()));
        }
    }
    out
}

/// A copy of the model folder `from` at `to`, with `edit` applied to its config.json.
fn variant(from: &Path, to: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    let config = to.join("config.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&config).unwrap()).unwrap();
    edit(&mut json);
    fs::write(&config, json.to_string()).unwrap();
    to.to_path_buf()
}

/// The fixtures: a good model and broken copies of it, images, configs.
struct Fixtures {
    root: PathBuf,
    good: PathBuf,
    nan: PathBuf,
    truncated: PathBuf,
    misshaped: PathBuf,
    wide: PathBuf,
    deep: PathBuf,
    huge_images: PathBuf,
    bad_syntax: PathBuf,
    bad_block: PathBuf,
    image: PathBuf,
    image_dir: PathBuf,
    existing: PathBuf,
    out_dir: PathBuf,
}

fn fixtures(root: &Path) -> Fixtures {
    let (good, _) = tiny_model(root, None);
    let nan = variant(&good, &root.join("nan"), |_| {});
    let weights = nan.join(WEIGHTS_FILE);
    let mut tensors = read_safetensors(&weights).unwrap();
    let first = tensors.values_mut().next().unwrap();
    first.values[0] = f32::NAN;
    write_safetensors(&weights, &tensors).unwrap();
    let truncated = variant(&good, &root.join("truncated"), |_| {});
    let bytes = fs::read(truncated.join(WEIGHTS_FILE)).unwrap();
    fs::write(truncated.join(WEIGHTS_FILE), &bytes[..bytes.len() / 2]).unwrap();
    let misshaped = variant(&good, &root.join("misshaped"), |c| {
        c["block_out_channels"] = serde_json::json!([8, 16]);
    });
    let wide = variant(&good, &root.join("wide"), |c| {
        c["block_out_channels"] = serde_json::json!([1_000_000, 1_000_000]);
    });
    let deep = variant(&good, &root.join("deep"), |c| {
        c["block_out_channels"] = serde_json::json!([64, 64]);
        c["layers_per_block"] = 100_000.into();
    });
    let huge_images = variant(&good, &root.join("huge-images"), |c| {
        c["sample_size"] = 100_000.into();
    });
    let bad_syntax = variant(&good, &root.join("bad-syntax"), |_| {});
    fs::write(bad_syntax.join("config.json"), "{\"sample_size\": 8,").unwrap();
    let bad_block = variant(&good, &root.join("bad-block"), |c| {
        c["down_block_types"] = serde_json::json!(["DownBlock2D", "CrossAttnDownBlock2D"]);
    });
    let image_dir = root.join("images");
    fs::create_dir_all(&image_dir).unwrap();
    let image = image_dir.join("digit.png");
    image::GrayImage::new(8, 8).save(&image).unwrap();
    let existing = root.join("existing.png");
    fs::write(&existing, b"precious").unwrap();
    let out_dir = root.join("out-dir");
    fs::create_dir_all(&out_dir).unwrap();
    fs::write(out_dir.join("00001.png"), b"precious").unwrap();
    Fixtures {
        root: root.to_path_buf(),
        good,
        nan,
        truncated,
        misshaped,
        wide,
        deep,
        huge_images,
        bad_syntax,
        bad_block,
        image,
        image_dir,
        existing,
        out_dir,
    }
}

/// A training config file at `root/name` with `edit` applied to the quick toy config.
fn train_config(root: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut json = serde_json::json!({
        "data": {"kind": "toy", "distribution": "two-moons", "samples": 256},
        "steps": 2
    });
    edit(&mut json);
    let path = root.join(name);
    fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn malformed_input_gets_one_clear_line_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixtures(tmp.path());
    let r = &f.root;
    let out = r.join("out.png");
    let missing_folder_out = r.join("no-such-folder").join("out.png");
    let held_out = train_config(r, "held-out.json", |c| {
        c["held_out_fraction"] = (-0.1).into()
    });
    let bad_preview = train_config(r, "preview.json", |c| {
        c["preview"] = serde_json::json!({"sampler": "dpm++"});
    });
    let zero_batch = train_config(r, "batch.json", |c| c["batch_size"] = 0.into());
    let huge_batch = train_config(r, "huge-batch.json", |c| {
        c["batch_size"] = 1_000_000_000_000u64.into();
    });
    let broken_json = r.join("broken.json");
    fs::write(&broken_json, "{\"steps\": ").unwrap();
    let train_out = r.join("run");
    let sample = |model: &Path, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["sample", "--model", s(model)];
        args.extend(extra);
        args.into_iter().map(String::from).collect()
    };
    let words = |args: &[&str]| -> Vec<String> { args.iter().map(|a| a.to_string()).collect() };
    let good = &f.good;
    let cases: Vec<(Vec<String>, &str)> = vec![
        // sample: flags
        (sample(&r.join("missing"), &["--out", s(&out)]), "missing"),
        (sample(good, &["--steps", "0", "--out", s(&out)]), "--steps"),
        (sample(good, &["--num", "0", "--out", s(&out)]), "--num"),
        (sample(good, &["--batch", "0", "--out", s(&out)]), "--batch"),
        (
            sample(good, &["--sampler", "dpm++", "--out", s(&out)]),
            "dpm++",
        ),
        (sample(good, &["--class", "3", "--out", s(&out)]), "--class"),
        (
            sample(good, &["--guidance", "2", "--out", s(&out)]),
            "--guidance",
        ),
        (sample(good, &["--size", "3", "--out", s(&out)]), "--size 3"),
        (sample(good, &["--size", "0", "--out", s(&out)]), "--size"),
        (
            sample(good, &["--size", "100000", "--out", s(&out)]),
            "--size 100000",
        ),
        (
            sample(good, &["--num", "1000000000000", "--out", s(&out)]),
            "--num",
        ),
        (
            words(&[
                "sample",
                "--model",
                s(good),
                "--batch",
                "100000000000",
                "--num",
                "100000000000",
                "--out",
                s(&out),
            ]),
            "--batch 100000000000",
        ),
        (sample(good, &["--out", s(&f.existing)]), "--force"),
        (
            sample(good, &["--out", s(&missing_folder_out)]),
            "does not exist",
        ),
        (sample(good, &["--out-dir", s(&f.out_dir)]), "00001.png"),
        (sample(good, &["--save-tensors", s(&f.existing)]), "--force"),
        (
            sample(good, &["--mask", s(&f.image), "--out", s(&out)]),
            "--mask",
        ),
        (
            sample(good, &["--strength", "0.5", "--out", s(&out)]),
            "--strength",
        ),
        (
            sample(
                good,
                &[
                    "--init-image",
                    s(&f.image),
                    "--strength",
                    "1.5",
                    "--out",
                    s(&out),
                ],
            ),
            "--strength",
        ),
        (
            sample(
                good,
                &["--init-image", s(&r.join("nope.png")), "--out", s(&out)],
            ),
            "nope.png",
        ),
        (
            sample(
                good,
                &[
                    "--init-image",
                    s(&f.image),
                    "--sampler",
                    "ode-adaptive",
                    "--out",
                    s(&out),
                ],
            ),
            "ode-adaptive",
        ),
        (
            sample(good, &["--backend", "cuda", "--out", s(&out)]),
            "CUDA",
        ),
        (
            sample(good, &["--sampler", "ddim", "--eta=-1", "--out", s(&out)]),
            "eta",
        ),
        // sample: broken models
        (sample(&f.nan, &["--out", s(&out)]), "non-finite"),
        (sample(&f.truncated, &["--out", s(&out)]), "truncated"),
        (sample(&f.misshaped, &["--out", s(&out)]), "shape"),
        (sample(&f.wide, &["--out", s(&out)]), "block_out_channels"),
        (sample(&f.deep, &["--out", s(&out)]), "layers_per_block"),
        (sample(&f.huge_images, &["--out", s(&out)]), "sample_size"),
        (sample(&f.bad_syntax, &["--out", s(&out)]), "config.json"),
        (
            sample(&f.bad_block, &["--out", s(&out)]),
            "CrossAttnDownBlock2D",
        ),
        // inspect
        (words(&["inspect", s(&f.truncated)]), "truncated"),
        (words(&["inspect", s(&f.misshaped)]), "shape"),
        (words(&["inspect", s(&f.nan), "--verify"]), "non-finite"),
        (words(&["inspect", s(&r.join("missing"))]), "missing"),
        // likelihood
        (
            words(&["likelihood", "--model", s(&f.nan), "--images", s(&f.image)]),
            "non-finite",
        ),
        (
            words(&[
                "likelihood",
                "--model",
                s(good),
                "--images",
                s(&r.join("nope.png")),
            ]),
            "nope.png",
        ),
        // schedule
        (words(&["schedule", "--points", "10000000000"]), "--points"),
        (words(&["schedule", "--points", "1"]), "--points"),
        (
            words(&[
                "schedule",
                "--beta-schedule",
                "linear",
                "--beta-start",
                "0.02",
                "--beta-end",
                "0.0001",
            ]),
            "--beta-start",
        ),
        (words(&["schedule", "--family", "bogus"]), "unknown family"),
        // train
        (
            words(&["train", "--config", s(&held_out), "--output", s(&train_out)]),
            "held_out_fraction",
        ),
        (
            words(&[
                "train",
                "--config",
                s(&bad_preview),
                "--output",
                s(&train_out),
            ]),
            "dpm++",
        ),
        (
            words(&[
                "train",
                "--config",
                s(&huge_batch),
                "--output",
                s(&train_out),
            ]),
            "batch_size 1000000000000",
        ),
        (
            words(&[
                "train",
                "--config",
                s(&zero_batch),
                "--output",
                s(&train_out),
            ]),
            "batch_size",
        ),
        (
            words(&[
                "train",
                "--config",
                s(&broken_json),
                "--output",
                s(&train_out),
            ]),
            "broken.json",
        ),
        (
            words(&[
                "train",
                "--images",
                s(&r.join("no-images")),
                "--output",
                s(&train_out),
            ]),
            "no-images",
        ),
        (
            words(&[
                "train",
                "--images",
                s(&f.image_dir),
                "--size",
                "100000",
                "--output",
                s(&train_out),
            ]),
            "100000×100000",
        ),
    ];
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for (args, expected) in &cases {
        let before = snapshot(r);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = diffusion(&argv);
        let err = stderr(&output);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
        let code = output.status.code();
        let problem = if output.status.success() {
            Some("exit 0".to_string())
        } else if code.is_none() || code == Some(101) || code == Some(134) {
            Some(format!("crashed ({code:?})"))
        } else if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            Some("panic message".into())
        } else if errors.len() != 1 {
            Some(format!("{} error lines", errors.len()))
        } else if errors[0].contains("cannot be used multiple times") {
            Some("the case repeats a flag; it tests clap, not the command".into())
        } else if !errors[0].contains(expected) {
            Some(format!("error does not mention `{expected}`"))
        } else if snapshot(r) != before {
            Some("files created or changed".into())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}\n    stderr: {err}", argv.join(" ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn two_samplers_racing_for_one_output_give_one_success_and_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = tiny_model(tmp.path(), None);
    let out = tmp.path().join("raced.png");
    let args = [
        "sample",
        "--model",
        s(&model),
        "--steps",
        "3",
        "--num",
        "4",
        "--out",
        s(&out),
        "--quiet",
    ];
    let results: Vec<std::process::Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2).map(|_| scope.spawn(|| diffusion(&args))).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let wins = results.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        wins,
        1,
        "{:?}",
        results.iter().map(stderr).collect::<Vec<_>>()
    );
    let loser = results.iter().find(|o| !o.status.success()).unwrap();
    assert!(
        stderr(loser).contains("already exists"),
        "{}",
        stderr(loser)
    );
    let left: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "staging files left behind: {left:?}");
}

/// The step of the newest complete checkpoint of the run in `out`.
fn resume_step(out: &Path) -> u64 {
    let newest = diffusion_train::checkpoint::latest_checkpoint(out).expect("a checkpoint");
    diffusion_train::checkpoint::read_state(&newest)
        .unwrap()
        .step
}

#[test]
fn a_second_training_into_a_held_folder_fails_at_once_and_a_killed_holder_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let train = |extra: &[&str]| {
        let mut args = vec!["train", "--toy", "two-moons", "--steps", "3000", "--quiet"];
        args.extend(["--output", s(&out)]);
        args.extend(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let mut holder = std::process::Command::new(env!("CARGO_BIN_EXE_diffusion"))
        .args(train(&[]))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !out.join("checkpoints").exists() {
        assert!(started.elapsed().as_secs() < 120, "no checkpoint appeared");
        assert!(holder.try_wait().unwrap().is_none(), "the first run ended");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second: Vec<String> = train(&["--resume"]);
    let argv: Vec<&str> = second.iter().map(String::as_str).collect();
    let refused = diffusion(&argv);
    let message = stderr(&refused);
    assert!(!refused.status.success());
    assert!(message.contains("in use by another run"), "{message}");
    assert!(message.contains(&holder.id().to_string()), "{message}");
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The killed run's lock does not block: the resume runs (one step, to keep it short).
    let next = (resume_step(&out) + 1).to_string();
    let resumed: Vec<String> = train(&["--resume", "--stop-after", &next]);
    let argv: Vec<&str> = resumed.iter().map(String::as_str).collect();
    let finished = diffusion(&argv);
    assert!(finished.status.success(), "{}", stderr(&finished));
}

#[test]
fn a_run_killed_while_deleting_an_old_checkpoint_leaves_no_torn_one_and_the_next_start_cleans_up() {
    use diffusion_train::checkpoint::{checkpoints_dir, PAUSE_IN_RETIRE_VAR, STATE_FILE};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut config = diffusion_train::TrainConfig::toy("two-moons");
    config.steps = 3000;
    config.checkpoint_every = 5;
    config.keep_checkpoints = 1;
    let config_path = dir.path().join("toy.json");
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    let args = [
        "train",
        "--config",
        s(&config_path),
        "--output",
        s(&out),
        "--quiet",
    ];
    let mut run = std::process::Command::new(env!("CARGO_BIN_EXE_diffusion"))
        .args(args)
        .env(PAUSE_IN_RETIRE_VAR, "5000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoints = checkpoints_dir(&out);
    let hidden = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    };
    let started = std::time::Instant::now();
    while !hidden(&checkpoints)
        .iter()
        .any(|n| n.ends_with(".retiring"))
    {
        assert!(started.elapsed().as_secs() < 120, "no rotation happened");
        assert!(run.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    for entry in fs::read_dir(&checkpoints).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            assert!(entry.path().join(STATE_FILE).is_file(), "{name} is torn");
        }
    }
    let next = (resume_step(&out) + 1).to_string();
    let resumed = diffusion(&[&args[..], &["--resume", "--stop-after", &next]].concat());
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        hidden(&checkpoints).is_empty(),
        "{:?}",
        hidden(&checkpoints)
    );
}
