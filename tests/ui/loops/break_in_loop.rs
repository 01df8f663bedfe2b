use losses_core::prelude::*;

#[loss]
fn until_match<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += (y_pred[i] - y_true[i]).abs();
        if y_true[i] > 0.5 {
            break;
        }
    }
    total
}

fn main() {
    let loss = UntilMatch::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
