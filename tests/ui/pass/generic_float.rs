// Accepts a loss generic over `T: Float`, usable with f32 and f64 arrays.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn log_cosh_like<T: Float>(y_true: T, y_pred: T, scale: T) -> T {
    (scale * (y_pred - y_true)).cosh().ln() / scale
}

fn main() {
    let loss = LogCoshLike::new(1.0);
    let single: f32 = loss.value(&array![0.0f32], &array![0.0f32]).unwrap();
    let double: f64 = loss.value(&array![0.0f64], &array![0.0f64]).unwrap();
    assert_eq!((single, double), (0.0, 0.0));
    assert_eq!(log_cosh_like(1.0f64, 1.0, 2.0), 0.0);
}
