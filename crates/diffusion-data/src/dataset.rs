//! A dataset in memory: items of one shape (an image C×H×W or a 2-D point) as f32, with optional
//! class labels; batches are gathered by index, a held-out split is drawn from a seed.

use std::path::Path;

use crate::error::{DataError, DataResult};
use crate::order::permutation;

/// Items of one shape with optional labels. Images are scaled to [−1, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Shape of one item: `[C, H, W]` for images, `[2]` for toy points.
    pub item_shape: Vec<usize>,
    /// All items, row-major, one after another.
    pub values: Vec<f32>,
    /// One class per item, `0..num_classes`.
    pub labels: Option<Vec<u32>>,
    /// `1 + max label` when labelled.
    pub num_classes: Option<usize>,
}

impl Dataset {
    /// A dataset from its parts; `source` names the origin in errors. Fails when it is empty,
    /// when the values are not a whole number of items, or when labels and items disagree.
    pub fn new(
        item_shape: Vec<usize>,
        values: Vec<f32>,
        labels: Option<Vec<u32>>,
        source: &Path,
    ) -> DataResult<Self> {
        let item_len: usize = item_shape.iter().product();
        if item_len == 0 || values.is_empty() {
            return Err(DataError::Empty {
                path: source.to_path_buf(),
                message: "holds no items".into(),
            });
        }
        if !values.len().is_multiple_of(item_len) {
            return Err(DataError::format(
                source,
                format!(
                    "{} values are not a whole number of items of shape {item_shape:?}",
                    values.len()
                ),
            ));
        }
        let count = values.len() / item_len;
        if let Some(l) = &labels {
            if l.len() != count {
                return Err(DataError::format(
                    source,
                    format!("{} labels for {count} items", l.len()),
                ));
            }
        }
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(DataError::format(
                source,
                format!("value {bad} is not finite"),
            ));
        }
        let num_classes = labels
            .as_ref()
            .map(|l| l.iter().copied().max().unwrap_or(0) as usize + 1);
        Ok(Self {
            item_shape,
            values,
            labels,
            num_classes,
        })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.values.len() / self.item_len()
    }

    /// Whether there are no items (never true for a constructed dataset).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Values per item.
    pub fn item_len(&self) -> usize {
        self.item_shape.iter().product()
    }

    /// The values of item `i`.
    pub fn item(&self, i: usize) -> &[f32] {
        let n = self.item_len();
        &self.values[i * n..(i + 1) * n]
    }

    /// The items at `indices` in that order, and their labels when labelled.
    pub fn gather(&self, indices: &[usize]) -> (Vec<f32>, Option<Vec<u32>>) {
        let mut values = Vec::with_capacity(indices.len() * self.item_len());
        for &i in indices {
            values.extend_from_slice(self.item(i));
        }
        let labels = self
            .labels
            .as_ref()
            .map(|l| indices.iter().map(|&i| l[i]).collect());
        (values, labels)
    }

    /// Only the items at `indices` (labels and class count kept).
    pub fn subset(&self, indices: &[usize]) -> Self {
        let (values, labels) = self.gather(indices);
        Self {
            item_shape: self.item_shape.clone(),
            values,
            labels,
            num_classes: self.num_classes,
        }
    }

    /// Splits off `fraction` of the items (at least one, and never all) as a held-out set,
    /// chosen by a permutation drawn from `seed`: the same seed gives the same split.
    /// Returns `(train, held_out)`.
    pub fn split(&self, fraction: f64, seed: u64) -> DataResult<(Self, Self)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(DataError::Invalid(format!(
                "held-out fraction {fraction} must be in [0, 1)"
            )));
        }
        let n = self.len();
        let held = ((n as f64 * fraction).round() as usize).clamp(usize::from(fraction > 0.0), n);
        if held >= n {
            return Err(DataError::Invalid(format!(
                "holding out {held} of {n} items leaves nothing to train on; lower the fraction"
            )));
        }
        let order = permutation(n, seed, u64::MAX);
        let (held_idx, train_idx) = order.split_at(held);
        let mut train_idx = train_idx.to_vec();
        let mut held_idx = held_idx.to_vec();
        train_idx.sort_unstable();
        held_idx.sort_unstable();
        Ok((self.subset(&train_idx), self.subset(&held_idx)))
    }
}

/// Mirrors each `[C, H, W]` image of a batch left–right where `flip[i]` is set.
pub fn flip_horizontally(values: &mut [f32], item_shape: &[usize], flip: &[bool]) {
    let width = *item_shape.last().unwrap_or(&1);
    let item_len: usize = item_shape.iter().product();
    for (item, &f) in values.chunks_mut(item_len).zip(flip) {
        if f {
            for row in item.chunks_mut(width) {
                row.reverse();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> Dataset {
        let values = (0..n * 2).map(|v| v as f32).collect();
        let labels = (0..n as u32).map(|i| i % 3).collect();
        Dataset::new(vec![2], values, Some(labels), Path::new("toy")).unwrap()
    }

    #[test]
    fn split_is_disjoint_complete_and_seeded() {
        let d = toy(100);
        let (train, held) = d.split(0.1, 7).unwrap();
        assert_eq!((train.len(), held.len()), (90, 10));
        let mut all: Vec<f32> = train.values.iter().chain(&held.values).copied().collect();
        all.sort_by(f32::total_cmp);
        assert_eq!(all, d.values);
        assert_eq!(d.split(0.1, 7).unwrap().1, held);
        assert_ne!(d.split(0.1, 8).unwrap().1, held);
        assert!(d.split(1.0, 7).is_err());
    }

    #[test]
    fn rejects_bad_parts() {
        let p = Path::new("x");
        assert!(Dataset::new(vec![2], vec![], None, p).is_err());
        assert!(Dataset::new(vec![2], vec![1.0; 3], None, p).is_err());
        assert!(Dataset::new(vec![2], vec![1.0; 4], Some(vec![0]), p).is_err());
        assert!(Dataset::new(vec![1], vec![f32::NAN], None, p).is_err());
    }

    #[test]
    fn flips_rows() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        flip_horizontally(&mut v, &[1, 2, 2], &[true, false]);
        assert_eq!(v, vec![2.0, 1.0, 4.0, 3.0, 5.0, 6.0, 7.0, 8.0]);
    }
}
