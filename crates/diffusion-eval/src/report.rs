//! The result of one evaluation: what was sampled and how (sampler, NFE, guidance, counts, wall
//! times) and each metric beside its real-data floor, as a text table or JSON.

use serde::{Deserialize, Serialize};

/// One metric's value and what real data scores on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// Name (with its parameters, e.g. `precision (k = 3)`).
    pub metric: String,
    /// The generated samples' score.
    pub value: f64,
    /// The same metric for real data in place of the samples (held-out-sized real sets, or two
    /// exact sets): the best a model can expect at this sample count.
    pub floor: Option<f64>,
    /// How to read it (direction, what the floor is).
    pub note: String,
}

impl MetricRow {
    /// A row.
    pub fn new(
        metric: impl Into<String>,
        value: f64,
        floor: Option<f64>,
        note: impl Into<String>,
    ) -> Self {
        Self {
            metric: metric.into(),
            value,
            floor,
            note: note.into(),
        }
    }
}

/// A serialisable evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// The checkpoint (or other source) of the samples.
    pub source: String,
    /// Sampler name.
    pub sampler: String,
    /// Sampler steps.
    pub steps: usize,
    /// Network evaluations per sample (classifier-free guidance doubles the batch, not the NFE).
    pub nfe: usize,
    /// Classifier-free guidance scale (1 = none; absent for unconditional models).
    pub guidance: Option<f64>,
    /// Noise seed.
    pub seed: u64,
    /// Generated samples.
    pub num_samples: usize,
    /// Real (or exact) reference samples.
    pub num_reference: usize,
    /// Seconds spent sampling.
    pub sample_seconds: f64,
    /// Seconds spent computing the metrics (classifier passes included).
    pub eval_seconds: f64,
    /// The metrics.
    pub metrics: Vec<MetricRow>,
}

fn number(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

impl QualityReport {
    /// The metric called `name`, if present.
    pub fn metric(&self, name: &str) -> Option<&MetricRow> {
        self.metrics.iter().find(|m| m.metric.starts_with(name))
    }

    /// A plain-text table: a header with the sampling settings, then one line per metric.
    pub fn to_table(&self) -> String {
        let guidance = self
            .guidance
            .map(|g| format!(", guidance {g}"))
            .unwrap_or_default();
        let mut out = format!(
            "{}\n{} × {} steps (NFE {}{guidance}), seed {}: {} samples vs {} reference, sampled in \
             {:.1} s, evaluated in {:.1} s\n\n",
            self.source,
            self.sampler,
            self.steps,
            self.nfe,
            self.seed,
            self.num_samples,
            self.num_reference,
            self.sample_seconds,
            self.eval_seconds
        );
        let width = self
            .metrics
            .iter()
            .map(|m| m.metric.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        out += &format!(
            "{:<width$}  {:>11}  {:>11}  note\n",
            "metric", "value", "floor"
        );
        for m in &self.metrics {
            let floor = m.floor.map(number).unwrap_or_else(|| "-".into());
            out += &format!(
                "{:<width$}  {:>11}  {:>11}  {}\n",
                m.metric,
                number(m.value),
                floor,
                m.note
            );
        }
        out
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report of strings and numbers serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_json_round_trip() {
        let report = QualityReport {
            source: "runs/x".into(),
            sampler: "ddim".into(),
            steps: 10,
            nfe: 10,
            guidance: Some(2.0),
            seed: 1,
            num_samples: 20,
            num_reference: 500,
            sample_seconds: 1.5,
            eval_seconds: 0.2,
            metrics: vec![MetricRow::new("FD", 12.5, Some(1.25), "lower is better")],
        };
        let table = report.to_table();
        assert!(table.contains("FD") && table.contains("12.5000") && table.contains("1.2500"));
        let back: QualityReport = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(back, report);
        assert_eq!(report.metric("FD").unwrap().value, 12.5);
    }
}
