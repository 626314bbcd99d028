//! A line plot of a metric against NFE on a log-x axis (one coloured polyline per sampler, light
//! grid lines at each decade on y and at each plotted NFE on x, the real-data floor as a grey
//! horizontal line), drawn pixel by pixel with the
//! `image` crate as the trainer draws its loss curve. No text: the numbers are in the Markdown
//! table written beside it, which also names the colours.

use std::path::Path;

use diffusion_data::images::{draw_line, save_png};
use image::{Rgb, RgbImage};

use crate::error::EvalResult;

/// Line colours, in series order (named in [`COLOR_NAMES`]).
pub const COLORS: [[u8; 3]; 6] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [148, 103, 189],
    [255, 127, 14],
    [23, 190, 207],
];
/// The names of [`COLORS`], for the legend in the table.
pub const COLOR_NAMES: [&str; 6] = ["blue", "red", "green", "purple", "orange", "cyan"];

/// A line, two pixels wide when `thick` (drawn again shifted right, down, and both).
fn line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), color: Rgb<u8>, thick: bool) {
    let offsets: &[(f64, f64)] = if thick {
        &[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
    } else {
        &[(0.0, 0.0)]
    };
    for (dx, dy) in offsets {
        draw_line(img, (a.0 + dx, a.1 + dy), (b.0 + dx, b.1 + dy), color);
    }
}

/// The colour of the floor line.
pub const FLOOR_COLOR: [u8; 3] = [110, 110, 110];

/// Writes `series` (name, points (NFE, value)) as an 800×500 PNG with log-scaled x and y, and
/// `floor` as a grey horizontal line (values must be positive to be drawn; others are skipped).
pub fn write_nfe_plot(
    path: &Path,
    series: &[(String, Vec<(f64, f64)>)],
    floor: Option<f64>,
) -> EvalResult<()> {
    let (width, height, margin) = (800u32, 500u32, 40.0);
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let points: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .filter(|p| p.0 > 0.0 && p.1 > 0.0 && p.1.is_finite())
        .map(|(x, y)| (x.log10(), y.log10()))
        .collect();
    if !points.is_empty() {
        let fold = |f: fn(f64, f64) -> f64, init: f64, get: fn(&(f64, f64)) -> f64| {
            points.iter().map(get).fold(init, f)
        };
        let (x0, x1) = (
            fold(f64::min, f64::INFINITY, |p| p.0),
            fold(f64::max, f64::NEG_INFINITY, |p| p.0),
        );
        let x1 = x1.max(x0 + 1e-9);
        let floor_log = floor.filter(|f| *f > 0.0 && f.is_finite()).map(f64::log10);
        let lo = fold(f64::min, f64::INFINITY, |p| p.1)
            .min(floor_log.unwrap_or(f64::INFINITY))
            .floor();
        let hi = fold(f64::max, f64::NEG_INFINITY, |p| p.1)
            .max(floor_log.unwrap_or(f64::NEG_INFINITY))
            .ceil()
            .max(lo + 1.0);
        let px = |x: f64| margin + (x - x0) / (x1 - x0) * (width as f64 - 2.0 * margin);
        let py =
            |y: f64| height as f64 - margin - (y - lo) / (hi - lo) * (height as f64 - 2.0 * margin);
        let grid = Rgb([225, 225, 225]);
        let mut decade = lo;
        while decade <= hi {
            line(
                &mut img,
                (margin, py(decade)),
                (width as f64 - margin, py(decade)),
                grid,
                false,
            );
            decade += 1.0;
        }
        for &(x, _) in &points {
            line(
                &mut img,
                (px(x), margin),
                (px(x), height as f64 - margin),
                grid,
                false,
            );
        }
        let axis = Rgb([0, 0, 0]);
        line(
            &mut img,
            (margin, margin),
            (margin, height as f64 - margin),
            axis,
            false,
        );
        let bottom = height as f64 - margin;
        line(
            &mut img,
            (margin, bottom),
            (width as f64 - margin, bottom),
            axis,
            false,
        );
        if let Some(f) = floor_log {
            let y = py(f);
            let right = width as f64 - margin;
            line(&mut img, (margin, y), (right, y), Rgb(FLOOR_COLOR), true);
        }
        for (k, (_, pts)) in series.iter().enumerate() {
            let color = Rgb(COLORS[k % COLORS.len()]);
            let drawn: Vec<(f64, f64)> = pts
                .iter()
                .filter(|p| p.0 > 0.0 && p.1 > 0.0 && p.1.is_finite())
                .map(|&(x, y)| (px(x.log10()), py(y.log10())))
                .collect();
            for w in drawn.windows(2) {
                line(&mut img, w[0], w[1], color, true);
            }
            for &(x, y) in &drawn {
                for d in -3..=3 {
                    line(
                        &mut img,
                        (x - 3.0, y + d as f64),
                        (x + 3.0, y + d as f64),
                        color,
                        false,
                    );
                }
            }
        }
    }
    save_png(&img, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_series_in_their_colours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fd.png");
        let series = vec![
            (
                "a".to_string(),
                vec![(5.0, 100.0), (10.0, 30.0), (100.0, 2.0)],
            ),
            ("b".to_string(), vec![(5.0, 50.0), (100.0, f64::NAN)]),
        ];
        write_nfe_plot(&path, &series, Some(1.0)).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (800, 500));
        let count = |c: [u8; 3]| img.pixels().filter(|p| p.0 == c).count();
        assert!(count(COLORS[0]) > 100 && count(COLORS[1]) > 10);
        assert!(count(FLOOR_COLOR) > 500);
    }
}
