use losses_core::prelude::*;

#[loss]
fn weighted(y_true: f32, y_pred: f32, weights: &[f32]) -> f32 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Weighted::new(vec![1.0, 2.0]);
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
