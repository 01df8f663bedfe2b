use losses_core::prelude::*;

#[loss]
fn wrapped(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true) % 1.0
}

fn main() {
    let loss = Wrapped::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
