//! `diffusion`: the project's command line.
//!
//! - `train`: trains a model (the main job's defaults, a config file, or flags);
//! - `sample`: images from a checkpoint, a diffusers folder or a hub model, any sampler;
//! - `inspect`: what a checkpoint is; `pull`: downloads a hub model into the cache;
//! - `schedule`: a noise schedule as a table, CSV, JSON or plot;
//! - `likelihood`: bits/dim of images under a model;
//! - `eval`: sample quality of a checkpoint (classifier features, 2-D distances).
//!
//! Failures exit non-zero with one line saying what is wrong and what to do.

mod backend;
mod eval_command;
mod image_files;
mod inspect_command;
mod likelihood_command;
mod model_source;
mod progress;
mod pull_command;
mod repository_paths;
mod sample_command;
mod sample_job;
mod sampler_arg;
mod schedule_command;
mod train_command;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Diffusion models in Rust: train, sample, inspect and evaluate.
#[derive(Parser, Debug)]
#[command(
    name = "diffusion",
    version,
    after_help = "examples:
  diffusion train --quick
  diffusion sample --model runs/mnist --sampler dpmpp-2m --steps 20 --out grid.png
  diffusion sample --model google/ddpm-cifar10-32 --steps 50 --out cifar.png
  diffusion inspect runs/mnist
  diffusion schedule --family vp-cosine --plot vp-cosine.png"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a diffusion model (default: the main job on the embedded MNIST subset).
    Train(train_command::TrainArgs),
    /// Draw samples from a model with a chosen sampler.
    Sample(sample_command::SampleArgs),
    /// Describe a checkpoint or model folder.
    Inspect(inspect_command::InspectArgs),
    /// Download a hub model into the Hugging Face cache and print its path.
    Pull(pull_command::PullArgs),
    /// Print or plot a noise schedule.
    Schedule(schedule_command::ScheduleArgs),
    /// Bits per dimension of images under a model.
    Likelihood(likelihood_command::LikelihoodArgs),
    /// Evaluate the samples of a checkpoint.
    Eval(eval_command::EvalArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every command runs tensor code on the CPU at some point (docs/benchmarks.md: the
    // allocator setting is worth about 20% of a training step and 4x of a sampler step).
    diffusion_kernels::ops::cpu_allocator::tune_for_tensors();
    let result = match &cli.command {
        Command::Train(args) => train_command::run(args),
        Command::Sample(args) => sample_command::run(args),
        Command::Inspect(args) => inspect_command::run(args),
        Command::Pull(args) => pull_command::run(args),
        Command::Schedule(args) => schedule_command::run(args),
        Command::Likelihood(args) => likelihood_command::run(args),
        Command::Eval(args) => eval_command::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
