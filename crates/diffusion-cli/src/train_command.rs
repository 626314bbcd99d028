//! `diffusion train`: the training config from defaults, a JSON/TOML file and flags, run on the
//! chosen backend.

use std::path::PathBuf;

use burn::backend::{Autodiff, Flex};
use diffusion_model::config::SampleSize;
use diffusion_model::NetworkConfig;
use diffusion_train::config::DataConfig;
use diffusion_train::{train, RunOptions, TrainConfig, TrainSummary};

use crate::backend::{guard_device_start, BackendChoice};
use crate::repository_paths::locate_in_repository;
use clap::Args;
use diffusion_train::TrainError;

/// Options of `diffusion train`.
#[derive(Args, Debug)]
#[command(
    after_help = "With no options: the main job, a class-conditional U-Net on the embedded MNIST
subset (datasets/mnist-10k), about 20 minutes on 2 CPU cores.

examples:
  diffusion train --quick
  diffusion train --toy two-moons --steps 1500
  diffusion train --config my_run.toml --steps 5000 --output runs/long
  diffusion train --images photos/ --size 32 --channels 3
  diffusion train --resume --output runs/mnist"
)]
pub struct TrainArgs {
    /// A training config (.json or .toml); the flags below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The main job shrunk to about a minute.
    #[arg(long)]
    pub quick: bool,
    /// Train the small MLP on a 2-D toy distribution (gaussian-mixture, two-moons, swiss-roll,
    /// checkerboard).
    #[arg(long)]
    pub toy: Option<String>,
    /// An MNIST-style IDX folder (MNIST, Fashion-MNIST, ...).
    #[arg(long)]
    pub data: Option<String>,
    /// A folder of PNG/JPEG images (class sub-folders become labels).
    #[arg(long)]
    pub images: Option<String>,
    /// Image size for --images.
    #[arg(long, default_value_t = 32)]
    pub size: usize,
    /// 1 or 3 channels for --images.
    #[arg(long, default_value_t = 3)]
    pub channels: usize,
    /// Optimiser steps.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Images per step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Peak learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Seed of the weights, data order and noise.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where checkpoints, samples and metrics go (default runs/<name>).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Continue from the newest checkpoint of the output directory, or of run directory DIR.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub resume: Option<Option<PathBuf>>,
    /// Stop after step N (checkpointing first), as if interrupted.
    #[arg(long)]
    pub stop_after: Option<u64>,
    /// Backend: flex (CPU), wgpu, or cuda (a binary built with --features cuda).
    #[arg(long, value_enum, default_value_t = BackendChoice::Flex)]
    pub backend: BackendChoice,
    /// No progress lines.
    #[arg(long)]
    pub quiet: bool,
}

/// The config and run options the arguments describe.
fn configure(args: &TrainArgs) -> Result<(TrainConfig, RunOptions), String> {
    let (mut c, name) = match (&args.config, args.quick, &args.toy) {
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
    if let Some(dir) = &args.images {
        c.data = DataConfig::Folder {
            path: dir.clone(),
            size: args.size,
            channels: args.channels,
            flip: true,
        };
        if let NetworkConfig::Unet(config) = &mut c.model {
            config.in_channels = args.channels;
            config.out_channels = args.channels;
            config.sample_size = Some(SampleSize::Square(args.size));
        }
    }
    if let Some(path) = &args.data {
        c.data = DataConfig::Idx { path: path.clone() };
    }
    if let Some(steps) = args.steps {
        c.steps = steps;
    }
    if let Some(batch) = args.batch_size {
        c.batch_size = batch;
    }
    if let Some(lr) = args.lr {
        c.optimizer.learning_rate = lr;
    }
    if let Some(seed) = args.seed {
        c.seed = seed;
    }
    locate_embedded_dataset(&mut c);
    c.validate().map_err(|e| e.to_string())?;
    let resume_dir = args.resume.clone().flatten();
    if let (Some(dir), Some(output)) = (&resume_dir, &args.output) {
        if dir != output {
            return Err(format!(
                "--resume {} and --output {} name different runs; give one of them",
                dir.display(),
                output.display()
            ));
        }
    }
    let mut options = RunOptions::new(
        resume_dir
            .or_else(|| args.output.clone())
            .unwrap_or_else(|| PathBuf::from("runs").join(name)),
    );
    options.resume = args.resume.is_some();
    options.progress = !args.quiet;
    options.stop_after = args.stop_after;
    Ok((c, options))
}

/// The default data path is relative to the repository root; run from elsewhere, it is found
/// beside the sources this binary was built from.
fn locate_embedded_dataset(config: &mut TrainConfig) {
    if let DataConfig::Idx { path } = &mut config.data {
        if path == diffusion_data::EMBEDDED_MNIST {
            *path = locate_in_repository(path).to_string_lossy().into_owned();
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

/// Runs `diffusion train`.
pub fn run(args: &TrainArgs) -> Result<(), String> {
    let (config, options) = configure(args)?;
    println!(
        "training {} steps, batch {}, on {:?}; output in {}",
        config.steps,
        config.batch_size,
        args.backend,
        options.output_dir.display()
    );
    let summary = match args.backend {
        BackendChoice::Flex => train::<Autodiff<Flex>>(&config, &options, &Default::default()),
        BackendChoice::Wgpu => guard_device_start(args.backend, || {
            use burn::backend::wgpu::{Wgpu, WgpuDevice};
            train::<Autodiff<Wgpu>>(&config, &options, &WgpuDevice::default())
                .map_err(|e| e.to_string())
        })
        .map_err(TrainError::Config),
        #[cfg(feature = "cuda")]
        BackendChoice::Cuda => guard_device_start(args.backend, || {
            use burn::backend::cuda::{Cuda, CudaDevice};
            train::<Autodiff<Cuda>>(&config, &options, &CudaDevice::default())
                .map_err(|e| e.to_string())
        })
        .map_err(TrainError::Config),
        #[cfg(not(feature = "cuda"))]
        BackendChoice::Cuda => {
            return Err("this binary was built without CUDA; rebuild with `--features cuda`".into())
        }
    }
    .map_err(|e| e.to_string())?;
    report(&summary);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: TrainArgs,
    }

    fn parse(list: &[&str]) -> Result<(TrainConfig, RunOptions), String> {
        let mut argv = vec!["train"];
        argv.extend(list);
        let wrapper = Wrapper::try_parse_from(argv).map_err(|e| e.to_string())?;
        configure(&wrapper.args)
    }

    #[test]
    fn flags_override_the_preset() {
        let (config, options) =
            parse(&["--quick", "--steps", "7", "--seed", "3", "--output", "o"]).unwrap();
        assert_eq!((config.steps, config.seed), (7, 3));
        assert_eq!(options.output_dir, PathBuf::from("o"));
        assert!(parse(&["--steps", "x"]).unwrap_err().contains("--steps"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
        assert!(parse(&["--toy", "spiral"]).is_err());
        let (_, resumed) = parse(&["--quick", "--resume", "runs/x"]).unwrap();
        assert!(resumed.resume);
        assert_eq!(resumed.output_dir, PathBuf::from("runs/x"));
        let (_, plain) = parse(&["--quick", "--resume"]).unwrap();
        assert!(plain.resume && plain.output_dir == std::path::Path::new("runs/mnist-quick"));
        assert!(parse(&["--resume", "a", "--output", "b"]).is_err());
    }
}
