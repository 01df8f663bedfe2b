//! Compares every shipped row loss with the reference cases of
//! `data/row_reference.rs`: the reduced value, the unweighted per-sample losses and the
//! gradient with respect to `y_pred`, in f64 and in f32.
//!
//! The Keras cases and the formula cases were both computed in float64, and they sum
//! over the row in float64, so in f64 they match to a few units of rounding. The
//! comparison allows a relative error of 1e-12, and an absolute error of 1e-15 for
//! entries near 0.

// Stored reference numbers such as ln 2 are data, not approximations of constants.
#[allow(dead_code, clippy::approx_constant)]
#[path = "data/row_reference.rs"]
mod data;

use data::{CASES, Case};
use losses_core::Batch;
use losses_core::prelude::*;
use ndarray::{Array1, Array2};

const RELATIVE_TOLERANCE: f64 = 1e-12;
const ABSOLUTE_TOLERANCE: f64 = 1e-15;

/// The f32 tolerances. Besides float32 rounding in the loss, the inputs themselves are
/// rounded to float32, which moves a result by its condition number times 6e-8.
const F32_RELATIVE_TOLERANCE: f64 = 2e-5;
const F32_ABSOLUTE_TOLERANCE: f64 = 1e-6;

#[test]
fn row_reference_f64() {
    let report = compare_all::<f64>(RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE, |_| false);
    report.assert_passed();
}

#[test]
fn row_reference_f32() {
    let report = compare_all::<f32>(
        F32_RELATIVE_TOLERANCE,
        F32_ABSOLUTE_TOLERANCE,
        clips_differently_in_f32,
    );
    report.assert_passed();
}

#[test]
fn every_row_loss_has_reference_cases() {
    let shipped = [
        "CategoricalCrossentropy",
        "CategoricalFocalCrossentropy",
        "KLDivergence",
        "CosineSimilarity",
        "CategoricalHinge",
        "Dice",
        "Jaccard",
        "Tversky",
        "ApproxNdcg",
        "Mahalanobis",
    ];
    for name in shipped {
        let count = CASES.iter().filter(|case| case.loss == name).count();
        assert!(count > 0, "no reference case for {name}");
    }
}

/// Returns whether `case` clips a probability at `1 - 1e-7`, which float32 rounds to
/// `1 - 1.19e-7`, so the f32 loss differs from the float64 reference there.
fn clips_differently_in_f32(case: &Case) -> bool {
    let takes_probabilities = case.loss.starts_with("Categorical")
        && case.loss.ends_with("Crossentropy")
        && param(case, "from_logits") == 0.0;
    let features = case.shape[1];
    let clips_at_one = case.y_pred.chunks(features).any(|row| {
        let sum: f64 = row.iter().sum();
        row.iter().any(|&p| p / sum >= 1.0 - 1e-7)
    });
    takes_probabilities && clips_at_one
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
             value {:.2e} ({}), per_sample {:.2e} ({}), grad {:.2e} ({})",
            self.skipped, value.0, value.1, per_sample.0, per_sample.1, grad.0, grad.1
        );
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }

    /// Compares one entry. `field` is 0, 1 or 2 for value, per-sample and gradient.
    fn entry(
        &mut self,
        tolerance: (f64, f64),
        label: String,
        field: usize,
        actual: f64,
        expected: f64,
    ) {
        let (relative, absolute) = tolerance;
        let allowed = (relative * expected.abs()).max(absolute);
        let error = (actual - expected).abs();
        let share = if error.is_nan() {
            f64::INFINITY
        } else {
            error / allowed
        };
        if share > self.worst[field].0 {
            self.worst[field] = (share, label.clone());
        }
        if share > 1.0 {
            self.failures.push(format!(
                "{label}: got {actual:e}, expected {expected:e} (error {error:e}, allowed {allowed:e})"
            ));
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
        compare_case::<T>(&mut report, (relative, absolute), index, case);
    }
    report
}

