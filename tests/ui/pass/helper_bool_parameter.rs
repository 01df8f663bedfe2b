// Accepts a helper with a `bool` parameter called with `y_pred` as its float argument.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn leaky<T: Float>(x: T, enabled: bool) -> T {
    if enabled { x.max(0.1 * x) } else { x.max(0.0) }
}

#[loss]
fn leaky_error<T: Float>(y_true: T, y_pred: T, enabled: bool) -> T {
    leaky(y_pred - y_true, enabled)
}

#[loss]
fn leaky_error_f64(y_true: f64, y_pred: f64) -> f64 {
    leaky(y_pred - y_true, true)
}

fn main() {
    let (value, grad) = LeakyError::new(true)
        .value_and_grad(&array![0.0], &array![-2.0])
        .unwrap();
    assert_eq!((value, grad), (-0.2, array![0.1]));
    let (value, grad) = LeakyErrorF64::new()
        .value_and_grad(&array![0.0], &array![3.0])
        .unwrap();
    assert_eq!((value, grad), (3.0, array![1.0]));
}
