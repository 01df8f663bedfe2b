use losses_core::prelude::*;

#[loss]
fn angular(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).to_degrees()
}

fn main() {
    let loss = Angular::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
