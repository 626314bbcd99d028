//! A training process killed with SIGKILL at an arbitrary moment leaves only complete
//! checkpoints, and `--resume` continues from the newest one to the end.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_diffusion");

fn complete_checkpoints(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out.join("checkpoints")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("checkpoint-"))
        .collect();
    names.sort();
    names
}

#[test]
fn sigkill_mid_run_then_resume_finishes_from_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "train",
            "--toy",
            "two-moons",
            "--steps",
            "3000",
            "--quiet",
            "--output",
        ];
        a.push(out.to_str().unwrap());
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let mut child = Command::new(BIN)
        .args(args(&[]))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the second checkpoint, so the kill lands while training (and possibly while
    // writing the next checkpoint), not before the first.
    let start = Instant::now();
    while complete_checkpoints(&out).len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no checkpoints appeared"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("training exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    // Every directory named checkpoint-* is complete; a partial write has a hidden name.
    let names = complete_checkpoints(&out);
    assert!(!names.is_empty());
    for name in &names {
        let dir = out.join("checkpoints").join(name);
        for file in [
            "train_state.json",
            "optimizer.safetensors",
            "mlp/config.json",
            "mlp/diffusion_pytorch_model.safetensors",
            "mlp_ema/diffusion_pytorch_model.safetensors",
        ] {
            assert!(dir.join(file).is_file(), "{name} lacks {file}");
        }
    }
    let resumed = Command::new(BIN)
        .args(args(&["--resume"]))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        resumed.status.success(),
        "resume failed: {stdout}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(stdout.contains("..=3000"), "{stdout}");
    assert!(complete_checkpoints(&out)
        .last()
        .unwrap()
        .ends_with("003000"));
}
