// Accepts a row loss: slices, loops with sum and max reductions, a `usize` and a slice hyper-parameter.
use losses_core::prelude::*;
use ndarray::array;

#[loss(require(weights.len() == features, top <= features))]
fn weighted_top_softmax<T: Float>(y_true: &[T], y_pred: &[T], weights: &[T], top: usize) -> T {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += (y_pred[i] - max).exp();
    }
    let log_sum_exp = max + sum.ln();
    let mut loss = 0.0;
    for i in 0..top {
        loss += weights[i] * y_true[i] * (log_sum_exp - y_pred[i]);
    }
    loss
}

fn main() {
    let loss = WeightedTopSoftmax::new(vec![1.0, 1.0], 2);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    assert_eq!(grad, array![[0.5, -0.5]]);
    assert!(
        WeightedTopSoftmax::new(vec![1.0], 2)
            .value(&array![[0.0, 1.0]], &array![[0.0, 0.0]])
            .is_err()
    );
}
