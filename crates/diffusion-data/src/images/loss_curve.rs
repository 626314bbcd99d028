//! loss.png: the training loss per step on a log scale, raw values in grey and an exponential
//! moving average in blue, with a labelled step axis (x) and loss axis (y) so the picture can be
//! read without metrics.csv.

use std::path::Path;

use image::{Rgb, RgbImage};

use super::text::{draw_text, draw_text_up, text_height, text_width};
use super::ticks::{linear_axis, log_axis, LinearAxis, LogAxis};
use super::{draw_line, save_png};
use crate::error::DataResult;

/// Image size in pixels.
const WIDTH: u32 = 800;
const HEIGHT: u32 = 400;
/// Scale of the bitmap font (a 5×7 glyph becomes 10×14 pixels).
const FONT_SCALE: u32 = 2;
/// Length of a tick mark, and the gaps around labels and titles, in pixels.
const TICK: f64 = 5.0;
const GAP: f64 = 6.0;
const EDGE: f64 = 8.0;
/// Margins above and right of the plot (room for the last x label).
const TOP: f64 = 16.0;
const RIGHT: f64 = 44.0;
/// At most this many step ticks.
const MAX_STEP_TICKS: usize = 8;
/// Smoothing factor of the moving average (span 50 steps).
const EMA_ALPHA: f64 = 2.0 / 51.0;

const INK: Rgb<u8> = Rgb([0, 0, 0]);
const DECADE_GRID: Rgb<u8> = Rgb([215, 215, 215]);
const GRID: Rgb<u8> = Rgb([236, 236, 236]);
const RAW: Rgb<u8> = Rgb([190, 190, 190]);
const SMOOTH: Rgb<u8> = Rgb([20, 60, 200]);

/// Writes the loss curve of `points` (step, loss) to `path`. Non-finite and non-positive losses
/// are left out; with fewer than two points left the image is blank.
pub fn write_loss_curve(path: &Path, points: &[(u64, f64)]) -> DataResult<()> {
    save_png(&render(points), path)
}

/// Where the plot area sits in the image, in pixels.
#[derive(Debug, Clone, Copy)]
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// The loss curve as an image.
fn render(points: &[(u64, f64)]) -> RgbImage {
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb([255, 255, 255]));
    let finite: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.1.is_finite() && p.1 > 0.0)
        .map(|&(s, l)| (s as f64, l))
        .collect();
    if finite.len() < 2 {
        return img;
    }
    let (first, last) = (finite[0].0, finite[finite.len() - 1].0);
    let steps = linear_axis(first, last.max(first + 1.0), MAX_STEP_TICKS, 1.0);
    let (min, max) = finite.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let loss = log_axis(min, max);
    let frame = frame_for(&loss);
    let px =
        |s: f64| frame.left + (s - steps.lo) / (steps.hi - steps.lo) * (frame.right - frame.left);
    let (lo, hi) = (loss.lo.log10(), loss.hi.log10());
    let py = |log: f64| frame.bottom - (log - lo) / (hi - lo) * (frame.bottom - frame.top);
    draw_grid(&mut img, frame, &steps, &loss, px, py);
    let logs: Vec<(f64, f64)> = finite.iter().map(|&(s, l)| (s, l.log10())).collect();
    draw_curves(&mut img, &logs, px, py);
    draw_axes(&mut img, frame, &steps, &loss, px, py);
    img
}

/// The raw losses in grey and their moving average in blue; `logs` holds (step, log10 loss),
/// at least one point.
fn draw_curves(
    img: &mut RgbImage,
    logs: &[(f64, f64)],
    px: impl Fn(f64) -> f64,
    py: impl Fn(f64) -> f64,
) {
    let at = |s: f64, log: f64| (px(s), py(log));
    for w in logs.windows(2) {
        draw_line(img, at(w[0].0, w[0].1), at(w[1].0, w[1].1), RAW);
    }
    let mut smooth = logs[0].1;
    let mut prev = at(logs[0].0, smooth);
    for p in &logs[1..] {
        smooth += EMA_ALPHA * (p.1 - smooth);
        let next = at(p.0, smooth);
        draw_line(img, prev, next, SMOOTH);
        prev = next;
    }
}

/// The plot area, leaving room on the left for the widest loss label and the turned title, and
/// below for the step labels and title. Its edges sit on pixel centres (x.5), so that lines
/// along them, whose points `draw_line` truncates to pixels, hit every pixel once.
fn frame_for(loss: &LogAxis) -> Frame {
    let label_width = loss
        .ticks
        .iter()
        .map(|t| text_width(&t.label(), FONT_SCALE))
        .max()
        .unwrap_or(0);
    let line = f64::from(text_height(FONT_SCALE));
    Frame {
        left: EDGE + line + 2.0 * GAP + f64::from(label_width) + TICK + 0.5,
        right: f64::from(WIDTH) - RIGHT + 0.5,
        top: TOP + 0.5,
        bottom: f64::from(HEIGHT) - (TICK + GAP + line + 2.0 * GAP + line + EDGE) + 0.5,
    }
}

