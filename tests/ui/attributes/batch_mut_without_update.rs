use losses_core::prelude::*;

// `scale` is declared `mut`, but the loop adds to no sum.
#[loss(batch)]
fn scaled<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut scale = 2.0;
    for i in 0..y_pred.len() {
        let term = scale * y_pred[i] * y_true[i];
    }
    scale
}

fn main() {
    let _ = Scaled::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
