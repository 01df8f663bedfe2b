// Accepts a loss with eight hyper-parameters.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
#[allow(clippy::too_many_arguments)]
fn polynomial<T: Float>(
    y_true: T,
    y_pred: T,
    a: T,
    b: T,
    c: T,
    d: T,
    e: T,
    f: T,
    g: T,
    odd: bool,
) -> T {
    let x = y_pred - y_true;
    let even = a + c * x * x + e * x.powi(4) + g * x.powi(6);
    if odd {
        even + b * x + d * x.powi(3) + f * x.powi(5)
    } else {
        even
    }
}

fn main() {
    let loss = Polynomial::new(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, true);
    let value: f64 = loss.value(&array![0.0], &array![1.0]).unwrap();
    assert_eq!(value, 7.0);
}
