//! `ln` and `ln_1p`.
//!
//! Both write their argument as `2^e m` with `m` in `[√½, √2)`, and compute
//! `ln m = ln(1 + f)` from `s = f / (2 + f)`, for which `ln(1 + f) = 2 atanh s`, as
//! `f - (f²/2 - s (f²/2 + R(s²)))`. That form keeps the exact `f` as the leading term,
//! so the rounding of `s` only touches a correction below `f / 20`.

use super::{select, select_i32};

const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
const LN2_LO: f32 = 1.428_606_8e-6;
/// The bits of `√½` rounded down: subtracting them from a float's bits moves the
/// boundary between exponents from 1 to `√½`.
const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
const MANTISSA_MASK: u32 = 0x007f_ffff;
/// 2^23, which scales a subnormal input into the normal range.
const SUBNORMAL_SCALE: f32 = 8_388_608.0;

/// Coefficients of `R(z) / z ≈ 2/3 + 2/5 z + 2/7 z²`, `z = s²` in `[0, 0.0295]`,
/// fitted for minimax error of `ln(1 + f)` (8.1e-10 relative before rounding to `f32`).
const L1: f32 = 0.666_667_76;
const L2: f32 = 0.399_775_37;
const L3: f32 = 0.298_718_66;

/// Splits a positive normal `x` into `(m, e)` with `x = 2^e m`, `m` in `[√½, √2)`.
#[inline(always)]
pub(super) fn split(x: f32) -> (f32, i32) {
    let offset = x.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let exponent = (offset as i32) >> 23;
    let mantissa = f32::from_bits((offset & MANTISSA_MASK) + SQRT_HALF_BITS);
    (mantissa, exponent)
}

/// `e ln 2 + ln(1 + f) + correction`, for `1 + f` in `[√½, √2)` and a correction far
/// below `f`'s ulp.
#[inline(always)]
fn combine(f: f32, exponent: i32, correction: f32) -> f32 {
    let e = exponent as f32;
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * ((L1 + z * L2) + (z * z) * L3);
    let half_square = 0.5 * f * f;
    e * LN2_HI + (f - (half_square - (s * (half_square + r) + (e * LN2_LO + correction))))
}

/// Computes the natural logarithm: NaN below 0, -∞ at ±0, +∞ at +∞.
#[inline(always)]
pub(crate) fn ln(x: f32) -> f32 {
    let subnormal = x < f32::MIN_POSITIVE;
    let scaled = select(subnormal, x * SUBNORMAL_SCALE, x);
    let (mantissa, exponent) = split(scaled);
    let exponent = exponent - select_i32(subnormal, 23, 0);
    let result = combine(mantissa - 1.0, exponent, 0.0);

    let result = select(
        x > 0.0,
        result,
        select(x == 0.0, f32::NEG_INFINITY, f32::NAN),
    );
    select(x == f32::INFINITY, x, result)
}

/// Computes [`ln`] of a positive normal finite `x`, with the same bits, and NaN for a
/// NaN `x`. It leaves out `ln`'s scaling of subnormals and its results for 0, negative
/// numbers and +∞, so on those it returns a wrong finite number or NaN. Adding `x - x`,
/// which is 0 for a finite `x`, carries a NaN through at the cost of one instruction.
///
/// BCE on probabilities takes two logarithms of clamped probabilities per element. With
/// this form, its value_and_grad rose from 0.87–0.94 to 0.98–1.03 × 10⁹ elements per
/// second at 10⁶ `f32` elements, and from 0.69–0.77 to 0.78–0.84 at 10⁷. These are six
/// alternating runs of each build, on one thread of the Intel guest of
/// `docs/BENCHMARKS.md`.
#[inline(always)]
#[allow(
    clippy::eq_op,
    reason = "`x - x` is 0 or NaN, which carries a NaN through"
)]
pub(crate) fn ln_positive(x: f32) -> f32 {
    let (mantissa, exponent) = split(x);
    combine(mantissa - 1.0, exponent, 0.0) + (x - x)
}

/// `ln(1 + x)`, accurate near 0: NaN below -1, -∞ at -1, +∞ at +∞, and `x` itself at
/// ±0.
#[inline(always)]
pub(crate) fn ln_1p(x: f32) -> f32 {
    let u = 1.0 + x;
    // The rounding error of `u`, (1 + x) - u, by differences that are exact: below 1
    // `u - 1` is exact, and from 1 on `u - x` and then `1 - (u - x)` are.
    let error = select(x >= 1.0, 1.0 - (u - x), x - (u - 1.0));
    // `u` is 0 or at least 2^-24 when x >= -1, so it is never subnormal.
    let (mantissa, exponent) = split(u);
    let result = combine(mantissa - 1.0, exponent, error / u);

    let result = select(
        u > 0.0,
        result,
        select(u == 0.0, f32::NEG_INFINITY, f32::NAN),
    );
    let result = select(x == f32::INFINITY, x, result);
    select(x == 0.0, x, result)
}

/// Coefficients of `R(z) / z` as in [`L1`] to [`L3`], fitted over the wider range
/// `z = s²` in `[0, 0.04]` that [`ln_1p_unit`] needs. Before rounding to `f32`, the
/// fit leaves a relative error of 2.8e-9 in `ln(1 + f)`.
const U1: f32 = 0.666_669_5;
const U2: f32 = 0.399_579_1;
const U3: f32 = 0.303_590_6;

/// Computes [`ln_1p`] for `x` in `[0, 1]` or NaN, off by at most 0.93 ulp over every
/// such `f32` (the general kernel: 0.87).
///
/// It writes `1 + x` as `2^e (1 + f)` with an exact `f`: `f = x` below 1/2, and
/// `f = (x - 1) / 2` from 1/2 on, where `x - 1` is exact (Sterbenz). The general
/// kernel instead rounds `1 + x`, splits its bits and divides that rounding error by
/// `1 + x`. This form saves the division and the bit operations. It raised
/// value_and_grad on one thread from 1.30 to 1.42 × 10⁹ elements per second for BCE
/// from logits, and from 1.38 to 1.49 for LogCosh. Its `1 + f` lies in `[3/4, 3/2)`,
/// so `s` reaches 1/5, which the fit of [`U1`] to [`U3`] covers.
#[inline(always)]
pub(super) fn ln_1p_unit(x: f32) -> f32 {
    let upper = x >= 0.5;
    let f = select(upper, (x - 1.0) * 0.5, x);
    // `e ln 2` for the exponent `e` of 0 or 1, in its two parts.
    let (ln2_hi, ln2_lo) = (select(upper, LN2_HI, 0.0), select(upper, LN2_LO, 0.0));

    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * ((U1 + z * U2) + (z * z) * U3);
    let half_square = 0.5 * f * f;
    ln2_hi + (f - (half_square - (s * (half_square + r) + ln2_lo)))
}
