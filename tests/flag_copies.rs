//! The copies of the element loop that `#[loss]` gives each combination of up to two
//! `bool` hyper-parameters. Each copy must compute the bits of `forward` and `reverse`
//! with the flags read at run time. A loss of three flags gets one loop.

use losses_core::prelude::*;
use ndarray::{Array1, Array2};

/// `±scale × (e² or |e|)` with `e = ŷ - y`.
#[loss(defaults(squared = true, negate = false, scale = 1.0))]
fn two_flags<T: Float>(y_true: T, y_pred: T, squared: bool, negate: bool, scale: T) -> T {
    let error = y_pred - y_true;
    let base = if squared { error * error } else { error.abs() };
    if negate { -scale * base } else { scale * base }
}

/// As `two_flags`, with a third flag that adds 1.
#[loss(defaults(squared = true, negate = false, shift = false))]
fn three_flags<T: Float>(y_true: T, y_pred: T, squared: bool, negate: bool, shift: bool) -> T {
    let error = y_pred - y_true;
    let base = if squared { error * error } else { error.abs() };
    let signed = if negate { -base } else { base };
    if shift { signed + 1.0 } else { signed }
}

/// 3000 samples of 7 features in `f32`, so that the element loop runs full blocks,
/// grouped samples and a tail.
fn inputs() -> (Array2<f32>, Array2<f32>) {
    let y_true = Array2::from_shape_fn((3000, 7), |(i, j)| ((i * 7 + j) % 11) as f32 * 0.25);
    let y_pred = Array2::from_shape_fn((3000, 7), |(i, j)| ((i * 5 + j * 3) % 13) as f32 * 0.2);
    (y_true, y_pred)
}

/// Checks every gradient entry and per-sample loss of `loss` against one call of
/// `forward` or `reverse` per element, bit for bit, and the value against its own
/// `value_and_grad`.
fn assert_copy_matches_kernel<L: ElementwiseKernel<f32> + Loss<f32>>(label: &str, loss: &L) {
    let (y_true, y_pred) = inputs();
    let features = y_true.ncols();
    let seed = 1.0 / (y_true.len() as f32);

    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    assert_eq!(
        value,
        loss.value(&y_true, &y_pred).unwrap(),
        "{label}: value"
    );
    for ((index, &entry), (&t, &p)) in grad.indexed_iter().zip(y_true.iter().zip(&y_pred)) {
        let (_, expected) = loss.reverse(t, p, seed);
        assert_eq!(
            entry.to_bits(),
            expected.to_bits(),
            "{label}: gradient at {index:?}"
        );
    }

    let per_sample = loss.per_sample(&y_true, &y_pred).unwrap();
    for (i, &found) in per_sample.iter().enumerate() {
        let row = (0..features).map(|j| loss.forward(y_true[[i, j]], y_pred[[i, j]]));
        let mean = row.map(f64::from).sum::<f64>() / features as f64;
        let tolerance = 1e-5 * mean.abs().max(1.0);
        assert!(
            (f64::from(found) - mean).abs() <= tolerance,
            "{label}: sample {i}: {found} against {mean}"
        );
    }
}

#[test]
fn two_flags_give_four_copies() {
    assert_eq!(<TwoFlags as ElementwiseKernel<f32>>::VARIANTS, 4);
    let combinations = [(false, false), (true, false), (false, true), (true, true)];
    for (expected, (squared, negate)) in combinations.into_iter().enumerate() {
        let loss = TwoFlags::new(squared, negate, 0.5);
        assert_eq!(ElementwiseKernel::<f32>::variant(&loss), expected);
        assert_copy_matches_kernel(&format!("squared = {squared}, negate = {negate}"), &loss);
    }
}

#[test]
fn each_copy_follows_its_flags() {
    let y_true = Array1::from(vec![0.0f64, 1.0]);
    let y_pred = Array1::from(vec![2.0f64, -1.0]);
    // Errors 2 and -2: squares 4 and 4, magnitudes 2 and 2, halved by the scale.
    let cases = [
        (true, false, 2.0, [1.0, -1.0]),
        (false, false, 1.0, [0.25, -0.25]),
        (true, true, -2.0, [-1.0, 1.0]),
        (false, true, -1.0, [-0.25, 0.25]),
    ];
    for (squared, negate, value, grad) in cases {
        let loss = TwoFlags::new(squared, negate, 0.5);
        let (found, found_grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        assert_eq!(found, value, "squared = {squared}, negate = {negate}");
        assert_eq!(found_grad, Array1::from(grad.to_vec()));
        assert_eq!(loss.value(&y_true, &y_pred).unwrap(), value);
    }
}

#[test]
fn three_flags_keep_one_loop() {
    assert_eq!(<ThreeFlags as ElementwiseKernel<f32>>::VARIANTS, 1);
    for bits in 0..8 {
        let (squared, negate, shift) = (bits & 1 == 1, bits & 2 == 2, bits & 4 == 4);
        let loss = ThreeFlags::new(squared, negate, shift);
        assert_eq!(ElementwiseKernel::<f32>::variant(&loss), 0);
        assert_copy_matches_kernel(&format!("flags {bits:03b}"), &loss);
    }
}

#[test]
fn binary_crossentropy_copies_match_its_kernel() {
    for from_logits in [false, true] {
        let loss = BinaryCrossentropy::new(from_logits, 0.1);
        assert_eq!(
            ElementwiseKernel::<f32>::variant(&loss),
            usize::from(from_logits)
        );
        let (y_true, y_pred) = inputs();
        let labels = y_true.mapv(|t| (t * 0.4).min(1.0));
        let predictions = y_pred.mapv(|p| if from_logits { p - 1.2 } else { p / 2.6 });
        let seed = 1.0 / (labels.len() as f32);
        let (_, grad) = loss.value_and_grad(&labels, &predictions).unwrap();
        for ((&entry, &t), &p) in grad.iter().zip(&labels).zip(&predictions) {
            let (_, expected) = loss.reverse(t, p, seed);
            assert_eq!(
                entry.to_bits(),
                expected.to_bits(),
                "from_logits = {from_logits}"
            );
        }
    }
}

/// With `NumCast` in scope, `usize` has a second `from`, which the generated code must
/// not call by accident.
mod num_cast_in_scope {
    #[allow(unused_imports)]
    use losses_core::num_traits::NumCast;
    use losses_core::prelude::*;
    use ndarray::array;

    #[loss(defaults(squared = true))]
    fn flagged<T: Float>(y_true: T, y_pred: T, squared: bool) -> T {
        let error = y_pred - y_true;
        if squared { error * error } else { error.abs() }
    }

    #[test]
    fn flag_loss_compiles_and_runs() {
        let loss = Flagged::new(false);
        assert_eq!(ElementwiseKernel::<f64>::variant(&loss), 0);
        assert_eq!(
            loss.value(&array![0.0, 1.0], &array![2.0, -1.0]).unwrap(),
            2.0
        );
    }
}
