use losses_core::prelude::*;

#[loss(check)]
fn huberish<T: Float>(y_true: T, y_pred: T, delta: T) -> T {
    (y_pred - y_true).abs().min(delta)
}

fn main() {
    let loss = Huberish::new(1.0);
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
