use losses_core::prelude::*;

#[loss(inputs(a))]
fn distance<T: Float>(a: &[T], y_pred: &[T]) -> T {
    let mut squared = 0.0;
    for i in 0..a.len() {
        squared += (a[i] - y_pred[i]).powi(2);
    }
    squared
}

fn main() {}
