//! The number traits that generated code is written against.
//!
//! Code emitted by `#[loss]` never calls `f32` or `f64` methods directly. It calls
//! [`Real`] through fully qualified paths, so one generated function serves a single
//! scalar or any other type that implements the trait. The batch drivers use it on
//! scalars inside loops that the compiler vectorises; see [`simd`](crate::simd).
//!
//! A value that is the same for every sample (a hyper-parameter, a literal) has the
//! scalar type `V::Scalar`. A value that differs per sample has the type `V`.
//! Comparisons of `V` values give a [`Mask`], and branches on masks become
//! [`Real::select`].

use core::fmt::{Debug, Display};
use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::math;

/// A per-sample truth value: `bool` for one sample, a lane mask for a vector.
pub trait Mask: Copy + Send + Sync + 'static {
    /// Broadcasts one truth value to every lane.
    fn splat(value: bool) -> Self;
    /// Lane-wise logical and.
    fn and(self, other: Self) -> Self;
    /// Lane-wise logical or.
    fn or(self, other: Self) -> Self;
    /// Lane-wise logical not.
    fn not(self) -> Self;
}

impl Mask for bool {
    #[inline(always)]
    fn splat(value: bool) -> Self {
        value
    }

    #[inline(always)]
    fn and(self, other: Self) -> Self {
        self & other
    }

    #[inline(always)]
    fn or(self, other: Self) -> Self {
        self | other
    }

    #[inline(always)]
    fn not(self) -> Self {
        !self
    }
}

