//! A checkpoint write that fails part-way (here: the optimiser file exceeds a file-size limit,
//! RLIMIT_FSIZE, so `write` returns EFBIG as it would return ENOSPC on a full disk) stops the run
//! with an error naming the file, leaves no partial checkpoint, and keeps the previous one
//! intact: resuming without the limit finishes the run.

#![cfg(unix)]

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_diffusion");

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_checkpoint_write_keeps_the_previous_checkpoint() {
    if Command::new("bash").arg("-c").arg("true").status().is_err() {
        eprintln!("skipped: needs bash for ulimit");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_arg = out.to_str().unwrap();
    let base = [
        "train",
        "--toy",
        "two-moons",
        "--steps",
        "400",
        "--quiet",
        "--output",
        out_arg,
    ];
    let first = Command::new(BIN)
        .args(base)
        .args(["--stop-after", "200"])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    // 128 KiB per file: the model (90 KB) fits, the optimiser state (180 KB) does not. SIGXFSZ is
    // ignored so the write fails with EFBIG instead of killing the process.
    let limited = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(base)
        .arg("--resume")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert!(!limited.status.success(), "the limited run should fail");
    assert!(stderr.contains("optimizer.safetensors"), "{stderr}");
    assert!(stderr.contains("too large"), "{stderr}");
    assert_eq!(entries(&out.join("checkpoints")), vec!["checkpoint-000200"]);

    let resumed = Command::new(BIN)
        .args(base)
        .arg("--resume")
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(entries(&out.join("checkpoints")).contains(&"checkpoint-000400".to_string()));
}