/// Builds the loss that `case` names from its parameters and compares it.
fn compare_case<T: LossFloat>(
    report: &mut Report,
    tolerance: (f64, f64),
    index: usize,
    case: &Case,
) {
    let reduction = reduction(case.reduction);
    let number = |name| param(case, name);
    let flag = |name| param(case, name) != 0.0;
    let mut compare = |loss: &dyn Loss<T>| compare_loss(report, tolerance, index, case, loss);
    match case.loss {
        "CategoricalCrossentropy" => compare(
            &CategoricalCrossentropy::new(flag("from_logits"), number("label_smoothing"))
                .with_reduction(reduction),
        ),
        "CategoricalFocalCrossentropy" => compare(
            &CategoricalFocalCrossentropy::new(
                number("alpha"),
                number("gamma"),
                flag("from_logits"),
                number("label_smoothing"),
            )
            .with_reduction(reduction),
        ),
        "KLDivergence" => compare(&KLDivergence::new().with_reduction(reduction)),
        "CosineSimilarity" => compare(&CosineSimilarity::new().with_reduction(reduction)),
        "CategoricalHinge" => compare(&CategoricalHinge::new().with_reduction(reduction)),
        "Dice" => compare(&Dice::new(number("smooth")).with_reduction(reduction)),
        "Jaccard" => compare(&Jaccard::new(number("smooth")).with_reduction(reduction)),
        "Tversky" => compare(
            &Tversky::new(number("alpha"), number("beta"), number("smooth"))
                .with_reduction(reduction),
        ),
        "ApproxNdcg" => compare(&ApproxNdcg::new(number("temperature")).with_reduction(reduction)),
        "Mahalanobis" => {
            let matrix = case.matrix.expect("Mahalanobis cases store a matrix");
            compare(&Mahalanobis::new(matrix.to_vec()).with_reduction(reduction));
        }
        other => panic!("case {index}: unknown loss {other}"),
    }
}

/// Compares value, per-sample losses and gradient of `loss` with the stored ones,
/// through the `dyn Loss` methods.
fn compare_loss<T: LossFloat>(
    report: &mut Report,
    tolerance: (f64, f64),
    index: usize,
    case: &Case,
    loss: &dyn Loss<T>,
) {
    let [samples, features] = case.shape;
    let matrix = |values: &[f64]| {
        let converted = values
            .iter()
            .map(|&value| T::from_f64_value(value))
            .collect();
        Array2::from_shape_vec((samples, features), converted)
            .expect("stored data matches its shape")
            .into_dyn()
    };
    let (y_true, y_pred) = (matrix(case.y_true), matrix(case.y_pred));
    let weights: Option<Array1<T>> = case
        .sample_weight
        .map(|weights| weights.iter().map(|&w| T::from_f64_value(w)).collect());
    let batch = || {
        let batch = Batch::new(y_true.view(), y_pred.view());
        match &weights {
            Some(weights) => batch.with_sample_weight(weights.view().into_dyn()),
            None => batch,
        }
    };
    let label = |field: &str| format!("{} case {index} {field}", case.loss);

    let mut grad = ndarray::ArrayD::<T>::zeros(y_pred.raw_dim());
    let evaluated = loss.evaluate_value(batch()).and_then(|value| {
        let with_grad = loss.evaluate_into(batch(), grad.view_mut())?;
        let per_sample = loss.evaluate_per_sample(Batch::new(y_true.view(), y_pred.view()))?;
        Ok((value, with_grad, per_sample))
    });
    let (value, value_with_grad, per_sample) = match evaluated {
        Ok(evaluated) => evaluated,
        Err(error) => {
            report
                .failures
                .push(format!("{}: evaluation failed: {error}", label("value")));
            return;
        }
    };

    if value != value_with_grad {
        report.failures.push(format!(
            "{}: value {value} differs from the value with the gradient, {value_with_grad}",
            label("value")
        ));
    }
    report.entry(
        tolerance,
        label("value"),
        0,
        LossFloat::to_f64(value),
        case.value,
    );
    if per_sample.len() != case.per_sample.len() || grad.len() != case.grad.len() {
        report.failures.push(format!(
            "{}: {} per-sample losses and {} gradient entries, expected {} and {}",
            label("shape"),
            per_sample.len(),
            grad.len(),
            case.per_sample.len(),
            case.grad.len()
        ));
    }
    for (position, (&actual, &expected)) in per_sample.iter().zip(case.per_sample).enumerate() {
        let label = label(&format!("per_sample[{position}]"));
        report.entry(tolerance, label, 1, LossFloat::to_f64(actual), expected);
    }
    for (position, (&actual, &expected)) in grad.iter().zip(case.grad).enumerate() {
        let label = label(&format!("grad[{position}]"));
        report.entry(tolerance, label, 2, LossFloat::to_f64(actual), expected);
    }
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
    match case.params.iter().find(|(key, _)| *key == name) {
        Some((_, value)) => *value,
        None => panic!("a {} case has no parameter {name}", case.loss),
    }
}