/// A floating-point value, or a vector of them, that generated loss code computes with.
///
/// The math methods follow the standard library's `f32`/`f64` methods of the same name,
/// with two deliberate differences: [`Real::max`], [`Real::min`] and [`Real::clamp`]
/// propagate NaN from any argument (the standard `max` and `min` drop a NaN), and
/// [`Real::sign0`] returns 0 at ±0, unlike `signum`.
///
/// For `f32`, `exp`, `ln`, `ln_1p`, `exp_m1`, `tanh`, `powf` and `powi`, and through
/// them `sigmoid`, `softplus` and `log_sigmoid`, are branch-free polynomial kernels
/// rather than libm calls, so that loops over them vectorise and give the same bits on
/// every instruction set. Their errors are at most 1 ulp for `exp` and `ln` and at most
/// 2 ulp for the others, and they treat infinities, NaN and signed zeros as C99 does.
/// `powi` multiplies by binary exponentiation for both `f32` and `f64`.
pub trait Real:
    Copy
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// The element type: `f32` or `f64`.
    type Scalar: LossFloat;
    /// The result of a comparison.
    type Mask: Mask;

    /// Broadcasts a scalar to every lane.
    fn splat(value: Self::Scalar) -> Self;
    /// Converts an `f64` constant, rounding to the nearest representable value.
    fn from_f64(value: f64) -> Self;
    /// Picks `if_true` where `mask` is true and `if_false` elsewhere.
    fn select(mask: Self::Mask, if_true: Self, if_false: Self) -> Self;

    /// `self < other`, lane-wise.
    fn lt(self, other: Self) -> Self::Mask;
    /// `self <= other`, lane-wise.
    fn le(self, other: Self) -> Self::Mask;
    /// `self > other`, lane-wise.
    fn gt(self, other: Self) -> Self::Mask;
    /// `self >= other`, lane-wise.
    fn ge(self, other: Self) -> Self::Mask;
    /// `self == other`, lane-wise.
    fn eq(self, other: Self) -> Self::Mask;
    /// `self != other`, lane-wise.
    fn ne(self, other: Self) -> Self::Mask;

    /// Natural logarithm.
    fn ln(self) -> Self;

    /// Natural logarithm of a value that is a positive normal finite number or NaN.
    /// `#[loss]` calls it where constant bounds keep the argument there, as in
    /// `y_pred.clamp(1e-7, 1.0 - 1e-7).ln()`. It gives [`ln`](Self::ln)'s bits on such
    /// values and NaN on NaN. On zero, negative, subnormal or infinite values it gives
    /// a wrong number or NaN, never undefined behaviour. The default calls `ln`; for
    /// `f32` it leaves out the checks for those values, 9 of about 40 vector
    /// instructions.
    #[inline(always)]
    fn ln_positive(self) -> Self {
        self.ln()
    }

    /// Base-2 logarithm.
    fn log2(self) -> Self;
    /// Base-10 logarithm.
    fn log10(self) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// `2^self`.
    fn exp2(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Cube root.
    fn cbrt(self) -> Self;
    /// `self^n` for an integer `n`.
    fn powi(self, n: i32) -> Self;
    /// `self^p` for a floating-point `p`.
    fn powf(self, p: Self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Returns the larger value; NaN if either argument is NaN.
    fn max(self, other: Self) -> Self;
    /// Returns the smaller value; NaN if either argument is NaN.
    fn min(self, other: Self) -> Self;
    /// `self` limited to `[lo, hi]`; NaN if `self` is NaN.
    fn clamp(self, lo: Self, hi: Self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// `ln(1 + self)`, accurate for small `self`.
    fn ln_1p(self) -> Self;
    /// `e^self - 1`, accurate for small `self`.
    fn exp_m1(self) -> Self;
    /// Returns the standard library's `signum`: 1 for +0, -1 for -0.
    fn signum(self) -> Self;
    /// Returns the sign with 0 at ±0: -1, 0 or 1 (NaN stays NaN).
    fn sign0(self) -> Self;
    /// `1 / self`.
    fn recip(self) -> Self;
    /// `sqrt(self^2 + other^2)` without undue overflow.
    fn hypot(self, other: Self) -> Self;

    /// The logistic function `1 / (1 + e^-x)`, without overflow for any `x`.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        // With e = e^-|x| in (0, 1], σ(x) = 1/(1 + e) for x >= 0 and e/(1 + e) below.
        let one = Self::from_f64(1.0);
        let e = self.abs().neg().exp();
        let positive = one / (one + e);
        Self::select(self.ge(Self::from_f64(0.0)), positive, e / (one + e))
    }

    /// `ln(1 + e^x)`, as `max(x, 0) + ln_1p(e^-|x|)` so that it neither overflows nor
    /// loses the small values far below 0.
    #[inline(always)]
    fn softplus(self) -> Self {
        self.max(Self::from_f64(0.0)) + self.abs().neg().exp().ln_1p()
    }

    /// Returns `σ(x)`, the derivative of [`softplus`](Self::softplus). The gradients
    /// that `#[loss]` derives for softplus and `ln σ` call it. The default calls
    /// [`sigmoid`](Self::sigmoid). For `f32` it uses the `e^-|x|` that softplus
    /// computes, so a loop that needs both computes the exponential once. It is then off
    /// by up to 2.5 ulp, where `sigmoid` is off by up to 1.5.
    #[inline(always)]
    fn softplus_slope(self) -> Self {
        self.sigmoid()
    }

    /// `ln σ(x) = -softplus(-x)`, exact for large negative `x`.
    #[inline(always)]
    fn log_sigmoid(self) -> Self {
        self.neg().softplus().neg()
    }

    /// `ln Σ e^xᵢ`, shifted by the largest term so that no term overflows. An
    /// infinite or NaN maximum is not subtracted, so +∞ and NaN terms propagate and a
    /// sum of terms that are all -∞ gives -∞.
    #[inline(always)]
    fn log_sum_exp(terms: &[Self]) -> Self {
        let Some((&first, rest)) = terms.split_first() else {
            return Self::from_f64(f64::NEG_INFINITY);
        };
        let max = rest.iter().fold(first, |max, &term| max.max(term));
        let zero = Self::from_f64(0.0);
        // max × 0 is 0 for a finite max and NaN for an infinite or NaN one.
        let shift = Self::select((max * zero).eq(zero), max, zero);
        let sum = rest.iter().fold((first - shift).exp(), |sum, &term| {
            sum + (term - shift).exp()
        });
        shift + sum.ln()
    }

    /// The softmax weight `e^xᵢ / Σ e^xⱼ` of term `index`, the derivative of
    /// [`Real::log_sum_exp`] with respect to that term. It is computed from the terms
    /// shifted by their maximum, not as `e^(xᵢ - log_sum_exp)`, whose rounding error
    /// grows with the magnitude of the terms. Where every term is -∞ the weights are
    /// taken as uniform, their limit for equal terms.
    #[inline(always)]
    fn softmax(terms: &[Self], index: usize) -> Self {
        let zero = Self::from_f64(0.0);
        let Some((&first, rest)) = terms.split_first() else {
            return zero;
        };
        let max = rest.iter().fold(first, |max, &term| max.max(term));
        // max × 0 is 0 for a finite max and NaN for an infinite or NaN one.
        let shift = Self::select((max * zero).eq(zero), max, zero);
        let sum = rest.iter().fold((first - shift).exp(), |sum, &term| {
            sum + (term - shift).exp()
        });
        let term = terms
            .get(index)
            .copied()
            .unwrap_or(Self::from_f64(f64::NEG_INFINITY));
        let uniform = Self::from_f64(1.0 / terms.len() as f64);
        let all_masked = max.eq(Self::from_f64(f64::NEG_INFINITY));
        Self::select(all_masked, uniform, (term - shift).exp() / sum)
    }
}

/// A scalar element type of loss inputs: `f32` or `f64`.
pub trait LossFloat:
    Real<Scalar = Self, Mask = bool> + num_traits::Float + Debug + Display + Default + PartialOrd
{
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Converts from `f64`, rounding to the nearest representable value.
    fn from_f64_value(value: f64) -> Self;
    /// Converts a count, as used for divisors in reductions.
    fn from_usize(count: usize) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty, $math:ident) => {
        impl Real for $t {
            type Scalar = $t;
            type Mask = bool;

            #[inline(always)]
            fn splat(value: $t) -> Self {
                value
            }

            #[inline(always)]
            fn from_f64(value: f64) -> Self {
                value as $t
            }

            #[inline(always)]
            fn select(mask: bool, if_true: Self, if_false: Self) -> Self {
                if mask { if_true } else { if_false }
            }

            #[inline(always)]
            fn lt(self, other: Self) -> bool {
                self < other
            }

            #[inline(always)]
            fn le(self, other: Self) -> bool {
                self <= other
            }

            #[inline(always)]
            fn gt(self, other: Self) -> bool {
                self > other
            }

            #[inline(always)]
            fn ge(self, other: Self) -> bool {
                self >= other
            }

            #[inline(always)]
            fn eq(self, other: Self) -> bool {
                self == other
            }

            #[inline(always)]
            fn ne(self, other: Self) -> bool {
                self != other
            }

            #[inline(always)]
            fn ln(self) -> Self {
                $math::ln(self)
            }

            #[inline(always)]
            fn ln_positive(self) -> Self {
                $math::ln_positive(self)
            }

            #[inline(always)]
            fn log2(self) -> Self {
                <$t>::log2(self)
            }

            #[inline(always)]
            fn log10(self) -> Self {
                <$t>::log10(self)
            }

            #[inline(always)]
            fn exp(self) -> Self {
                $math::exp(self)
            }

            #[inline(always)]
            fn exp2(self) -> Self {
                <$t>::exp2(self)
            }

            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }

            #[inline(always)]
            fn cbrt(self) -> Self {
                <$t>::cbrt(self)
            }

            #[inline(always)]
            fn powi(self, n: i32) -> Self {
                crate::math::powi(self, n, 1.0)
            }

            #[inline(always)]
            fn powf(self, p: Self) -> Self {
                $math::powf(self, p)
            }

            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }

            // Written as compares so that a NaN in either argument reaches the result:
            // the first test fails for NaN, the second too, and `self + other` is NaN.
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                if self > other {
                    self
                } else if self <= other {
                    other
                } else {
                    self + other
                }
            }

            #[inline(always)]
            fn min(self, other: Self) -> Self {
                if self < other {
                    self
                } else if self >= other {
                    other
                } else {
                    self + other
                }
            }

            #[inline(always)]
            fn clamp(self, lo: Self, hi: Self) -> Self {
                if self < lo {
                    lo
                } else if self > hi {
                    hi
                } else {
                    self
                }
            }

            #[inline(always)]
            fn tanh(self) -> Self {
                $math::tanh(self)
            }

            #[inline(always)]
            fn sigmoid(self) -> Self {
                $math::sigmoid(self)
            }

            #[inline(always)]
            fn softplus(self) -> Self {
                $math::softplus(self)
            }

            #[inline(always)]
            fn softplus_slope(self) -> Self {
                $math::softplus_slope(self)
            }

            #[inline(always)]
            fn sinh(self) -> Self {
                <$t>::sinh(self)
            }

            #[inline(always)]
            fn cosh(self) -> Self {
                <$t>::cosh(self)
            }

            #[inline(always)]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }

            #[inline(always)]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }

            #[inline(always)]
            fn ln_1p(self) -> Self {
                $math::ln_1p(self)
            }

            #[inline(always)]
            fn exp_m1(self) -> Self {
                $math::exp_m1(self)
            }

            #[inline(always)]
            fn signum(self) -> Self {
                <$t>::signum(self)
            }

            #[inline(always)]
            fn sign0(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    // ±0 stays ±0 and NaN stays NaN.
                    self
                }
            }

            #[inline(always)]
            fn recip(self) -> Self {
                <$t>::recip(self)
            }

            #[inline(always)]
            fn hypot(self, other: Self) -> Self {
                <$t>::hypot(self, other)
            }
        }

        impl LossFloat for $t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }

            #[inline(always)]
            fn from_f64_value(value: f64) -> Self {
                value as $t
            }

            #[inline(always)]
            fn from_usize(count: usize) -> Self {
                count as $t
            }
        }
    };
}

