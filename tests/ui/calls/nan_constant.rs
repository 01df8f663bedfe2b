use losses_core::prelude::*;

#[loss]
fn undefined_when_equal<T: Float>(y_true: T, y_pred: T) -> T {
    if y_pred == y_true { T::nan() } else { (y_pred - y_true).abs() }
}

fn main() {
    let loss = UndefinedWhenEqual::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
