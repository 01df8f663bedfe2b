// Accepts `inputs_any_length`: two inputs whose rows have different lengths.
use losses_core::prelude::*;
use ndarray::array;

#[loss(inputs(a, b), inputs_any_length)]
fn sum_gap<T: Float>(a: &[T], b: &[T]) -> T {
    let mut gap = 0.0;
    for i in 0..a.len() {
        gap += a[i];
    }
    for j in 0..b.len() {
        gap -= b[j];
    }
    gap * gap
}

fn main() {
    let (value, grad_a, grad_b) = SumGap::new()
        .value_and_grad(&array![[1.0, 2.0]], &array![[0.5, 0.5, 1.0]])
        .unwrap();
    assert_eq!(value, 1.0);
    assert_eq!(grad_a, array![[2.0, 2.0]]);
    assert_eq!(grad_b, array![[-2.0, -2.0, -2.0]]);
}
