//! Accuracy of the `f32` kernels against `f64` references, and their special values.
//!
//! The error of a result is measured in units in the last place (ulp) of the exact
//! value, taken as the `f64` reference: `|result - exact| / ulp(exact)`, where the ulp
//! of a subnormal value is 2^-149. Results that should overflow count as exact when
//! they are infinite.

use super::*;
use std::f32::consts::{FRAC_1_SQRT_2, SQRT_2};

/// Returns the spacing of `f32` values around `exact`: `2^(e - 23)` for `exact` in
/// `[2^e, 2^(e+1))`, and 2^-149 below the normal range.
fn ulp_of(exact: f64) -> f64 {
    let exponent = ((exact.abs().to_bits() >> 52) as i32 - 1023).max(-126);
    f64::from_bits(((exponent - 23 + 1023) as u64) << 52)
}

/// Returns the error of `result` in ulp of `exact`: 0 for matching NaN or infinities, and
/// infinite for a NaN, an infinity or a sign that does not match.
fn ulp_error(result: f32, exact: f64) -> f64 {
    if exact.is_nan() || result.is_nan() {
        return if exact.is_nan() && result.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if (exact as f32).is_infinite() || result.is_infinite() {
        return if exact as f32 == result {
            0.0
        } else {
            f64::INFINITY
        };
    }
    (f64::from(result) - exact).abs() / ulp_of(exact)
}

/// Returns the inputs of a sweep: every `stride`-th bit pattern of all 2^32, plus every
/// pattern within 2^16 steps of the given points.
fn sweep_inputs(stride: u64, dense_around: &[f32]) -> impl Iterator<Item = f32> + '_ {
    let strided = (0..1u64 << 32)
        .step_by(stride as usize)
        .map(|bits| f32::from_bits(bits as u32));
    let dense = dense_around.iter().flat_map(|&center| {
        let bits = center.to_bits();
        (bits.saturating_sub(1 << 16)..=bits.saturating_add(1 << 16)).map(f32::from_bits)
    });
    strided.chain(dense)
}

/// Returns the largest error of `kernel` against `reference` and an input where it
/// occurs.
fn max_error(
    inputs: impl Iterator<Item = f32>,
    kernel: impl Fn(f32) -> f32,
    reference: impl Fn(f64) -> f64,
) -> (f64, f32) {
    let mut worst = (0.0, 0.0);
    for x in inputs {
        let error = ulp_error(kernel(x), reference(f64::from(x)));
        if error > worst.0 {
            worst = (error, x);
        }
    }
    worst
}

