use losses_core::prelude::*;

#[loss]
fn smooth_hinge(y_true: f32, y_pred: f32) -> f32 {
    softplus(1.0 - y_true * y_pred)
}

fn main() {
    let loss = SmoothHinge::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
