//! `exp`, `exp_m1`, `tanh` and the logistic sigmoid.
//!
//! Both exponentials split `x = k ln 2 + r` with an integer `k` and `|r| <= ln 2 / 2`,
//! approximate `e^r - 1` by a polynomial, and scale by `2^k` through the exponent bits.

use super::log::ln_1p_unit;
use super::{copysign, pow2i, select};

const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// `ln 2` rounded to 15 significant bits, so that `k × LN2_HI` is exact for
/// `|k| <= 512`; `LN2_HI + LN2_LO` is `ln 2` to about 2^-48.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
const LN2_LO: f32 = 1.428_606_8e-6;
/// `1.5 × 2^23`: adding it rounds a float of magnitude below 2^22 to an integer, which
/// then sits in the low bits of the sum's significand.
const ROUND_TO_INT: f32 = 12_582_912.0;

/// Inputs are clamped to this range before the reduction. `e^89` overflows and
/// `e^-104` is below half the smallest subnormal, so the results at the bounds are
/// those of every input beyond them.
const MAX_ARG: f32 = 89.0;
const MIN_ARG: f32 = -104.0;

/// Coefficients of `P(r) ≈ (e^r - 1 - r) / r²` on `|r| <= ln 2 / 2`: a degree-4
/// polynomial fitted for minimax relative error of `e^r` (3.1e-9 before rounding the
/// coefficients to `f32`).
const P0: f32 = 0.499_999_93;
const P1: f32 = 0.166_665_21;
const P2: f32 = 0.041_668_39;
const P3: f32 = 0.008_368_715;
const P4: f32 = 0.001_381_46;

/// Returns `(r, k)` with `x = k ln 2 + r`, `k` the nearest integer to `x / ln 2`.
/// NaN propagates into `r`.
#[inline(always)]
fn reduce(x: f32) -> (f32, i32) {
    let shifted = x * LOG2_E + ROUND_TO_INT;
    let k = shifted.to_bits() as i32 - ROUND_TO_INT.to_bits() as i32;
    let k_float = shifted - ROUND_TO_INT;
    // `k_float × LN2_HI` is exact and close to `x`, so the first difference is exact.
    let r = (x - k_float * LN2_HI) - k_float * LN2_LO;
    (r, k)
}

/// `e^r - 1` for `|r| <= ln 2 / 2`, as `r + r² P(r)`. `P` is evaluated by Estrin's
/// scheme, in powers of `r²`, whose chain of dependent operations is shorter than
/// Horner's: the loops over these kernels are bound by that latency.
#[inline(always)]
fn exp_m1_reduced(r: f32) -> f32 {
    let r2 = r * r;
    let p = (P0 + P1 * r) + r2 * ((P2 + P3 * r) + r2 * P4);
    r + r2 * p
}

/// Clamps to `[MIN_ARG, MAX_ARG]`. NaN fails both comparisons and stays NaN.
#[inline(always)]
fn clamp_arg(x: f32) -> f32 {
    let x = select(x > MAX_ARG, MAX_ARG, x);
    select(x < MIN_ARG, MIN_ARG, x)
}

/// Clamps an argument of at most 0, or NaN, to `MIN_ARG` from below. The upper bound
/// of [`clamp_arg`] never applies to it.
#[inline(always)]
fn clamp_nonpositive_arg(x: f32) -> f32 {
    select(x < MIN_ARG, MIN_ARG, x)
}

/// `e^x`.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let (r, k) = reduce(clamp_arg(x));
    let mantissa = 1.0 + exp_m1_reduced(r);
    // `2^k` is applied as two factors, each a normal float for every `k` in
    // [-150, 128], so the first product is exact and the second rounds once, into
    // overflow or the subnormals where the result lies there.
    let half = k >> 1;
    mantissa * pow2i(half) * pow2i(k - half)
}

/// Returns `e^x` for `x <= 0` or NaN as an unevaluated sum `hi + lo`, with `hi` the
/// bits of `exp(x)`. `lo` is the rounding error of the last addition, `1 + (e^r - 1)`,
/// which Fast2Sum recovers exactly because the polynomial is below 1 in magnitude.
/// Where `hi` is subnormal, `lo` is meaningless but tiny.
#[inline(always)]
fn exp_split_nonpositive(x: f32) -> (f32, f32) {
    let (r, k) = reduce(clamp_nonpositive_arg(x));
    let q = exp_m1_reduced(r);
    let mantissa = 1.0 + q;
    let mantissa_error = (1.0 - mantissa) + q;
    let half = k >> 1;
    let (a, b) = (pow2i(half), pow2i(k - half));
    (mantissa * a * b, mantissa_error * a * b)
}

