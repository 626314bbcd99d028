//! What `--resume` may change: settings that steer the optimiser or the bookkeeping (learning
//! rate, warm-up, schedule, clipping, total steps, checkpoint and preview cadence) may differ
//! from the checkpoint's config and are recorded as changes at the resumed step; anything that
//! would alter the data, the network or the objective is refused, naming the key.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::TrainConfig;

/// Config keys (dotted paths; a key covers everything under it) that a resume may change.
pub const CHANGEABLE_ON_RESUME: [&str; 8] = [
    "steps",
    "optimizer.learning_rate",
    "optimizer.warmup_steps",
    "optimizer.schedule",
    "optimizer.grad_clip",
    "checkpoint_every",
    "keep_checkpoints",
    "preview",
];

/// One setting changed when a run was resumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigChange {
    /// The step the resumed run continued from.
    pub step: u64,
    /// The dotted config key.
    pub key: String,
    /// Its value before.
    pub from: Value,
    /// Its value from then on.
    pub to: Value,
}

/// The keys in which `new` differs from `old`, each as a [`ConfigChange`] at `step`; the first
/// key that may not change is the error.
pub fn resume_changes(
    old: &TrainConfig,
    new: &TrainConfig,
    step: u64,
) -> Result<Vec<ConfigChange>, String> {
    let (old, new) = (as_value(old), as_value(new));
    let mut differences = Vec::new();
    differing_keys(&old, &new, String::new(), &mut differences);
    differences
        .into_iter()
        .map(|(key, from, to)| {
            let allowed = CHANGEABLE_ON_RESUME
                .iter()
                .any(|k| key == *k || key.starts_with(&format!("{k}.")));
            if allowed {
                Ok(ConfigChange {
                    step,
                    key,
                    from,
                    to,
                })
            } else {
                Err(key)
            }
        })
        .collect()
}

fn as_value(config: &TrainConfig) -> Value {
    serde_json::to_value(config).expect("a training config serialises")
}

/// Every leaf key (objects recursed, anything else compared whole) whose values differ.
fn differing_keys(a: &Value, b: &Value, key: String, out: &mut Vec<(String, Value, Value)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let path = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                let (u, v) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                differing_keys(u, v, path, out);
            }
        }
        _ if a != b => out.push((key, a.clone(), b.clone())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimiser_settings_change_and_are_recorded() {
        let old = TrainConfig::toy("two-moons");
        let mut new = old.clone();
        new.optimizer.learning_rate /= 10.0;
        new.steps += 100;
        let changes = resume_changes(&old, &new, 40).unwrap();
        let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["optimizer.learning_rate", "steps"]);
        assert!(changes.iter().all(|c| c.step == 40 && c.from != c.to));
        assert!(resume_changes(&old, &old, 40).unwrap().is_empty());
    }

    #[test]
    fn data_network_and_objective_changes_are_refused_by_key() {
        let old = TrainConfig::toy("two-moons");
        let mut new = old.clone();
        new.seed += 1;
        assert_eq!(resume_changes(&old, &new, 1).unwrap_err(), "seed");
        let mut new = old.clone();
        new.batch_size *= 2;
        assert_eq!(resume_changes(&old, &new, 1).unwrap_err(), "batch_size");
        let mut new = old.clone();
        new.optimizer.beta2 = 0.99;
        assert_eq!(
            resume_changes(&old, &new, 1).unwrap_err(),
            "optimizer.beta2"
        );
    }
}
