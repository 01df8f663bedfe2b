use losses_core::prelude::*;

#[loss]
fn shifted<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).abs() + T::epsilon(y_pred)
}

fn main() {
    let loss = Shifted::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
