use losses_core::prelude::*;

#[loss(batch)]
fn first_error<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    (y_pred[0] - y_true[0]).abs()
}

fn main() {
    let loss = FirstError::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
