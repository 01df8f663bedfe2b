use losses_core::prelude::*;

#[loss(batch)]
fn batch_array<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut kept = vec![0.0; y_pred.len()];
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        kept[i] = y_pred[i] * y_true[i];
        sum += kept[i];
    }
    sum
}

fn main() {
    let _ = BatchArray::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
