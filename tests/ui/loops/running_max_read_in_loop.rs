use losses_core::prelude::*;

// A running maximum read later in the same iteration is rejected like a running sum.
#[loss]
fn running_max<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut high = y_pred[0];
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        high = high.max(y_pred[i]);
        total += (y_pred[i] - high) * y_true[i];
    }
    total + high
}

fn main() {
    let _ = RunningMax::new().value(&ndarray::array![[1.0f64, 2.0]], &ndarray::array![[0.5f64, 1.0]]);
}
