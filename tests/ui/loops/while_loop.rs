use losses_core::prelude::*;

#[loss]
fn halving(y_true: f32, y_pred: f32) -> f32 {
    let e = (y_pred - y_true).abs();
    while e > 1.0 {}
    e
}

fn main() {
    let loss = Halving::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
