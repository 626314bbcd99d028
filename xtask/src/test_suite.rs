//! `cargo xtask test`: the one command that checks everything CI checks.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Where Mesa's lavapipe registers itself with the Vulkan loader on Debian.
const LAVAPIPE_ICD_DIR: &str = "/usr/share/vulkan/icd.d";

/// Runs formatting, lints, the CUDA build path, the docs and the test suite, stopping at the
/// first failure.
pub fn run(extra_test_args: &[String]) -> Result<(), String> {
    ensure_vulkan_driver()?;
    step("cargo fmt --check", &["fmt", "--all", "--check"])?;
    step(
        "cargo clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The CUDA path must always compile, tests included, even on machines without a GPU.
    step(
        "cargo check --features cuda",
        &[
            "check",
            "--workspace",
            "--all-targets",
            "--features",
            "cuda",
        ],
    )?;
    // The API reference must build without broken links or malformed docs.
    std::env::set_var("RUSTDOCFLAGS", "-D warnings");
    step("cargo doc", &["doc", "--workspace", "--no-deps"])?;
    let mut test: Vec<&str> = vec!["test", "--workspace"];
    test.extend(extra_test_args.iter().map(String::as_str));
    test_with_summary(&test)
}

/// Runs `cargo test`, passing its output through, and closes with one line that adds up every
/// test binary's result (cargo's own last line is often an empty doc-test run).
fn test_with_summary(args: &[&str]) -> Result<(), String> {
    eprintln!("==> cargo test");
    let mut child = cargo()
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start cargo test: {e}"))?;
    let (mut passed, mut failed, mut ignored) = (0u64, 0u64, 0u64);
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading cargo test output: {e}"))?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            let count = |label: &str| -> u64 {
                rest.split(';')
                    .find_map(|part| part.trim().strip_suffix(label))
                    .and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
                    .unwrap_or(0)
            };
            passed += count(" passed");
            failed += count(" failed");
            ignored += count(" ignored");
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo test: {e}"))?;
    println!("tests: {passed} passed, {failed} failed, {ignored} skipped");
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo test` failed ({status})"))
    }
}

/// The cargo that runs this xtask (or the one on PATH).
fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs one cargo command, failing with its label when it fails.
pub fn step(label: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {label}");
    let status = cargo()
        .args(args)
        .status()
        .map_err(|e| format!("could not start cargo for `{label}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{label}` failed ({status})"))
    }
}

/// The wgpu kernel tests need a Vulkan device; on a machine without a GPU that is lavapipe.
/// Installs it with apt-get when missing and possible, otherwise says what to install.
fn ensure_vulkan_driver() -> Result<(), String> {
    let has_lavapipe = std::fs::read_dir(LAVAPIPE_ICD_DIR)
        .map(|dir| {
            dir.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("lvp_icd"))
        })
        .unwrap_or(false);
    if has_lavapipe {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !(is_root && Path::new("/usr/bin/apt-get").exists()) {
        eprintln!(
            "warning: no software Vulkan driver found in {LAVAPIPE_ICD_DIR}; GPU kernel tests need \
             one (Debian/Ubuntu: `sudo apt-get install mesa-vulkan-drivers`)"
        );
        return Ok(());
    }
    eprintln!("==> installing mesa-vulkan-drivers (lavapipe) for the wgpu kernel tests");
    for args in [
        &["update", "-qq"][..],
        &["install", "-y", "-qq", "mesa-vulkan-drivers"][..],
    ] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("could not run apt-get: {e}"))?;
        if !status.success() {
            return Err(format!("apt-get {} failed ({status})", args.join(" ")));
        }
    }
    Ok(())
}
