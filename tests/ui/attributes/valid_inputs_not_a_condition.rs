use losses_core::prelude::*;

#[loss(valid_inputs(y_true, y_pred > 0.0))]
fn log_error(y_true: f32, y_pred: f32) -> f32 {
    (y_pred.ln() - y_true).abs()
}

fn main() {
    let loss = LogError::new().validated();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
