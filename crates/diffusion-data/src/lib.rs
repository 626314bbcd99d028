//! `diffusion-data`: datasets for training (planned; not implemented yet).
//!
//! This crate will hold the IDX reader for the MNIST family (the embedded default is
//! `datasets/mnist-10k`), image folders with optional class sub-folders, 2-D toy distributions
//! (Gaussian mixture, two moons, swiss roll, checkerboard), deterministic shuffling and held-out
//! splits. It exposes no API yet.
