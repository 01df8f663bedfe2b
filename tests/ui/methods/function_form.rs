use losses_core::prelude::*;

#[loss]
fn hinge(y_true: f32, y_pred: f32) -> f32 {
    f32::max(1.0 - y_true * y_pred, 0.0)
}

fn main() {
    let loss = Hinge::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
