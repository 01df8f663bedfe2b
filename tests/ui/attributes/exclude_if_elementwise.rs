use losses_core::prelude::*;

#[loss(exclude_if(y_true == 0.0))]
fn absolute(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Absolute::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
