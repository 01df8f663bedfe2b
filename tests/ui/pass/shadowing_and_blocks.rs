// Accepts `let` shadowing, typed `let`, nested blocks and parentheses.
#![allow(clippy::let_and_return)]
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn blocks<T: Float>(y_true: T, y_pred: T) -> T {
    let d = y_pred - y_true;
    let d = d * d;
    let two: T = 2.0;
    let positive: bool = y_pred > y_true;
    let inner = {
        let d = d + two;
        let e = {
            let f = d * 0.5;
            f
        };
        e
    };
    if positive {
        (d + inner) * (two + d) / (1.0 + d)
    } else {
        d
    }
}

fn main() {
    let value: f64 = Blocks::new().value(&array![0.0], &array![1.0]).unwrap();
    // d = 1, inner = (1 + 2) / 2 = 1.5, so (1 + 1.5) × (2 + 1) / (1 + 1).
    assert_eq!(value, 3.75);
}
