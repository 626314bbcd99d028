//! A one-line progress bar on standard error, shown only when standard error is a terminal and
//! the user did not ask for `--quiet`, so logs and pipes stay clean.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Progress of a job measured in units (sampler steps, images, ...).
pub struct ProgressBar {
    label: String,
    total: usize,
    done: usize,
    started: Instant,
    visible: bool,
}

impl ProgressBar {
    /// A bar over `total` units; hidden when `quiet` or when stderr is not a terminal.
    pub fn new(label: &str, total: usize, quiet: bool) -> Self {
        Self {
            label: label.to_string(),
            total: total.max(1),
            done: 0,
            started: Instant::now(),
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Adds `units` and redraws.
    pub fn advance(&mut self, units: usize) {
        self.done = (self.done + units).min(self.total);
        if !self.visible {
            return;
        }
        let width = 30;
        let filled = width * self.done / self.total;
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if self.done > 0 {
            elapsed * (self.total - self.done) as f64 / self.done as f64
        } else {
            0.0
        };
        eprint!(
            "\r{} [{}{}] {}/{} {:.1}s elapsed, ETA {:.0}s  ",
            self.label,
            "#".repeat(filled),
            ".".repeat(width - filled),
            self.done,
            self.total,
            elapsed,
            eta
        );
        let _ = std::io::stderr().flush();
    }

    /// Ends the line.
    pub fn finish(&mut self) {
        if self.visible {
            eprintln!();
        }
    }
}
