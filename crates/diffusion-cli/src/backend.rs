//! `--backend flex|wgpu|cuda`: which burn backend a command runs on. Commands are written once,
//! generic over the backend, as a [`BackendJob`]; [`run_on`] picks the concrete type.

use burn::backend::Flex;
use diffusion_kernels::FusedKernels;
use diffusion_model::ModelBackend;

/// The backends a command can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// burn's CPU backend (the default).
    Flex,
    /// wgpu: Vulkan/Metal/DX12 GPUs (lavapipe on a CPU-only machine).
    Wgpu,
    /// NVIDIA GPUs (a binary built with `--features cuda`).
    Cuda,
}

/// Work that runs on any backend with the model's ops and the fused kernels.
pub trait BackendJob {
    /// What the job returns.
    type Output;
    /// Runs the job on backend `B` and its default device.
    fn run<B: ModelBackend + FusedKernels>(
        self,
        device: &B::Device,
    ) -> Result<Self::Output, String>;
}

/// Runs `job` on the chosen backend.
pub fn run_on<J: BackendJob>(choice: BackendChoice, job: J) -> Result<J::Output, String> {
    match choice {
        BackendChoice::Flex => job.run::<Flex>(&Default::default()),
        BackendChoice::Wgpu => guard_device_start(choice, || {
            use burn::backend::wgpu::{Wgpu, WgpuDevice};
            job.run::<Wgpu>(&WgpuDevice::default())
        }),
        #[cfg(feature = "cuda")]
        BackendChoice::Cuda => guard_device_start(choice, || {
            use burn::backend::cuda::{Cuda, CudaDevice};
            job.run::<Cuda>(&CudaDevice::default())
        }),
        #[cfg(not(feature = "cuda"))]
        BackendChoice::Cuda => Err(
            "this binary was built without CUDA; rebuild with `cargo build --release -p diffusion-cli --features cuda`"
                .into(),
        ),
    }
}

/// Runs GPU work, turning a panic of the device runtime (no driver, no adapter: burn's runtimes
/// panic rather than return an error when the device cannot start) into an error that says what
/// to do.
pub fn guard_device_start<T>(
    choice: BackendChoice,
    work: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(format!(
            "the {choice:?} backend failed (see the message above); is a GPU with its driver \
             present (NVIDIA + CUDA for cuda, Vulkan/Metal/DX12 for wgpu)? --backend flex runs on the CPU"
        ))
    })
}
