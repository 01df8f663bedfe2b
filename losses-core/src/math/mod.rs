//! Branch-free `f32` kernels for the transcendental methods of [`Real`](crate::Real).
//!
//! The standard library's `f32::exp` and `f32::ln` call libm once per element, and a
//! loop that contains such a call is never vectorised. These kernels use only `+ - * /`,
//! comparisons, selects, bit casts and integer arithmetic on the bits, so a loop over
//! them compiles to packed SSE2, AVX2, AVX-512 or NEON code. They never call `mul_add`,
//! and Rust does not contract `a * b + c` into a fused multiply-add, so every lane width
//! and a scalar call compute the same bits.
//!
//! Accuracy against an `f64` reference, measured over the whole `f32` domain by the
//! tests in `tests.rs`: at most 1 ulp for `exp` and `ln`, at most 2 ulp for
//! `ln_1p`, `exp_m1`, `tanh`, `sigmoid`, `softplus` and `powf`, and at most 2.5 ulp for
//! `softplus_slope`, the sigmoid that gradients of softplus use. Infinities, NaN and
//! signed zeros follow the C99 functions of the same name.

mod exp;
mod log;
mod pow;
#[cfg(test)]
mod tests;

pub(crate) use exp::{exp, exp_m1, sigmoid, softplus, softplus_slope, tanh};
pub(crate) use log::{ln, ln_1p, ln_positive};
pub(crate) use pow::{powf, powi};

const SIGN_MASK: u32 = 0x8000_0000;

/// `if mask { if_true } else { if_false }`, which compiles to a blend in vector code.
#[inline(always)]
fn select(mask: bool, if_true: f32, if_false: f32) -> f32 {
    if mask { if_true } else { if_false }
}

/// `if mask { if_true } else { if_false }` on integers.
#[inline(always)]
fn select_i32(mask: bool, if_true: i32, if_false: i32) -> i32 {
    if mask { if_true } else { if_false }
}

/// `2^k` for an integer `k` in `[-126, 127]`, built from its exponent bits.
#[inline(always)]
fn pow2i(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

/// `magnitude` with the sign bit of `sign`.
#[inline(always)]
fn copysign(magnitude: f32, sign: f32) -> f32 {
    f32::from_bits((magnitude.to_bits() & !SIGN_MASK) | (sign.to_bits() & SIGN_MASK))
}
