//! The cubecl kernels on CUDA against the CPU code. Needs `--features cuda` and an NVIDIA GPU:
//! `cargo test -p diffusion-kernels --features cuda --test cuda_kernels`.

#![cfg(feature = "cuda")]

#[path = "common/kernel_checks.rs"]
#[macro_use]
mod kernel_checks;

use cubecl::cuda::{CudaDevice, CudaRuntime};
use cubecl::prelude::Runtime;

kernel_tests!(CudaRuntime::client(&CudaDevice::default()));
