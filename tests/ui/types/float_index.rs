use losses_core::prelude::*;

#[loss]
fn shifted_pick<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let position = 1.0;
    y_pred[position] - y_true[0]
}

fn main() {
    let loss = ShiftedPick::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
