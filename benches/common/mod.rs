//! What the benchmarks share: timing (medians over repeats after a warm-up, with min and max),
//! the size mode, the PyTorch reference runner, and result rows for `cargo xtask bench`.
// Each benchmark includes this module and uses a different part of it.
#![allow(dead_code)]

pub mod machine;
pub mod rows;

use std::time::{Duration, Instant};

pub use rows::{Recorder, Row, Spread};

/// Median, fastest and slowest of the timed repeats.
pub struct Timing {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub repeats: usize,
}

/// Runs `run` `warmup` times untimed, then `repeats` times timed.
pub fn time_with<F: FnMut()>(warmup: usize, repeats: usize, mut run: F) -> Timing {
    for _ in 0..warmup {
        run();
    }
    let samples: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    timing_of(samples)
}

/// Median, min and max of measured durations (at least one).
pub fn timing_of(mut samples: Vec<Duration>) -> Timing {
    samples.sort();
    Timing {
        median: samples[samples.len() / 2],
        min: samples[0],
        max: samples[samples.len() - 1],
        repeats: samples.len(),
    }
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// How a benchmark binary was asked to run.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// Tiny sizes and few repeats: proves the harness runs, measures nothing meaningful.
    pub tiny: bool,
    /// Whether to run the PyTorch reference.
    pub reference: bool,
}

impl Mode {
    /// `cargo bench` passes `--bench`; a run without it is `cargo test` running a bench target
    /// (tiny, no reference: the test suite must not depend on Python). `--tiny` or
    /// `DIFFUSION_BENCH_TINY=1` (what `cargo xtask bench --tiny` sets) asks for tiny sizes with
    /// the reference.
    pub fn from_env() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let under_test = !args.iter().any(|a| a == "--bench");
        let tiny_env =
            std::env::var("DIFFUSION_BENCH_TINY").is_ok_and(|v| v != "0" && !v.is_empty());
        Self {
            tiny: under_test || tiny_env || args.iter().any(|a| a == "--tiny"),
            reference: !under_test,
        }
    }

    /// `full` normally, `tiny` in tiny mode.
    pub fn pick<T>(&self, full: T, tiny: T) -> T {
        if self.tiny {
            tiny
        } else {
            full
        }
    }
}

/// The 1×28×28 class-conditional U-Net of the MNIST workloads (block_out_channels (16, 32, 32),
/// layers_per_block 1, norm_num_groups 8, attention at the lowest level).
pub fn mnist_config() -> diffusion::model::UNet2DConfig {
    diffusion::train::config::mnist_unet_config()
}

/// The Python of the PyTorch reference: `DIFFUSION_REFERENCE_PYTHON`, else
/// `.venv-bench/bin/python`, else `.venv-reference/bin/python` (the older name), when it exists.
fn reference_python(root: &std::path::Path) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("DIFFUSION_REFERENCE_PYTHON") {
        return Some(std::path::PathBuf::from(path));
    }
    let found = [".venv-bench", ".venv-reference"]
        .iter()
        .map(|venv| root.join(venv).join("bin/python"))
        .find(|python| python.exists());
    if found.is_none() {
        eprintln!(
            "no reference Python: set DIFFUSION_REFERENCE_PYTHON or make .venv-bench (docs/benchmarks.md)"
        );
    }
    found
}

/// Runs a reference script (relative to the repository root) with `args`; returns its JSON and
/// a line describing the reference, or `None` (with the reason on stderr) when it cannot run or
/// `mode` says not to.
pub fn reference(
    root: &std::path::Path,
    mode: Mode,
    script: &str,
    args: &[&str],
) -> Option<(serde_json::Value, String)> {
    if !mode.reference {
        return None;
    }
    let python = reference_python(root)?;
    eprintln!("running the PyTorch reference with {}", python.display());
    let output = std::process::Command::new(&python)
        .arg(root.join(script))
        .args(args)
        .output();
    match output {
        Ok(out) if out.status.success() => {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
            let threads = if json["num_threads"].is_null() {
                &json["threads"]
            } else {
                &json["num_threads"]
            };
            let about = format!(
                "PyTorch {} / diffusers {}, {threads} threads",
                json["torch"].as_str().unwrap_or("?"),
                json["diffusers"].as_str().unwrap_or("?"),
            );
            Some((json, about))
        }
        Ok(out) => {
            eprintln!(
                "the reference failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", python.display());
            None
        }
    }
}

/// The name rows give a reference that did not run.
pub const NO_REFERENCE: &str = "PyTorch/diffusers (not run)";
