//! `cargo xtask <task>`: the project's build runner (the rust-analyzer / ripgrep xtask pattern).
//!
//! Tasks:
//! - `train [ARGS]`: the main job: `diffusion train` built in release mode, by default a
//!   class-conditional U-Net on the embedded MNIST subset (`--quick` for a one-minute run,
//!   `--help` for the options).
//! - `test`: everything CI checks, in order: formatting, clippy with warnings denied, the CUDA
//!   build path, the docs, then the whole test suite. Installs the software Vulkan driver (lavapipe) the
//!   wgpu kernel tests need when it is missing and apt-get is available.
//! - `bench`: the benchmarks in benches/ (fused kernels against unfused burn; the U-Net and
//!   50-step DDIM sampling against PyTorch/diffusers), in release mode.
//! - `schedule [family]`: prints s(t), σ(t), log-SNR, f(t), g(t) for a continuous family.

mod schedule_table;
mod test_suite;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("train") => train(&args[1..]),
        Some("test") => test_suite::run(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("schedule") => schedule_table::print(args.get(1).map(String::as_str).unwrap_or("vp")),
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
         bench [--cuda] [kernels|unet|sampling|training]  fused kernels vs unfused burn (wgpu, flex; CUDA on request); U-Net, DDIM sampling and training vs PyTorch\n  \
         schedule [FAMILY]  s(t), σ(t), log-SNR, f(t), g(t) for vp|vp-cosine|subvp|ve|edm|flow"
    );
}

/// `cargo xtask bench [--cuda] [kernels|unet|sampling|training]`: the fused-kernel benchmark
/// (with the CUDA backend on request), the U-Net, 50-step DDIM sampling and the training step
/// against PyTorch/diffusers; all unless some are named.
fn bench(args: &[String]) -> Result<(), String> {
    let cuda = args.iter().any(|a| a == "--cuda");
    let named: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["kernels", "unet", "sampling", "training"].contains(a))
        .collect();
    let wanted = |name: &str| named.is_empty() || named.contains(&name);
    if wanted("kernels") {
        let mut cargo_args = vec!["bench", "-p", "diffusion", "--bench", "fused_kernels"];
        if cuda {
            cargo_args.extend(["--features", "cuda", "--", "--cuda"]);
        }
        test_suite::step("cargo bench (fused kernels)", &cargo_args)?;
    }
    if wanted("unet") {
        test_suite::step(
            "cargo bench (U-Net vs PyTorch)",
            &["bench", "-p", "diffusion", "--bench", "unet"],
        )?;
    }
    if wanted("sampling") {
        test_suite::step(
            "cargo bench (DDIM sampling vs diffusers)",
            &["bench", "-p", "diffusion", "--bench", "sampling"],
        )?;
    }
    if wanted("training") {
        test_suite::step(
            "cargo bench (training step vs PyTorch)",
            &["bench", "-p", "diffusion", "--bench", "training"],
        )?;
    }
    Ok(())
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
