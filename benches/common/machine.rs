//! The machine a benchmark runs on, and whether something else is using its CPU.

use std::time::Duration;

/// CPU model and core count (from /proc/cpuinfo and the scheduler) and the OS, in one line:
/// every result row carries it so that a table always says where its numbers come from.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cpu}, {cores} cores, {}", os())
}

/// `PRETTY_NAME` from /etc/os-release and the kernel release (or the compile-time OS name).
fn os() -> String {
    let name = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    match std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        Ok(kernel) => format!("{name}, kernel {}", kernel.trim()),
        Err(_) => name,
    }
}

/// Cores' worth of CPU time used by everything on the machine over a short idle window
/// (from /proc/stat), `None` where that file does not exist. Measured while this process
/// sleeps, so it is other processes' load, not ours; the load average would also count the
/// benchmark that ran just before.
fn busy_cores(window: Duration) -> Option<f64> {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal …: idle time is idle + iowait.
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        let total: u64 = fields.iter().take(8).sum();
        Some((total - idle, total))
    }
    let (busy0, total0) = sample()?;
    std::thread::sleep(window);
    let (busy1, total1) = sample()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let total = total1.saturating_sub(total0).max(1) as f64;
    Some(cores * busy1.saturating_sub(busy0) as f64 / total)
}

/// Measures other processes' CPU use for half a second and warns when it exceeds a quarter of
/// a core (the timings will then be noisy); returns the measurement in cores for the result
/// rows (0 where it cannot be measured).
pub fn warn_if_loaded() -> f64 {
    let busy = busy_cores(Duration::from_millis(500)).unwrap_or(0.0);
    if busy > 0.25 {
        eprintln!(
            "warning: other processes are using {busy:.2} cores of the CPU: timings will be noisy"
        );
    }
    busy
}
