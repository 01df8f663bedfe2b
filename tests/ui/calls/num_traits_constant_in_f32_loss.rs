use losses_core::num_traits::Float;
use losses_core::prelude::*;

#[loss]
fn shifted(y_true: f32, y_pred: f32) -> f32 {
    (y_pred - y_true).abs() + f32::epsilon()
}

fn main() {
    let loss = Shifted::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