/// `e^x - 1`, accurate near 0.
#[inline(always)]
pub(crate) fn exp_m1(x: f32) -> f32 {
    let (r, k) = reduce(clamp_arg(x));
    let q = exp_m1_reduced(r);
    // e^x - 1 = 2^k q + (2^k - 1), written with 2^k = a b as a (b q + (b - 1/a)). For
    // |k| <= 24 both inner terms are exact, so only the sum rounds; for larger |k| the
    // -1 no longer matters. The factors a, b and 1/a are normal floats for every k.
    let half = k >> 1;
    let (a, b, a_recip) = (pow2i(half), pow2i(k - half), pow2i(-half));
    let result = a * (b * q + (b - a_recip));
    // Keeps the sign of ±0.
    select(x == 0.0, x, result)
}

/// Below this magnitude, where `tanh` is 1/2, `tanh` is the odd polynomial below;
/// above it, `1 - 2 / (t + 2)` with `t = e^(2|x|) - 1`, which then cancels at most one
/// bit. The quotient `t / (t + 2)` would be simpler for small `x` but passes the error
/// of `t` through twice, up to 2.3 ulp in total.
const TANH_SMALL: f32 = 0.549_306_1;

/// Coefficients of `(tanh x - x) / x³` as a polynomial in `x²` on `|x| <= TANH_SMALL`,
/// degree 4: 1.0e-9 relative error of `tanh` before rounding to `f32`.
const T0: f32 = -0.333_333_2;
const T1: f32 = 0.133_325_93;
const T2: f32 = -0.053_853_063;
const T3: f32 = 0.021_075_01;
const T4: f32 = -0.006_279_258;

/// `tanh x`, with the sign of `x`. `t` overflows to +∞ exactly where `tanh` rounds to 1.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let magnitude = x.abs();
    let z = magnitude * magnitude;
    let small = magnitude + magnitude * z * (T0 + z * (T1 + z * (T2 + z * (T3 + z * T4))));
    let t = exp_m1(2.0 * magnitude);
    let large = 1.0 - 2.0 / (t + 2.0);
    copysign(select(magnitude < TANH_SMALL, small, large), x)
}

/// Computes the logistic sigmoid `1 / (1 + e^-x)`. With `e = e^-|x|` in `(0, 1]` it is
/// `1 / (1 + e)` for `x >= 0` and `e / (1 + e)` below, so no step overflows.
///
/// Rounding `e` and `1 + e` to `f32` before dividing would add up to 2.4 ulp, so both
/// are carried as `hi + lo`, and each quotient `n / (d + d_lo)` is taken as
/// `n / d - (n / d) d_lo / d`: one rounded division plus a correction far below its
/// ulp.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    let (e, e_low) = exp_split_nonpositive(-x.abs());
    // Fast2Sum of 1 + e (1 >= e), with e's own low part added to the error.
    let denominator = 1.0 + e;
    let denominator_low = ((1.0 - denominator) + e) + e_low;
    let recip = 1.0 / denominator;

    let positive = recip - recip * (recip * denominator_low);
    let quotient = e / denominator;
    let negative = quotient + (e_low - quotient * denominator_low) * recip;
    select(x >= 0.0, positive, negative)
}

/// Computes `ln(1 + e^x)` as `max(x, 0) + ln_1p(e^-|x|)`. Because `e^-|x|` is in
/// `[0, 1]`, it skips the argument checks of [`exp`] and takes the logarithm from
/// [`ln_1p_unit`], which needs no division for the rounding of `1 + e^-|x|`. It
/// computes `e^-|x|` as [`softplus_slope`] does, so a loop that needs both computes the
/// exponential once.
#[inline(always)]
pub(crate) fn softplus(x: f32) -> f32 {
    // `Real::max(x, 0)` except at NaN, where `e` and so the sum are NaN anyway.
    let rectified = select(x > 0.0, x, 0.0);
    let (e, _) = exp_split_nonpositive(-x.abs());
    rectified + ln_1p_unit(e)
}

/// Computes `σ(x)`, the derivative of [`softplus`], from the same `e = e^-|x|`:
/// `q = e / (1 + e)` below 0 and `1 - q` from 0 on. Without the corrections of
/// [`sigmoid`] for the rounding of `e` and `1 + e`, it is off by up to 2.5 ulp instead
/// of 1.5, and it takes one division instead of two.
#[inline(always)]
pub(crate) fn softplus_slope(x: f32) -> f32 {
    let (e, _) = exp_split_nonpositive(-x.abs());
    let quotient = e / (1.0 + e);
    select(x >= 0.0, 1.0 - quotient, quotient)
}
