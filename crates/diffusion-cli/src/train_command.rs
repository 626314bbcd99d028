//! `diffusion train`: the training config from defaults, a JSON/TOML file and flags, run on the
//! chosen backend.

use std::path::PathBuf;

use burn::backend::{Autodiff, Flex};
use diffusion_train::config::{DataConfig, ModelConfig};
use diffusion_train::{train, RunOptions, TrainConfig, TrainSummary};

const HELP: &str = "diffusion train [options]

Trains a diffusion model. With no options: the main job, a class-conditional U-Net on the
embedded MNIST subset (datasets/mnist-10k), about 20 minutes on 2 CPU cores.

options:
  --config FILE        a training config (.json or .toml); flags below override it
  --quick              the main job shrunk to about a minute
  --toy NAME           train the small MLP on a 2-D toy distribution
                       (gaussian-mixture, two-moons, swiss-roll, checkerboard)
  --data DIR           an MNIST-style IDX folder (MNIST, Fashion-MNIST, ...)
  --images DIR         a folder of PNG/JPEG images (class sub-folders become labels)
  --size N             image size for --images (default 32)
  --channels N         1 or 3 for --images (default 3)
  --steps N            optimiser steps
  --batch-size N       images per step
  --lr X               peak learning rate
  --seed N             seed of the weights, data order and noise
  --output DIR         where checkpoints, samples and metrics go (default runs/<name>)
  --resume             continue from the newest checkpoint in the output directory
  --stop-after N       stop after step N (checkpointing first), as if interrupted
  --backend NAME       flex (CPU, default), wgpu, or cuda (build with --features cuda)
  --quiet              no progress lines";

#[derive(Debug)]
struct Parsed {
    config: TrainConfig,
    options: RunOptions,
    backend: String,
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a valid number"))
}

fn parse(args: &[String]) -> Result<Option<Parsed>, String> {
    let mut config = None;
    let mut quick = false;
    let mut toy = None;
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut output = None;
    let mut resume = false;
    let mut quiet = false;
    let mut stop_after = None;
    let mut backend = "flex".to_string();
    let (mut images, mut size, mut channels) = (None, 32usize, 3usize);
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(None);
            }
            "--config" => config = Some(PathBuf::from(value(args, &mut i, flag)?)),
            "--quick" => quick = true,
            "--toy" => toy = Some(value(args, &mut i, flag)?.to_string()),
            "--images" => images = Some(value(args, &mut i, flag)?.to_string()),
            "--size" => size = number(value(args, &mut i, flag)?, flag)?,
            "--channels" => channels = number(value(args, &mut i, flag)?, flag)?,
            "--output" => output = Some(PathBuf::from(value(args, &mut i, flag)?)),
            "--resume" => resume = true,
            "--quiet" => quiet = true,
            "--stop-after" => stop_after = Some(number(value(args, &mut i, flag)?, flag)?),
            "--backend" => backend = value(args, &mut i, flag)?.to_string(),
            "--data" | "--steps" | "--batch-size" | "--lr" | "--seed" => {
                overrides.push((flag.to_string(), value(args, &mut i, flag)?.to_string()))
            }
            other => {
                return Err(format!(
                    "unknown option `{other}`; run `diffusion train --help`"
                ))
            }
        }
        i += 1;
    }
    let (mut c, name) = match (&config, quick, &toy) {
        (Some(path), _, _) => (
            TrainConfig::from_file(path).map_err(|e| e.to_string())?,
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        (None, _, Some(t)) => (TrainConfig::toy(t), format!("toy-{t}")),
        (None, true, None) => (TrainConfig::quick(), "mnist-quick".into()),
        (None, false, None) => (TrainConfig::default(), "mnist".into()),
    };
    if let Some(dir) = images {
        c.data = DataConfig::Folder {
            path: dir,
            size,
            channels,
            flip: true,
        };
        if let ModelConfig::Unet { config } = &mut c.model {
            config["in_channels"] = channels.into();
            config["out_channels"] = channels.into();
            config["sample_size"] = size.into();
        }
    }
    for (flag, v) in overrides {
        match flag.as_str() {
            "--data" => c.data = DataConfig::Idx { path: v },
            "--steps" => c.steps = number(&v, &flag)?,
            "--batch-size" => c.batch_size = number(&v, &flag)?,
            "--lr" => c.optimizer.learning_rate = number(&v, &flag)?,
            "--seed" => c.seed = number(&v, &flag)?,
            _ => unreachable!("listed above"),
        }
    }
    locate_embedded_dataset(&mut c);
    c.validate().map_err(|e| e.to_string())?;
    let mut options = RunOptions::new(output.unwrap_or_else(|| PathBuf::from("runs").join(name)));
    options.resume = resume;
    options.progress = !quiet;
    options.stop_after = stop_after;
    Ok(Some(Parsed {
        config: c,
        options,
        backend,
    }))
}

