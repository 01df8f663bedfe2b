use losses_core::prelude::*;

#[loss]
fn rectified(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).max()
}

fn main() {
    let loss = Rectified::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
