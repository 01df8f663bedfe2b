// Accepts hyper-parameters before, between and after `y_true` and `y_pred`; `new` takes them in declaration order.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn interleaved(scale: f64, y_pred: f64, squared: bool, y_true: f64, offset: f64) -> f64 {
    let d = y_pred - y_true + offset;
    if squared {
        scale * d * d
    } else {
        scale * d.abs()
    }
}

fn main() {
    let loss = Interleaved::new(2.0, true, 1.0);
    assert_eq!((loss.scale, loss.squared, loss.offset), (2.0, true, 1.0));
    assert_eq!(loss.value(&array![0.0], &array![1.0]).unwrap(), 8.0);
}
