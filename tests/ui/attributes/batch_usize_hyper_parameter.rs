use losses_core::prelude::*;

#[loss(batch)]
fn top_dice<T: Float>(y_true: &[T], y_pred: &[T], top: usize) -> T {
    let mut intersection = 0.0;
    let mut total = 0.0;
    for i in 0..top {
        intersection += y_true[i] * y_pred[i];
        total += y_true[i] + y_pred[i];
    }
    1.0 - 2.0 * intersection / total
}

fn main() {
    let loss = TopDice::new(2);
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
