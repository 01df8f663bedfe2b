//! Losses of several row inputs, `#[loss(inputs(...))]`: pairs and triplets of
//! embeddings, each differentiated. Gradients are checked against central finite
//! differences in f64, and at the points where distances are zero.

use losses_core::prelude::*;
use ndarray::{Array2, array};

/// Contrastive loss (Hadsell, Chopra and LeCun 2006): label 1 for similar pairs.
#[loss(inputs(x1, x2))]
fn pair_contrastive<T: Float>(y_true: T, x1: &[T], x2: &[T], margin: T) -> T {
    let mut squared = 0.0;
    for i in 0..x1.len() {
        squared += (x1[i] - x2[i]).powi(2);
    }
    let distance = squared.sqrt();
    let gap = (margin - distance).max(0.0);
    y_true * squared + (1.0 - y_true) * gap * gap
}

/// Triplet margin loss with Euclidean distances, as PyTorch defines it (without its eps).
#[loss(inputs(anchor, positive, negative))]
fn triplet<T: Float>(anchor: &[T], positive: &[T], negative: &[T], margin: T) -> T {
    let mut to_positive = 0.0;
    let mut to_negative = 0.0;
    for i in 0..anchor.len() {
        to_positive += (anchor[i] - positive[i]).powi(2);
        to_negative += (anchor[i] - negative[i]).powi(2);
    }
    (to_positive.sqrt() - to_negative.sqrt() + margin).max(0.0)
}

fn central_difference(
    f: impl Fn(&Array2<f64>) -> f64,
    at: &Array2<f64>,
    index: (usize, usize),
) -> f64 {
    let h = 1e-6;
    let mut shifted = at.clone();
    shifted[index] += h;
    let up = f(&shifted);
    shifted[index] -= 2.0 * h;
    let down = f(&shifted);
    (up - down) / (2.0 * h)
}

fn assert_close(numeric: f64, analytic: f64, what: &str) {
    let tolerance = 1e-6 * numeric.abs().max(analytic.abs()) + 1e-8;
    assert!(
        (numeric - analytic).abs() <= tolerance,
        "{what}: finite difference {numeric}, gradient {analytic}"
    );
}

#[test]
fn contrastive_gradients_for_both_inputs() {
    let loss = PairContrastive::new(1.0);
    let labels = array![1.0, 0.0, 0.0];
    let x1 = array![[0.3, -0.4], [0.1, 0.2], [2.0, 1.0]];
    let x2 = array![[0.0, 0.1], [0.4, -0.2], [1.5, 1.5]];
    let (_, grad1, grad2) = loss.value_and_grad(&labels, &x1, &x2).unwrap();
    for index in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)] {
        let numeric1 = central_difference(|x| loss.value(&labels, x, &x2).unwrap(), &x1, index);
        let numeric2 = central_difference(|x| loss.value(&labels, &x1, x).unwrap(), &x2, index);
        assert_close(numeric1, grad1[index], &format!("x1 {index:?}"));
        assert_close(numeric2, grad2[index], &format!("x2 {index:?}"));
    }
}

#[test]
fn contrastive_identical_embeddings() {
    let loss = PairContrastive::new(1.0);
    let x = array![[0.5, 0.5]];

    // A similar pair at distance 0: loss 0, gradient 0 for both.
    let (value, grad1, grad2) = loss.value_and_grad(&array![1.0], &x, &x).unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad1, array![[0.0, 0.0]]);
    assert_eq!(grad2, array![[0.0, 0.0]]);

    // A dissimilar pair at distance 0 with margin 1: loss 1, finite gradient.
    let (value, grad1, grad2) = loss.value_and_grad(&array![0.0], &x, &x).unwrap();
    assert_eq!(value, 1.0);
    assert!(grad1.iter().chain(grad2.iter()).all(|g| g.is_finite()));
}

