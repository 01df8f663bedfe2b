use losses_core::prelude::*;

#[loss]
fn powered(y_true: f32, y_pred: f32, power: i32) -> f32 {
    (y_pred - y_true).abs().powi(power)
}

fn main() {
    let loss = Powered::new(2);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
