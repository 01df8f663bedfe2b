use losses_core::prelude::*;

#[loss]
fn exploding<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true) * 1e999
}

fn main() {
    let loss = Exploding::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
