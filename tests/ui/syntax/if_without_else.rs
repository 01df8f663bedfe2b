use losses_core::prelude::*;

#[loss]
fn one_armed(y_true: f32, y_pred: f32) -> f32 {
    let e = if y_pred > y_true { y_pred - y_true };
    e
}

fn main() {
    let loss = OneArmed::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
