//! Overflow-free logistic functions, marked `#[differentiable]` so that loss bodies,
//! shipped or user-written, can call them.
//!
//! Each function stays finite and exact to rounding for every finite input, including
//! logits of ±1e4, where the textbook forms overflow `exp` or lose all digits to
//! cancellation.

use crate::{Float, differentiable};

/// Computes the logistic sigmoid `1 / (1 + e^(-x))`.
///
/// ```text
/// sigmoid(x) = 1 / (1 + e^(-x))    for x >= 0
///            = e^x / (1 + e^x)     for x < 0
/// d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))
/// ```
///
/// The two forms only ever exponentiate a non-positive number, so neither overflows:
/// `sigmoid(-1e4)` is 0 and `sigmoid(1e4)` is 1, each with a gradient of 0.
///
/// ```
/// use losses_core::losses::helpers::sigmoid;
///
/// assert_eq!(sigmoid(0.0f64), 0.5);
/// assert_eq!(sigmoid(-1e4f64), 0.0);
/// assert_eq!(sigmoid(1e4f64), 1.0);
/// ```
#[differentiable]
pub fn sigmoid<T: Float>(x: T) -> T {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Computes the softplus function `ln(1 + e^x)`, a smooth `max(x, 0)`.
///
/// ```text
/// softplus(x) = max(x, 0) + ln(1 + e^(-|x|))
/// d/dx softplus(x) = sigmoid(x)
/// ```
///
/// The rewritten form exponentiates only `-|x|`, so it does not overflow for large `x`
/// and keeps full precision for very negative `x`: `softplus(1e4)` is `1e4` and
/// `softplus(-100)` is `e^(-100)`. At `x = 0` the derivative comes out as exactly 0.5:
/// the tie of `max` gives half of the gradient and `abs` contributes 0.
///
/// ```
/// use losses_core::losses::helpers::softplus;
///
/// assert_eq!(softplus(0.0f64), std::f64::consts::LN_2);
/// assert_eq!(softplus(1e4f64), 1e4);
/// assert_eq!(softplus(-100.0f64), (-100.0f64).exp());
/// ```
#[differentiable]
pub fn softplus<T: Float>(x: T) -> T {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Computes the logarithm of the sigmoid, `ln(sigmoid(x)) = -softplus(-x)`.
///
/// ```text
/// log_sigmoid(x) = -softplus(-x)
/// d/dx log_sigmoid(x) = sigmoid(-x) = 1 - sigmoid(x)
/// ```
///
/// Unlike `sigmoid(x).ln()`, it does not round to `-inf` for very negative `x`:
/// `log_sigmoid(-1e4)` is `-1e4`.
///
/// ```
/// use losses_core::losses::helpers::log_sigmoid;
///
/// assert_eq!(log_sigmoid(-1e4f64), -1e4);
/// assert_eq!(log_sigmoid(0.0f64), -std::f64::consts::LN_2);
/// ```
#[differentiable]
pub fn log_sigmoid<T: Float>(x: T) -> T {
    -softplus(-x)
}
