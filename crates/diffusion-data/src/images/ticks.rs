//! Tick values for plot axes: a linear axis on round steps (1, 2 or 5 × 10ᵏ) and a logarithmic
//! axis on the 1-2-5 sequence (decades only when it spans many), each with its labels, so that
//! a plot's numbers are round and never crowd each other.

/// Relative slack when comparing a value with a tick, for floating-point rounding.
const SLACK: f64 = 1e-9;
/// Above this many decades a log axis labels whole decades only.
const MAX_DECADES_WITH_2_5: i64 = 3;
/// At most this many decade ticks on a log axis (every n-th decade beyond it).
const MAX_DECADE_TICKS: i32 = 8;

/// A linear axis: its ends, rounded out to whole ticks, and the ticks from end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearAxis {
    /// The lower end (the first tick).
    pub lo: f64,
    /// The upper end (the last tick).
    pub hi: f64,
    /// Distance between neighbouring ticks: 1, 2 or 5 × 10ᵏ.
    pub step: f64,
    /// The tick values, ascending.
    pub ticks: Vec<f64>,
}

impl LinearAxis {
    /// The label of a tick: as many decimals as the step needs, none for a whole step.
    pub fn label(&self, value: f64) -> String {
        let decimals = if self.step >= 1.0 {
            0
        } else {
            (-self.step.log10() - SLACK).ceil() as usize
        };
        format!("{value:.decimals$}")
    }
}

/// The axis covering `min..=max` (finite) with at most `max_ticks` ticks (at least 2) on the
/// smallest round step not below `min_step` (1 for a count such as training steps).
pub fn linear_axis(min: f64, max: f64, max_ticks: usize, min_step: f64) -> LinearAxis {
    let max_ticks = max_ticks.max(2) as f64;
    let max = if max > min {
        max
    } else {
        min + min_step.max(1.0)
    };
    let mut exponent = ((max - min) / max_ticks).log10().floor() as i32 - 1;
    loop {
        for mantissa in [1.0, 2.0, 5.0] {
            let step = mantissa * 10f64.powi(exponent);
            if step < min_step {
                continue;
            }
            let first = (min / step + SLACK).floor();
            let last = (max / step - SLACK).ceil();
            if last - first < max_ticks {
                return LinearAxis {
                    lo: first * step,
                    hi: last * step,
                    step,
                    ticks: (first as i64..=last as i64)
                        .map(|i| i as f64 * step)
                        .collect(),
                };
            }
        }
        exponent += 1;
    }
}

/// A value of the 1-2-5 sequence: `mantissa × 10^exponent` with mantissa 1, 2 or 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogTick {
    /// 1, 2 or 5.
    pub mantissa: u8,
    /// The power of ten.
    pub exponent: i32,
}

impl LogTick {
    /// The `n`-th value of the sequence, counted from 1 = index 0.
    fn from_index(n: i64) -> Self {
        Self {
            mantissa: [1, 2, 5][n.rem_euclid(3) as usize],
            exponent: n.div_euclid(3) as i32,
        }
    }

    /// The position of this value in the sequence (1 is 0, 2 is 1, 10 is 3).
    fn index(self) -> i64 {
        let offset = match self.mantissa {
            1 => 0,
            2 => 1,
            _ => 2,
        };
        3 * i64::from(self.exponent) + offset
    }

    /// The value.
    pub fn value(self) -> f64 {
        f64::from(self.mantissa) * 10f64.powi(self.exponent)
    }

    /// Its base-10 logarithm (where it sits on a log axis).
    pub fn log10(self) -> f64 {
        f64::from(self.exponent) + f64::from(self.mantissa).log10()
    }

    /// Whether it is a power of ten.
    pub fn is_decade(self) -> bool {
        self.mantissa == 1
    }

    /// The label: plain decimals from 0.001 to 5000 (`0.02`, `1`, `500`), otherwise
    /// `2e-5` / `1e+6`.
    pub fn label(self) -> String {
        let m = self.mantissa;
        match self.exponent {
            e @ 0..=3 => format!("{}", u64::from(m) * 10u64.pow(e as u32)),
            e @ -3..=-1 => format!("0.{}{m}", "0".repeat((-e - 1) as usize)),
            e if e < 0 => format!("{m}e-{}", -e),
            e => format!("{m}e+{e}"),
        }
    }
}

/// The largest 1-2-5 value not above `x` (> 0).
fn floor_tick(x: f64) -> LogTick {
    let n0 = 3 * i64::from(x.log10().floor() as i32);
    let n = (n0 - 1..=n0 + 3)
        .rev()
        .find(|&n| LogTick::from_index(n).value() <= x * (1.0 + SLACK))
        .unwrap_or(n0 - 1);
    LogTick::from_index(n)
}

/// The smallest 1-2-5 value not below `x` (> 0).
fn ceil_tick(x: f64) -> LogTick {
    let n0 = 3 * i64::from(x.log10().floor() as i32);
    let n = (n0 - 1..=n0 + 3)
        .find(|&n| LogTick::from_index(n).value() >= x * (1.0 - SLACK))
        .unwrap_or(n0 + 3);
    LogTick::from_index(n)
}

