//! The expansion is lint-clean: this file defines losses of every kind and uses the
//! shipped ones under `deny(warnings, unused_qualifications, clippy::all)`, so a
//! warning in generated code fails the build here, and under `cargo clippy` in CI.

#![deny(warnings, unused_qualifications, clippy::all)]

use losses_core::prelude::*;
use ndarray::array;

/// An elementwise loss with a helper, a uniform and a per-sample branch.
#[differentiable]
fn smooth_abs<T: Float>(x: T) -> T {
    (x * x + 1e-6).sqrt()
}

/// Huber-like loss with a logits switch.
#[loss(defaults(delta = 1.0, from_logits = false), require(delta >= 0.0), check)]
fn lint_elementwise<T: Float>(y_true: T, y_pred: T, delta: T, from_logits: bool) -> T {
    let p = if from_logits {
        1.0 / (1.0 + (-y_pred).exp())
    } else {
        y_pred
    };
    let e = smooth_abs(p - y_true);
    if e <= delta {
        0.5 * e * e
    } else {
        delta * (e - 0.5 * delta)
    }
}

/// A row loss with loops, reductions and a matrix hyper-parameter.
#[loss(require(weights.len() == features))]
fn lint_row(y_true: &[f64], y_pred: &[f64], weights: &[f64]) -> f64 {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += weights[i] * y_true[i] * (y_pred[i] - max).exp();
    }
    total
}

/// A row loss with a product and local arrays, one of them fixed-size.
#[loss]
fn lint_arrays<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut kept = vec![0.0; n];
    let mut parity = [0.0; 2];
    let mut product = 1.0;
    for i in 0..n {
        kept[i] = y_pred[i] * y_true[i];
        parity[i % 2] += kept[i];
        product *= 1.0 + kept[i];
    }
    let mut total = 0.0;
    for i in 0..n {
        total += kept[i] * parity[i % 2];
    }
    total + product
}

/// A helper that takes rows, with a float and a `bool` beside them.
#[differentiable]
fn lint_dot<T: Float>(a: &[T], b: &[T], scale: T, halve: bool) -> T {
    let mut sum = T::zero();
    for i in 0..a.len() {
        sum += a[i] * b[i];
    }
    if halve {
        0.5 * scale * sum
    } else {
        scale * sum
    }
}

/// A row loss that passes its rows to a helper, one of them twice.
#[loss]
fn lint_row_helper<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    lint_dot(y_pred, y_pred, 1.0, true) - lint_dot(y_pred, y_true, y_pred[0], false)
}

/// A loss of two inputs.
#[loss(inputs(a, b))]
fn lint_pair(y_true: f32, a: &[f32], b: &[f32]) -> f32 {
    let mut squared = 0.0;
    for i in 0..a.len() {
        squared += (a[i] - b[i]).powi(2);
    }
    y_true * squared
}

/// A whole-batch loss.
#[loss(batch, defaults(smooth = 1.0))]
fn lint_batch<T: Float>(y_true: &[T], y_pred: &[T], smooth: T) -> T {
    let mut overlap = 0.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    1.0 - (2.0 * overlap + smooth) / (total + smooth)
}

/// A whole-batch loss in a concrete float type.
#[loss(batch)]
fn lint_batch_f32(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let mut overlap = 0.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
    }
    1.0 - overlap
}

#[test]
fn lint_clean_losses_evaluate() {
    let y_true = array![[0.0, 1.0], [1.0, 0.0]];
    let y_pred = array![[0.2, 0.7], [0.6, 0.1]];
    assert!(LintElementwise::default().value(&y_true, &y_pred).is_ok());
    assert!(LintRow::new(vec![1.0, 2.0]).value(&y_true, &y_pred).is_ok());
    assert!(LintArrays::new().value_and_grad(&y_true, &y_pred).is_ok());
    assert!(LintRowHelper::new().value(&y_true, &y_pred).is_ok());
    let a = array![[0.2f32, 0.7]];
    assert!(LintPair::new().value(&array![1.0f32], &a, &a).is_ok());
    let concrete = LintBatchF32::new().with_axis(Axis::WholeBatch);
    assert!(concrete.value(&a, &a).is_ok());
    let whole = LintBatch::default().with_axis(Axis::WholeBatch);
    assert!(whole.value(&y_true, &y_pred).is_ok());
    assert!(
        BinaryCrossentropy::default()
            .value(&y_true, &y_pred)
            .is_ok()
    );
    assert!(
        CategoricalCrossentropy::default()
            .value(&y_true, &y_pred)
            .is_ok()
    );
}
