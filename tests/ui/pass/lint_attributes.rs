// Accepts other attributes on the function, before and after `#[loss]`.
use losses_core::prelude::*;
use ndarray::array;

#[allow(unused_variables)]
#[loss]
#[inline]
#[must_use]
fn ignores_target<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred * y_pred
}

fn main() {
    let value: f64 = IgnoresTarget::new()
        .value(&array![5.0], &array![3.0])
        .unwrap();
    assert_eq!(value, 9.0);
    assert_eq!(ignores_target(0.0f64, 2.0), 4.0);
}
