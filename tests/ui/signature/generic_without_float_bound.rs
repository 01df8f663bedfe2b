use losses_core::prelude::*;

#[loss]
fn unbounded<T: Copy>(y_true: T, y_pred: T) -> T {
    y_pred
}

fn main() {
    let loss = Unbounded::new();
    let _ = loss.value(&ndarray::array![1.0f32], &ndarray::array![0.5f32]);
}
