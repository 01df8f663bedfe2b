// Accepts `return expr;` as the last statement.
#![allow(clippy::needless_return)]
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn explicit_return<T: Float>(y_true: T, y_pred: T) -> T {
    let e = y_pred - y_true;
    return e * e;
}

fn main() {
    let value: f64 = ExplicitReturn::new()
        .value(&array![1.0], &array![4.0])
        .unwrap();
    assert_eq!(value, 9.0);
}
