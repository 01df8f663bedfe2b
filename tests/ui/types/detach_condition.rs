use losses_core::prelude::*;

#[loss]
fn frozen_hinge(y_true: f32, y_pred: f32) -> f32 {
    let above = (y_pred > y_true).detach();
    if above { y_pred - y_true } else { 0.0 }
}

fn main() {
    let loss = FrozenHinge::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
