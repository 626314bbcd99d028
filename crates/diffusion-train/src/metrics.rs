//! metrics.csv: one row per optimiser step (`step,loss,lr,grad_norm,images_per_second`),
//! appended as the run goes and rewritten from the checkpoint's history on resume, so it never
//! holds steps that were redone.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::checkpoint::MetricsRow;
use crate::error::{TrainError, TrainResult};

const HEADER: &str = "step,loss,lr,grad_norm,images_per_second\n";

fn line(r: &MetricsRow) -> String {
    format!(
        "{},{:.6e},{:.6e},{:.6e},{:.2}\n",
        r.step, r.loss, r.lr, r.grad_norm, r.images_per_second
    )
}

/// An open metrics.csv.
pub struct MetricsLog {
    path: PathBuf,
    file: File,
}

impl MetricsLog {
    /// Writes `history` to `path` (replacing it atomically) and opens it for appending.
    pub fn start(path: &Path, history: &[MetricsRow]) -> TrainResult<Self> {
        let mut text = String::from(HEADER);
        for r in history {
            text.push_str(&line(r));
        }
        diffusion_data::files::write_atomically(path, text.as_bytes())?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| TrainError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one row.
    pub fn append(&mut self, row: &MetricsRow) -> TrainResult<()> {
        self.file
            .write_all(line(row).as_bytes())
            .map_err(|e| TrainError::io(&self.path, e))
    }
}

/// Reads metrics.csv back (for tools and tests).
pub fn read_metrics(path: &Path) -> TrainResult<Vec<MetricsRow>> {
    let text = fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
            match (
                f.first().and_then(|v| v.parse().ok()),
                num(1),
                num(2),
                num(3),
                num(4),
            ) {
                (Some(step), Some(loss), Some(lr), Some(grad_norm), Some(ips)) => Ok(MetricsRow {
                    step,
                    loss,
                    lr,
                    grad_norm,
                    images_per_second: ips,
                }),
                _ => Err(TrainError::Checkpoint {
                    path: path.to_path_buf(),
                    message: format!("malformed metrics row `{l}`"),
                }),
            }
        })
        .collect()
}
