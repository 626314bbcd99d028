//! Memory checks before large allocations: an input that asks for more memory than the machine
//! has gets an error naming it, instead of an abort ("memory allocation failed") partway through.

use crate::error::{DataError, DataResult};

/// Assumed available memory where the system does not say (no `/proc/meminfo`).
const FALLBACK_BYTES: u128 = 16 << 30;

/// Bytes of memory available to a new allocation: Linux's `MemAvailable`, else 16 GiB.
pub fn available_bytes() -> u128 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u128>()
                        .ok()
                })
        })
        .map_or(FALLBACK_BYTES, |kib| kib * 1024)
}

/// Fails when `bytes` exceed the available memory; `what` names the input responsible (a flag
/// or a config key and its value).
pub fn check_fits(what: &str, bytes: u128) -> DataResult<()> {
    let available = available_bytes();
    if bytes <= available {
        return Ok(());
    }
    Err(DataError::TooLarge {
        what: what.to_string(),
        needed: human_bytes(bytes),
        available: human_bytes(available),
    })
}

/// `12.5 GiB`, `3.0 TiB`.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_naming_the_input() {
        assert!(available_bytes() > 1 << 20);
        check_fits("a small buffer", 1 << 10).unwrap();
        let err = check_fits("--num 1000000000000", 4 << 50)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--num 1000000000000"), "{err}");
        assert!(err.contains("4.0 PiB"), "{err}");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
