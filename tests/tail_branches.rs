//! Bodies that end in a branch giving their value. The reverse function runs such a
//! branch once, as one `let` whose arms run their forward statements and then their
//! reverse pass, and so on down an `else if` chain. These losses put loops in every arm
//! and at every depth of that chain, and check the gradient against central
//! differences and the value against the value function.

mod support;

use losses_core::prelude::*;
use ndarray::{ArrayD, IxDyn};
use support::assert_gradient;

/// Picks a formula by `mode`, each with loops in lanes, and the last arms of the chain
/// with a loop before a nested branch.
#[loss(defaults(mode = 0.0))]
#[allow(clippy::needless_range_loop)]
fn chained<T: Float>(y_true: &[T], y_pred: &[T], mode: T) -> T {
    let mut scale = 0.0;
    for i in 0..y_true.len() {
        scale += y_true[i];
    }
    if mode == 0.0 {
        let mut sum = 0.0;
        for i in 0..y_pred.len() {
            sum += (y_pred[i] * scale).exp();
        }
        sum.ln()
    } else if mode == 1.0 {
        let mut squares = 0.0;
        for i in 0..y_pred.len() {
            squares += (y_pred[i] - y_true[i]) * (y_pred[i] - y_true[i]);
        }
        squares * scale
    } else {
        let mut largest = y_pred[0];
        for i in 1..y_pred.len() {
            largest = largest.max(y_pred[i]);
        }
        if largest > 0.5 {
            let mut total = 0.0;
            for i in 0..y_pred.len() {
                total += (y_pred[i] - largest).exp() * y_true[i];
            }
            total + largest
        } else {
            largest * scale
        }
    }
}

/// Rows of 37: two full blocks of 16 and a tail of 5.
fn inputs(offset: f64) -> (ArrayD<f64>, ArrayD<f64>) {
    let y_true = ArrayD::from_shape_fn(IxDyn(&[2, 37]), |index| {
        0.1 + 0.02 * ((index[0] * 37 + index[1]) % 11) as f64
    });
    let y_pred = ArrayD::from_shape_fn(IxDyn(&[2, 37]), |index| {
        offset + 0.01 * ((index[0] * 37 + index[1] * 7) % 23) as f64
    });
    (y_true, y_pred)
}

#[test]
fn else_if_chain_gradients() {
    // Scores from 0.6 reach the nested branch's first arm, scores from -0.9 its second.
    for (mode, offset) in [(0.0, -0.1), (1.0, -0.1), (2.0, 0.6), (2.0, -0.9)] {
        let (y_true, y_pred) = inputs(offset);
        assert_gradient(&Chained::new(mode), &y_true, &y_pred);
    }
}

#[test]
fn first_arm_log_sum_exp() {
    let (y_true, y_pred) = inputs(-0.1);
    let value: f64 = Chained::new(0.0).value(&y_true, &y_pred).unwrap();

    let mut expected = 0.0;
    for row in 0..2 {
        let scale: f64 = y_true.index_axis(ndarray::Axis(0), row).sum();
        let sum: f64 = y_pred
            .index_axis(ndarray::Axis(0), row)
            .iter()
            .map(|p| (p * scale).exp())
            .sum();
        expected += sum.ln() / 2.0;
    }
    assert!(
        (value - expected).abs() < 1e-12,
        "{value} against {expected}"
    );
}
