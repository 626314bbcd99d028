//! `diffusion-data`: datasets for diffusion training, in memory and deterministic.
//!
//! - [`idx`]: the IDX format of the MNIST family (gzip or plain); `datasets/mnist-10k` is the
//!   embedded default, and full MNIST / Fashion-MNIST folders load the same way.
//! - [`folder`]: folders of PNG/JPEG images, class sub-folders as labels, resized and cropped.
//! - [`toy`]: 2-D distributions (Gaussian mixture, two moons, swiss roll, checkerboard).
//! - [`dataset`]: the in-memory [`Dataset`], batches by index, seeded held-out split.
//! - [`images`]: PNG outputs (sample grids, scatter plots, the loss curve with a built-in
//!   bitmap font) and [`files`]: the atomic file writer every output goes through, publishing
//!   without replacing, and folder locks; [`memory`]: checks of a size against the memory
//!   available before it is allocated.
//! - [`order`]: seeded epoch permutations with random access, so a resumed training run draws
//!   exactly the batches an uninterrupted one would.

#![warn(missing_docs)]

pub mod dataset;
pub mod error;
pub mod files;
pub mod folder;
pub mod idx;
pub mod images;
pub mod memory;
pub mod order;
pub mod pixels;
pub mod toy;

pub use dataset::{flip_horizontally, Dataset};
pub use error::{DataError, DataResult};
pub use folder::load_image_folder;
pub use idx::load_idx_dir;
pub use order::EpochOrder;
pub use toy::{ToyDistribution, TOY_NAMES};

/// The embedded default dataset, relative to the workspace root.
pub const EMBEDDED_MNIST: &str = "datasets/mnist-10k";
