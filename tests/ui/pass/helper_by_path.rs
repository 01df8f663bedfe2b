// Accepts a helper called by its module path.
use losses_core::prelude::*;
use ndarray::array;

mod activations {
    use losses_core::prelude::*;

    #[differentiable]
    pub fn swish<T: Float>(x: T) -> T {
        x / (1.0 + (-x).exp())
    }
}

#[loss]
fn swish_gap<T: Float>(y_true: T, y_pred: T) -> T {
    activations::swish(y_pred) - crate::activations::swish(y_true)
}

fn main() {
    let value: f64 = SwishGap::new().value(&array![0.0], &array![0.0]).unwrap();
    assert_eq!(value, 0.0);
}
