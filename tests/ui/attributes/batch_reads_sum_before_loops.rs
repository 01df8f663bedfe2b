use losses_core::prelude::*;

// Over the whole batch, `targets` is 0 in each chunk before the loops, and the
// merged total when the loss is finished, never its starting value.
#[loss(batch)]
fn ratio<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut targets = 0.0;
    let smoothed = targets + 1.0;
    let mut predictions = smoothed;
    for i in 0..y_pred.len() {
        targets += y_true[i];
        predictions += y_pred[i];
    }
    targets / predictions
}

fn main() {
    let _ = Ratio::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
