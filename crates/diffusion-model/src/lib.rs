//! `diffusion-model`: the networks (planned; not implemented yet).
//!
//! This crate will hold the U-Net configured by the same keys as diffusers' `UNet2DModel`
//! (`config.json`), written in burn with backends as a type parameter, a small time-embedded MLP
//! score network for 2-D data, reading and writing diffusers-layout safetensors
//! (`diffusion_pytorch_model.safetensors`), and Hugging Face hub downloads. It exposes no API
//! yet: see the project's issue on the U-Net.
