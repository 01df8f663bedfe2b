use losses_core::prelude::*;

#[loss]
fn clipped_sum<T: Float>(y_true: &[T], y_pred: &[T], ceiling: T) -> T {
    ceiling = ceiling.max(1.0);
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += (y_pred[i] - y_true[i]).min(ceiling);
    }
    total
}

fn main() {
    let loss = ClippedSum::new(2.0);
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
