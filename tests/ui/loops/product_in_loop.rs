use losses_core::prelude::*;

#[loss]
fn likelihood<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut product = 1.0;
    for i in 0..y_pred.len() {
        product *= y_true[i] * y_pred[i] + (1.0 - y_true[i]) * (1.0 - y_pred[i]);
    }
    -product.ln()
}

fn main() {
    let loss = Likelihood::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
