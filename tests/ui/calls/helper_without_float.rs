use losses_core::prelude::*;

#[differentiable]
fn doubled(x: i32) -> i32 {
    x + x
}

#[loss]
fn scaled(y_true: f32, y_pred: f32) -> f32 {
    doubled(y_pred - y_true)
}

fn main() {
    let loss = Scaled::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
