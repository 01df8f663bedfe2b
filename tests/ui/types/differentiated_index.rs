use losses_core::prelude::*;

#[loss]
fn self_indexed(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let position = y_pred[0] as usize;
    y_pred[position] - y_true[0]
}

fn main() {
    let loss = SelfIndexed::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
