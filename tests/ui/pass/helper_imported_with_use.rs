// Accepts helpers brought in by `use`, by `use ... as` and by a glob import.
use losses_core::prelude::*;
use ndarray::array;

mod activations {
    use losses_core::prelude::*;

    #[differentiable]
    pub fn double<T: Float>(x: T) -> T {
        2.0 * x
    }

    #[differentiable]
    pub fn triple<T: Float>(x: T) -> T {
        3.0 * x
    }
}

mod more_activations {
    use losses_core::prelude::*;

    #[differentiable]
    pub fn negate<T: Float>(x: T) -> T {
        -x
    }
}

use activations::double;
use activations::triple as times_three;
use more_activations::*;

#[loss]
fn combined<T: Float>(y_true: T, y_pred: T) -> T {
    double(y_pred) + times_three(y_pred) + negate(y_true)
}

fn main() {
    let (value, grad) = Combined::new()
        .value_and_grad(&array![1.0], &array![1.0])
        .unwrap();
    assert_eq!((value, grad), (4.0, array![5.0]));
}
