use losses_core::prelude::*;

#[loss]
fn gated(y_true: f32, y_pred: f32, enabled: bool) -> f32 {
    enabled * (y_pred - y_true)
}

fn main() {
    let loss = Gated::new(true);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
