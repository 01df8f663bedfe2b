//! Compares every shipped loss with the Keras 3 reference cases of
//! `data/keras_reference.rs`: the reduced value, the unweighted per-sample losses and
//! the gradient with respect to `y_pred`.
//!
//! The cases were computed in float64, but Keras 3.15.1 on JAX takes the mean over the
//! feature axis in float32, so its values are accurate to about 6e-7 relative and its
//! gradients to about 4e-8. The comparison therefore allows a relative error of 1e-6,
//! and an absolute error of 1e-12 for entries near 0, such as gradients of order 1e-44
//! at logits of ±100 that JAX rounds to 0.

#[allow(dead_code)]
#[path = "data/keras_reference.rs"]
mod data;

use data::{CASES, Case};
use losses_core::prelude::*;
use ndarray::{Array1, Array2};

const RELATIVE_TOLERANCE: f64 = 1e-6;
const ABSOLUTE_TOLERANCE: f64 = 1e-12;

/// The f32 tolerances. Besides float32 rounding in the loss, the inputs themselves are
/// rounded to float32, which moves a result by its condition number times 6e-8.
const F32_RELATIVE_TOLERANCE: f64 = 2e-5;
const F32_ABSOLUTE_TOLERANCE: f64 = 1e-8;

/// Returns whether `case` is one where this crate deliberately differs from Keras.
///
/// `BinaryFocalCrossentropy` with `from_logits` keeps the exact softplus form of the
/// cross-entropy, where Keras takes the sigmoid and clips the probability to
/// `[1e-7, 1 - 1e-7]`. The two agree while the sigmoid stays inside that range, for
/// `|logit|` below about 16.1, so only cases with a logit beyond ±16 are skipped. The
/// exact values at logits of ±100 are checked by `focal_logits_of_100_are_exact` in
/// `gradient_check.rs` instead.
fn differs_on_purpose(case: &Case) -> bool {
    let large_logit = case.y_pred.iter().any(|logit| logit.abs() > 16.0);
    case.loss == "BinaryFocalCrossentropy" && flag(case, "from_logits") && large_logit
}

/// Returns whether `case` clips a probability at `1 - 1e-7`, which float32 rounds to
/// `1 - 1.19e-7`. There the f32 loss of a certain mistake is `-ln(1.19e-7) ≈ 15.94`,
/// while the float64 reference has `-ln(1e-7) ≈ 16.12`.
fn clips_differently_in_f32(case: &Case) -> bool {
    let takes_probabilities = case.loss.ends_with("Crossentropy") && !flag(case, "from_logits");
    let at_clip_bound = case.y_pred.iter().any(|&p| p <= 1e-7 || p >= 1.0 - 1e-7);
    takes_probabilities && at_clip_bound
}

#[test]
fn keras_reference_f64() {
    let report = compare_all::<f64>(RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE, differs_on_purpose);
    report.assert_passed();
}

#[test]
fn keras_reference_f32() {
    let skip = |case: &Case| differs_on_purpose(case) || clips_differently_in_f32(case);
    let report = compare_all::<f32>(F32_RELATIVE_TOLERANCE, F32_ABSOLUTE_TOLERANCE, skip);
    report.assert_passed();
}

#[test]
fn every_shipped_loss_has_reference_cases() {
    let shipped = [
        "MeanSquaredError",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError",
        "Huber",
        "LogCosh",
        "BinaryCrossentropy",
        "BinaryFocalCrossentropy",
        "WeightedBinaryCrossentropy",
        "Poisson",
        "Hinge",
        "SquaredHinge",
    ];
    for name in shipped {
        let compared = CASES
            .iter()
            .filter(|case| case.loss == name && !differs_on_purpose(case))
            .count();
        assert!(compared > 0, "no compared reference case for {name}");
    }
}

/// The outcome of comparing every case: the mismatches, and the largest share of the
/// tolerance that any compared entry used, per field.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    skipped: Vec<usize>,
    worst: [(f64, String); 3],
}

