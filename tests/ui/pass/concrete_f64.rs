// Accepts a loss written in concrete `f64`.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn absolute(y_true: f64, y_pred: f64) -> f64 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Absolute::new();
    let (value, grad) = loss
        .value_and_grad(&array![0.0, 0.0], &array![-2.0, 4.0])
        .unwrap();
    assert_eq!(value, 3.0);
    assert_eq!(grad, array![-0.5, 0.5]);
}
