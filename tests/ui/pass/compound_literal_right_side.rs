// Accepts a bare literal or an f64 constant on the right of `+=`, `-=`, `*=` and `/=` in
// a generic loss, where the original function converts it.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn counted<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut count = 0.0;
    let mut scale = 1.0;
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        total += y_pred[i] - y_true[i];
        count += 1.0;
        count -= 0.5;
        scale *= 0.5;
        scale /= 0.5;
    }
    total += std::f64::consts::PI;
    total * scale / count
}

fn main() {
    let value: f32 = Counted::new()
        .value(&array![[0.0f32, 0.0]], &array![[1.0f32, 2.0]])
        .unwrap();
    assert_eq!(value, 3.0 + std::f32::consts::PI);
    assert_eq!(counted(&[0.0f64], &[1.0]), 2.0 * (1.0 + std::f64::consts::PI));
}
