use losses_core::prelude::*;

#[loss]
fn mixed<T: Float>(y_true: &[f32], y_pred: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_pred[i];
    }
    total
}

fn main() {}
