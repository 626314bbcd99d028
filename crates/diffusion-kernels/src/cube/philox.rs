//! Philox4x32-10 and Box–Muller as cube functions (the device twin of [`crate::philox`]).

use cubecl::prelude::*;

use super::launch::grid;

use crate::philox::{NoiseKey, COS_TAYLOR, LN_SERIES, SIN_TAYLOR};

/// One Philox block `[c0, c1, c2, c3]` under key `[k0, k1]`, in place (10 rounds).
#[cube]
#[allow(clippy::too_many_arguments)]
pub fn philox4x32_10(c0: &mut u32, c1: &mut u32, c2: &mut u32, c3: &mut u32, k0: u32, k1: u32) {
    let mut key0 = k0;
    let mut key1 = k1;
    #[unroll]
    for _ in 0..10u32 {
        let hi0 = u32::mul_hi(0xD251_1F53u32, *c0);
        let lo0 = 0xD251_1F53u32 * *c0;
        let hi1 = u32::mul_hi(0xCD9E_8D57u32, *c2);
        let lo1 = 0xCD9E_8D57u32 * *c2;
        let n0 = hi1 ^ *c1 ^ key0;
        let n2 = hi0 ^ *c3 ^ key1;
        *c0 = n0;
        *c1 = lo1;
        *c2 = n2;
        *c3 = lo0;
        key0 += 0x9E37_79B9u32;
        key1 += 0xBB67_AE85u32;
    }
}

/// `(k + ½)/2²³` from the top 23 bits, exact in f32.
#[cube]
pub fn unit_open(word: u32) -> f32 {
    (f32::cast_from(word >> 9u32) + 0.5) * (1.0 / 8_388_608.0)
}

/// `ln(unit_open(word))`, operation for operation as [`crate::philox::ln_unit`].
#[cube]
pub fn ln_unit(word: u32) -> f32 {
    let odd = ((word >> 9u32) << 1u32) | 1u32;
    let bits = 32u32 - u32::leading_zeros(odd);
    let scale = f32::reinterpret((128u32 - bits) << 23u32);
    let mut m = f32::cast_from(odd) * scale;
    let mut e = f32::cast_from(bits) - 25.0;
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1.0;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t
        * (LN_SERIES[0]
            + t2 * (LN_SERIES[1]
                + t2 * (LN_SERIES[2]
                    + t2 * (LN_SERIES[3] + t2 * (LN_SERIES[4] + t2 * LN_SERIES[5])))));
    series + e * core::f32::consts::LN_2
}

/// sin πr for `|r| ≤ ¼`, as [`crate::philox::sincos_pi`].
#[cube]
fn sin_pi_reduced(r: f32) -> f32 {
    let x = r * core::f32::consts::PI;
    let x2 = x * x;
    x * (SIN_TAYLOR[0]
        + x2 * (SIN_TAYLOR[1] + x2 * (SIN_TAYLOR[2] + x2 * (SIN_TAYLOR[3] + x2 * SIN_TAYLOR[4]))))
}

/// cos πr for `|r| ≤ ¼`, as [`crate::philox::sincos_pi`].
#[cube]
fn cos_pi_reduced(r: f32) -> f32 {
    let x = r * core::f32::consts::PI;
    let x2 = x * x;
    COS_TAYLOR[0]
        + x2 * (COS_TAYLOR[1]
            + x2 * (COS_TAYLOR[2]
                + x2 * (COS_TAYLOR[3] + x2 * (COS_TAYLOR[4] + x2 * COS_TAYLOR[5]))))
}

/// The Box–Muller pair from words `w1`, `w2`, selected by `second` (false: r·cos θ,
/// true: r·sin θ), as [`crate::philox::box_muller`].
#[cube]
pub fn box_muller(w1: u32, w2: u32, #[comptime] second: bool) -> f32 {
    let r = f32::sqrt(-2.0 * ln_unit(w1));
    let y = 2.0 * unit_open(w2) - 1.0;
    let q = f32::floor(2.0 * y + 0.5);
    let red = y - 0.5 * q;
    let s = sin_pi_reduced(red);
    let c = cos_pi_reduced(red);
    // (sin, cos) of πy by quadrant q ∈ {−2, −1, 0, 1, 2}.
    let mut sin = -s;
    let mut cos = -c;
    if q == 1.0 {
        sin = c;
        cos = -s;
    } else if q == -1.0 {
        sin = -c;
        cos = s;
    } else if q == 0.0 {
        sin = s;
        cos = c;
    }
    if comptime!(second) {
        r * sin
    } else {
        r * cos
    }
}

