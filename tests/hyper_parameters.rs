//! Checks that the shipped losses reject hyper-parameters outside their domain with
//! `LossError::InvalidHyperParameter`, naming the parameter and its value, and accept
//! the values on the domain's boundary.

use losses_core::prelude::*;
use ndarray::{Array1, array};

fn inputs() -> (Array1<f64>, Array1<f64>) {
    (array![0.0, 1.0], array![0.25, 0.75])
}

/// Evaluates `loss` and returns its error message, checking that the error is
/// `InvalidHyperParameter` for the loss `name`.
fn rejection<L: Loss<f64>>(name: &str, loss: L) -> String {
    let (y_true, y_pred) = inputs();
    let error = match loss.value(&y_true, &y_pred) {
        Ok(value) => panic!("{name}: accepted, with value {value}"),
        Err(error) => error,
    };
    match &error {
        LossError::InvalidHyperParameter { loss, .. } => assert_eq!(*loss, name),
        other => panic!("{name}: expected InvalidHyperParameter, got {other:?}"),
    }
    error.to_string()
}

/// Asserts that `message` names `parameter = value`.
fn assert_names(message: &str, parameter: &str, value: &str) {
    let expected = format!("{parameter} = {value}");
    assert!(
        message.contains(&expected),
        "message {message:?} lacks {expected:?}"
    );
}

fn assert_accepted<L: Loss<f64>>(label: &str, loss: L) {
    let (y_true, y_pred) = inputs();
    if let Err(error) = loss.value(&y_true, &y_pred) {
        panic!("{label}: rejected: {error}");
    }
}

#[test]
fn huber_rejects_negative_delta() {
    let message = rejection("Huber", Huber::new(-1.0));
    assert_names(&message, "delta", "-1.0");
    assert!(message.contains("delta >= 0.0"), "message {message:?}");
}

#[test]
fn huber_rejects_nan_delta() {
    let message = rejection("Huber", Huber::new(f64::NAN));
    assert_names(&message, "delta", "NaN");
}

#[test]
fn huber_rejects_before_checking_shapes() {
    let loss = Huber::new(-1.0);
    let error = loss.value(&array![0.0, 1.0], &array![0.0]).unwrap_err();
    assert!(
        matches!(error, LossError::InvalidHyperParameter { .. }),
        "{error:?}"
    );
}

#[test]
fn crossentropy_rejects_bad_label_smoothing() {
    let message = rejection("BinaryCrossentropy", BinaryCrossentropy::new(false, 1.5));
    assert_names(&message, "label_smoothing", "1.5");
    let message = rejection("BinaryCrossentropy", BinaryCrossentropy::new(true, -0.1));
    assert_names(&message, "label_smoothing", "-0.1");
}

#[test]
fn focal_rejects_out_of_domain_values() {
    let name = "BinaryFocalCrossentropy";
    let message = rejection(
        name,
        BinaryFocalCrossentropy::new(true, -0.25, 2.0, false, 0.0),
    );
    assert_names(&message, "alpha", "-0.25");
    let message = rejection(
        name,
        BinaryFocalCrossentropy::new(true, 1.25, 2.0, false, 0.0),
    );
    assert_names(&message, "alpha", "1.25");
    let message = rejection(
        name,
        BinaryFocalCrossentropy::new(false, 0.25, -1.0, false, 0.0),
    );
    assert_names(&message, "gamma", "-1.0");
    let message = rejection(
        name,
        BinaryFocalCrossentropy::new(false, 0.25, 2.0, true, 2.0),
    );
    assert_names(&message, "label_smoothing", "2.0");
}

#[test]
fn weighted_rejects_negative_weights() {
    let name = "WeightedBinaryCrossentropy";
    let message = rejection(name, WeightedBinaryCrossentropy::new(-1.0, 1.0, false));
    assert_names(&message, "positive_weight", "-1.0");
    let message = rejection(name, WeightedBinaryCrossentropy::new(1.0, -2.0, true));
    assert_names(&message, "negative_weight", "-2.0");
}

#[test]
fn boundary_values_are_accepted() {
    assert_accepted("Huber(0)", Huber::new(0.0));
    assert_accepted(
        "BinaryCrossentropy(ls = 0)",
        BinaryCrossentropy::new(false, 0.0),
    );
    assert_accepted(
        "BinaryCrossentropy(ls = 1)",
        BinaryCrossentropy::new(true, 1.0),
    );
    for (alpha, gamma, label_smoothing) in [(0.0, 0.0, 0.0), (1.0, 0.0, 1.0)] {
        let loss = BinaryFocalCrossentropy::new(true, alpha, gamma, false, label_smoothing);
        assert_accepted(
            &format!("BinaryFocalCrossentropy({alpha}, {gamma}, {label_smoothing})"),
            loss,
        );
    }
    assert_accepted(
        "WeightedBinaryCrossentropy(0, 0)",
        WeightedBinaryCrossentropy::new(0.0, 0.0, false),
    );
}

// Keras's defaults, in the order of each constructor.
#[test]
fn defaults_match_keras() {
    assert_eq!(Huber::default(), Huber::new(1.0));
    assert_eq!(
        BinaryCrossentropy::default(),
        BinaryCrossentropy::new(false, 0.0)
    );
    assert_eq!(
        BinaryFocalCrossentropy::default(),
        BinaryFocalCrossentropy::new(false, 0.25, 2.0, false, 0.0)
    );
    assert_eq!(
        WeightedBinaryCrossentropy::default(),
        WeightedBinaryCrossentropy::new(1.0, 1.0, false)
    );
    assert_eq!(Huber::default().reduction, Reduction::SumOverBatchSize);
}

/// A squared error weighted per feature by a slice hyper-parameter.
#[loss]
fn feature_weighted<T: Float>(y_true: &[T], y_pred: &[T], weights: &[T]) -> T {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        let difference = y_pred[i] - y_true[i];
        total += weights[i] * difference * difference;
    }
    total
}

#[test]
fn slice_hyper_parameter_rejects_nan_element() {
    let y_true = array![[0.0, 1.0, 0.0]];
    let y_pred = array![[0.5, 0.5, 0.5]];
    let loss = FeatureWeighted::new(vec![1.0, f64::NAN, f64::NAN]);
    let error = loss.value(&y_true, &y_pred).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid hyper-parameter for FeatureWeighted: requires no element of `weights` is \
         NaN, got weights[1] = NaN"
    );
    let (value, _) = FeatureWeighted::new(vec![1.0, 2.0, 1.0])
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    // (0.25 + 2 × 0.25 + 0.25) / 1 sample.
    assert_eq!(value, 1.0);
}
