//! Losses for real-valued targets: squared, absolute, percentage, logarithmic, Huber and
//! log-cosh errors.

use super::helpers::softplus;
use crate::{Float, loss};

/// Mean squared error, the mean of `(y_pred - y_true)²` over the features.
///
/// ```text
/// loss(y, ŷ) = (ŷ - y)²
/// d loss / d ŷ = 2 (ŷ - y)
/// ```
///
/// Keras 3: `keras.losses.MeanSquaredError`, the same formula.
/// PyTorch: `torch.nn.MSELoss`, the same formula.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = MeanSquaredError::new();
/// let y_true = array![[0.0, 1.0], [2.0, 2.0]];
/// let y_pred = array![[1.0, 1.0], [2.0, 0.0]];
///
/// // Per sample: (1 + 0) / 2 = 0.5 and (0 + 4) / 2 = 2, so the mean is 1.25.
/// let value: f64 = loss.value(&y_true, &y_pred)?;
/// assert_eq!(value, 1.25);
///
/// // Each entry is 2 (ŷ - y) / (2 samples × 2 features).
/// let (_, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// assert_eq!(grad, array![[0.5, 0.0], [0.0, -1.0]]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("mean_squared_error")]
#[loss]
fn mean_squared_error<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).powi(2)
}

/// Mean absolute error, the mean of `|y_pred - y_true|` over the features.
///
/// ```text
/// loss(y, ŷ) = |ŷ - y|
/// d loss / d ŷ = sign(ŷ - y), taken as 0 at ŷ = y
/// ```
///
/// Keras 3: `keras.losses.MeanAbsoluteError`, the same formula.
/// PyTorch: `torch.nn.L1Loss`, the same formula and the same gradient of 0 at ŷ = y.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = MeanAbsoluteError::new();
/// let y_true = array![1.0, 2.0, 3.0, 4.0];
/// let y_pred = array![2.0, 2.0, 1.0, 4.5];
///
/// // (1 + 0 + 2 + 0.5) / 4 samples
/// let (value, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// assert_eq!(value, 0.875);
/// assert_eq!(grad, array![0.25, 0.0, -0.25, 0.25]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("mean_absolute_error")]
#[loss]
fn mean_absolute_error<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).abs()
}

/// Mean absolute percentage error: the absolute error in percent of the target.
///
/// ```text
/// loss(y, ŷ) = 100 |y - ŷ| / max(|y|, 1e-7)
/// d loss / d ŷ = 100 sign(ŷ - y) / max(|y|, 1e-7), taken as 0 at ŷ = y
/// ```
///
/// The floor of `1e-7` on the denominator is Keras's epsilon: it keeps a target of 0
/// finite, at the price of a loss of `1e9 × |ŷ|` there.
///
/// Keras 3: `keras.losses.MeanAbsolutePercentageError`, the same formula and epsilon.
/// PyTorch: no equivalent in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = MeanAbsolutePercentageError::new();
/// let y_true = array![2.0, -4.0];
/// let y_pred = array![2.5, -3.0];
///
/// // 25 % and 25 %
/// let value: f64 = loss.value(&y_true, &y_pred)?;
/// assert!((value - 25.0).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("mean_absolute_percentage_error")]
#[loss]
fn mean_absolute_percentage_error<T: Float>(y_true: T, y_pred: T) -> T {
    100.0 * ((y_true - y_pred) / y_true.abs().max(1e-7)).abs()
}

/// Mean squared logarithmic error: the squared error of `ln(x + 1)`.
///
/// ```text
/// loss(y, ŷ) = (ln(max(ŷ, 1e-7) + 1) - ln(max(y, 1e-7) + 1))²
/// d loss / d ŷ = 2 (ln(ŷ + 1) - ln(max(y, 1e-7) + 1)) / (ŷ + 1)    for ŷ > 1e-7
///              = 0                                                 for ŷ < 1e-7
/// ```
///
/// Both inputs are floored at `1e-7`, as in Keras, so negative values count as `1e-7`
/// and a prediction below the floor gets no gradient. At `ŷ = 1e-7` exactly, the tie of
/// `max` gives half of the gradient. The logarithms are computed with `ln_1p`, which
/// is more accurate than Keras's `log(x + 1)` for small `x`. The two forms differ only
/// by rounding.
///
/// Keras 3: `keras.losses.MeanSquaredLogarithmicError`, the same formula and floor.
/// PyTorch: no equivalent in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = MeanSquaredLogarithmicError::new();
/// let e = std::f64::consts::E;
/// let y_true = array![e - 1.0, e - 1.0];
/// let y_pred = array![e * e - 1.0, e - 1.0];
///
/// // (ln e² - ln e)² = 1 for the first sample, 0 for the second.
/// let value: f64 = loss.value(&y_true, &y_pred)?;
/// assert!((value - 0.5).abs() < 1e-12);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("mean_squared_logarithmic_error")]
#[loss]
fn mean_squared_logarithmic_error<T: Float>(y_true: T, y_pred: T) -> T {
    let log_pred = y_pred.max(1e-7).ln_1p();
    let log_true = y_true.max(1e-7).ln_1p();
    (log_pred - log_true).powi(2)
}

