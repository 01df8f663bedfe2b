//! Compares `SparseCategoricalCrossentropy` with the Keras 3 cases of
//! `data/sparse_reference.rs`: the reduced value, the unweighted per-sample losses and
//! the gradient with respect to `y_pred`, in f64 and in f32.
//!
//! Keras computes the same float64 formulas, and with `ignore_class` leaves the ignored
//! samples out of its divisor as this crate does, so the f64 results match to 1e-12
//! relative.

// Stored reference numbers are data, not approximations of constants.
#[allow(dead_code, clippy::approx_constant)]
#[path = "data/sparse_reference.rs"]
mod data;

use data::{CASES, Case};
use losses_core::Batch;
use losses_core::prelude::*;
use ndarray::{Array1, Array2, ArrayD};

/// Relative and absolute tolerances of one comparison.
#[derive(Clone, Copy)]
struct Tolerance {
    relative: f64,
    absolute: f64,
}

const F64: Tolerance = Tolerance {
    relative: 1e-12,
    absolute: 1e-15,
};

/// Besides float32 rounding in the loss, the inputs themselves are rounded to float32,
/// and the clip bound `1 - 1e-7` becomes `1 - 1.19e-7`.
const F32: Tolerance = Tolerance {
    relative: 2e-5,
    absolute: 1e-6,
};

#[test]
fn sparse_reference_f64() {
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        compare::<f64>(&mut failures, F64, index, case);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sparse_reference_f32() {
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        compare::<f32>(&mut failures, F32, index, case);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reference_covers_both_forms_and_ignore_class() {
    for from_logits in [false, true] {
        let with_ignore = CASES
            .iter()
            .filter(|case| case.from_logits == from_logits && case.ignore_class.is_some())
            .count();
        let without = CASES
            .iter()
            .filter(|case| case.from_logits == from_logits && case.ignore_class.is_none())
            .count();
        assert!(
            with_ignore > 0,
            "no ignore_class case for from_logits = {from_logits}"
        );
        assert!(without > 0, "no plain case for from_logits = {from_logits}");
    }
}

/// Evaluates `case` in `T` and appends a line to `failures` for every entry outside
/// `tolerance`.
fn compare<T: LossFloat>(
    failures: &mut Vec<String>,
    tolerance: Tolerance,
    index: usize,
    case: &Case,
) {
    let loss =
        SparseCategoricalCrossentropy::new(case.from_logits, case.ignore_class.unwrap_or(-1.0))
            .with_reduction(reduction(case.reduction));
    let [samples, classes] = case.shape;
    let y_true: ArrayD<T> = convert(case.y_true).into_dyn();
    let y_pred: ArrayD<T> =
        Array2::from_shape_vec((samples, classes), convert(case.y_pred).to_vec())
            .expect("stored data matches its shape")
            .into_dyn();
    let weights = case.sample_weight.map(convert::<T>);
    let batch = || {
        let batch = Batch::new(y_true.view(), y_pred.view());
        match &weights {
            Some(weights) => batch.with_sample_weight(weights.view().into_dyn()),
            None => batch,
        }
    };

    let mut grad = ArrayD::<T>::zeros(y_pred.raw_dim());
    let value = loss.evaluate_into(batch(), grad.view_mut());
    let per_sample = loss.evaluate_per_sample(Batch::new(y_true.view(), y_pred.view()));
    let (value, per_sample) = match (value, per_sample) {
        (Ok(value), Ok(per_sample)) => (value, per_sample),
        (Err(error), _) | (_, Err(error)) => {
            failures.push(format!("case {index}: evaluation failed: {error}"));
            return;
        }
    };

    let mut check = |what: String, actual: T, expected: f64| {
        let actual = LossFloat::to_f64(actual);
        let allowed = (tolerance.relative * expected.abs()).max(tolerance.absolute);
        let error = (actual - expected).abs();
        if error.is_nan() || error > allowed {
            failures.push(format!(
                "case {index} {what}: got {actual:e}, expected {expected:e}, allowed error {allowed:e}"
            ));
        }
    };
    check("value".to_string(), value, case.value);
    assert_eq!(per_sample.len(), case.per_sample.len(), "case {index}");
    for (position, (&actual, &expected)) in per_sample.iter().zip(case.per_sample).enumerate() {
        check(format!("per_sample[{position}]"), actual, expected);
    }
    for (position, (&actual, &expected)) in grad.iter().zip(case.grad).enumerate() {
        check(format!("grad[{position}]"), actual, expected);
    }
}

fn convert<T: LossFloat>(values: &[f64]) -> Array1<T> {
    values
        .iter()
        .map(|&value| T::from_f64_value(value))
        .collect()
}

fn reduction(keras_name: &str) -> Reduction {
    match keras_name {
        "sum_over_batch_size" => Reduction::SumOverBatchSize,
        "sum" => Reduction::Sum,
        "mean_with_sample_weight" => Reduction::Mean,
        other => panic!("unknown Keras reduction {other}"),
    }
}
