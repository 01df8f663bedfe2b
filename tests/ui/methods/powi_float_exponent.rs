use losses_core::prelude::*;

#[loss]
fn squared_error(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).powi(2.0)
}

fn main() {
    let loss = SquaredError::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
