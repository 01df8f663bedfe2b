use losses_core::prelude::*;

// `acc + acc` doubles the running value in every iteration: it is not a sum of terms.
#[loss]
fn doubling<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut acc = y_pred[0];
    for i in 0..y_true.len() {
        acc = acc + acc + y_true[i];
    }
    acc
}

fn main() {
    let _ = Doubling::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
