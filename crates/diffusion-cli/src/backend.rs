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
/// panic rather than return an error when the device cannot start) into one error line that
/// says what went wrong and what to do; the panic messages themselves are not printed.
pub fn guard_device_start<T>(
    choice: BackendChoice,
    work: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    let first_panic = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let previous_hook = std::panic::take_hook();
    let record = std::sync::Arc::clone(&first_panic);
    std::panic::set_hook(Box::new(move |info| {
        let mut slot = record.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "no message".into());
            *slot = Some(message.lines().next().unwrap_or_default().to_string());
        }
    }));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    std::panic::set_hook(previous_hook);
    outcome.unwrap_or_else(|_| {
        let cause = first_panic
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default();
        Err(format!(
            "the {choice:?} backend could not start ({cause}); is a GPU with its driver present \
             (NVIDIA + CUDA for cuda, Vulkan/Metal/DX12 for wgpu)? --backend flex runs on the CPU"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_cannot_start_is_one_error_naming_the_cause() {
        let err = guard_device_start(BackendChoice::Wgpu, || -> Result<(), String> {
            panic!("No adapter found\nsecond line")
        })
        .unwrap_err();
        assert!(err.contains("could not start (No adapter found)"), "{err}");
        assert!(err.contains("--backend flex"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        assert_eq!(guard_device_start(BackendChoice::Wgpu, || Ok(3)), Ok(3));
    }
}
