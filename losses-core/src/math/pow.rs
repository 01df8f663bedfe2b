//! Integer and real powers.

use super::log::split;
use super::{SIGN_MASK, select, select_i32};
use core::ops::{Div, Mul};

/// `x^n` by binary exponentiation, `1 / x^|n|` for negative `n`, and 1 for `n = 0`
/// whatever `x` is.
///
/// `n` is the same for every lane, and in generated code it is a literal, so after
/// inlining the loop unrolls into a fixed chain of products.
#[inline(always)]
pub(crate) fn powi<T: Copy + Mul<Output = T> + Div<Output = T>>(x: T, n: i32, one: T) -> T {
    let mut base = x;
    let mut remaining = n.unsigned_abs();
    let mut result = one;
    loop {
        if remaining & 1 == 1 {
            result = result * base;
        }
        remaining >>= 1;
        if remaining == 0 {
            break;
        }
        base = base * base;
    }
    if n < 0 { one / result } else { result }
}

const TWO_POW_23: f32 = 8_388_608.0;
const TWO_POW_24: f32 = 16_777_216.0;

/// Coefficients of `R(z) / z ≈ 2/3 + 2/5 z + …` as in `log.rs`, with two more terms for
/// `f64`: 3.0e-14 relative error of `ln(1 + f)` before rounding.
const W1: f64 = 0.666_666_666_758_047_4;
const W2: f64 = 0.399_999_956_207_006_9;
const W3: f64 = 0.285_721_092_659_962_06;
const W4: f64 = 0.221_761_846_208_060_83;
const W5: f64 = 0.195_842_052_038_692_45;

/// Coefficients of `2^t` on `|t| <= 1/2`, degree 7: 4.0e-11 relative error.
const E0: f64 = 0.999_999_999_961_683;
const E1: f64 = 0.693_147_180_728_453;
const E2: f64 = 0.240_226_511_981_569_14;
const E3: f64 = 0.055_504_103_534_286_83;
const E4: f64 = 0.009_618_027_253_744_64;
const E5: f64 = 0.001_333_392_257_907_12;
const E6: f64 = 0.000_154_692_911_218_786_15;
const E7: f64 = 0.000_015_201_918_010_414_194;

/// `1.5 × 2^52`, the `f64` counterpart of the rounding constant in `exp.rs`.
const ROUND_TO_INT_F64: f64 = 6_755_399_441_055_744.0;
/// Beyond ±160, `2^y` is far outside the `f32` range, and clamping keeps the integer
/// part of `y` small enough for the exponent bits.
const MAX_EXPONENT_F64: f64 = 160.0;

#[inline(always)]
fn select_f64(mask: bool, if_true: f64, if_false: f64) -> f64 {
    if mask { if_true } else { if_false }
}

/// `log2 x` in `f64` for `x >= 0` (or NaN), with a relative error near 2^-44: enough
/// that `p log2 x` carries no error into an `f32` result.
#[inline(always)]
fn log2_wide(x: f32) -> f64 {
    let subnormal = x < f32::MIN_POSITIVE;
    let (mantissa, exponent) = split(select(subnormal, x * TWO_POW_23, x));
    let exponent = exponent - select_i32(subnormal, 23, 0);

    let f = f64::from(mantissa) - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (W1 + z * (W2 + z * (W3 + z * (W4 + z * W5))));
    let half_square = 0.5 * f * f;
    let ln_mantissa = f - (half_square - s * (half_square + r));
    let log2 = f64::from(exponent) + ln_mantissa * std::f64::consts::LOG2_E;

    let special = select_f64(x == 0.0, f64::NEG_INFINITY, f64::NAN);
    let log2 = select_f64(x > 0.0, log2, special);
    select_f64(x == f32::INFINITY, f64::INFINITY, log2)
}

/// `2^y` in `f64`, with `y` clamped to ±160; NaN propagates.
#[inline(always)]
fn exp2_wide(y: f64) -> f64 {
    let y = select_f64(y > MAX_EXPONENT_F64, MAX_EXPONENT_F64, y);
    let y = select_f64(y < -MAX_EXPONENT_F64, -MAX_EXPONENT_F64, y);
    let shifted = y + ROUND_TO_INT_F64;
    let n = shifted.to_bits() as i64 - ROUND_TO_INT_F64.to_bits() as i64;
    let t = y - (shifted - ROUND_TO_INT_F64);
    let p = E0 + t * (E1 + t * (E2 + t * (E3 + t * (E4 + t * (E5 + t * (E6 + t * E7))))));
    p * f64::from_bits(((n + 1023) as u64) << 52)
}

/// Computes `x^p` with the special cases of C99 `powf`. The result is 1 when `p = 0`
/// or `x = 1`, even for NaN, and for `x = -1` with `p = ±∞`. It is NaN for a finite
/// negative `x` and a `p` that is not an integer, and it has the sign of `x` for an odd
/// integer `p`.
#[inline(always)]
pub(crate) fn powf(x: f32, p: f32) -> f32 {
    let magnitude = x.abs();
    let result = exp2_wide(f64::from(p) * log2_wide(magnitude)) as f32;

    // Below 2^23, adding 2^23 rounds |p| to an integer whose parity is the last bit of
    // the sum. From 2^23 every float is an integer, and from 2^24 every one is even.
    let p_magnitude = p.abs();
    let shifted = p_magnitude + TWO_POW_23;
    let small = p_magnitude < TWO_POW_23;
    let is_integer = !small | (shifted - TWO_POW_23 == p_magnitude);
    let odd_small = small & is_integer & (shifted.to_bits() & 1 == 1);
    let odd_large = !small & (p_magnitude < TWO_POW_24) & (p.to_bits() & 1 == 1);
    let odd = odd_small | odd_large;

    let sign_bit = x.to_bits() & SIGN_MASK != 0;
    let result = select(sign_bit & odd, -result, result);
    let finite_negative = (x < 0.0) & (x > f32::NEG_INFINITY);
    let result = select(finite_negative & !is_integer, f32::NAN, result);
    let one = (p == 0.0) | (x == 1.0) | ((magnitude == 1.0) & (p_magnitude == f32::INFINITY));
    select(one, 1.0, result)
}
