use losses_core::prelude::*;

#[loss]
fn frozen_error(y_true: f32, y_pred: f32) -> f32 {
    y_pred.detatch() * (y_pred - y_true)
}

fn main() {
    let loss = FrozenError::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