/// The four Philox words of block `block` of global sample `first_sample + row` (64-bit sample
/// index split in two words, carried by hand), written to `c0..c3`: the counter layout of
/// [`crate::philox::philox_block`].
#[cube]
#[allow(clippy::too_many_arguments)]
pub fn sample_block_words(
    row: u32,
    block: u32,
    first_sample_lo: u32,
    first_sample_hi: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
    c0: &mut u32,
    c1: &mut u32,
    c2: &mut u32,
    c3: &mut u32,
) {
    let sample_lo = first_sample_lo + row;
    let carry = if sample_lo < first_sample_lo {
        1u32
    } else {
        0u32
    };
    *c0 = block;
    *c1 = sample_lo;
    *c2 = first_sample_hi + carry;
    *c3 = stream;
    philox4x32_10(c0, c1, c2, c3, seed_lo, seed_hi);
}

/// Normal number `k` (0..4) of a Philox block: Box–Muller on words (0, 1) and (2, 3).
#[cube]
pub fn block_normal(c0: u32, c1: u32, c2: u32, c3: u32, #[comptime] k: u32) -> f32 {
    if comptime!(k == 0) {
        box_muller(c0, c1, false)
    } else if comptime!(k == 1) {
        box_muller(c0, c1, true)
    } else if comptime!(k == 2) {
        box_muller(c2, c3, false)
    } else {
        box_muller(c2, c3, true)
    }
}

/// Normals `first .. first + N` of a Philox block as one vector of `N` lanes (`N` divides 4):
/// lane `j` is [`block_normal`] number `first + j`, so every vector width draws the same numbers.
#[cube]
pub fn block_normals<N: Size>(
    c0: u32,
    c1: u32,
    c2: u32,
    c3: u32,
    #[comptime] first: u32,
) -> Vector<f32, N> {
    // Lane 0 by broadcast, so a one-lane vector needs no lane indexing.
    let mut z = Vector::<f32, N>::new(block_normal(c0, c1, c2, c3, first));
    #[unroll]
    for j in 1..N::value() {
        z[j] = block_normal(c0, c1, c2, c3, comptime!(first + j as u32));
    }
    z
}

/// Raw Philox words for `(key, sample = row, block)`: the device side of the bit-identity test.
#[cube(launch)]
pub fn philox_words_kernel(
    out: &mut Array<u32>,
    blocks_per_row: u32,
    units: u32,
    seed_lo: u32,
    seed_hi: u32,
    stream: u32,
) {
    let unit = ABSOLUTE_POS as u32;
    if unit >= units {
        terminate!();
    }
    let mut c0 = unit % blocks_per_row;
    let mut c1 = unit / blocks_per_row;
    let mut c2 = 0u32;
    let mut c3 = stream;
    philox4x32_10(&mut c0, &mut c1, &mut c2, &mut c3, seed_lo, seed_hi);
    let o = (unit * 4u32) as usize;
    out[o] = c0;
    out[o + 1] = c1;
    out[o + 2] = c2;
    out[o + 3] = c3;
}

/// The raw Philox words of samples `0..rows`, blocks `0..blocks_per_row`, computed on the
/// device and read back (for the CPU/GPU bit-identity test and diagnostics).
pub fn philox_words_on_device<R: Runtime>(
    client: &ComputeClient<R>,
    key: NoiseKey,
    rows: usize,
    blocks_per_row: usize,
) -> Vec<u32> {
    let units = rows * blocks_per_row;
    let out = client.empty(units.max(1) * 16);
    let (count, dim) = grid(client, units);
    unsafe {
        philox_words_kernel::launch::<R>(
            client,
            count,
            dim,
            ArrayArg::from_raw_parts(out.clone(), units * 4),
            blocks_per_row as u32,
            units as u32,
            key.seed as u32,
            (key.seed >> 32) as u32,
            key.stream,
        );
    }
    let bytes = client.read_one(out).expect("reading back the Philox words");
    u32::from_bytes(&bytes)[..units * 4].to_vec()
}
