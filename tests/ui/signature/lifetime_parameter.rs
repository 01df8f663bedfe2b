use losses_core::prelude::*;

#[loss]
fn borrowed<'a>(y_true: f64, y_pred: f64) -> f64 {
    (y_pred - y_true).abs()
}

fn main() {
    let loss = Borrowed::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
