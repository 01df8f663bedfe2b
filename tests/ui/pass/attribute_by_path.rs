// Accepts `#[losses_core::loss]` and `#[losses_core::differentiable]` without any `use`.
#[losses_core::differentiable]
fn twice(x: f64) -> f64 {
    2.0 * x
}

#[losses_core::loss]
fn by_path(y_true: f64, y_pred: f64) -> f64 {
    twice(y_pred) - y_true
}

fn main() {
    let value =
        losses_core::Loss::value(&ByPath::new(), &ndarray::array![1.0], &ndarray::array![1.0]);
    assert_eq!(value.unwrap(), 1.0);
}
