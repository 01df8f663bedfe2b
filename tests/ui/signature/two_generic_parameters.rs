use losses_core::prelude::*;

#[loss]
fn mixed<T: Float, U: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Mixed::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
