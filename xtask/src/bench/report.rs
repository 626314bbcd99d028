//! The one table of a `cargo xtask bench` run, as plain text for the terminal, Markdown and JSON.

use super::rows::{Row, Spread};

/// The ratio convention, stated in every output.
pub const RATIO: &str = "reference median / ours median (above 1: ours is faster)";

/// Other processes' load (in cores) above which a benchmark's rows get a warning.
const LOADED_CORES: f64 = 0.25;

/// The collected rows with what the table says about them: the machine, warnings.
pub struct Report {
    /// Distinct machine lines of the rows (one, unless rows files were mixed).
    pub machines: Vec<String>,
    /// Distinct backends of our side, in order of appearance.
    pub backends: Vec<String>,
    /// Whether any row ran at the tiny size.
    pub tiny: bool,
    /// Noise and completeness warnings.
    pub warnings: Vec<String>,
    /// The rows, in the order they were measured.
    pub rows: Vec<Row>,
}

impl Report {
    /// Assembles the report: machine and backends from the rows, a warning per benchmark that
    /// started while other processes loaded the CPU, one for references that did not run.
    pub fn new(rows: Vec<Row>) -> Self {
        let machines = distinct(rows.iter().map(|r| r.machine.clone()));
        let backends = distinct(rows.iter().map(|r| r.backend.clone()));
        let tiny = rows.iter().any(|r| r.tiny);
        let mut warnings = Vec::new();
        if tiny {
            warnings.push("tiny sizes: a harness check, not a measurement".to_string());
        }
        if machines.len() > 1 {
            warnings.push("the rows come from more than one machine".to_string());
        }
        for bench in distinct(rows.iter().map(|r| r.bench.clone())) {
            let load = rows
                .iter()
                .filter(|r| r.bench == bench)
                .map(|r| r.other_load_cores)
                .fold(0.0, f64::max);
            if load > LOADED_CORES {
                warnings.push(format!(
                    "other processes used {load:.2} cores when `{bench}` started: its timings are noisy"
                ));
            }
        }
        let missing = distinct(
            rows.iter()
                .filter(|r| r.reference.is_none())
                .map(|r| r.bench.clone()),
        );
        if !missing.is_empty() {
            warnings.push(format!(
                "no reference timings for {} (no Python with torch and diffusers: see the README)",
                missing.join(", ")
            ));
        }
        Self {
            machines,
            backends,
            tiny,
            warnings,
            rows,
        }
    }

    /// The header lines shared by the text and Markdown forms.
    fn preamble(&self) -> Vec<String> {
        let mut lines = vec![
            format!("machine: {}", self.machines.join(" | ")),
            format!("backends: {}", self.backends.join(", ")),
            "times: ms, median over repeats (min–max)".to_string(),
            format!("ratio: {RATIO}"),
        ];
        lines.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        lines
    }

    /// The table's cells, header first.
    fn cells(&self) -> Vec<[String; 6]> {
        let mut cells = vec![[
            "workload".to_string(),
            "backend".to_string(),
            "ours ms".to_string(),
            "reference".to_string(),
            "reference ms".to_string(),
            "ratio".to_string(),
        ]];
        cells.extend(self.rows.iter().map(|r| {
            [
                r.workload.clone(),
                r.backend.clone(),
                spread(Some(&r.ours)),
                r.reference_name.clone(),
                spread(r.reference.as_ref()),
                r.ratio().map_or("–".into(), |x| format!("{x:.2}")),
            ]
        }));
        cells
    }

