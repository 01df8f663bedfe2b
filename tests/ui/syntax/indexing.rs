use losses_core::prelude::*;

const WEIGHTS: [f32; 2] = [1.0, 2.0];

#[loss]
fn indexed(y_true: f32, y_pred: f32) -> f32 {
    WEIGHTS[1] * (y_pred - y_true).abs()
}

fn main() {
    let loss = Indexed::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
