//! `x.detach()`: the value of `x`, with no gradient through it. Each loss that detaches
//! a value computed from `y_pred` is checked in f64 against central differences of a
//! twin loss that takes the detached value as a hyper-parameter, so that it is a
//! constant there. The full central differences of the loss itself differ, since the
//! detached value does depend on `y_pred`.

use losses_core::prelude::*;
use ndarray::{ArrayD, IxDyn};
use support::{assert_close, numeric_gradient};

mod support;

/// Returns the squared error weighted by the prediction itself, with the weight detached.
#[loss]
fn self_weighted(y_true: f64, y_pred: f64) -> f64 {
    let weight = y_pred.detach();
    weight * (y_pred - y_true).powi(2)
}

/// [`self_weighted`] with its weight as a constant.
#[loss]
fn weighted(y_true: f64, y_pred: f64, weight: f64) -> f64 {
    weight * (y_pred - y_true).powi(2)
}

/// Squared distances of a row to its maximum, with the maximum detached: the reverse
/// pass has no code for the maximum's loop.
#[loss]
#[allow(clippy::needless_range_loop)]
fn spread_below_max<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let shift = max.detach();
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        loss += y_true[i] * (y_pred[i] - shift).powi(2);
    }
    loss
}

/// [`spread_below_max`] with the shift as a constant.
#[loss]
fn spread_below<T: Float>(y_true: &[T], y_pred: &[T], shift: T) -> T {
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        loss += y_true[i] * (y_pred[i] - shift).powi(2);
    }
    loss
}

fn array(shape: &[usize], values: &[f64]) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).expect("matching shape")
}

/// Asserts that `detached` has the value of `frozen` and the gradient of its central
/// differences, and that the full central differences of `detached` differ from that
/// gradient at element `differs_at`.
fn assert_detached<D: Loss<f64>, F: Loss<f64>>(
    detached: &D,
    frozen: &F,
    y_true: &ArrayD<f64>,
    y_pred: &ArrayD<f64>,
    differs_at: usize,
) {
    let (value, grad) = detached
        .value_and_grad(y_true, y_pred)
        .expect("valid input");
    assert_close(
        frozen.value(y_true, y_pred).expect("valid input"),
        value,
        "value",
    );
    let constant = numeric_gradient(frozen, y_true, y_pred);
    for ((index, &expected), &found) in constant.indexed_iter().zip(&grad) {
        assert_close(expected, found, &format!("gradient at {index:?}"));
    }
    let full = numeric_gradient(detached, y_true, y_pred);
    let gap = (full.iter().nth(differs_at).expect("in range")
        - grad.iter().nth(differs_at).expect("in range"))
    .abs();
    assert!(
        gap > 1e-3,
        "the full derivative should differ, by {gap} only"
    );
}

#[test]
fn elementwise_weight_is_a_constant() {
    // loss = w (p - t)² with w = p held constant: d/dp = 2 w (p - t) = 2 * 1.5 * 1 = 3,
    // while the full derivative (p - t)² + 2 p (p - t) = 1 + 3 = 4.
    let (y_true, y_pred) = (array(&[1], &[0.5]), array(&[1], &[1.5]));
    let (_, grad) = SelfWeighted::new()
        .value_and_grad(&y_true, &y_pred)
        .expect("valid input");
    assert_close(3.0, grad[0], "hand-derived gradient");
    assert_detached(
        &SelfWeighted::new(),
        &Weighted::new(1.5),
        &y_true,
        &y_pred,
        0,
    );
}

#[test]
fn row_maximum_is_a_constant() {
    // loss = Σ tᵢ (xᵢ - m)² with m = max x = x₂ = 2 held constant: d/dxᵢ = 2 tᵢ (xᵢ - m),
    // 0 at x₂. The full derivative at x₂ adds -2 Σ tᵢ (xᵢ - m)
    // = 2 (0.5 * 1.5 + 0.25 * 2.5 + 0.75 * 0.75) = 3.875.
    let y_true = array(&[1, 4], &[0.5, 0.25, 1.0, 0.75]);
    let y_pred = array(&[1, 4], &[0.5, -0.5, 2.0, 1.25]);
    assert_detached(
        &SpreadBelowMax::new(),
        &SpreadBelow::new(2.0),
        &y_true,
        &y_pred,
        2,
    );
}