/// Huber loss: quadratic for small errors, linear for large ones.
///
/// ```text
/// e = ŷ - y
/// loss(y, ŷ) = e² / 2                   for |e| <= delta
///            = delta (|e| - delta / 2)  for |e| > delta
/// d loss / d ŷ = e                      for |e| <= delta
///              = delta sign(e)          for |e| > delta
/// ```
///
/// The two branches meet with equal value and slope at `|e| = delta`, which belongs to
/// the quadratic branch, so the gradient there is `e`. With `delta = 0` the loss is 0
/// everywhere.
///
/// Parameters: `delta = 1.0`, which must be `>= 0`. Build it with `Huber::new(delta)` or
/// `Huber::default()`.
///
/// Keras 3: `keras.losses.Huber(delta=1.0)`, the same formula.
/// PyTorch: `torch.nn.HuberLoss(delta=1.0)`, the same formula. PyTorch's
/// `SmoothL1Loss(beta)` is this loss divided by `beta`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = Huber::new(1.0);
/// let y_true = array![0.0, 0.0];
/// let y_pred = array![0.5, 3.0];
///
/// // 0.5² / 2 = 0.125 and 1 × (3 - 0.5) = 2.5
/// let (value, grad) = loss.value_and_grad(&y_true, &y_pred)?;
/// assert_eq!(value, (0.125 + 2.5) / 2.0);
/// assert_eq!(grad, array![0.25, 0.5]);
///
/// // A negative delta is rejected when the loss is evaluated.
/// assert!(Huber::new(-1.0).value(&y_true, &y_pred).is_err());
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("huber")]
#[loss(defaults(delta = 1.0), require(delta >= 0.0))]
fn huber<T: Float>(y_true: T, y_pred: T, delta: T) -> T {
    let error = y_pred - y_true;
    // c (e - c / 2) with c = clamp(e, -delta, delta) is e² / 2 inside and
    // delta (|e| - delta / 2) outside, with the same bits as those two forms: e - e / 2
    // is exact, and where e is subnormal both products round to 0. It needs no select
    // between two arms, and its derivative, c' (e - c / 2) + c (1 - c' / 2), is e at
    // |e| = delta whatever c' is there.
    let clipped = error.clamp(-delta, delta);
    clipped * (error - 0.5 * clipped)
}

/// Log-cosh loss, `ln(cosh(ŷ - y))`: about `e² / 2` for small errors and `|e| - ln 2`
/// for large ones.
///
/// ```text
/// e = ŷ - y
/// loss(y, ŷ) = ln(cosh(e)) = e + softplus(-2e) - ln 2
/// d loss / d ŷ = tanh(e)
/// ```
///
/// The softplus form does not overflow where `cosh` does: an error of 100 gives
/// `99.30685281944005` and an error of `1e4` gives `1e4 - ln 2`, both with a finite
/// gradient.
///
/// Keras 3: `keras.losses.LogCosh`, the same rewritten formula.
/// PyTorch: no equivalent in `torch.nn`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// let loss = LogCosh::new();
/// let (value, grad) = loss.value_and_grad(&array![0.0], &array![100.0])?;
/// assert_eq!(value, 100.0 - std::f64::consts::LN_2);
/// assert_eq!(grad, array![1.0]);
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("log_cosh")]
#[loss]
fn log_cosh<T: Float>(y_true: T, y_pred: T) -> T {
    let error = y_pred - y_true;
    error + softplus(-2.0 * error) - std::f64::consts::LN_2
}
