//! Finite-difference checks shared by the integration tests of `#[loss]` functions.

// Each test crate includes this module and uses only some of its functions.
#![allow(dead_code)]

use losses_core::prelude::*;
use ndarray::ArrayD;

/// The step of the central differences, in f64.
pub const H: f64 = 1e-6;

/// Asserts that `found` is within 1e-6 relative (plus 1e-8 absolute) of `expected`.
pub fn assert_close(expected: f64, found: f64, location: &str) {
    let tolerance = 1e-6 * expected.abs().max(found.abs()) + 1e-8;
    assert!(
        (expected - found).abs() <= tolerance,
        "{location}: expected {expected}, found {found}"
    );
}

/// Returns the central difference of `value` along one element of `y_pred`.
fn central_difference<L: Loss<f64>>(
    loss: &L,
    y_true: &ArrayD<f64>,
    y_pred: &ArrayD<f64>,
    index: &ndarray::IxDyn,
) -> f64 {
    let mut shifted = y_pred.clone();
    shifted[index] += H;
    let up = loss.value(y_true, &shifted).expect("valid input");
    shifted[index] -= 2.0 * H;
    let down = loss.value(y_true, &shifted).expect("valid input");
    (up - down) / (2.0 * H)
}

/// Returns the central differences of `value` at every element of `y_pred`.
pub fn numeric_gradient<L: Loss<f64>>(
    loss: &L,
    y_true: &ArrayD<f64>,
    y_pred: &ArrayD<f64>,
) -> ArrayD<f64> {
    let mut grad = y_pred.clone();
    for (index, entry) in grad.indexed_iter_mut() {
        *entry = central_difference(loss, y_true, y_pred, &index);
    }
    grad
}

/// Checks `value_and_grad` against central differences of `value` at every element,
/// and its value against `value`.
pub fn assert_gradient<L: Loss<f64>>(loss: &L, y_true: &ArrayD<f64>, y_pred: &ArrayD<f64>) {
    let (value, grad) = loss.value_and_grad(y_true, y_pred).expect("valid input");
    assert_eq!(value, loss.value(y_true, y_pred).expect("valid input"));

    for (index, &analytic) in grad.indexed_iter() {
        let numeric = central_difference(loss, y_true, y_pred, &index);
        assert_close(numeric, analytic, &format!("gradient at {index:?}"));
    }
}
