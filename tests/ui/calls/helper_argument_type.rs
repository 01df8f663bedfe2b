use losses_core::prelude::*;

#[differentiable]
fn scaled<T: Float>(x: T, double: bool) -> T {
    if double { x + x } else { x }
}

#[loss]
fn doubled_error<T: Float>(y_true: T, y_pred: T) -> T {
    scaled(y_pred - y_true, y_true)
}

fn main() {
    let loss = DoubledError::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