impl Report {
    fn assert_passed(&self) {
        let [value, per_sample, grad] = &self.worst;
        eprintln!(
            "skipped cases {:?}; largest error as a share of the tolerance: \
             value {:.3} ({}), per_sample {:.3} ({}), grad {:.3} ({})",
            self.skipped, value.0, value.1, per_sample.0, per_sample.1, grad.0, grad.1
        );
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// The tolerance and the report that one comparison writes to.
struct Checker<'a> {
    relative: f64,
    absolute: f64,
    report: &'a mut Report,
}

impl Checker<'_> {
    /// Compares one entry. `field` is 0, 1 or 2 for value, per-sample and gradient.
    fn entry(&mut self, label: &str, field: usize, actual: f64, expected: f64) {
        let allowed = (self.relative * expected.abs()).max(self.absolute);
        let error = (actual - expected).abs();
        let share = if error.is_nan() {
            f64::INFINITY
        } else {
            error / allowed
        };
        if share > self.report.worst[field].0 {
            self.report.worst[field] = (share, label.to_string());
        }
        if share > 1.0 {
            self.report.failures.push(format!(
                "{label}: got {actual:e}, expected {expected:e} (error {error:e}, allowed {allowed:e})"
            ));
        }
    }

    /// Compares a field entry by entry, after checking its length.
    fn entries(&mut self, label: &str, field: usize, actual: &[f64], expected: &[f64]) {
        if actual.len() != expected.len() {
            self.report.failures.push(format!(
                "{label}: got {} entries, expected {}",
                actual.len(),
                expected.len()
            ));
            return;
        }
        for (index, (&actual, &expected)) in actual.iter().zip(expected).enumerate() {
            self.entry(&format!("{label}[{index}]"), field, actual, expected);
        }
    }
}

/// Compares every case for which `skip` is false.
fn compare_all<T: LossFloat>(relative: f64, absolute: f64, skip: impl Fn(&Case) -> bool) -> Report {
    let mut report = Report::default();
    for (index, case) in CASES.iter().enumerate() {
        if skip(case) {
            report.skipped.push(index);
            continue;
        }
        let mut checker = Checker {
            relative,
            absolute,
            report: &mut report,
        };
        compare_case::<T>(&mut checker, index, case);
    }
    report
}

/// Builds the loss that `case` names from its parameters and compares it.
fn compare_case<T: LossFloat>(checker: &mut Checker<'_>, index: usize, case: &Case) {
    let reduction = reduction(case.reduction);
    let number = |name| param(case, name);
    let flag = |name| flag(case, name);
    match case.loss {
        "MeanSquaredError" => compare::<T, _>(
            checker,
            index,
            case,
            MeanSquaredError::new().with_reduction(reduction),
        ),
        "MeanAbsoluteError" => compare::<T, _>(
            checker,
            index,
            case,
            MeanAbsoluteError::new().with_reduction(reduction),
        ),
        "MeanAbsolutePercentageError" => {
            let loss = MeanAbsolutePercentageError::new();
            compare::<T, _>(checker, index, case, loss.with_reduction(reduction));
        }
        "MeanSquaredLogarithmicError" => {
            let loss = MeanSquaredLogarithmicError::new();
            compare::<T, _>(checker, index, case, loss.with_reduction(reduction));
        }
        "Huber" => compare::<T, _>(
            checker,
            index,
            case,
            Huber::new(number("delta")).with_reduction(reduction),
        ),
        "LogCosh" => compare::<T, _>(
            checker,
            index,
            case,
            LogCosh::new().with_reduction(reduction),
        ),
        "BinaryCrossentropy" => {
            let loss = BinaryCrossentropy::new(flag("from_logits"), number("label_smoothing"));
            compare::<T, _>(checker, index, case, loss.with_reduction(reduction));
        }
        "BinaryFocalCrossentropy" => {
            let loss = BinaryFocalCrossentropy::new(
                flag("apply_class_balancing"),
                number("alpha"),
                number("gamma"),
                flag("from_logits"),
                number("label_smoothing"),
            );
            compare::<T, _>(checker, index, case, loss.with_reduction(reduction));
        }
        "WeightedBinaryCrossentropy" => {
            let loss = WeightedBinaryCrossentropy::new(
                number("positive_weight"),
                number("negative_weight"),
                flag("from_logits"),
            );
            compare::<T, _>(checker, index, case, loss.with_reduction(reduction));
        }
        "Poisson" => compare::<T, _>(
            checker,
            index,
            case,
            Poisson::new().with_reduction(reduction),
        ),
        "Hinge" => compare::<T, _>(checker, index, case, Hinge::new().with_reduction(reduction)),
        "SquaredHinge" => compare::<T, _>(
            checker,
            index,
            case,
            SquaredHinge::new().with_reduction(reduction),
        ),
        other => panic!("case {index}: unknown loss {other}"),
    }
}

