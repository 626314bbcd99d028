//! Text on an `RgbImage` with the built-in bitmap font of [`super::glyphs`]: left to right, or
//! turned a quarter anticlockwise (reading upwards) for a vertical axis title. Each font pixel
//! becomes a `scale × scale` square.

use image::{Rgb, RgbImage};

use super::glyphs::{glyph, GLYPH_HEIGHT, GLYPH_WIDTH};

/// Font pixels between neighbouring characters.
const SPACING: u32 = 1;

/// Width in image pixels of `text` drawn left to right at `scale` (its length when turned).
pub fn text_width(text: &str, scale: u32) -> u32 {
    let n = text.chars().count() as u32;
    (n * (GLYPH_WIDTH + SPACING)).saturating_sub(SPACING) * scale
}

/// Height in image pixels of a line of text at `scale` (its width when turned); descenders
/// reach below it.
pub fn text_height(scale: u32) -> u32 {
    GLYPH_HEIGHT * scale
}

/// Draws `text` left to right with its top-left corner at (`x`, `y`). Characters the font does
/// not have are left blank; pixels off the image are skipped.
pub fn draw_text(img: &mut RgbImage, text: &str, x: i64, y: i64, scale: u32, color: Rgb<u8>) {
    for_each_pixel(text, scale, |u, v| put(img, x + u, y + v, color));
}

/// Draws `text` turned a quarter anticlockwise, reading from bottom to top, inside the box whose
/// top-left corner is (`x`, `y`) (width [`text_height`], height [`text_width`]).
pub fn draw_text_up(img: &mut RgbImage, text: &str, x: i64, y: i64, scale: u32, color: Rgb<u8>) {
    let length = i64::from(text_width(text, scale));
    for_each_pixel(text, scale, |u, v| {
        put(img, x + v, y + length - 1 - u, color)
    });
}

/// Calls `f(u, v)` for every image pixel of `text` laid out left to right from (0, 0).
fn for_each_pixel(text: &str, scale: u32, mut f: impl FnMut(i64, i64)) {
    let scale = i64::from(scale);
    for (i, c) in text.chars().enumerate() {
        let Some(g) = glyph(c) else { continue };
        let left = i as i64 * i64::from(GLYPH_WIDTH + SPACING) * scale;
        for gy in 0..GLYPH_HEIGHT {
            let top = i64::from(gy + g.drop) * scale;
            for gx in (0..GLYPH_WIDTH).filter(|&gx| g.is_set(gx, gy)) {
                for dy in 0..scale {
                    for dx in 0..scale {
                        f(left + i64::from(gx) * scale + dx, top + dy);
                    }
                }
            }
        }
    }
}

/// Sets one pixel if it is on the image.
fn put(img: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>) {
    if x >= 0 && y >= 0 && x < i64::from(img.width()) && y < i64::from(img.height()) {
        img.put_pixel(x as u32, y as u32, color);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INK: Rgb<u8> = Rgb([0, 0, 0]);

    /// The bounding box (min x, min y, max x, max y) of the dark pixels.
    fn ink_box(img: &RgbImage) -> Option<(u32, u32, u32, u32)> {
        img.enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] < 128)
            .fold(None, |b, (x, y, _)| {
                let (x0, y0, x1, y1) = b.unwrap_or((x, y, x, y));
                Some((x0.min(x), y0.min(y), x1.max(x), y1.max(y)))
            })
    }

    #[test]
    fn text_stays_inside_its_box() {
        assert_eq!(text_width("loss", 2), (4 * 6 - 1) * 2);
        assert_eq!(text_width("", 2), 0);
        let mut img = RgbImage::from_pixel(100, 60, Rgb([255, 255, 255]));
        draw_text(&mut img, "10", 10, 20, 2, INK);
        let (x0, y0, x1, y1) = ink_box(&img).unwrap();
        assert!(x0 >= 10 && y0 >= 20 && x1 < 10 + text_width("10", 2) && y1 < 20 + 14);
        assert_eq!((x0, y0, y1), (12, 20, 33)); // '1' starts one font pixel in
    }

    #[test]
    fn turned_text_reads_upwards() {
        let mut img = RgbImage::from_pixel(40, 80, Rgb([255, 255, 255]));
        draw_text_up(&mut img, "loss", 5, 10, 2, INK);
        let (x0, y0, x1, y1) = ink_box(&img).unwrap();
        assert!(x0 >= 5 && x1 < 5 + text_height(2));
        assert!(y0 >= 10 && y1 < 10 + text_width("loss", 2));
        // The 'l' (first letter) is at the bottom: its top row, turned, is its leftmost column.
        assert!(y1 >= 10 + text_width("loss", 2) - 2 * 5);
        // Off-image text is clipped, not a panic.
        draw_text_up(&mut img, "loss", 35, 70, 2, INK);
        draw_text(&mut img, "-1", -3, -3, 3, INK);
    }
}
