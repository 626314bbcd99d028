//! Checkpoint directories: `checkpoints/checkpoint-000500/` holds the model and its EMA in
//! diffusers' layout (`unet/`, `unet_ema/`), `scheduler/scheduler_config.json` for discrete
//! runs, `optimizer.safetensors` and `train_state.json`. Each is written under a temporary name
//! and renamed only when complete, so a kill or a full disk never leaves a torn checkpoint and the
//! previous ones stay intact; `train_state.json` is written last and marks a checkpoint complete.
//! An old checkpoint is retired the same way in reverse: renamed to a hidden name first, then
//! deleted, so a kill mid-deletion never leaves a half-deleted checkpoint under its visible name;
//! [`clean_leftovers`] removes what such a kill leaves behind.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::config_changes::ConfigChange;
use crate::error::{TrainError, TrainResult};

/// The training state file of a checkpoint.
pub const STATE_FILE: &str = "train_state.json";
/// The optimiser moments of a checkpoint.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
const PREFIX: &str = "checkpoint-";

/// One logged optimiser step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRow {
    /// The step (1-based).
    pub step: u64,
    /// Its loss (mean over the batch, weighted).
    pub loss: f64,
    /// Its learning rate.
    pub lr: f64,
    /// The gradient norm before clipping.
    pub grad_norm: f64,
    /// Training throughput over the step.
    pub images_per_second: f64,
}

/// Where a run stands: enough, with the model and optimiser files, to continue it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimiser steps completed.
    pub step: u64,
    /// Images trained on (the next global sample index for data order and noise).
    pub images_seen: u64,
    /// AdamW updates applied (equals `step`).
    pub optimizer_updates: u64,
    /// The run's seed; with `images_seen` it is the whole random state (every draw is counter-based).
    pub seed: u64,
    /// The config the run was started with, as changed on resume (see `changes`).
    pub config: TrainConfig,
    /// Every step's metrics so far.
    pub history: Vec<MetricsRow>,
    /// Settings changed when the run was resumed, oldest first (absent when none were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ConfigChange>,
}

/// `root/checkpoints`.
pub fn checkpoints_dir(root: &Path) -> PathBuf {
    root.join("checkpoints")
}

fn step_of(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_prefix(PREFIX)?
        .parse()
        .ok()
}

/// Complete checkpoints under `root`, oldest first.
pub fn list_checkpoints(root: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(entries) = fs::read_dir(checkpoints_dir(root)) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(STATE_FILE).is_file())
        .filter_map(|p| step_of(&p).map(|s| (s, p)))
        .collect();
    found.sort();
    found
}

/// The newest complete checkpoint under `root`.
pub fn latest_checkpoint(root: &Path) -> Option<PathBuf> {
    list_checkpoints(root).pop().map(|(_, p)| p)
}

/// Writes checkpoint `step`: `fill` writes the files into a temporary directory, then
/// [`STATE_FILE`] is written and the directory renamed into place. On any error the temporary
/// directory is removed and the existing checkpoints are untouched. Keeps the newest `keep`.
pub fn write_checkpoint<F>(
    root: &Path,
    state: &TrainState,
    keep: usize,
    fill: F,
) -> TrainResult<PathBuf>
where
    F: FnOnce(&Path) -> TrainResult<()>,
{
    let dir = checkpoints_dir(root);
    fs::create_dir_all(&dir).map_err(|e| TrainError::io(&dir, e))?;
    let name = format!("{PREFIX}{:06}", state.step);
    let partial = dir.join(format!(".{name}.partial"));
    let target = dir.join(&name);
    let result = (|| -> TrainResult<()> {
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(|e| TrainError::io(&partial, e))?;
        }
        fs::create_dir(&partial).map_err(|e| TrainError::io(&partial, e))?;
        fill(&partial)?;
        let json = serde_json::to_vec_pretty(state).expect("train state serialises");
        diffusion_data::files::write_atomically(&partial.join(STATE_FILE), &json)?;
        if target.exists() {
            // Re-writing the same step after a resume: the old copy goes only once the new one is
            // complete.
            fs::remove_dir_all(&target).map_err(|e| TrainError::io(&target, e))?;
        }
        fs::rename(&partial, &target).map_err(|e| TrainError::io(&target, e))?;
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&partial);
        return Err(e);
    }
    let all = list_checkpoints(root);
    for (_, old) in all.iter().take(all.len().saturating_sub(keep)) {
        retire(old);
    }
    Ok(target)
}

/// The hidden name a checkpoint is renamed to before it is deleted.
fn retiring_name(checkpoint: &Path) -> PathBuf {
    let name = checkpoint
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    checkpoint.with_file_name(format!(".{name}.retiring"))
}