fn sigmoid_reference(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

fn softplus_reference(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn softplus(x: f32) -> f32 {
    crate::Real::softplus(x)
}

type Case = (
    &'static str,
    fn(f32) -> f32,
    fn(f64) -> f64,
    f64,
    &'static [f32],
);

/// Each unary kernel, its reference, the error bound in ulp, and points near which
/// the inputs are dense: where cancellation, a change of formula or the range ends are.
const CASES: [Case; 8] = [
    ("exp", exp, f64::exp, 1.0, &[0.0, 88.7, -87.3, -103.3]),
    ("ln", ln, f64::ln, 1.0, &[1.0, FRAC_1_SQRT_2, SQRT_2, 1e-40]),
    (
        "ln_1p",
        ln_1p,
        f64::ln_1p,
        2.0,
        &[0.0, -0.292_893_2, 0.414_213_6, 1.0, -0.999_99],
    ),
    (
        "exp_m1",
        exp_m1,
        f64::exp_m1,
        2.0,
        &[0.0, 0.346_573_6, -0.346_573_6, 88.7],
    ),
    ("tanh", tanh, f64::tanh, 2.0, &[0.0, 0.55, 9.0]),
    (
        "sigmoid",
        sigmoid,
        sigmoid_reference,
        2.0,
        &[0.0, -4.157, -5.845, -20.0, -87.0, -103.0],
    ),
    (
        "softplus",
        softplus,
        softplus_reference,
        2.0,
        &[0.0, -20.0, 15.0, -103.0],
    ),
    (
        "softplus_slope",
        softplus_slope,
        sigmoid_reference,
        2.5,
        &[0.0, -4.157, -5.845, -20.0, -87.0, -103.0],
    ),
];

#[test]
fn unary_kernels_within_bounds() {
    for (name, kernel, reference, bound, dense) in CASES {
        let (error, input) = max_error(sweep_inputs(40_009, dense), kernel, reference);
        assert!(
            error <= bound,
            "{name}: {error:.3} ulp at {input:e} ({:#010x})",
            input.to_bits()
        );
    }
}

/// Returns a grid of bases and exponents for `powf`: bases spread over all magnitudes and
/// both signs, exponents from tiny to large, integers included.
fn pow_grid() -> Vec<(f32, f32)> {
    let bases = (0..1u64 << 32)
        .step_by(4_000_037)
        .map(|bits| f32::from_bits(bits as u32));
    let mut exponents: Vec<f32> = (0..1u64 << 32)
        .step_by(9_000_011)
        .map(|bits| f32::from_bits(bits as u32))
        .collect();
    exponents.extend([0.5, -0.5, 2.0, 3.0, -3.0, 0.25, 1.5, 10.0, 127.0, -149.0]);
    bases
        .flat_map(|x| exponents.iter().map(move |&p| (x, p)))
        .collect()
}

#[test]
fn powf_within_two_ulp() {
    let mut worst = (0.0, 0.0, 0.0);
    for (x, p) in pow_grid() {
        let error = ulp_error(powf(x, p), f64::from(x).powf(f64::from(p)));
        if error > worst.0 {
            worst = (error, x, p);
        }
    }
    let (error, x, p) = worst;
    assert!(error <= 2.0, "powf: {error:.3} ulp at x = {x:e}, p = {p:e}");
}

#[test]
fn special_values_follow_c99() {
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let exact: [(&str, f32, f32); 24] = [
        ("exp(-inf)", exp(-inf), 0.0),
        ("exp(inf)", exp(inf), inf),
        ("exp(89)", exp(89.0), inf),
        ("exp(0)", exp(0.0), 1.0),
        ("ln(0)", ln(0.0), -inf),
        ("ln(-0)", ln(-0.0), -inf),
        ("ln(inf)", ln(inf), inf),
        ("ln(1)", ln(1.0), 0.0),
        ("ln_1p(-1)", ln_1p(-1.0), -inf),
        ("ln_1p(inf)", ln_1p(inf), inf),
        ("exp_m1(-inf)", exp_m1(-inf), -1.0),
        ("exp_m1(inf)", exp_m1(inf), inf),
        ("tanh(inf)", tanh(inf), 1.0),
        ("tanh(-inf)", tanh(-inf), -1.0),
        ("sigmoid(inf)", sigmoid(inf), 1.0),
        ("sigmoid(-inf)", sigmoid(-inf), 0.0),
        ("softplus(inf)", softplus(inf), inf),
        ("softplus(-inf)", softplus(-inf), 0.0),
        ("powf(nan, 0)", powf(nan, 0.0), 1.0),
        ("powf(1, nan)", powf(1.0, nan), 1.0),
        ("powf(-1, inf)", powf(-1.0, inf), 1.0),
        ("powf(-2, 3)", powf(-2.0, 3.0), -8.0),
        ("powf(-0, -1)", powf(-0.0, -1.0), -inf),
        ("powf(-inf, 0.5)", powf(-inf, 0.5), inf),
    ];
    for (name, got, expected) in exact {
        assert_eq!(got.to_bits(), expected.to_bits(), "{name} = {got}");
    }
}

#[test]
fn nan_in_nan_out() {
    let nan = f32::NAN;
    let kernels: [(&str, f32); 9] = [
        ("exp", exp(nan)),
        ("ln", ln(nan)),
        ("ln(-1)", ln(-1.0)),
        ("ln_1p", ln_1p(nan)),
        ("ln_1p(-2)", ln_1p(-2.0)),
        ("exp_m1", exp_m1(nan)),
        ("tanh", tanh(nan)),
        ("powf(nan, 1)", powf(nan, 1.0)),
        ("powf(-2, 0.5)", powf(-2.0, 0.5)),
    ];
    for (name, result) in kernels {
        assert!(result.is_nan(), "{name} = {result}");
    }
    assert!(sigmoid(nan).is_nan());
    assert!(softplus(nan).is_nan());
}

#[test]
fn signed_zeros_are_kept() {
    for (name, kernel) in [
        ("ln_1p", ln_1p as fn(f32) -> f32),
        ("exp_m1", exp_m1),
        ("tanh", tanh),
    ] {
        assert_eq!(kernel(-0.0).to_bits(), (-0.0f32).to_bits(), "{name}(-0)");
        assert_eq!(kernel(0.0).to_bits(), 0.0f32.to_bits(), "{name}(0)");
    }
}

/// Checks `ln_1p_unit`, the logarithm inside `softplus`, over every 61st `f32` in
/// `[0, 1]` and over every one near 1/2, where its formula changes, and near 1. A run
/// over every `f32` in `[0, 1]` gave at most 0.93 ulp.
#[test]
fn ln_1p_unit_within_one_ulp() {
    let one_bits = 1.0f32.to_bits();
    let strided = (0..=one_bits).step_by(61).map(f32::from_bits);
    let dense = sweep_inputs(u64::MAX, &[0.5, 1.0]).filter(|x| (0.0..=1.0).contains(x));
    let (error, input) = max_error(strided.chain(dense), log::ln_1p_unit, f64::ln_1p);

    assert!(error <= 1.0, "ln_1p_unit: {error:.3} ulp at {input:e}");
    assert!(log::ln_1p_unit(f32::NAN).is_nan());
}

/// `ln_positive` must give `ln`'s bits wherever the rewrite calls it: on every positive
/// normal finite `f32`, here every 61st one, and NaN on NaN.
#[test]
fn ln_positive_matches_ln_on_positive_normals() {
    let first = f32::MIN_POSITIVE.to_bits();
    let last = f32::MAX.to_bits();
    let mut checked = 0u32;
    for bits in (first..=last).step_by(61).chain([first, last]) {
        let x = f32::from_bits(bits);
        assert_eq!(ln_positive(x).to_bits(), ln(x).to_bits(), "at {x:e}");
        checked += 1;
    }
    assert!(checked > 34_000_000);
    assert!(ln_positive(f32::NAN).is_nan());
    assert!(ln_positive(-f32::NAN).is_nan());
}

#[test]
fn powi_multiplies_by_squaring() {
    assert_eq!(powi(3.0f32, 0, 1.0), 1.0);
    assert_eq!(powi(f32::NAN, 0, 1.0), 1.0);
    assert_eq!(powi(3.0f32, 5, 1.0), 243.0);
    assert_eq!(powi(2.0f64, -3, 1.0), 0.125);
    assert_eq!(powi(-2.0f32, 3, 1.0), -8.0);
    assert_eq!(powi(0.0f32, -1, 1.0), f32::INFINITY);
}

/// Prints the largest error of each kernel over every `f32` input, one thread per
/// kernel. Run it with
/// `cargo test --release -p losses-core max_ulp_exhaustive -- --ignored --nocapture`;
/// it takes some minutes.
#[test]
#[ignore = "exhaustive over 2^32 inputs: minutes in a release build"]
fn max_ulp_exhaustive() {
    std::thread::scope(|scope| {
        for (name, kernel, reference, bound, _) in CASES {
            scope.spawn(move || {
                let (error, input) = max_error(sweep_inputs(1, &[]), kernel, reference);
                println!("{name}: {error:.3} ulp at {input:e} (bound {bound})");
            });
        }
    });
}