/// The `f64` functions of the standard library, under the names `impl_scalar!` calls.
///
/// NOTE: `f64` has no polynomial kernels yet, so `f64` loops that call these functions
/// make one libm call per element and are not vectorised. Their results still do not
/// depend on the instruction set, because the same libm function runs at every level.
mod std_f64 {
    macro_rules! forward_to_std {
        ($($name:ident($($arg:ident),*)),* $(,)?) => {
            $(
                #[inline(always)]
                pub(super) fn $name(x: f64 $(, $arg: f64)*) -> f64 {
                    x.$name($($arg),*)
                }
            )*
        };
    }

    forward_to_std!(ln(), exp(), tanh(), ln_1p(), exp_m1(), powf(p));

    /// Computes `f64::ln`, which costs the same on any argument.
    #[inline(always)]
    pub(super) fn ln_positive(x: f64) -> f64 {
        x.ln()
    }

    /// Computes softplus with `f64::exp` and `f64::ln_1p`, in the form that
    /// [`Real::softplus`](super::Real::softplus) documents.
    #[inline(always)]
    pub(super) fn softplus(x: f64) -> f64 {
        super::Real::max(x, 0.0) + (-x.abs()).exp().ln_1p()
    }

    /// Returns the derivative of softplus, [`sigmoid`], which costs no more in `f64`.
    #[inline(always)]
    pub(super) fn softplus_slope(x: f64) -> f64 {
        sigmoid(x)
    }

