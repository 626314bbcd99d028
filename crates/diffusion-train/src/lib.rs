//! `diffusion-train`: the training loop (planned; not implemented yet).
//!
//! This crate will hold the objectives (ε, x₀, v prediction, denoising score matching, flow
//! matching, EDM) and their loss weights, the optimiser schedule, EMA, atomic checkpoints in the
//! diffusers layout with resume, metrics and progress. It exposes no API yet.
