//! A tiny built-in bitmap font: 5×7-pixel glyphs for the characters the plots need (digits,
//! `.`, `e`, `-`, `+` for tick values, and the letters of the axis titles). The crate has no font
//! dependency, and plot labels need nothing more.

/// Width of every glyph in font pixels.
pub const GLYPH_WIDTH: u32 = 5;
/// Height of every glyph in font pixels.
pub const GLYPH_HEIGHT: u32 = 7;

/// Seven rows of pixels, top first; in each row bit 4 is the leftmost pixel, bit 0 the
/// rightmost.
pub type Rows = [u8; GLYPH_HEIGHT as usize];

/// A character's pixels and where they sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyph {
    /// The pixels.
    pub rows: Rows,
    /// Font pixels the rows are drawn lower than the text line: 2 for a descender (`p`), which
    /// reaches below the line's box; 0 otherwise.
    pub drop: u32,
}

/// A glyph that sits on the line.
const fn on_line(rows: Rows) -> Glyph {
    Glyph { rows, drop: 0 }
}

/// A glyph that hangs two font pixels below the line.
const fn descender(rows: Rows) -> Glyph {
    Glyph { rows, drop: 2 }
}

/// Every character the font has, with its glyph (one row per line, so each reads as a picture).
#[rustfmt::skip]
const GLYPHS: [(char, Glyph); 20] = [
    ('0', on_line([0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110])),
    ('1', on_line([0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110])),
    ('2', on_line([0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111])),
    ('3', on_line([0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110])),
    ('4', on_line([0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010])),
    ('5', on_line([0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110])),
    ('6', on_line([0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110])),
    ('7', on_line([0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000])),
    ('8', on_line([0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110])),
    ('9', on_line([0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100])),
    ('.', on_line([0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100])),
    ('-', on_line([0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000])),
    ('+', on_line([0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000])),
    ('e', on_line([0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110])),
    ('l', on_line([0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110])),
    ('o', on_line([0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110])),
    ('p', descender([0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000])),
    ('s', on_line([0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110])),
    ('t', on_line([0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110])),
    (' ', on_line([0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000])),
];

/// The glyph of `c`, or `None` for a character the font does not have.
pub fn glyph(c: char) -> Option<&'static Glyph> {
    GLYPHS.iter().find(|(g, _)| *g == c).map(|(_, glyph)| glyph)
}

impl Glyph {
    /// Whether the font pixel at (`x`, `y`) of the rows is set (`x` from the left, `y` from the
    /// top row, before the drop).
    pub fn is_set(&self, x: u32, y: u32) -> bool {
        x < GLYPH_WIDTH
            && y < GLYPH_HEIGHT
            && (self.rows[y as usize] >> (GLYPH_WIDTH - 1 - x)) & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_every_character_of_tick_values_and_titles() {
        for c in "0123456789.e-+ step loss".chars() {
            assert!(glyph(c).is_some(), "no glyph for {c:?}");
        }
        assert!(glyph('x').is_none());
    }

    #[test]
    fn glyphs_fit_their_cell_and_differ() {
        for (c, g) in &GLYPHS {
            assert!(
                g.rows.iter().all(|r| *r < 1 << GLYPH_WIDTH),
                "{c:?} is wider than 5"
            );
        }
        for (i, (a, glyph_a)) in GLYPHS.iter().enumerate() {
            for (b, glyph_b) in &GLYPHS[i + 1..] {
                assert_ne!(glyph_a, glyph_b, "{a:?} and {b:?} look the same");
            }
        }
        let one = glyph('1').unwrap();
        assert!(one.is_set(2, 0) && !one.is_set(0, 0) && !one.is_set(5, 0));
        assert_eq!((one.drop, glyph('p').unwrap().drop), (0, 2));
    }
}