    /// The logistic sigmoid with `f64::exp`, in the overflow-free form that
    /// [`Real::sigmoid`](super::Real::sigmoid) documents.
    #[inline(always)]
    pub(super) fn sigmoid(x: f64) -> f64 {
        let e = (-x.abs()).exp();
        if x >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        }
    }
}

impl_scalar!(f32, math);
impl_scalar!(f64, std_f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_propagates_nan_from_either_side() {
        assert!(Real::max(f32::NAN, 1.0).is_nan());
        assert!(Real::max(1.0f32, f32::NAN).is_nan());
        assert_eq!(Real::max(1.0f32, 2.0), 2.0);
    }

    #[test]
    fn min_propagates_nan_from_either_side() {
        assert!(Real::min(f64::NAN, 1.0).is_nan());
        assert!(Real::min(1.0f64, f64::NAN).is_nan());
        assert_eq!(Real::min(1.0f64, 2.0), 1.0);
    }

    #[test]
    fn clamp_keeps_nan_and_bounds() {
        assert!(Real::clamp(f32::NAN, 0.0, 1.0).is_nan());
        assert_eq!(Real::clamp(-1.0f32, 0.0, 1.0), 0.0);
        assert_eq!(Real::clamp(2.0f32, 0.0, 1.0), 1.0);
    }

    #[test]
    fn sigmoid_is_finite_at_extremes() {
        assert_eq!(Real::sigmoid(1e4f32), 1.0);
        assert_eq!(Real::sigmoid(-1e4f32), 0.0);
        assert!((Real::sigmoid(0.5f64) - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-16);
    }

    #[test]
    fn softplus_is_exact_far_from_zero() {
        assert_eq!(Real::softplus(100.0f32), 100.0);
        assert!((Real::softplus(-100.0f64) - 3.720075976020836e-44).abs() < 1e-58);
        assert!((Real::log_sigmoid(-100.0f32) + 100.0).abs() < 1e-5);
    }

    #[test]
    fn log_sum_exp_handles_infinities() {
        let ln2 = std::f64::consts::LN_2;
        assert!((Real::log_sum_exp(&[1e8f64, 1e8]) - (1e8 + ln2)).abs() < 1e-7);
        assert_eq!(
            Real::log_sum_exp(&[f64::NEG_INFINITY, f64::NEG_INFINITY]),
            f64::NEG_INFINITY
        );
        assert_eq!(Real::log_sum_exp(&[f64::INFINITY, 0.0]), f64::INFINITY);
        assert!(Real::log_sum_exp(&[f64::NAN, 0.0]).is_nan());
        assert!((Real::log_sum_exp(&[f64::NEG_INFINITY, 0.0])).abs() < 1e-16);
    }

    #[test]
    fn sign0_is_zero_at_zero() {
        assert_eq!(Real::sign0(0.0f64), 0.0);
        assert_eq!(Real::sign0(-0.0f64), 0.0);
        assert_eq!(Real::sign0(-3.0f64), -1.0);
        assert_eq!(Real::sign0(3.0f64), 1.0);
        assert!(Real::sign0(f64::NAN).is_nan());
    }
}
