use losses_core::prelude::*;

#[loss]
fn weighted<T: Float>(y_true: T, y_pred: T, weights: Vec<T>) -> T {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Weighted::new(vec![1.0f64, 2.0]);
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
