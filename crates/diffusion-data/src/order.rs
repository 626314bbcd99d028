//! Deterministic order: SplitMix64 draws (Steele, Lea & Flood 2014) keyed by (seed, stream, index),
//! Fisher–Yates permutations per epoch, and the batch at any step computed without replaying the
//! earlier ones, so a resumed run sees exactly the batches an uninterrupted one would.

/// SplitMix64's output function: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform 64-bit word, a pure function of `(seed, stream, index)`.
pub fn draw(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ index)
}

/// A uniform draw in [0, 1) with 53 random bits.
pub fn uniform(seed: u64, stream: u64, index: u64) -> f64 {
    (draw(seed, stream, index) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A permutation of `0..n` drawn from `(seed, stream)` by Fisher–Yates.
pub fn permutation(n: usize, seed: u64, stream: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // Multiply-shift maps the word onto 0..=i without modulo bias worth mentioning at n < 2³².
        let j = (((draw(seed, stream, i as u64) >> 32) * (i as u64 + 1)) >> 32) as usize;
        order.swap(i, j);
    }
    order
}

/// Epoch after epoch of fresh permutations of a dataset of `len` items: position `p` of the
/// endless stream is item `order(epoch = p / len)[p % len]`.
#[derive(Debug, Clone)]
pub struct EpochOrder {
    len: usize,
    seed: u64,
    epoch: u64,
    order: Vec<usize>,
}

impl EpochOrder {
    /// The order of a `len`-item dataset shuffled from `seed`.
    pub fn new(len: usize, seed: u64) -> Self {
        Self {
            len,
            seed,
            epoch: 0,
            order: permutation(len, seed, 0),
        }
    }

    /// The item at position `position` of the stream.
    pub fn item_at(&mut self, position: u64) -> usize {
        let epoch = position / self.len as u64;
        if epoch != self.epoch {
            self.epoch = epoch;
            self.order = permutation(self.len, self.seed, epoch);
        }
        self.order[(position % self.len as u64) as usize]
    }

    /// The items at positions `first..first + count`.
    pub fn items(&mut self, first: u64, count: usize) -> Vec<usize> {
        (0..count as u64).map(|k| self.item_at(first + k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_permutations_and_differ_by_epoch() {
        let p = permutation(1000, 3, 0);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(p, permutation(1000, 3, 1));
        assert_eq!(p, permutation(1000, 3, 0));
    }

    #[test]
    fn random_access_equals_sequential() {
        let mut a = EpochOrder::new(7, 1);
        let seq: Vec<usize> = (0..30).map(|p| a.item_at(p)).collect();
        let mut b = EpochOrder::new(7, 1);
        assert_eq!(b.items(17, 5), seq[17..22].to_vec());
        assert_eq!(b.items(2, 3), seq[2..5].to_vec());
    }

    #[test]
    fn uniform_is_roughly_uniform() {
        let mean: f64 = (0..10_000).map(|i| uniform(5, 2, i)).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }
}
