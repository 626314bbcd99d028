//! Image folders: every PNG/JPEG under a folder, or under its class sub-folders (whose sorted
//! names become labels 0, 1, …), resized so the shorter side is `size`, centre-cropped to
//! `size × size`, and converted to grey (1 channel) or RGB (3).

use std::fs;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;

use crate::dataset::Dataset;
use crate::error::{DataError, DataResult};

fn is_image(path: &Path) -> bool {
    path.extension()
        .map(|e| {
            let e = e.to_string_lossy().to_ascii_lowercase();
            e == "png" || e == "jpg" || e == "jpeg"
        })
        .unwrap_or(false)
}

fn sorted_entries(dir: &Path) -> DataResult<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| DataError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

/// Loads a folder of images as a dataset of shape `[channels, size, size]` in [−1, 1]. When the
/// folder holds sub-folders, each is a class (labels follow the sorted folder names, returned
/// as the second value); otherwise the images are unlabelled.
pub fn load_image_folder(
    dir: &Path,
    size: usize,
    channels: usize,
) -> DataResult<(Dataset, Vec<String>)> {
    if size == 0 || !(channels == 1 || channels == 3) {
        return Err(DataError::Invalid(format!(
            "image folder {}: size must be positive and channels 1 or 3 (got {size}, {channels})",
            dir.display()
        )));
    }
    let entries = sorted_entries(dir)?;
    let class_dirs: Vec<PathBuf> = entries.iter().filter(|p| p.is_dir()).cloned().collect();
    let mut files: Vec<(PathBuf, u32)> = Vec::new();
    let mut class_names = Vec::new();
    if class_dirs.is_empty() {
        files.extend(entries.into_iter().filter(|p| is_image(p)).map(|p| (p, 0)));
    } else {
        for (label, class_dir) in class_dirs.iter().enumerate() {
            class_names.push(
                class_dir
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            for p in sorted_entries(class_dir)? {
                if is_image(&p) {
                    files.push((p, label as u32));
                }
            }
        }
    }
    if files.is_empty() {
        return Err(DataError::Empty {
            path: dir.to_path_buf(),
            message: "no .png, .jpg or .jpeg images here or in its sub-folders".into(),
        });
    }
    let floats = files.len() as u128 * (channels * size) as u128 * size as u128;
    crate::memory::check_fits(
        &format!("{} images at size {size}", files.len()),
        4 * floats,
    )?;
    let mut values = Vec::with_capacity(files.len() * channels * size * size);
    for (path, _) in &files {
        load_one(path, size, channels, &mut values)?;
    }
    let labels = (!class_names.is_empty()).then(|| files.iter().map(|f| f.1).collect());
    let mut data = Dataset::new(vec![channels, size, size], values, labels, dir)?;
    if !class_names.is_empty() {
        data.num_classes = Some(class_names.len());
    }
    Ok((data, class_names))
}

/// Appends one image, planar (C, H, W), scaled to [−1, 1].
fn load_one(path: &Path, size: usize, channels: usize, out: &mut Vec<f32>) -> DataResult<()> {
    let img = image::open(path)
        .map_err(|e| DataError::format(path, format!("cannot decode image: {e}")))?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Shorter side to `size`, then the centre square (torchvision's Resize + CenterCrop).
    let scale = size as f64 / w.min(h) as f64;
    let (rw, rh) = (
        ((w as f64 * scale).round() as u32).max(size as u32),
        ((h as f64 * scale).round() as u32).max(size as u32),
    );
    let resized = img.resize_exact(rw, rh, FilterType::Triangle);
    let (x0, y0) = ((rw - size as u32) / 2, (rh - size as u32) / 2);
    let cropped = resized.crop_imm(x0, y0, size as u32, size as u32);
    let pixels: Vec<u8> = if channels == 1 {
        cropped.to_luma8().into_raw()
    } else {
        cropped.to_rgb8().into_raw()
    };
    for c in 0..channels {
        out.extend(
            pixels
                .iter()
                .skip(c)
                .step_by(channels)
                .map(|&v| crate::pixels::byte_to_unit(v)),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path, w: u32, h: u32, value: u8) {
        image::GrayImage::from_pixel(w, h, image::Luma([value]))
            .save(path)
            .unwrap();
    }

    #[test]
    fn class_subfolders_become_labels() {
        let dir = tempfile::tempdir().unwrap();
        for (class, value) in [("cats", 0u8), ("dogs", 255u8)] {
            fs::create_dir(dir.path().join(class)).unwrap();
            write_png(&dir.path().join(class).join("a.png"), 40, 20, value);
        }
        let (data, names) = load_image_folder(dir.path(), 8, 3).unwrap();
        assert_eq!(names, vec!["cats", "dogs"]);
        assert_eq!(data.item_shape, vec![3, 8, 8]);
        assert_eq!(data.labels, Some(vec![0, 1]));
        assert!(data.item(0).iter().all(|&v| v == -1.0));
        assert!(data.item(1).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn empty_and_corrupt_folders_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_image_folder(dir.path(), 8, 1).unwrap_err().to_string();
        assert!(err.contains("no .png"), "{err}");
        fs::write(dir.path().join("broken.png"), b"not a png").unwrap();
        let err = load_image_folder(dir.path(), 8, 1).unwrap_err().to_string();
        assert!(err.contains("broken.png"), "{err}");
    }
}
