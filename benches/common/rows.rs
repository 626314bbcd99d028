//! Result rows: what every benchmark hands to `cargo xtask bench`, which collects them into one
//! table. A row is one JSON line appended to the file named by `DIFFUSION_BENCH_ROWS`; without
//! that variable the benchmark only prints its own table.

use std::io::Write;

use super::{ms, Timing};

/// The environment variable naming the JSON-lines file that rows are appended to.
pub const ROWS_VAR: &str = "DIFFUSION_BENCH_ROWS";

/// The keys of median, min and max in the reference scripts' timing objects.
pub const MS_KEYS: [&str; 3] = ["median_ms", "min_ms", "max_ms"];

/// Median and spread of one side of a comparison, in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub repeats: usize,
}

impl Spread {
    /// The spread of our timed repeats.
    pub fn of(t: &Timing) -> Self {
        Self {
            median_ms: ms(t.median),
            min_ms: ms(t.min),
            max_ms: ms(t.max),
            repeats: t.repeats,
        }
    }

    /// A reference script's timing object: `keys` names its median, min and max in ms
    /// ([`MS_KEYS`] for most scripts); `None` when the median is missing. Repeats come from its
    /// `repeats` key, else `repeats`.
    pub fn from_reference(
        json: &serde_json::Value,
        keys: [&str; 3],
        repeats: usize,
    ) -> Option<Self> {
        Some(Self {
            median_ms: json[keys[0]].as_f64()?,
            min_ms: json[keys[1]].as_f64().unwrap_or(f64::NAN),
            max_ms: json[keys[2]].as_f64().unwrap_or(f64::NAN),
            repeats: json["repeats"].as_u64().map_or(repeats, |r| r as usize),
        })
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "median_ms": self.median_ms, "min_ms": self.min_ms,
            "max_ms": self.max_ms, "repeats": self.repeats,
        })
    }
}

/// One workload's result: ours and, when it ran, the reference's.
pub struct Row {
    /// The benchmark that measured it (`kernels`, `unet`, …).
    pub bench: &'static str,
    /// What was timed, with its size.
    pub workload: String,
    /// Our backend (`flex`, `wgpu`, `cuda`).
    pub backend: String,
    /// Our timing.
    pub ours: Spread,
    /// What we are compared with (`unfused burn`, `PyTorch 2.x / diffusers 0.y, 2 threads`).
    pub reference_name: String,
    /// The reference's timing; `None` when it did not run.
    pub reference: Option<Spread>,
}

/// What a benchmark run shares among its rows: the machine, other processes' load at the start,
/// and the size mode.
pub struct Recorder {
    machine: String,
    other_load_cores: f64,
    tiny: bool,
}

impl Recorder {
    /// Describes the machine and measures other processes' load (warning when it is high).
    /// Tunes the allocator as `diffusion` (the CLI) and `diffusion_train::train` do, so that
    /// "ours" is what a user of the command line gets.
    pub fn start(tiny: bool) -> Self {
        diffusion::kernels::ops::cpu_allocator::tune_for_tensors();
        Self {
            machine: super::machine::machine(),
            other_load_cores: super::machine::warn_if_loaded(),
            tiny,
        }
    }

    /// The machine line.
    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// Appends the row to the rows file, when `cargo xtask bench` asked for one.
    pub fn emit(&self, row: &Row) {
        let Some(path) = std::env::var_os(ROWS_VAR) else {
            return;
        };
        let line = serde_json::json!({
            "bench": row.bench,
            "workload": row.workload,
            "backend": row.backend,
            "ours": row.ours.json(),
            "reference_name": row.reference_name,
            "reference": row.reference.as_ref().map(Spread::json),
            "machine": self.machine,
            "other_load_cores": self.other_load_cores,
            "tiny": self.tiny,
        });
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            eprintln!(
                "could not append a result row to {}: {e}",
                path.to_string_lossy()
            );
        }
    }
}