/// The default data path is relative to the repository root; run from elsewhere, it is found
/// beside the sources this binary was built from.
fn locate_embedded_dataset(config: &mut TrainConfig) {
    if let DataConfig::Idx { path } = &mut config.data {
        if path == diffusion_data::EMBEDDED_MNIST && !std::path::Path::new(path).exists() {
            *path = format!(
                "{}/../../{}",
                env!("CARGO_MANIFEST_DIR"),
                diffusion_data::EMBEDDED_MNIST
            );
        }
    }
}

fn report(summary: &TrainSummary) {
    println!(
        "\ntrained steps {}..={}",
        summary.first_step, summary.last_step
    );
    println!("  throughput: {:.1} images/s", summary.images_per_second);
    if let Some(c) = &summary.last_checkpoint {
        println!("  checkpoint: {} (diffusers layout)", c.display());
    }
    if let Some(p) = &summary.last_preview {
        println!("  samples:    {}", p.display());
    }
    println!("  metrics:    {}", summary.metrics.display());
    println!("  loss curve: {}", summary.loss_curve.display());
}

/// Runs `diffusion train ARGS`.
pub fn run(args: &[String]) -> Result<(), String> {
    let Some(parsed) = parse(args)? else {
        return Ok(());
    };
    let Parsed {
        config,
        options,
        backend,
    } = parsed;
    println!(
        "training {} steps, batch {}, on {backend}; output in {}",
        config.steps,
        config.batch_size,
        options.output_dir.display()
    );
    let summary = match backend.as_str() {
        "flex" | "cpu" => train::<Autodiff<Flex>>(&config, &options, &Default::default()),
        "wgpu" => {
            use burn::backend::wgpu::{Wgpu, WgpuDevice};
            train::<Autodiff<Wgpu>>(&config, &options, &WgpuDevice::default())
        }
        #[cfg(feature = "cuda")]
        "cuda" => {
            use burn::backend::cuda::{Cuda, CudaDevice};
            train::<Autodiff<Cuda>>(&config, &options, &CudaDevice::default())
        }
        #[cfg(not(feature = "cuda"))]
        "cuda" => {
            return Err("this binary was built without CUDA; rebuild with `--features cuda`".into())
        }
        other => return Err(format!("unknown backend `{other}`; use flex, wgpu or cuda")),
    }
    .map_err(|e| e.to_string())?;
    report(&summary);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_override_the_preset() {
        let p = parse(&args(&[
            "--quick", "--steps", "7", "--seed", "3", "--output", "o",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((p.config.steps, p.config.seed), (7, 3));
        assert_eq!(p.options.output_dir, PathBuf::from("o"));
        assert!(parse(&args(&["--steps", "x"]))
            .unwrap_err()
            .contains("--steps"));
        assert!(parse(&args(&["--bogus"])).unwrap_err().contains("--bogus"));
        assert!(parse(&args(&["--toy", "spiral"])).is_err());
    }
}
