//! PNG outputs of a run: the sample grid, the loss curve and, for 2-D data, a scatter plot of
//! samples over the data. Written with the `image` crate, each to a temporary name then renamed.
//! Plot text (tick values, axis titles) uses a built-in bitmap font: [`glyphs`], [`text`];
//! [`ticks`] chooses the values.

pub mod glyphs;
mod loss_curve;
pub mod text;
pub mod ticks;

pub use loss_curve::write_loss_curve;

use std::path::Path;

use crate::pixels::unit_to_byte;
use image::{Rgb, RgbImage};

use crate::error::{DataError, DataResult};

/// Encodes `img` as PNG and writes it atomically (temporary name, then rename).
pub fn save_png(img: &RgbImage, path: &Path) -> DataResult<()> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| DataError::io(path, std::io::Error::other(e)))?;
    crate::files::write_atomically(path, &bytes)?;
    Ok(())
}

/// Tiles `rows × cols` images (planar `[C, H, W]`, values in [−1, 1], C = 1 or 3) with a 2-pixel
/// border into one PNG.
pub fn write_grid(
    path: &Path,
    images: &[f32],
    shape: [usize; 3],
    rows: usize,
    cols: usize,
) -> DataResult<()> {
    let [c, h, w] = shape;
    let pad = 2;
    let (width, height) = (cols * (w + pad) + pad, rows * (h + pad) + pad);
    let mut img = RgbImage::from_pixel(width as u32, height as u32, Rgb([40, 40, 40]));
    let item = c * h * w;
    for (k, pixels) in images.chunks(item).take(rows * cols).enumerate() {
        let (r, col) = (k / cols, k % cols);
        for y in 0..h {
            for x in 0..w {
                let at = |ch: usize| {
                    let v = pixels[ch * h * w + y * w + x];
                    unit_to_byte(v)
                };
                let rgb = if c >= 3 {
                    [at(0), at(1), at(2)]
                } else {
                    [at(0); 3]
                };
                img.put_pixel(
                    (pad + col * (w + pad) + x) as u32,
                    (pad + r * (h + pad) + y) as u32,
                    Rgb(rgb),
                );
            }
        }
    }
    save_png(&img, path)
}

/// A one-pixel line from `a` to `b` (pixel coordinates); points off the canvas are skipped.
pub fn draw_line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), color: Rgb<u8>) {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
    for i in 0..=steps {
        let f = i as f64 / steps as f64;
        let (x, y) = (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
        if x >= 0.0 && y >= 0.0 && (x as u32) < img.width() && (y as u32) < img.height() {
            img.put_pixel(x as u32, y as u32, color);
        }
    }
}

/// 2-D samples (red) over data points (grey) on [−3, 3]².
pub fn write_scatter(path: &Path, data: &[f32], samples: &[f32]) -> DataResult<()> {
    let size = 500u32;
    let mut img = RgbImage::from_pixel(size, size, Rgb([255, 255, 255]));
    let mut dot = |x: f32, y: f32, color: Rgb<u8>| {
        if !(x.abs() < 3.0 && y.abs() < 3.0) {
            return;
        }
        let px = ((x + 3.0) / 6.0 * size as f32) as i64;
        let py = ((3.0 - y) / 6.0 * size as f32) as i64;
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (u, v) = (px + dx, py + dy);
            if u >= 0 && v >= 0 && (u as u32) < size && (v as u32) < size {
                img.put_pixel(u as u32, v as u32, color);
            }
        }
    };
    for p in data.chunks(2) {
        dot(p[0], p[1], Rgb([170, 170, 170]));
    }
    for p in samples.chunks(2) {
        dot(p[0], p[1], Rgb([210, 30, 30]));
    }
    save_png(&img, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_readable_pngs() {
        let dir = tempfile::tempdir().unwrap();
        let grid = dir.path().join("grid.png");
        let images: Vec<f32> = (0..4 * 4 * 4).map(|i| (i % 3) as f32 - 1.0).collect();
        write_grid(&grid, &images, [1, 4, 4], 2, 2).unwrap();
        let back = image::open(&grid).unwrap();
        assert_eq!((back.width(), back.height()), (14, 14));
        let curve = dir.path().join("loss.png");
        let points: Vec<(u64, f64)> = (1..100).map(|s| (s, 1.0 / s as f64)).collect();
        write_loss_curve(&curve, &points).unwrap();
        assert_eq!(image::open(&curve).unwrap().width(), 800);
        write_scatter(
            &dir.path().join("s.png"),
            &[0.0, 0.0],
            &[1.0, f32::INFINITY, f32::NAN, 0.5],
        )
        .unwrap();
    }
}
