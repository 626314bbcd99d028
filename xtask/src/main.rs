//! `cargo xtask <task>`: the project's build runner (the rust-analyzer / ripgrep xtask pattern).
//!
//! Tasks:
//! - `train [ARGS]`: the main job: `diffusion train` built in release mode, by default a
//!   class-conditional U-Net on the embedded MNIST subset (`--quick` for a one-minute run,
//!   `--help` for the options).
//! - `test`: everything CI checks, in order: formatting, clippy with warnings denied, the CUDA
//!   build path, the docs, then the whole test suite. Installs the software Vulkan driver (lavapipe) the
//!   wgpu kernel tests need when it is missing and apt-get is available.
//! - `bench [--tiny] [--cuda] [NAME…]`: the benchmarks in benches/ in release mode (fused kernels
//!   against unfused burn; one sampler step, the U-Net, the training step and 50-step DDIM
//!   sampling against PyTorch/diffusers), then one table of all results (see `bench`).
//! - `schedule [ARGS]`: `diffusion schedule ARGS` (a noise schedule as a table, CSV, JSON or plot).

mod bench;
mod test_suite;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("train") => train(&args[1..]),
        Some("test") => test_suite::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("schedule") => cli("schedule", &args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown task `{other}`; run `cargo xtask help` for the list"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         train [ARGS]       the main job: train on datasets/mnist-10k (--quick: ~1 minute; --help: options)\n  \
         test               fmt check, clippy -D warnings, CUDA build check, docs, then cargo test --workspace\n  \
         bench [--tiny] [--cuda] [kernels|step|unet|training|sampling]  fused kernels vs unfused burn (wgpu, flex; CUDA on request); sampler step, U-Net, training, DDIM sampling vs PyTorch/diffusers; one table, also in target/bench/results.{{json,md}} (--tiny: a quick harness check)\n  \
         schedule [ARGS]    diffusion schedule: s(t), ᾱ, σ(t), log-SNR, f(t), g(t) (--family, --beta-schedule, --csv, --plot)"
    );
}

/// `cargo xtask train [ARGS]`: builds the command line in release mode and runs
/// `diffusion train ARGS` (no arguments: the main job on the embedded MNIST subset).
fn train(args: &[String]) -> Result<(), String> {
    let mut cargo_args = vec!["run", "--release", "-p", "diffusion-cli"];
    if args.iter().any(|a| a == "--backend") && args.iter().any(|a| a == "cuda") {
        cargo_args.extend(["--features", "cuda"]);
    }
    cargo_args.extend(["--", "train"]);
    cargo_args.extend(args.iter().map(String::as_str));
    test_suite::step("diffusion train", &cargo_args)
}

/// `cargo xtask COMMAND ARGS` for a command of the `diffusion` binary: runs it through cargo.
fn cli(command: &str, args: &[String]) -> Result<(), String> {
    let mut cargo_args = vec![
        "run",
        "--release",
        "-q",
        "-p",
        "diffusion-cli",
        "--",
        command,
    ];
    cargo_args.extend(args.iter().map(String::as_str));
    test_suite::step(&format!("diffusion {command}"), &cargo_args)
}
