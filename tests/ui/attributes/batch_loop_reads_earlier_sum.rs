use losses_core::prelude::*;

// Over the whole batch, the second loop would see only its chunk's part of `mean`.
#[loss(batch)]
fn spread<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut mean = 0.0;
    let mut spread = 0.0;
    for i in 0..y_pred.len() {
        mean += y_pred[i] * 0.001 + 0.0 * y_true[i];
    }
    for i in 0..y_pred.len() {
        spread += (y_pred[i] - mean) * (y_pred[i] - mean);
    }
    spread
}

fn main() {
    let _ = Spread::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