/// Compares value, per-sample losses and gradient of `loss` with the stored ones.
fn compare<T: LossFloat, L: Loss<T>>(
    checker: &mut Checker<'_>,
    index: usize,
    case: &Case,
    loss: L,
) {
    let [samples, features] = case.shape;
    let matrix = |values: &[f64]| {
        let converted = values
            .iter()
            .map(|&value| T::from_f64_value(value))
            .collect();
        Array2::from_shape_vec((samples, features), converted)
            .expect("stored data matches its shape")
    };
    let (y_true, y_pred) = (matrix(case.y_true), matrix(case.y_pred));
    let label = |field: &str| format!("{} case {index} {field}", case.loss);

    let evaluated = match case.sample_weight {
        Some(weights) => {
            let weights: Array1<T> = weights
                .iter()
                .map(|&weight| T::from_f64_value(weight))
                .collect();
            let value = loss.value_weighted(&y_true, &y_pred, &weights);
            value.and_then(|value| {
                Ok((
                    value,
                    loss.value_and_grad_weighted(&y_true, &y_pred, &weights)?,
                ))
            })
        }
        None => {
            let value = loss.value(&y_true, &y_pred);
            value.and_then(|value| Ok((value, loss.value_and_grad(&y_true, &y_pred)?)))
        }
    };
    let per_sample = loss.per_sample(&y_true, &y_pred);
    let ((value, (value_with_grad, grad)), per_sample) = match (evaluated, per_sample) {
        (Ok(evaluated), Ok(per_sample)) => (evaluated, per_sample),
        (Err(error), _) | (_, Err(error)) => {
            checker
                .report
                .failures
                .push(format!("{}: evaluation failed: {error}", label("value")));
            return;
        }
    };

    if value != value_with_grad {
        checker.report.failures.push(format!(
            "{}: value {value} differs from the value of value_and_grad, {value_with_grad}",
            label("value")
        ));
    }
    checker.entry(&label("value"), 0, LossFloat::to_f64(value), case.value);
    let per_sample: Vec<f64> = per_sample
        .iter()
        .map(|&loss| LossFloat::to_f64(loss))
        .collect();
    checker.entries(&label("per_sample"), 1, &per_sample, case.per_sample);
    let grad: Vec<f64> = grad.iter().map(|&entry| LossFloat::to_f64(entry)).collect();
    checker.entries(&label("grad"), 2, &grad, case.grad);
}

fn reduction(keras_name: &str) -> Reduction {
    match keras_name {
        "sum_over_batch_size" => Reduction::SumOverBatchSize,
        "sum" => Reduction::Sum,
        "mean_with_sample_weight" => Reduction::Mean,
        other => panic!("unknown Keras reduction {other}"),
    }
}

fn param(case: &Case, name: &str) -> f64 {
    let found = case.params.iter().find(|(key, _)| *key == name);
    match found {
        Some((_, value)) => *value,
        None => panic!("a {} case has no parameter {name}", case.loss),
    }
}

/// Reads a boolean parameter, which the data stores as 0.0 or 1.0.
fn flag(case: &Case, name: &str) -> bool {
    param(case, name) != 0.0
}