    /// Aligned plain text for the terminal.
    pub fn text(&self) -> String {
        let cells = self.cells();
        let widths: Vec<usize> = (0..6)
            .map(|c| {
                cells
                    .iter()
                    .map(|row| row[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |row: &[String; 6]| {
            let padded: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let mut out = self.preamble().join("\n") + "\n\n";
        out += &line(&cells[0]);
        out += "\n";
        out += &"-".repeat(widths.iter().sum::<usize>() + 2 * 5);
        out += "\n";
        for row in &cells[1..] {
            out += &line(row);
            out += "\n";
        }
        out
    }

    /// A Markdown document: the preamble as a list, then the table.
    pub fn markdown(&self) -> String {
        let cells = self.cells();
        let mut out = String::from("# Benchmarks\n\n");
        for line in self.preamble() {
            out += &format!("- {line}\n");
        }
        out += "\n";
        let row = |r: &[String; 6]| format!("| {} |\n", r.join(" | "));
        out += &row(&cells[0]);
        out += "|---|---|---|---|---|---|\n";
        for r in &cells[1..] {
            out += &row(r);
        }
        out
    }

    /// The rows with their ratios, and the machine, convention and warnings.
    pub fn json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut value = serde_json::to_value(r).unwrap_or_default();
                value["ratio"] = r.ratio().into();
                value
            })
            .collect();
        serde_json::json!({
            "machines": self.machines,
            "backends": self.backends,
            "ratio": RATIO,
            "tiny": self.tiny,
            "warnings": self.warnings,
            "rows": rows,
        })
    }
}

/// The values in order of first appearance, without repeats.
fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `median (min–max)` with precision to suit the size; `–` when absent.
fn spread(s: Option<&Spread>) -> String {
    let Some(s) = s else {
        return "–".into();
    };
    let digits = match s.median_ms {
        m if m < 1.0 => 4,
        m if m < 10.0 => 3,
        m if m < 100.0 => 2,
        _ => 1,
    };
    match (s.min_ms, s.max_ms) {
        (Some(lo), Some(hi)) => format!("{:.digits$} ({lo:.digits$}–{hi:.digits$})", s.median_ms),
        _ => format!("{:.digits$}", s.median_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::rows::{parse, tests::CANNED};

    fn report() -> Report {
        Report::new(parse(CANNED).unwrap())
    }

    #[test]
    fn text_has_machine_convention_and_every_row() {
        let text = report().text();
        assert!(
            text.contains("machine: AMD EPYC 7B13, 2 cores, Debian GNU/Linux 12"),
            "{text}"
        );
        assert!(text.contains("backends: flex"), "{text}");
        assert!(text.contains(RATIO), "{text}");
        assert!(text.contains("noising 4×784 (fused kernel)"), "{text}");
        assert!(text.contains("0.5000 (0.4000–0.9000)"), "{text}");
        assert!(text.contains("2.00"), "{text}");
        assert!(text.contains("0.50"), "{text}");
        // the reference without min/max shows its median alone
        let step = text.lines().find(|l| l.starts_with("one DDIM")).unwrap();
        assert!(
            step.split_whitespace().rev().take(2).eq(["2.00", "0.0800"]),
            "{step}"
        );
        // header, rule, four rows
        let table = text.split("\n\n").nth(1).unwrap();
        assert_eq!(table.lines().count(), 6, "{text}");
    }

    #[test]
    fn warns_about_load_tiny_sizes_and_missing_references() {
        let r = report();
        assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
        assert!(r.warnings[0].starts_with("tiny sizes"));
        assert!(r.warnings[1].contains("1.20 cores when `unet` started"));
        assert!(r.warnings[2].contains("no reference timings for training"));
    }

    #[test]
    fn markdown_table_has_six_columns_on_every_line() {
        let md = report().markdown();
        let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(table.len(), 6, "{md}");
        for line in table {
            assert_eq!(line.matches('|').count(), 7, "{line}");
        }
        assert!(
            md.contains("- ratio: reference median / ours median"),
            "{md}"
        );
    }

    #[test]
    fn json_carries_rows_ratios_and_convention() {
        let json = report().json();
        assert_eq!(json["ratio"], RATIO);
        assert_eq!(json["tiny"], true);
        let rows = json["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0]["ratio"], 2.0);
        assert!(rows[2]["ratio"].is_null());
        assert_eq!(rows[1]["ours"]["median_ms"], 20.0);
        let back: Row = serde_json::from_value(rows[3].clone()).unwrap();
        assert_eq!(back, parse(CANNED).unwrap()[3]);
    }
}
