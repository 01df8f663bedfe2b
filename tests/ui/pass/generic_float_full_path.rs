// Accepts a generic bound written as a full path, next to another bound.
use losses_core::{Loss, loss};
use ndarray::array;

#[loss]
fn squared<F: losses_core::num_traits::Float + Copy>(y_true: F, y_pred: F) -> F {
    (y_pred - y_true) * (y_pred - y_true)
}

fn main() {
    let value: f64 = Squared::new().value(&array![1.0], &array![3.0]).unwrap();
    assert_eq!(value, 4.0);
}
