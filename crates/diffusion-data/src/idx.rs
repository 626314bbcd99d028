//! The IDX format of the MNIST family (LeCun et al., <http://yann.lecun.com/exdb/mnist/>):
//! a big-endian header `0x0000 <type> <ndim>`, one u32 per dimension, then the values. Files may
//! be gzip-compressed (detected from the magic bytes, not the name).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::dataset::Dataset;
use crate::error::{DataError, DataResult};

/// The unsigned-byte element type, the only one MNIST, Fashion-MNIST and KMNIST use.
const UNSIGNED_BYTE: u8 = 0x08;

/// An IDX array of unsigned bytes: its dimensions and row-major values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimension sizes, outermost first.
    pub dims: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<u8>,
}

/// Reads the whole file, gunzipping it when it starts with gzip's magic bytes.
fn read_maybe_gzip(path: &Path) -> DataResult<Vec<u8>> {
    let raw = fs::read(path).map_err(|e| DataError::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::format(path, format!("gzip data is corrupt: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Reads an IDX file of unsigned bytes with `expected_dims` dimensions.
pub fn read_idx(path: &Path, expected_dims: usize) -> DataResult<IdxArray> {
    let bytes = read_maybe_gzip(path)?;
    parse_idx(&bytes, expected_dims).map_err(|message| DataError::format(path, message))
}

fn parse_idx(bytes: &[u8], expected_dims: usize) -> Result<IdxArray, String> {
    if bytes.len() < 4 {
        return Err(format!(
            "{} bytes is too short for an IDX header; is this an MNIST-style file?",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "not an IDX file: it starts with {:02x} {:02x}, IDX files start with 00 00",
            bytes[0], bytes[1]
        ));
    }
    if bytes[2] != UNSIGNED_BYTE {
        return Err(format!(
            "IDX element type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
            bytes[2]
        ));
    }
    let ndim = bytes[3] as usize;
    if ndim != expected_dims {
        return Err(format!(
            "has {ndim} dimensions, expected {expected_dims} ({})",
            if expected_dims == 3 {
                "an images file: count × rows × cols"
            } else {
                "a labels file: count"
            }
        ));
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err("the header is truncated".into());
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| {
            let b = &bytes[4 + 4 * i..8 + 4 * i];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let count: usize = dims.iter().product();
    let body = &bytes[header..];
    if body.len() != count {
        return Err(format!(
            "the header promises {count} values ({dims:?}) but the file holds {}; it is truncated or not this format",
            body.len()
        ));
    }
    Ok(IdxArray {
        dims,
        values: body.to_vec(),
    })
}

/// The first file in `dir` whose name contains `fragment` (e.g. `images-idx3-ubyte`), preferring
/// names that start with `prefer` (`train`), so a full MNIST download's training split is used.
fn find_file(dir: &Path, fragment: &str, prefer: &str) -> DataResult<PathBuf> {
    let entries = fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().contains(fragment))
                .unwrap_or(false)
        })
        .collect();
    found.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        (!name.starts_with(prefer), name)
    });
    found.into_iter().next().ok_or_else(|| DataError::Empty {
        path: dir.to_path_buf(),
        message: format!(
            "no file named *{fragment}* here; an MNIST-style folder holds images-idx3-ubyte[.gz] and labels-idx1-ubyte[.gz]"
        ),
    })
}

/// Loads an MNIST-style folder: `*images-idx3-ubyte[.gz]` and `*labels-idx1-ubyte[.gz]` (the
/// `train-` files when a full download is present). Pixels 0–255 map to [−1, 1]; the labels give
/// `1 + max label` classes.
pub fn load_idx_dir(dir: &Path) -> DataResult<Dataset> {
    let images_path = find_file(dir, "images-idx3-ubyte", "train")?;
    let labels_path = find_file(dir, "labels-idx1-ubyte", "train")?;
    let images = read_idx(&images_path, 3)?;
    let labels = read_idx(&labels_path, 1)?;
    let (count, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    if count == 0 {
        return Err(DataError::Empty {
            path: images_path,
            message: "holds no images".into(),
        });
    }
    if labels.dims[0] != count {
        return Err(DataError::format(
            &labels_path,
            format!(
                "holds {} labels but {} holds {count} images",
                labels.dims[0],
                images_path.display()
            ),
        ));
    }
    let pixels = images
        .values
        .iter()
        .map(|&v| crate::pixels::byte_to_unit(v))
        .collect();
    let labels: Vec<u32> = labels.values.iter().map(|&l| l as u32).collect();
    Dataset::new(vec![1, rows, cols], pixels, Some(labels), &images_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic3: u8, dims: &[u32]) -> Vec<u8> {
        let mut b = vec![0, 0, UNSIGNED_BYTE, magic3];
        for d in dims {
            b.extend(d.to_be_bytes());
        }
        b
    }

    #[test]
    fn parses_and_rejects() {
        let mut ok = header(3, &[2, 2, 2]);
        ok.extend([0, 255, 1, 2, 3, 4, 5, 6]);
        let a = parse_idx(&ok, 3).unwrap();
        assert_eq!(a.dims, vec![2, 2, 2]);
        assert_eq!(a.values[1], 255);
        assert!(parse_idx(&ok[..ok.len() - 1], 3)
            .unwrap_err()
            .contains("truncated"));
        assert!(parse_idx(&ok, 1).unwrap_err().contains("3 dimensions"));
        assert!(parse_idx(b"PK\x03\x04zip", 3)
            .unwrap_err()
            .contains("not an IDX"));
        assert!(parse_idx(&[0, 0], 3).unwrap_err().contains("too short"));
    }

    #[test]
    fn reads_the_embedded_mnist_subset() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mnist-10k");
        let data = load_idx_dir(&dir).unwrap();
        assert_eq!(data.len(), 10_000);
        assert_eq!(data.item_shape, vec![1, 28, 28]);
        assert_eq!(data.num_classes, Some(10));
        let labels = data.labels.as_ref().unwrap();
        // Class counts from the dataset's README.
        let zeros = labels.iter().filter(|&&l| l == 0).count();
        let ones = labels.iter().filter(|&&l| l == 1).count();
        assert_eq!((zeros, ones), (1001, 1127));
        assert!(data.values.iter().all(|v| (-1.0..=1.0).contains(v)));
    }

    #[test]
    fn a_missing_folder_names_itself() {
        let err = load_idx_dir(Path::new("/nonexistent/mnist")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/mnist"), "{err}");
    }
}
