// Accepts per-sample `if` / `else if` / `else`, nested, with `&&`, `||` and `!`.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn piecewise<T: Float>(y_true: T, y_pred: T) -> T {
    if y_pred > 0.0 && y_true > 0.0 {
        if y_pred > y_true {
            y_pred - y_true
        } else {
            (y_true - y_pred).powi(2)
        }
    } else if !(y_pred > -1.0) || y_true < -1.0 {
        y_pred.abs()
    } else {
        0.0
    }
}

fn main() {
    let loss = Piecewise::new();
    let value: f64 = loss
        .value(&array![1.0, 0.5, 0.0], &array![2.0, 0.25, -3.0])
        .unwrap();
    assert_eq!(value, (1.0 + 0.0625 + 3.0) / 3.0);
}
