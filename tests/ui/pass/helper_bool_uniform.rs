// Accepts a helper with a `bool` parameter called with hyper-parameters only.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn leaky<T: Float>(x: T, enabled: bool) -> T {
    if enabled { x.max(0.1 * x) } else { x.max(0.0) }
}

#[loss]
fn scaled<T: Float>(y_true: T, y_pred: T, slope: T, enabled: bool) -> T {
    (y_pred - y_true) * leaky(slope, enabled)
}

fn main() {
    let value: f64 = Scaled::new(-2.0, true)
        .value(&array![0.0], &array![1.0])
        .unwrap();
    assert_eq!(value, -0.2);
}
