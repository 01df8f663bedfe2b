// Accepts f64 `consts` paths in a generic loss, where the original function converts them.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn circle<T: Float>(y_true: T, y_pred: T) -> T {
    std::f64::consts::PI * (y_pred - y_true).powi(2)
}

fn main() {
    let value: f32 = Circle::new()
        .value(&array![0.0f32], &array![1.0f32])
        .unwrap();
    assert_eq!(value, std::f32::consts::PI);
    assert_eq!(circle(0.0f64, 1.0), std::f64::consts::PI);
}
