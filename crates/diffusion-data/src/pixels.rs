//! 8-bit pixels and the model's data range: `k ∈ 0..=255 ↔ x = k/127.5 − 1 ∈ [−1, 1]`
//! (diffusers' convention for images), one definition for every reader and writer.

/// A byte as a value in [−1, 1].
pub fn byte_to_unit(k: u8) -> f32 {
    k as f32 / 127.5 - 1.0
}

/// A value as the nearest byte, clamped to [−1, 1] first (the inverse of [`byte_to_unit`]).
pub fn unit_to_byte(v: f32) -> u8 {
    ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_values_clamp() {
        for k in 0..=255u8 {
            assert_eq!(unit_to_byte(byte_to_unit(k)), k);
        }
        assert_eq!((unit_to_byte(-3.0), unit_to_byte(7.0)), (0, 255));
    }
}
