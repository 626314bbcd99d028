//! The cubecl kernels on wgpu (lavapipe on machines without a GPU) against the CPU code.

#[path = "common/kernel_checks.rs"]
#[macro_use]
mod kernel_checks;

use cubecl::prelude::Runtime;
use cubecl::wgpu::{WgpuDevice, WgpuRuntime};

kernel_tests!(WgpuRuntime::client(&WgpuDevice::DefaultDevice));
