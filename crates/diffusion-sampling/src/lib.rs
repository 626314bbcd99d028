//! `diffusion-sampling`: turning a denoiser into samples (planned; not implemented yet).
//!
//! This crate will hold the denoiser abstraction (a network or the exact Gaussian-mixture
//! oracle, with the parameterisation it predicts), the stateless samplers (DDPM, DDIM, Euler,
//! Heun, Euler ancestral, Euler–Maruyama, predictor–corrector, DPM-Solver++, adaptive
//! probability-flow ODE), classifier-free guidance and likelihood. Step coefficients come from
//! `diffusion-math`; the updates run through the fused kernels of `diffusion-kernels`. It exposes
//! no API yet.
