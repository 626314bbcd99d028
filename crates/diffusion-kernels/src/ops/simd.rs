//! Run-time CPU feature checks for the kernels that ship a second, wider-vector build of their
//! inner loops (`#[target_feature]` functions): the crate compiles for baseline x86-64 (SSE2),
//! so without this the loops would never use AVX2 on the machines that have it.

/// Whether the CPU has AVX2 (std caches the answer after the first call).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}