/// A logarithmic axis: its ends (1-2-5 values, whole decades on a wide axis) and its ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct LogAxis {
    /// The lower end.
    pub lo: LogTick,
    /// The upper end.
    pub hi: LogTick,
    /// The ticks, ascending: every 1-2-5 value over at most three decades, else whole decades
    /// (every n-th one when there are more than eight).
    pub ticks: Vec<LogTick>,
}

/// The log axis covering `min..=max` (both finite and > 0).
pub fn log_axis(min: f64, max: f64) -> LogAxis {
    let lo = floor_tick(min);
    let mut hi = ceil_tick(max.max(min));
    if hi == lo {
        hi = LogTick::from_index(lo.index() + 1);
    }
    if hi.index() - lo.index() <= 3 * MAX_DECADES_WITH_2_5 {
        let ticks = (lo.index()..=hi.index()).map(LogTick::from_index).collect();
        return LogAxis { lo, hi, ticks };
    }
    let (first, last) = (lo.exponent, hi.exponent + i32::from(!hi.is_decade()));
    let stride = (last - first + MAX_DECADE_TICKS - 1) / MAX_DECADE_TICKS;
    // The top end on a labelled decade.
    let last = first + stride * ((last - first + stride - 1) / stride);
    let decade = |exponent| LogTick {
        mantissa: 1,
        exponent,
    };
    LogAxis {
        lo: decade(first),
        hi: decade(last),
        ticks: (first..=last)
            .step_by(stride as usize)
            .map(decade)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &LogAxis) -> Vec<String> {
        axis.ticks.iter().map(|t| t.label()).collect()
    }

    #[test]
    fn linear_ticks_are_round_and_cover_the_range() {
        let steps = linear_axis(1.0, 2000.0, 8, 1.0);
        assert_eq!(steps.ticks, [0.0, 500.0, 1000.0, 1500.0, 2000.0]);
        assert_eq!((steps.lo, steps.hi, steps.step), (0.0, 2000.0, 500.0));
        assert_eq!(steps.label(1500.0), "1500");
        let quick = linear_axis(1.0, 60.0, 8, 1.0);
        assert_eq!(quick.ticks, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
        let resumed = linear_axis(1234.0, 5678.0, 8, 1.0);
        assert_eq!(
            (resumed.lo, resumed.hi, resumed.step),
            (1000.0, 6000.0, 1000.0)
        );
        // Few steps: the step stays whole.
        assert_eq!(linear_axis(1.0, 3.0, 8, 1.0).ticks, [1.0, 2.0, 3.0]);
        assert_eq!(linear_axis(5.0, 5.0, 8, 1.0).ticks, [5.0, 6.0]);
        // Fractions get the decimals their step needs.
        let unit = linear_axis(0.03, 0.97, 6, 0.0);
        assert_eq!(unit.step, 0.2);
        assert_eq!(unit.label(unit.ticks[1]), "0.2");
        assert_eq!(unit.ticks.len(), 6);
        for max_ticks in 2..12 {
            let axis = linear_axis(17.0, 98_765.0, max_ticks, 1.0);
            assert!(axis.ticks.len() <= max_ticks, "{axis:?}");
            assert!(axis.lo <= 17.0 && axis.hi >= 98_765.0);
        }
    }

    #[test]
    fn log_ticks_follow_1_2_5_over_few_decades() {
        let loss = log_axis(0.03, 1.3);
        assert_eq!(
            labels(&loss),
            ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
        );
        assert_eq!(
            (loss.lo.label(), loss.hi.label()),
            ("0.02".into(), "2".into())
        );
        assert!((loss.lo.value() - 0.02).abs() < 1e-15 && (loss.hi.value() - 2.0).abs() < 1e-15);
        // Exact tick values are their own ends.
        let exact = log_axis(0.1, 1.0);
        assert_eq!(labels(&exact), ["0.1", "0.2", "0.5", "1"]);
        // A constant loss still gets an axis of two ticks.
        assert_eq!(labels(&log_axis(0.5, 0.5)), ["0.5", "1"]);
        assert!((loss.ticks[3].log10() - (-0.69897)).abs() < 1e-5);
    }

    #[test]
    fn log_ticks_are_decades_over_many() {
        let wide = log_axis(3e-6, 40.0);
        assert_eq!(
            labels(&wide),
            ["1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10", "100"]
        );
        assert!(wide.ticks.iter().all(|t| t.is_decade()));
        let huge = log_axis(1e-12, 1e12);
        assert!(huge.ticks.len() <= 9, "{:?}", labels(&huge));
        assert_eq!(huge.ticks[0].label(), "1e-12");
        // The ends are labelled even when not every decade is.
        let odd = log_axis(1e-10, 3e3);
        assert_eq!(
            (odd.ticks[0], odd.ticks[odd.ticks.len() - 1]),
            (odd.lo, odd.hi)
        );
        assert!(odd.hi.value() >= 3e3);
        assert_eq!(
            LogTick {
                mantissa: 2,
                exponent: 6
            }
            .label(),
            "2e+6"
        );
        assert_eq!(
            LogTick {
                mantissa: 5,
                exponent: 3
            }
            .label(),
            "5000"
        );
    }
}
