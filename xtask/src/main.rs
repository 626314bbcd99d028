//! `cargo xtask <task>`: the project's build runner (the rust-analyzer / ripgrep xtask pattern).
//!
//! Tasks:
//! - `train`: the main job. Training is not built yet (see the training issue); until it is,
//!   this prints the default forward process's schedule table and says so.
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
         train              the main job (training is not implemented yet: prints the schedule table)\n  \
         test               fmt check, clippy -D warnings, CUDA build check, docs, then cargo test --workspace\n  \
         bench [--cuda] [kernels|unet|sampling]  fused kernels vs unfused burn (wgpu, flex; CUDA on request); U-Net and DDIM sampling vs PyTorch\n  \
         schedule [FAMILY]  s(t), σ(t), log-SNR, f(t), g(t) for vp|vp-cosine|subvp|ve|edm|flow"
    );
}

/// `cargo xtask bench [--cuda] [kernels|unet|sampling]`: the fused-kernel benchmark (with the
/// CUDA backend on request), the U-Net and 50-step DDIM sampling against PyTorch/diffusers; all
/// unless some are named.
fn bench(args: &[String]) -> Result<(), String> {
    let cuda = args.iter().any(|a| a == "--cuda");
    let named: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["kernels", "unet", "sampling"].contains(a))
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
    Ok(())
}

fn train(_args: &[String]) -> Result<(), String> {
    println!(
        "Training is not implemented yet: diffusion-train is planned (see the project's issues).\n\
         Until it lands, the main job shows the forward process it will train under:\n"
    );
    schedule_table::print("vp")
}
