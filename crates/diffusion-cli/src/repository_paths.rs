//! Files that ship with the repository (the embedded dataset) are named relative to its root;
//! run from elsewhere, the binary finds them beside the sources it was built from.

use std::path::{Path, PathBuf};

/// `path` as given when it exists, else the same path under the repository this binary was built
/// from.
pub fn locate_in_repository(path: &str) -> PathBuf {
    if Path::new(path).exists() {
        PathBuf::from(path)
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }
}
