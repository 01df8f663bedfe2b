// Accepts every supported float method, on per-sample values and on hyper-parameters.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn all_methods<T: Float>(y_true: T, y_pred: T, a: T) -> T {
    let p = y_pred;
    let logs = p.ln() + p.log2() + p.log10() + p.ln_1p() + a.ln();
    let exps = p.exp() + p.exp2() + p.exp_m1() + a.exp();
    let roots = p.sqrt() + p.cbrt() + p.recip() + p.hypot(y_true) + a.sqrt();
    let powers = p.powi(3) + p.powi(-2) + p.powf(y_true) + p.powf(a) + a.powi(2);
    let picks = p.abs() + p.max(y_true) + p.min(a) + p.clamp(0.0, 1.0) + p.signum();
    let trig = p.tanh() + p.sinh() + p.cosh() + p.sin() + p.cos() + a.tanh();
    logs + exps + roots + powers + picks + trig
}

fn main() {
    let (value, grad) = AllMethods::new(0.5)
        .value_and_grad(&array![0.5], &array![0.75])
        .unwrap();
    assert!(value.is_finite() && grad[0].is_finite());
}
