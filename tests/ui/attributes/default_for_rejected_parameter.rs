use losses_core::prelude::*;

#[loss(defaults(power = 2, scale = 1.0))]
fn powered(y_true: f32, y_pred: f32, power: i32, scale: f32) -> f32 {
    scale * (y_pred - y_true).abs()
}

fn main() {
    let loss = Powered::default();
    let _ = Powered::new(3, 2.0);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
