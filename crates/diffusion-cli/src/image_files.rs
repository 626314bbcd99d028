//! PNG files in and out of the sampler's tensors: images are planar `[C, H, W]` floats in
//! [−1, 1] (diffusers' convention), PNGs 8-bit grey (C = 1) or RGB (C = 3).

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, RgbImage};

/// Checks, before any work, that `path` can be written: its folder exists, and it does not
/// exist yet unless `force` is set.
pub fn check_writable(path: &Path, force: bool) -> Result<(), String> {
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        ));
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|f| !f.is_dir()) {
        return Err(format!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            folder.display()
        ));
    }
    Ok(())
}

/// Writes an output file: `write` fills a hidden staging file beside `path`, which then takes
/// `path`'s name, replacing a file there only with `force`; without it, a file that appeared
/// meanwhile (another run writing the same path) is an error and is left as it is.
pub fn write_output(
    path: &Path,
    force: bool,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    let staged = staging_path(path);
    if let Err(e) = write(&staged) {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    if force {
        std::fs::rename(&staged, path).map_err(|e| {
            let _ = std::fs::remove_file(&staged);
            format!("cannot write {}: {e}", path.display())
        })
    } else {
        publish_new(&staged, path).map_err(|e| match e {
            DataError::Exists { path } => format!(
                "{} already exists (another run wrote it while this one sampled); pass --force \
                 to overwrite it",
                path.display()
            ),
            other => other.to_string(),
        })
    }
}

use diffusion_data::files::{publish_new, staging_path};
use diffusion_data::pixels::byte_to_unit;
pub use diffusion_data::pixels::unit_to_byte;
use diffusion_data::DataError;

/// One planar image as a PNG-ready picture.
pub fn picture(pixels: &[f32], [c, h, w]: [usize; 3]) -> Result<DynamicImage, String> {
    let plane = h * w;
    match c {
        1 => Ok(DynamicImage::ImageLuma8(
            GrayImage::from_raw(
                w as u32,
                h as u32,
                pixels[..plane].iter().map(|&v| unit_to_byte(v)).collect(),
            )
            .ok_or("image buffer has the wrong size")?,
        )),
        3 => {
            let bytes = (0..plane)
                .flat_map(|i| (0..3).map(move |ch| (ch, i)))
                .map(|(ch, i)| unit_to_byte(pixels[ch * plane + i]))
                .collect();
            Ok(DynamicImage::ImageRgb8(
                RgbImage::from_raw(w as u32, h as u32, bytes)
                    .ok_or("image buffer has the wrong size")?,
            ))
        }
        other => Err(format!(
            "cannot write {other}-channel images as PNG (1 or 3 channels)"
        )),
    }
}

/// Writes each image to `dir/NNNNN.png` (NNNNN = global sample index), returning the paths.
pub fn write_each(
    dir: &Path,
    images: &[f32],
    shape: [usize; 3],
    force: bool,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let item: usize = shape.iter().product();
    let mut written = Vec::new();
    for (i, pixels) in images.chunks(item).enumerate() {
        let path = each_path(dir, i);
        let picture = picture(pixels, shape)?;
        write_output(&path, force, |staged| {
            picture
                .save_with_format(staged, image::ImageFormat::Png)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        })?;
        written.push(path);
    }
    Ok(written)
}

/// `dir/NNNNN.png`, the file of image `index` in `--out-dir`.
pub fn each_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("{index:05}.png"))
}

/// Checks, before sampling, that none of the `count` files `--out-dir` would write exists
/// (unless `force`), so a run never stops halfway through its outputs.
pub fn check_each_writable(dir: &Path, count: usize, force: bool) -> Result<(), String> {
    if force || !dir.exists() {
        return Ok(());
    }
    (0..count).try_for_each(|i| check_writable(&each_path(dir, i), false))
}

/// Reads a PNG/JPEG as a planar `[C, H, W]` image in [−1, 1], converted to `channels` and
/// resized (Lanczos) to `size × size` when it differs.
pub fn read_image(path: &Path, channels: usize, size: usize) -> Result<Vec<f32>, String> {
    let decoded = image::open(path).map_err(|e| {
        format!(
            "cannot read the image {}: {e} (give a PNG or JPEG file)",
            path.display()
        )
    })?;
    let decoded = if decoded.width() as usize != size || decoded.height() as usize != size {
        decoded.resize_exact(size as u32, size as u32, FilterType::Lanczos3)
    } else {
        decoded
    };
    match channels {
        1 => Ok(decoded
            .to_luma8()
            .into_raw()
            .into_iter()
            .map(byte_to_unit)
            .collect()),
        3 => {
            let rgb = decoded.to_rgb8();
            let plane = size * size;
            let raw = rgb.as_raw();
            Ok((0..3)
                .flat_map(|ch| (0..plane).map(move |i| byte_to_unit(raw[3 * i + ch])))
                .collect())
        }
        other => Err(format!(
            "the model has {other} channels; images need 1 or 3"
        )),
    }
}

/// Reads an inpainting mask (diffusers' convention: white = repaint, black = keep) as the
/// sampler's keep-mask `[1, H, W]` (1 = keep, 0 = fill).
pub fn read_mask(path: &Path, size: usize) -> Result<Vec<f32>, String> {
    let grey = read_image(path, 1, size)?;
    Ok(grey
        .into_iter()
        .map(|v| if v > 0.0 { 0.0 } else { 1.0 })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_images_round_trip_through_png() {
        let dir = tempfile::tempdir().unwrap();
        let pixels: Vec<f32> = (0..3 * 4 * 5)
            .map(|i| (i % 255) as f32 / 127.5 - 1.0)
            .collect();
        let paths = write_each(dir.path(), &pixels, [3, 4, 5], false).unwrap_or_default();
        assert_eq!(paths.len(), 1);
        let err = write_each(dir.path(), &pixels, [3, 4, 5], false).unwrap_err();
        assert!(err.contains("--force"), "{err}");
        // Non-square images are resized on read, so compare through the writer only.
        let back = image::open(&paths[0]).unwrap().to_rgb8();
        assert_eq!(
            back.get_pixel(1, 0).0,
            [
                unit_to_byte(pixels[1]),
                unit_to_byte(pixels[21]),
                unit_to_byte(pixels[41])
            ]
        );
    }

    #[test]
    fn masks_follow_the_diffusers_convention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mask.png");
        let mut img = GrayImage::new(2, 2);
        img.put_pixel(0, 0, image::Luma([255]));
        img.save(&path).unwrap();
        assert_eq!(read_mask(&path, 2).unwrap(), vec![0.0, 1.0, 1.0, 1.0]);
    }
}
