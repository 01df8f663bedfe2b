use losses_core::prelude::*;

#[loss]
fn widened(y_true: f32, y_pred: f32) -> f32 {
    let e = (y_pred - y_true) as f64;
    (e * e) as f32
}

fn main() {
    let loss = Widened::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
