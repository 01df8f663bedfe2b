// Accepts a call of a generic `#[differentiable]` helper, which stays callable itself.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn softplus<T: Float>(x: T) -> T {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[loss]
fn smooth_hinge<T: Float>(y_true: T, y_pred: T) -> T {
    softplus(1.0 - y_true * y_pred)
}

fn main() {
    let value: f64 = SmoothHinge::new()
        .value(&array![1.0], &array![1.0])
        .unwrap();
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    assert!((softplus(0.0f32) - std::f32::consts::LN_2).abs() < 1e-7);
}
