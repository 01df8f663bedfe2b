// Accepts a body that is only a parameter or only a literal.
#![allow(unused_variables)]
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn identity<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred
}

#[loss]
fn constant<T: Float>(y_true: T, y_pred: T) -> T {
    1.0
}

fn main() {
    let (value, grad) = Identity::new()
        .value_and_grad(&array![0.0], &array![2.0])
        .unwrap();
    assert_eq!((value, grad), (2.0, array![1.0]));
    let (value, grad) = Constant::new()
        .value_and_grad(&array![0.0], &array![2.0])
        .unwrap();
    assert_eq!((value, grad), (1.0, array![0.0]));
}
