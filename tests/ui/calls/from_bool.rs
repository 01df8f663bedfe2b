use losses_core::prelude::*;

#[loss]
fn indicator<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true) * T::from(y_pred > y_true).unwrap()
}

fn main() {
    let loss = Indicator::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
