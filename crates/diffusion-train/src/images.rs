//! PNG outputs of a run: the sample grid, the loss curve and, for 2-D data, a scatter plot of
//! samples over the data. Written with the `image` crate, each to a temporary name then renamed.

use std::path::Path;

use diffusion_data::pixels::unit_to_byte;
use image::{Rgb, RgbImage};

use crate::error::{TrainError, TrainResult};

/// Encodes `img` as PNG and writes it atomically (temporary name, then rename).
pub fn save_png(img: &RgbImage, path: &Path) -> TrainResult<()> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| TrainError::io(path, std::io::Error::other(e)))?;
    diffusion_model::weights::write_atomically(path, &bytes)?;
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
) -> TrainResult<()> {
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

/// The loss per step on a log scale: raw values in grey, an exponential moving average
/// (span 50 steps) in blue, with light horizontal lines at each power of ten. No text: the
/// numbers are in metrics.csv.
pub fn write_loss_curve(path: &Path, points: &[(u64, f64)]) -> TrainResult<()> {
    let (width, height, margin) = (800u32, 400u32, 30.0);
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let finite: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.1.is_finite() && p.1 > 0.0)
        .map(|&(s, l)| (s as f64, l.log10()))
        .collect();
    if finite.len() >= 2 {
        let (x0, x1) = (
            finite[0].0,
            finite[finite.len() - 1].0.max(finite[0].0 + 1.0),
        );
        let lo = finite
            .iter()
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min)
            .floor();
        let hi = finite
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max)
            .ceil()
            .max(lo + 1.0);
        let px = |x: f64| margin + (x - x0) / (x1 - x0) * (width as f64 - 2.0 * margin);
        let py =
            |y: f64| height as f64 - margin - (y - lo) / (hi - lo) * (height as f64 - 2.0 * margin);
        let mut decade = lo;
        while decade <= hi {
            draw_line(
                &mut img,
                (margin, py(decade)),
                (width as f64 - margin, py(decade)),
                Rgb([225, 225, 225]),
            );
            decade += 1.0;
        }
        let axis = Rgb([0, 0, 0]);
        draw_line(
            &mut img,
            (margin, margin),
            (margin, height as f64 - margin),
            axis,
        );
        draw_line(
            &mut img,
            (margin, height as f64 - margin),
            (width as f64 - margin, height as f64 - margin),
            axis,
        );
        for w in finite.windows(2) {
            draw_line(
                &mut img,
                (px(w[0].0), py(w[0].1)),
                (px(w[1].0), py(w[1].1)),
                Rgb([190, 190, 190]),
            );
        }
        let alpha = 2.0 / 51.0;
        let mut smooth = finite[0].1;
        let mut prev = (px(finite[0].0), py(smooth));
        for p in &finite[1..] {
            smooth += alpha * (p.1 - smooth);
            let next = (px(p.0), py(smooth));
            draw_line(&mut img, prev, next, Rgb([20, 60, 200]));
            prev = next;
        }
    }
    save_png(&img, path)
}

/// 2-D samples (red) over data points (grey) on [−3, 3]².
pub fn write_scatter(path: &Path, data: &[f32], samples: &[f32]) -> TrainResult<()> {
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
