//! Keeps freed tensor buffers in the process heap instead of handing them back to the kernel.
//!
//! Why: a training or sampling step on the CPU allocates and frees hundreds of buffers of
//! 0.1–10 MB (one per tensor op). glibc's malloc serves blocks above its mmap threshold
//! (128 KiB, raised adaptively up to 32 MiB) with fresh `mmap`s and returns them with
//! `munmap`, so every step re-faults and zeroes those pages: on the MNIST training step that was
//! about a fifth of the time (`cargo xtask bench training`, docs/benchmarks.md). Raising the
//! mmap and trim thresholds makes freed blocks reusable from the heap, as PyTorch's caching CPU
//! allocator does for its tensors.
//!
//! The cost: the heap's high-water mark stays mapped until the process exits (for a training
//! run, about one step's worth of activations).

use std::sync::OnceLock;

/// Blocks up to this size come from the heap (and return to it) rather than from `mmap`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 256 << 20;
/// The heap is trimmed back to the kernel only when this much is free at its top.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD_BYTES: libc::c_int = 512 << 20;

static APPLIED: OnceLock<bool> = OnceLock::new();

/// Tunes the process allocator for tensor workloads (once per process; later calls do
/// nothing). On glibc Linux this sets malloc's mmap threshold to 256 MiB and its trim threshold
/// to 512 MiB; elsewhere it does nothing. Returns whether the settings are in effect.
///
/// Called by `diffusion_train::train` and by the `diffusion` command line; a program that
/// samples on the CPU through the library can call it first for the same speed.
pub fn tune_for_tensors() -> bool {
    *APPLIED.get_or_init(apply)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() -> bool {
    // SAFETY: mallopt only changes allocator parameters; it is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn tuning_is_idempotent_and_reports_the_platform() {
        let first = super::tune_for_tensors();
        assert_eq!(first, super::tune_for_tensors());
        assert_eq!(first, cfg!(all(target_os = "linux", target_env = "gnu")));
        // Large blocks still allocate and free normally afterwards.
        let v = vec![1.0f32; 8 << 20];
        assert_eq!(v.iter().sum::<f32>(), (8 << 20) as f32);
    }
}
