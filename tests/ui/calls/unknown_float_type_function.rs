use losses_core::prelude::*;

#[loss]
fn gap<T: Float>(y_true: T, y_pred: T) -> T {
    T::abs_sub(y_pred, y_true)
}

fn main() {
    let loss = Gap::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
