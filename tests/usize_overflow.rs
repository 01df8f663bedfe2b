//! `usize` arithmetic in row losses that goes below zero or above `usize::MAX`, and a
//! local array too large to allocate. Each is an error naming the expression or the
//! array, from `value` and from `value_and_grad`. None may become a wrapped index, a
//! loop that does not end, a panic or an aborted process.

use losses_core::prelude::*;
use ndarray::{ArrayD, array};

/// The message of the error that `value` and `value_and_grad` return, checked to be the
/// same for both.
fn error_message<L: Loss<f64>>(loss: &L, y_true: &ArrayD<f64>, y_pred: &ArrayD<f64>) -> String {
    let value = loss.value(y_true, y_pred).expect_err("an error from value");
    let gradient = loss
        .value_and_grad(y_true, y_pred)
        .expect_err("an error from value_and_grad");
    assert_eq!(value, gradient);
    value.to_string()
}

/// The sum of all but the last two elements.
#[loss]
fn all_but_two(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..y_pred.len() - 2 {
        total += y_pred[i] * y_true[i];
    }
    total
}

#[test]
fn loop_end_below_zero() {
    let message = error_message(
        &AllButTwo::new(),
        &array![[1.0]].into_dyn(),
        &array![[0.5]].into_dyn(),
    );
    assert_eq!(
        message,
        "AllButTwo computed `y_pred.len() - 2` as 1 - 2, which is below zero, in sample 0; \
         check the row length and the indices"
    );
}

#[test]
fn loop_end_in_range() {
    let value = AllButTwo::new()
        .value(&array![[1.0, 2.0, 3.0]], &array![[0.5, 0.25, 4.0]])
        .unwrap();
    assert_eq!(value, 0.5);
}

/// Differences of neighbours kept in an array of `n - 2` elements.
#[loss]
fn inner_differences(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut inner = vec![0.0; n - 2];
    for i in 0..n - 2 {
        inner[i] = y_pred[i + 1] - y_true[i + 1];
    }
    let mut total = 0.0;
    for i in 0..n - 2 {
        total += inner[i] * inner[i];
    }
    total
}

#[test]
fn array_length_below_zero() {
    let y_true = array![[0.0], [1.0]].into_dyn();
    let y_pred = array![[1.0], [0.5]].into_dyn();
    let message = error_message(&InnerDifferences::new(), &y_true, &y_pred);
    assert_eq!(
        message,
        "InnerDifferences computed `n - 2` as 1 - 2, which is below zero, in sample 0; \
         check the row length and the indices"
    );
}

/// The differences of each element from the one before it.
#[loss]
fn backward_differences(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += (y_pred[i] - y_pred[i - 1]) * y_true[i];
    }
    total
}

#[test]
fn index_below_zero() {
    let y_true = array![[1.0, 1.0]].into_dyn();
    let y_pred = array![[0.5, 2.0]].into_dyn();
    let message = error_message(&BackwardDifferences::new(), &y_true, &y_pred);
    assert_eq!(
        message,
        "BackwardDifferences computed `i - 1` as 0 - 1, which is below zero, in sample 0; \
         check the row length and the indices"
    );
}

/// The same differences, with the first element guarded by a branch on the index.
#[loss]
fn guarded_differences(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += if i > 0 {
            (y_pred[i] - y_pred[i - 1]) * y_true[i]
        } else {
            0.0
        };
    }
    total
}

#[test]
fn index_below_zero_in_branch_not_taken() {
    let y_true = array![[1.0, 1.0, 2.0]].into_dyn();
    let y_pred = array![[0.5, 2.0, 1.0]].into_dyn();
    let (value, grad) = GuardedDifferences::new()
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    // (2 - 0.5) × 1 + (1 - 2) × 2; the derivative by p₁ is t₁ - t₂ = -1.
    assert_eq!(value, -0.5);
    assert_eq!(grad[[0, 1]], -1.0);
}

/// A local array whose length is a hyper-parameter times a large constant.
#[loss]
fn huge_array(y_true: &[f64], y_pred: &[f64], k: usize) -> f64 {
    let mut scratch = vec![0.0; k * 1000000000000];
    for i in 0..1 {
        scratch[i] = y_pred[i] - y_true[i];
    }
    let mut total = 0.0;
    for i in 0..1 {
        total += scratch[i];
    }
    total
}

/// 2 × 10¹⁸ elements of 8 bytes exceed `isize::MAX` bytes, so every allocator rejects
/// them. A smaller length, such as 3 × 10¹², fails only where the system does not
/// overcommit memory, so the test does not rely on it.
#[test]
fn array_too_large_to_allocate() {
    let y_true = array![[0.0]].into_dyn();
    let y_pred = array![[1.0]].into_dyn();
    let message = error_message(&HugeArray::new(2_000_000), &y_true, &y_pred);
    assert_eq!(
        message,
        "HugeArray could not allocate the local array `scratch` of 2000000000000000000 \
         elements in sample 0; check the length it is declared with"
    );
}

#[test]
fn array_length_above_usize_max() {
    let y_true = array![[0.0]].into_dyn();
    let y_pred = array![[1.0]].into_dyn();
    let message = error_message(&HugeArray::new(usize::MAX / 1000), &y_true, &y_pred);
    let expected = format!(
        "HugeArray computed `k * 1000000000000` as {} * 1000000000000, which is above \
         usize::MAX, in sample 0; check the row length and the indices",
        usize::MAX / 1000
    );
    assert_eq!(message, expected);
}

/// Elements `i` and `i + skip` for every `i` from 1, with `skip` a hyper-parameter.
#[loss]
fn skip_pairs(y_true: &[f64], y_pred: &[f64], skip: usize) -> f64 {
    let mut total = 0.0;
    for i in 1..y_pred.len() {
        total += y_pred[i] * y_true[i + skip];
    }
    total
}

#[test]
fn index_above_usize_max() {
    let y_true = array![[1.0, 1.0]].into_dyn();
    let y_pred = array![[0.5, 2.0]].into_dyn();
    let message = error_message(&SkipPairs::new(usize::MAX), &y_true, &y_pred);
    let expected = format!(
        "SkipPairs computed `i + skip` as 1 + {}, which is above usize::MAX, in sample 0; \
         check the row length and the indices",
        usize::MAX
    );
    assert_eq!(message, expected);
}