/// Test hook: milliseconds to pause between hiding and deleting a retired checkpoint, so that a
/// test can kill a run exactly there.
pub const PAUSE_IN_RETIRE_VAR: &str = "DIFFUSION_TEST_PAUSE_IN_RETIRE_MS";

/// Removes an old checkpoint: renamed out of sight first (one atomic step), then deleted.
fn retire(checkpoint: &Path) {
    let hidden = retiring_name(checkpoint);
    if fs::rename(checkpoint, &hidden).is_ok() {
        if let Some(ms) = std::env::var(PAUSE_IN_RETIRE_VAR)
            .ok()
            .and_then(|v| v.parse().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        let _ = fs::remove_dir_all(&hidden);
    }
}

/// Removes what an interrupted run leaves in `root/checkpoints`: partial checkpoints
/// (`.checkpoint-N.partial`) and checkpoints caught mid-deletion (`.checkpoint-N.retiring`).
/// Called when a run starts or resumes, under the run's folder lock.
pub fn clean_leftovers(root: &Path) -> TrainResult<()> {
    let dir = checkpoints_dir(root);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(());
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let leftover = name.starts_with(&format!(".{PREFIX}"))
            && (name.ends_with(".partial") || name.ends_with(".retiring"));
        if leftover {
            fs::remove_dir_all(&path).map_err(|e| TrainError::io(&path, e))?;
        }
    }
    Ok(())
}

/// Reads a checkpoint's [`TrainState`].
pub fn read_state(checkpoint: &Path) -> TrainResult<TrainState> {
    let path = checkpoint.join(STATE_FILE);
    let text = fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| TrainError::Checkpoint {
        path: checkpoint.to_path_buf(),
        message: format!("{STATE_FILE} is not valid: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(step: u64) -> TrainState {
        TrainState {
            step,
            images_seen: step * 4,
            optimizer_updates: step,
            seed: 1,
            config: TrainConfig::toy("two-moons"),
            history: vec![],
            changes: vec![],
        }
    }

    #[test]
    fn writes_renames_and_prunes() {
        let root = tempfile::tempdir().unwrap();
        for step in [10, 20, 30] {
            write_checkpoint(root.path(), &state(step), 2, |dir| {
                fs::write(dir.join("payload"), b"x").map_err(|e| TrainError::io(dir, e))
            })
            .unwrap();
        }
        let steps: Vec<u64> = list_checkpoints(root.path()).iter().map(|c| c.0).collect();
        assert_eq!(steps, vec![20, 30]);
        let latest = latest_checkpoint(root.path()).unwrap();
        assert_eq!(read_state(&latest).unwrap().step, 30);
    }

    #[test]
    fn a_failed_write_leaves_the_previous_checkpoint_and_no_partial_directory() {
        let root = tempfile::tempdir().unwrap();
        write_checkpoint(root.path(), &state(10), 3, |_| Ok(())).unwrap();
        let err = write_checkpoint(root.path(), &state(20), 3, |dir| {
            fs::write(dir.join("half"), b"x").unwrap();
            Err(TrainError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"),
            ))
        })
        .unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        assert_eq!(list_checkpoints(root.path()).len(), 1);
        let names: Vec<String> = fs::read_dir(checkpoints_dir(root.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["checkpoint-000010"]);
    }

    #[test]
    fn a_rotation_killed_mid_deletion_leaves_nothing_visible_and_is_cleaned_up() {
        let root = tempfile::tempdir().unwrap();
        for step in [10, 20] {
            write_checkpoint(root.path(), &state(step), 3, |dir| {
                fs::write(dir.join("payload"), b"x").map_err(|e| TrainError::io(dir, e))
            })
            .unwrap();
        }
        // The first half of `retire`, then a kill: the rename happened, the deletion did not
        // finish (one file gone).
        let old = checkpoints_dir(root.path()).join("checkpoint-000010");
        let hidden = retiring_name(&old);
        fs::rename(&old, &hidden).unwrap();
        fs::remove_file(hidden.join(STATE_FILE)).unwrap();
        let steps: Vec<u64> = list_checkpoints(root.path()).iter().map(|c| c.0).collect();
        assert_eq!(steps, vec![20], "no torn checkpoint under a visible name");
        let partial = checkpoints_dir(root.path()).join(".checkpoint-000030.partial");
        fs::create_dir_all(&partial).unwrap();
        clean_leftovers(root.path()).unwrap();
        let names: Vec<String> = fs::read_dir(checkpoints_dir(root.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["checkpoint-000020"]);
    }

    #[test]
    fn a_directory_without_state_is_not_a_checkpoint() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(checkpoints_dir(root.path()).join("checkpoint-000050")).unwrap();
        assert!(latest_checkpoint(root.path()).is_none());
    }
}