/// Light lines at every tick across the plot area, darker at powers of ten.
fn draw_grid(
    img: &mut RgbImage,
    frame: Frame,
    steps: &LinearAxis,
    loss: &LogAxis,
    px: impl Fn(f64) -> f64,
    py: impl Fn(f64) -> f64,
) {
    for &s in &steps.ticks {
        draw_line(img, (px(s), frame.top), (px(s), frame.bottom), GRID);
    }
    for t in &loss.ticks {
        let color = if t.is_decade() { DECADE_GRID } else { GRID };
        let y = py(t.log10());
        draw_line(img, (frame.left, y), (frame.right, y), color);
    }
}

/// The two axes with their tick marks, tick values and titles ("step" below, "loss" at the left,
/// reading upwards).
fn draw_axes(
    img: &mut RgbImage,
    frame: Frame,
    steps: &LinearAxis,
    loss: &LogAxis,
    px: impl Fn(f64) -> f64,
    py: impl Fn(f64) -> f64,
) {
    let Frame {
        left,
        right,
        top,
        bottom,
    } = frame;
    draw_line(img, (left, top), (left, bottom), INK);
    draw_line(img, (left, bottom), (right, bottom), INK);
    let line = i64::from(text_height(FONT_SCALE));
    for &s in &steps.ticks {
        let x = px(s);
        draw_line(img, (x, bottom), (x, bottom + TICK), INK);
        let label = steps.label(s);
        let half = i64::from(text_width(&label, FONT_SCALE) / 2);
        let y = (bottom + TICK + GAP) as i64;
        draw_text(img, &label, x.round() as i64 - half, y, FONT_SCALE, INK);
    }
    for t in &loss.ticks {
        let y = py(t.log10());
        draw_line(img, (left - TICK, y), (left, y), INK);
        let label = t.label();
        let x = (left - TICK - GAP) as i64 - i64::from(text_width(&label, FONT_SCALE));
        draw_text(img, &label, x, y.round() as i64 - line / 2, FONT_SCALE, INK);
    }
    let title_x = ((left + right) / 2.0) as i64 - i64::from(text_width("step", FONT_SCALE) / 2);
    let title_y = (bottom + TICK + GAP) as i64 + line + 2 * GAP as i64;
    draw_text(img, "step", title_x, title_y, FONT_SCALE, INK);
    let length = i64::from(text_width("loss", FONT_SCALE));
    let title_y = ((top + bottom) / 2.0) as i64 - length / 2;
    draw_text_up(img, "loss", EDGE as i64, title_y, FONT_SCALE, INK);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the rectangle `x0..x1 × y0..y1` holds a dark pixel.
    fn has_ink(img: &RgbImage, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> bool {
        (y0 as u32..y1 as u32)
            .flat_map(|y| (x0 as u32..x1 as u32).map(move |x| (x, y)))
            .any(|(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 100))
    }

    /// A main-job-like curve: falling from about 1.3 to about 0.03 with noise.
    fn falling_loss() -> Vec<(u64, f64)> {
        (1..=2000)
            .map(|s| {
                let wobble = 1.0 + 0.3 * ((s as f64) * 0.7).sin();
                (s, (1.3 * (s as f64).powf(-0.45)).max(0.03) * wobble)
            })
            .collect()
    }

    #[test]
    fn labels_sit_in_their_margins() {
        let points = falling_loss();
        let img = render(&points);
        let min = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
        let frame = frame_for(&log_axis(min, max));
        let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
        let title_line = h - EDGE - f64::from(text_height(FONT_SCALE));
        // Step values under the x axis, the "step" title below them.
        assert!(has_ink(
            &img,
            (frame.left, w),
            (frame.bottom + TICK, title_line - GAP)
        ));
        assert!(has_ink(
            &img,
            (w / 2.0 - 30.0, w / 2.0 + 30.0),
            (title_line, h)
        ));
        // Loss values left of the y axis, the "loss" title at the left edge.
        let title_column = EDGE + f64::from(text_height(FONT_SCALE));
        assert!(has_ink(
            &img,
            (title_column + GAP, frame.left - TICK),
            (0.0, h)
        ));
        assert!(has_ink(
            &img,
            (0.0, title_column),
            (h / 2.0 - 30.0, h / 2.0 + 30.0)
        ));
        // The axis line and the curve are drawn; the margins outside the labels stay white.
        assert!(has_ink(
            &img,
            (frame.left, frame.left + 1.0),
            (frame.top, frame.bottom)
        ));
        assert!(!has_ink(&img, (frame.right + 1.0, w), (0.0, frame.top)));
    }

    #[test]
    fn writes_a_png_and_tolerates_degenerate_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.png");
        write_loss_curve(&path, &falling_loss()).unwrap();
        let back = image::open(&path).unwrap();
        assert_eq!((back.width(), back.height()), (WIDTH, HEIGHT));
        for points in [
            vec![],
            vec![(1, 0.5)],
            vec![(1, 0.5), (2, 0.5)],
            vec![(1, f64::NAN), (2, 0.0), (3, 1e-9), (4, 1e9)],
            vec![(7, 0.2), (7, 0.3)],
        ] {
            let img = render(&points);
            assert_eq!(img.width(), WIDTH);
        }
    }
}
