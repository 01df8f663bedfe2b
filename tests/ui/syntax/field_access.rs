use losses_core::prelude::*;

#[loss]
fn tupled(y_true: f32, y_pred: f32) -> f32 {
    let pair = y_pred;
    pair.0 - y_true
}

fn main() {
    let loss = Tupled::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
