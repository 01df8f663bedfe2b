//! Running values that a loop reads after updating them. A loop whose carried values
//! are sums runs in 16 partial sums, and each partial holds only its own lane's share.
//! A value that the body reads after its update, such as a running count, needs the
//! whole running value in every iteration, so its loop must stay plain.

use losses_core::prelude::*;
use ndarray::Array2;

/// Weights the `i`-th difference of a row by `i + 1`, through a running count that is
/// not differentiated.
#[loss]
#[allow(clippy::needless_range_loop)]
fn position_weighted<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut count = 0.0;
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        count += 1.0;
        loss += count * (y_pred[i] - y_true[i]);
    }
    loss
}

/// 40 elements: two full blocks of 16 and a tail of 8.
const LEN: usize = 40;

#[test]
fn count_read_after_update() {
    let y_true = Array2::<f64>::zeros((2, LEN));
    let y_pred = Array2::from_shape_fn((2, LEN), |(row, _)| row as f64 + 1.0);
    let loss = PositionWeighted::default();

    // Row r has differences r + 1, so its loss is (r + 1) × (1 + 2 + ... + 40) = (r + 1)
    // × 820, and the mean over the two rows is 1.5 × 820.
    let value: f64 = loss.value(&y_true, &y_pred).unwrap();
    assert_eq!(value, 1230.0);

    // The derivative by y_pred[r][i] is (i + 1) / 2, the 2 being the mean's divisor.
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    assert_eq!(value, 1230.0);
    for ((_, i), &entry) in grad.indexed_iter() {
        assert_eq!(entry, (i as f64 + 1.0) / 2.0, "entry {i}");
    }
}
