//! The tools a user gets for their own losses: `#[loss(check)]`, which adds a
//! finite-difference test of the loss to this test suite, and `valid_inputs(...)`,
//! which `Loss::validate_inputs` and `Validated` check.

use losses_core::Batch;
use losses_core::prelude::*;
use ndarray::array;

/// Cross-entropy on probabilities, checked at predictions in (0.05, 0.95).
#[loss(check(y_pred = 0.05..0.95), valid_inputs(y_true >= 0.0 && y_true <= 1.0, y_pred >= 0.0 && y_pred <= 1.0))]
fn checked_bce<T: Float>(y_true: T, y_pred: T) -> T {
    -(y_true * y_pred.ln() + (1.0 - y_true) * (1.0 - y_pred).ln())
}

/// A row loss with a hyper-parameter and its default, checked with its default ranges.
#[loss(check, defaults(temperature = 2.0), valid_inputs(y_true >= 0.0))]
fn checked_softmax<T: Float>(y_true: &[T], y_pred: &[T], temperature: T) -> T {
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += (y_pred[i] / temperature).exp();
    }
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        loss += y_true[i] * (sum.ln() - y_pred[i] / temperature);
    }
    loss
}

/// Sparse labels: the generated check draws class indices.
#[loss(check)]
fn checked_sparse<T: Float>(y_true: usize, y_pred: &[T]) -> T {
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += y_pred[i].exp();
    }
    sum.ln() - y_pred[y_true]
}

#[test]
fn valid_inputs_accepts_the_domain() {
    let loss = CheckedBce::new();
    assert_eq!(
        loss.validate_inputs(Batch::new(
            array![[0.0, 1.0]].into_dyn().view(),
            array![[0.5, 0.5]].into_dyn().view()
        )),
        Ok(())
    );
}

#[test]
fn validated_names_the_first_invalid_element() {
    let loss = CheckedBce::new().validated();
    let error = loss
        .value(
            &array![[0.0, 1.0], [2.0, 1.0]],
            &array![[0.5, 0.5], [0.5, 1.5]],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid input for CheckedBce at index [1, 0]: requires `y_true >= 0.0 && y_true <= 1.0`, got y_true = 2, y_pred = 0.5"
    );
}

#[test]
fn unvalidated_loss_propagates_nan() {
    let value: f64 = CheckedBce::new()
        .value(&array![0.0], &array![f64::NAN])
        .unwrap();
    assert!(value.is_nan());
}

#[test]
fn validated_row_loss_names_the_element() {
    let loss = CheckedSoftmax::default().validated();
    let error = loss
        .value(
            &array![[0.0, 1.0, 0.0], [0.0, -1.0, 2.0]],
            &array![[0.5, 0.5, 0.1], [0.5, 1.5, 0.0]],
        )
        .unwrap_err();
    let LossError::InvalidInput { index, .. } = error else {
        panic!("expected InvalidInput, got {error:?}");
    };
    assert_eq!(index, vec![1, 1]);
}

#[test]
fn validated_loss_computes_valid_inputs() {
    let plain: f64 = CheckedBce::new()
        .value(&array![1.0], &array![0.25])
        .unwrap();
    let validated: f64 = CheckedBce::new()
        .validated()
        .value(&array![1.0], &array![0.25])
        .unwrap();
    assert_eq!(plain, validated);
}