#[test]
fn triplet_gradients_for_three_inputs() {
    let loss = Triplet::new(1.0);
    let anchor = array![[0.3, -0.4, 0.2], [0.1, 0.2, 0.3]];
    let positive = array![[0.0, 0.1, 0.2], [0.4, -0.2, 0.1]];
    let negative = array![[0.5, 0.5, 0.5], [0.2, 0.1, 0.6]];
    let (_, g_anchor, g_positive, g_negative) =
        loss.value_and_grad(&anchor, &positive, &negative).unwrap();
    for index in [(0, 0), (0, 2), (1, 1)] {
        let numeric = central_difference(
            |x| loss.value(x, &positive, &negative).unwrap(),
            &anchor,
            index,
        );
        assert_close(numeric, g_anchor[index], "anchor");
        let numeric = central_difference(
            |x| loss.value(&anchor, x, &negative).unwrap(),
            &positive,
            index,
        );
        assert_close(numeric, g_positive[index], "positive");
        let numeric = central_difference(
            |x| loss.value(&anchor, &positive, x).unwrap(),
            &negative,
            index,
        );
        assert_close(numeric, g_negative[index], "negative");
    }
}

#[test]
fn triplet_anchor_equal_to_positive() {
    // anchor = positive = [0.5, 0.5], negative [1.5, 0.5], margin 2: distances 0 and 1,
    // loss 0 - 1 + 2 = 1; gradients anchor [1, 0], positive [0, 0], negative [-1, 0].
    let loss = Triplet::new(2.0);
    let point = array![[0.5, 0.5]];
    let (value, anchor, positive, negative) = loss
        .value_and_grad(&point, &point, &array![[1.5, 0.5]])
        .unwrap();
    assert_eq!(value, 1.0);
    assert_eq!(anchor, array![[1.0, 0.0]]);
    assert_eq!(positive, array![[0.0, 0.0]]);
    assert_eq!(negative, array![[-1.0, 0.0]]);
}

#[test]
fn inputs_with_different_samples_are_rejected() {
    let loss = Triplet::new(1.0);
    let error = loss
        .value(
            &array![[0.0, 1.0]],
            &array![[0.0, 1.0], [1.0, 0.0]],
            &array![[0.0, 1.0]],
        )
        .unwrap_err();
    let expected = "anchor has shape [1, 2] but positive has shape [2, 2]; all inputs must have the same shape";
    assert_eq!(error.to_string(), expected);
}

#[test]
fn weighted_pairs_follow_the_reduction() {
    let loss = PairContrastive::new(1.0).with_reduction(Reduction::Sum);
    let labels = array![1.0, 0.0];
    let x1 = array![[0.3, -0.4], [0.1, 0.2]];
    let x2 = array![[0.0, 0.1], [0.4, -0.2]];
    let per_sample = loss.per_sample(&labels, &x1, &x2).unwrap();
    let value: f64 = loss
        .value_weighted(&labels, &x1, &x2, &array![2.0, 0.5])
        .unwrap();
    let expected = 2.0 * per_sample[[0]] + 0.5 * per_sample[[1]];
    assert!((value - expected).abs() < 1e-15);
}

#[test]
fn wrong_array_counts_name_the_inputs() {
    use losses_core::MultiBatch;
    use losses_core::kernel::multi::{value, value_and_grad_into};

    let loss = ContrastiveLoss::default();
    let (x1, x2) = (Array2::<f64>::ones((4, 3)), Array2::<f64>::zeros((4, 3)));
    let labels = ndarray::Array1::<f64>::ones(4);
    let batch = |inputs: usize| MultiBatch {
        y_true: Some(labels.view().into_dyn()),
        inputs: [
            x1.view().into_dyn(),
            x2.view().into_dyn(),
            x2.view().into_dyn(),
        ][..inputs]
            .to_vec(),
        sample_weight: None,
    };

    let one_input = value(&loss, batch(1)).unwrap_err().to_string();
    assert_eq!(
        one_input,
        "ContrastiveLoss has 2 inputs (x1, x2), but the number of inputs given is 1; \
         pass one per input, in that order"
    );

    // Every output keeps its values: the count is checked before anything is written.
    let mut outputs = [(); 3].map(|_| Array2::<f64>::from_elem((4, 3), 9.0));
    for count in [0, 1, 3] {
        let grads = outputs[..count]
            .iter_mut()
            .map(|output| output.view_mut().into_dyn())
            .collect();
        let error = value_and_grad_into(&loss, batch(2), grads).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "ContrastiveLoss has 2 inputs (x1, x2), but the number of gradient outputs \
                 given is {count}; pass one per input, in that order"
            )
        );
    }
    assert!(
        outputs
            .iter()
            .all(|output| output.iter().all(|&v| v == 9.0))
    );
}
