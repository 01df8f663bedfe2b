// Accepts `#[differentiable]` helpers in concrete f32 and f64, called from losses of the same type.
use losses_core::prelude::*;
use ndarray::array;

#[differentiable]
fn cube_f32(x: f32) -> f32 {
    x * x * x
}

#[differentiable]
fn cube_f64(x: f64) -> f64 {
    x * x * x
}

#[loss]
fn cubic_f32(y_true: f32, y_pred: f32) -> f32 {
    cube_f32(y_pred - y_true)
}

#[loss]
fn cubic_f64(y_true: f64, y_pred: f64) -> f64 {
    cube_f64(y_pred - y_true)
}

fn main() {
    let (_, grad) = CubicF32::new()
        .value_and_grad(&array![0.0f32], &array![2.0f32])
        .unwrap();
    assert_eq!(grad, array![12.0f32]);
    let (_, grad) = CubicF64::new()
        .value_and_grad(&array![0.0], &array![-2.0])
        .unwrap();
    assert_eq!(grad, array![12.0]);
}
