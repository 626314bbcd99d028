//! Timing shared by the benchmarks: medians over repeats after a warm-up, with min and max.
// Each benchmark includes this module and uses a different part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Median, fastest and slowest of the timed repeats.
pub struct Timing {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub repeats: usize,
}

/// Runs `run` `warmup` times untimed, then `repeats` times timed.
pub fn time_with<F: FnMut()>(warmup: usize, repeats: usize, mut run: F) -> Timing {
    for _ in 0..warmup {
        run();
    }
    let mut samples: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    samples.sort();
    Timing {
        median: samples[samples.len() / 2],
        min: samples[0],
        max: samples[samples.len() - 1],
        repeats: samples.len(),
    }
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
