use losses_core::prelude::*;

#[loss]
fn scaled_sum<T: Float>(y_true: &[T], y_pred: &[T], scale: T) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += scale[i] * (y_pred[i] - y_true[i]);
    }
    total
}

fn main() {
    let loss = ScaledSum::new(2.0);
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
