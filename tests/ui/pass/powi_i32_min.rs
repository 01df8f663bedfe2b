// Accepts `powi` with the exponent `i32::MIN`, whose magnitude is not an `i32`.
use losses_core::prelude::*;

#[loss]
fn vanishing(y_true: f64, y_pred: f64) -> f64 {
    (y_pred - y_true).powi(-2147483648)
}

fn main() {
    let loss = Vanishing::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
