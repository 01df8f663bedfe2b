use losses_core::prelude::*;

#[loss]
fn log_error(y_true: f32, y_pred: f32) -> f32 {
    (y_pred.lnn() - y_true.ln()).abs()
}

fn main() {
    let loss = LogError::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
