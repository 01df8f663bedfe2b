// Accepts a row loss whose `y_true` is a `usize` class index per row.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn picked_logit<T: Float>(y_true: usize, y_pred: &[T]) -> T {
    -y_pred[y_true]
}

fn main() {
    let (value, grad) = PickedLogit::new()
        .value_and_grad(&array![1.0], &array![[3.0, 5.0]])
        .unwrap();
    assert_eq!((value, grad), (-5.0, array![[0.0, -1.0]]));
}
