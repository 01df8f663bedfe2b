// Accepts the `Float` bound in a `where` clause.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn weighted<T>(y_true: T, y_pred: T, weight: T) -> T
where
    T: Float,
{
    weight * (y_pred - y_true).abs()
}

fn main() {
    let value: f32 = Weighted::new(0.5)
        .value(&array![1.0f32], &array![3.0f32])
        .unwrap();
    assert_eq!(value, 1.0);
}
