//! Loops whose reverse pass reads back the values of `exp`, `exp2`, `exp_m1` and `tanh`
//! that their forward pass kept in a buffer, instead of computing them again. Rows of
//! 37 (two full blocks of 16 and a tail of 5) and 1000 check both parts of the loop,
//! and rows of different lengths check that a reused buffer is rewritten.

mod support;

use losses_core::prelude::*;
use ndarray::{ArrayD, IxDyn};
use support::assert_gradient;

/// Adds the four functions of each element, weighted by the target, after a log-sum-exp
/// whose sum of exponentials the reverse pass needs as well.
#[loss]
#[allow(clippy::needless_range_loop)]
fn stored<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut sum = 0.0;
    let mut mixed = 0.0;
    for i in 0..y_pred.len() {
        sum += y_pred[i].exp();
        mixed += y_true[i] * (y_pred[i].exp2() + y_pred[i].exp_m1() * y_pred[i].tanh());
    }
    sum.ln() + mixed
}

fn inputs(rows: usize, len: usize) -> (ArrayD<f64>, ArrayD<f64>) {
    let y_true = ArrayD::from_shape_fn(IxDyn(&[rows, len]), |index| {
        0.1 + 0.05 * ((index[0] * 7 + index[1]) % 9) as f64
    });
    let y_pred = ArrayD::from_shape_fn(IxDyn(&[rows, len]), |index| {
        -1.0 + 0.1 * ((index[0] * 13 + index[1] * 5) % 19) as f64
    });
    (y_true, y_pred)
}

#[test]
fn stored_gradients_match_differences() {
    for (rows, len) in [(3, 37), (3, 17)] {
        let (y_true, y_pred) = inputs(rows, len);
        assert_gradient(&Stored::default(), &y_true, &y_pred);
    }
}

/// Rows of 1000 have values in the hundreds, where central differences lose about
/// 1e-8 to rounding, so they are checked against the derivative written out.
#[test]
fn stored_gradients_match_formula() {
    let (rows, len) = (2, 1000);
    let (y_true, y_pred) = inputs(rows, len);
    let (_, grad) = Stored::default().value_and_grad(&y_true, &y_pred).unwrap();

    for row in 0..rows {
        let sum: f64 = (0..len).map(|i| y_pred[[row, i]].exp()).sum();
        for i in 0..len {
            let (t, p) = (y_true[[row, i]], y_pred[[row, i]]);
            let tanh = p.tanh();
            let mixed = std::f64::consts::LN_2 * p.exp2()
                + p.exp() * tanh
                + p.exp_m1() * (1.0 - tanh * tanh);
            // The mean over the rows divides by their count.
            let expected = (p.exp() / sum + t * mixed) / rows as f64;
            let found = grad[[row, i]];
            assert!(
                (found - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "[{row}, {i}]: {found} against {expected}"
            );
        }
    }
}

#[test]
fn stored_gradient_in_f32_matches_f64() {
    let (y_true, y_pred) = inputs(4, 37);
    let (_, grad) = Stored::default().value_and_grad(&y_true, &y_pred).unwrap();
    let (_, grad32) = Stored::default()
        .value_and_grad(&y_true.mapv(|x| x as f32), &y_pred.mapv(|x| x as f32))
        .unwrap();
    for (index, &expected) in grad.indexed_iter() {
        let found = f64::from(grad32[&index]);
        assert!(
            (found - expected).abs() <= 1e-5 * expected.abs().max(1.0),
            "{index:?}: {found} against {expected}"
        );
    }
}
