//! Timing shared by the benchmarks: medians over repeats after a warm-up, with min and max.
// Each benchmark includes this module and uses a different part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

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
    let mut samples: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
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

/// The 1×28×28 class-conditional U-Net of the MNIST workloads (block_out_channels (16, 32, 32),
/// layers_per_block 1, norm_num_groups 8, attention at the lowest level).
pub fn mnist_config() -> diffusion::model::UNet2DConfig {
    let json = diffusion::train::config::mnist_unet_config().to_string();
    diffusion::model::UNet2DConfig::from_json_str(&json, "mnist bench config")
        .expect("valid")
        .config
}

/// The Python of the PyTorch reference: `DIFFUSION_REFERENCE_PYTHON`, else
/// `.venv-reference/bin/python` when it exists.
fn reference_python(root: &std::path::Path) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("DIFFUSION_REFERENCE_PYTHON") {
        return Some(std::path::PathBuf::from(path));
    }
    let venv = root.join(".venv-reference/bin/python");
    venv.exists().then_some(venv)
}

/// Runs a reference script (relative to the repository root) with `args`; returns its JSON and
/// a line describing the reference, or `None` (with the reason on stderr).
pub fn reference(
    root: &std::path::Path,
    script: &str,
    args: &[&str],
) -> Option<(serde_json::Value, String)> {
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
                "torch {} / diffusers {}, {threads} threads",
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

/// CPU model and core count.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cpu}, {cores} cores")
}

/// Warns when the 1-minute load average says another process is using the CPU.
pub fn warn_if_loaded() {
    let load: f64 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0);
    if load > 0.5 {
        eprintln!("warning: the 1-minute load average is {load:.2}: another process is using the CPU, timings will be noisy");
    }
}
