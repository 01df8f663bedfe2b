//! Overflow-free logistic functions and a ReLU, marked `#[differentiable]` so that loss
//! bodies, shipped or user-written, can call them.
//!
//! Each logistic function stays finite and exact to rounding for every finite input,
//! including logits of ±1e4, where the textbook forms overflow `exp` or lose all digits
//! to cancellation.

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

/// Computes the rectifier `max(x, 0)`, with derivative 0 at `x = 0` as in PyTorch.
///
/// ```text
/// relu(x) = x    for x > 0
///         = 0    for x <= 0
/// d/dx relu(x) = 1 for x > 0, and 0 for x <= 0
/// ```
///
/// `x.max(0.0)` in a loss body computes the same value, but its derivative at `x = 0`
/// is 1/2, because `max` shares the gradient of a tie between its two arguments. This
/// helper selects between the two arms instead, so the point 0 belongs to the flat arm
/// and gets 0, as `torch.relu` does. A NaN fails the test `x <= 0` and is passed
/// through, so `relu(NaN)` is NaN, also as in PyTorch. Rust's `f64::max(NaN, 0.0)`
/// returns 0 instead.
///
/// ```
/// use losses_core::losses::helpers::relu;
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// assert_eq!(relu(-2.0f64), 0.0);
/// assert_eq!(relu(3.0f64), 3.0);
/// assert!(relu(f64::NAN).is_nan());
///
/// #[loss]
/// fn rectified<T: Float>(y_true: T, y_pred: T) -> T {
///     relu(y_pred - y_true)
/// }
///
/// // The derivative at 0 is 0; `(y_pred - y_true).max(0.0)` would give 1/2.
/// let (value, grad) = Rectified::new().value_and_grad(&array![1.0], &array![1.0])?;
/// assert_eq!(value, 0.0);
/// assert_eq!(grad, array![0.0]);
/// # Ok::<(), LossError>(())
/// ```
#[differentiable]
pub fn relu<T: Float>(x: T) -> T {
    // `x <= 0` rather than `x > 0`: NaN fails the test and takes the arm that keeps it.
    if x <= 0.0 { 0.0 } else { x }
}
