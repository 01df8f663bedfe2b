use losses_core::prelude::*;

#[loss]
fn doubled(y_true: f32, y_pred: f32) -> f32 {
    let e = y_pred - y_true;
    e *= 2.0;
    e
}

fn main() {
    let loss = Doubled::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
