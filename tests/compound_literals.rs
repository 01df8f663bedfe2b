//! Compound assignments whose right side is a bare float literal or an `f64` constant,
//! such as `count += 1.0` and `p *= 0.5`, in generic row and batch losses and in
//! `#[differentiable]` helpers. The generic original function must compile, so these
//! tests fail to build if the right side is left unconverted. Values are checked
//! against hand-derived formulas and gradients against central finite differences.

use losses_core::prelude::*;
use ndarray::array;
use std::f64::consts::PI;
use support::{assert_close, assert_gradient};

mod support;

/// `Σ pᵢ² / count` with `count` counted by `count += 1.0`, times `π`.
#[loss]
fn counted_mean<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut count = 0.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += (y_pred[i] - y_true[i]).powi(2);
        count += 1.0;
    }
    total *= std::f64::consts::PI;
    total / count
}

#[test]
fn row_compound_literals() {
    let y_true = array![[0.0, 1.0, 0.0]].into_dyn();
    let y_pred = array![[0.5, 0.0, -1.0]].into_dyn();
    let loss = CountedMean::new();
    let value = loss.value(&y_true, &y_pred).unwrap();
    assert_close(PI * (0.25 + 1.0 + 1.0) / 3.0, value, "value");
    assert_gradient(&loss, &y_true, &y_pred);
}

/// `1 - 0.5 × Σ tᵢ pᵢ / count` over the batch, with `count` lowered by 0.5 and raised
/// by 1.5 per element.
#[loss(batch)]
fn counted_overlap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut count = 0.0;
    let mut overlap = 0.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
        count -= 0.5;
        count += 1.5;
    }
    1.0 - 0.5 * overlap / count
}

#[test]
fn batch_compound_literals() {
    let y_true = array![[1.0, 0.0], [0.5, 1.0]].into_dyn();
    let y_pred = array![[0.8, 0.1], [0.3, 0.9]].into_dyn();
    let whole = CountedOverlap::new().with_axis(Axis::WholeBatch);
    let value = whole.value(&y_true, &y_pred).unwrap();
    assert_close(1.0 - 0.5 * (0.8 + 0.15 + 0.9) / 4.0, value, "value");
    assert_gradient(&whole, &y_true, &y_pred);
    assert_gradient(&CountedOverlap::new(), &y_true, &y_pred);
}

/// `Σ aᵢ / count × 0.5ⁿ × 2ⁿ - π`, in a row helper.
#[differentiable]
fn row_mean<T: Float>(a: &[T]) -> T {
    let mut count = 0.0;
    let mut total = 0.0;
    let mut scale = 1.0;
    for i in 0..a.len() {
        total += a[i];
        count += 1.0;
        scale *= 0.5;
        scale /= 0.5;
    }
    total / count * scale - std::f64::consts::PI
}

#[loss]
fn helper_steps<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    row_mean(y_pred) * row_mean(y_true)
}

#[test]
fn helper_compound_literals() {
    let y_true = array![[1.0, 3.0]].into_dyn();
    let y_pred = array![[0.5, -1.5]].into_dyn();
    let loss = HelperSteps::new();
    let value = loss.value(&y_true, &y_pred).unwrap();
    assert_close((-0.5 - PI) * (2.0 - PI), value, "value");
    assert_eq!(row_mean(&[1.0f64, 3.0]), 2.0 - PI);
    assert_gradient(&loss, &y_true, &y_pred);
}
