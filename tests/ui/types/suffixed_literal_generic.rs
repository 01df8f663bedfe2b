use losses_core::prelude::*;

#[loss]
fn halved<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true) * 0.5_f32
}

fn main() {
    let loss = Halved::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
