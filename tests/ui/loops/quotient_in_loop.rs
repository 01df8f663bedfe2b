use losses_core::prelude::*;

#[loss]
fn ratio<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut ratio = 1.0;
    for i in 0..y_pred.len() {
        ratio /= y_pred[i] + y_true[i];
    }
    ratio
}

fn main() {
    let _ = Ratio::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
