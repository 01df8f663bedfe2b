use losses_core::prelude::*;

#[loss(target_any_len)]
fn first_match<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    (y_pred[0] - y_true[0]).abs()
}

fn main() {
    let loss = FirstMatch::new();
    let _ = loss.value(&ndarray::array![[1.0f64]], &ndarray::array![[0.5f64, 0.5]]);
}
