use losses_core::prelude::*;

#[loss(defaults(delta = 1.0, epsilon = 1e-7))]
fn huberish(y_true: f32, y_pred: f32, delta: f32) -> f32 {
    (y_pred - y_true).abs().min(delta)
}

fn main() {
    let loss = Huberish::default();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
