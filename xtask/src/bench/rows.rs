//! The result rows the benchmark binaries append to `target/bench/rows.jsonl` (one JSON object
//! per line, written by `benches/common/rows.rs`), read back for the combined table.

use serde::{Deserialize, Serialize};

/// Median and spread of one side of a comparison, in milliseconds. Min and max are optional
/// because a reference that does not report them writes `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Median over the timed repeats.
    pub median_ms: f64,
    /// Fastest repeat.
    pub min_ms: Option<f64>,
    /// Slowest repeat.
    pub max_ms: Option<f64>,
    /// Number of timed repeats.
    pub repeats: usize,
}

/// One workload's result, as a benchmark binary records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The benchmark that measured it (`kernels`, `step`, `unet`, `training`, `sampling`).
    pub bench: String,
    /// What was timed, with its size.
    pub workload: String,
    /// Our backend (`flex`, `wgpu`, `cuda`).
    pub backend: String,
    /// Our timing.
    pub ours: Spread,
    /// What we are compared with (`unfused burn`, `PyTorch … / diffusers …, N threads`).
    pub reference_name: String,
    /// The reference's timing; `None` when it did not run.
    pub reference: Option<Spread>,
    /// CPU model, cores and OS of the machine that ran it.
    pub machine: String,
    /// Cores' worth of CPU other processes used when the benchmark started.
    pub other_load_cores: f64,
    /// Whether it ran at the tiny size (a harness check, not a measurement).
    pub tiny: bool,
}

impl Row {
    /// Reference time over ours: above 1, ours is faster. `None` without a reference.
    pub fn ratio(&self) -> Option<f64> {
        let reference = self.reference.as_ref()?;
        (self.ours.median_ms > 0.0).then(|| reference.median_ms / self.ours.median_ms)
    }
}

/// Parses a JSON-lines rows file (blank lines skipped); an error names the bad line.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| format!("result row on line {}: {e}", i + 1))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Rows as the benchmark binaries write them: a kernel row, a PyTorch row, one whose
    /// reference did not run, and one whose reference has no min/max.
    pub(crate) const CANNED: &str = r#"{"bench":"kernels","workload":"noising 4×784 (fused kernel)","backend":"flex","ours":{"median_ms":0.5,"min_ms":0.4,"max_ms":0.9,"repeats":3},"reference_name":"unfused burn","reference":{"median_ms":1.0,"min_ms":0.8,"max_ms":1.2,"repeats":3},"machine":"AMD EPYC 7B13, 2 cores, Debian GNU/Linux 12 (bookworm), kernel 6.1","other_load_cores":0.05,"tiny":true}
{"bench":"unet","workload":"U-Net forward, MNIST 1×28×28 (16, 32, 32), batch 2","backend":"flex","ours":{"median_ms":20.0,"min_ms":19.0,"max_ms":25.0,"repeats":2},"reference_name":"PyTorch 2.15.0 / diffusers 0.42.1, 2 threads","reference":{"median_ms":10.0,"min_ms":9.5,"max_ms":11.0,"repeats":2},"machine":"AMD EPYC 7B13, 2 cores, Debian GNU/Linux 12 (bookworm), kernel 6.1","other_load_cores":1.2,"tiny":true}

{"bench":"training","workload":"training step, MNIST, batch 4","backend":"flex","ours":{"median_ms":100.0,"min_ms":90.0,"max_ms":110.0,"repeats":2},"reference_name":"PyTorch/diffusers (not run)","reference":null,"machine":"AMD EPYC 7B13, 2 cores, Debian GNU/Linux 12 (bookworm), kernel 6.1","other_load_cores":0.0,"tiny":true}
{"bench":"step","workload":"one DDIM sampler step (ε → x₀, update), 4×1×28×28","backend":"flex","ours":{"median_ms":0.04,"min_ms":0.03,"max_ms":0.05,"repeats":5},"reference_name":"PyTorch 2.15.0 / diffusers 0.42.1, 2 threads","reference":{"median_ms":0.08,"min_ms":null,"max_ms":null,"repeats":5},"machine":"AMD EPYC 7B13, 2 cores, Debian GNU/Linux 12 (bookworm), kernel 6.1","other_load_cores":0.0,"tiny":true}
"#;

    #[test]
    fn parses_canned_rows_and_skips_blank_lines() {
        let rows = parse(CANNED).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].bench, "kernels");
        assert_eq!(rows[2].reference, None);
        assert_eq!(rows[3].reference.as_ref().unwrap().min_ms, None);
    }

    #[test]
    fn ratio_is_reference_over_ours() {
        let rows = parse(CANNED).unwrap();
        assert_eq!(rows[0].ratio(), Some(2.0));
        assert_eq!(rows[1].ratio(), Some(0.5));
        assert_eq!(rows[2].ratio(), None);
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = parse("\n{\"bench\": 1}\n").unwrap_err();
        assert!(err.starts_with("result row on line 2"), "{err}");
    }
}
