//! Pins the documented behaviour of the shipped row losses where finite differences
//! and random points do not reach: extreme and masked logits, empty masks and lists,
//! zero vectors, clip bounds, and invalid hyper-parameters.

use losses_core::prelude::*;
use ndarray::{Array2, array};
use std::f64::consts::LN_2;

const NEG_INF: f64 = f64::NEG_INFINITY;

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "got {actual:e}, expected {expected:e} within {tolerance:e}"
    );
}

fn assert_all_finite(grad: &Array2<f64>) {
    assert!(grad.iter().all(|entry| entry.is_finite()), "{grad}");
}

// ----- CategoricalCrossentropy ---------------------------------------------------

#[test]
fn cce_logits_of_1e8_f64() {
    // Both logits shift to 0, so p = [1/2, 1/2]: loss ln 2, gradient p - t.
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[1e8, 1e8]])
        .unwrap();
    assert_close(value, LN_2, 1e-15);
    assert_eq!(grad, array![[0.5, -0.5]]);
}

#[test]
fn cce_logits_of_1e8_f32() {
    // Without the shift, 1e8 + ln 2 rounds to 1e8 in f32 and the loss to 0.
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0f32, 1.0]], &array![[1e8f32, 1e8]])
        .unwrap();
    assert!((value - std::f32::consts::LN_2).abs() < 1e-7, "{value}");
    assert_eq!(grad, array![[0.5f32, -0.5]]);
}

#[test]
fn cce_masked_logit_with_target_zero() {
    // Class 0 is masked. The others have logits 1 and 2: p = [0, 1, e] / (e + e²).
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0, 0.0]], &array![[NEG_INF, 1.0, 2.0]])
        .unwrap();
    let p1 = 1.0 / (1.0 + 1f64.exp());
    assert_close(value, -p1.ln(), 1e-15);
    assert_eq!(grad[[0, 0]], 0.0);
    assert_close(grad[[0, 1]], p1 - 1.0, 1e-15);
    assert_close(grad[[0, 2]], 1.0 - p1, 1e-15);
}

#[test]
fn cce_all_masked_row_is_zero() {
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[NEG_INF, NEG_INF]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn cce_all_masked_row_counts_in_mean() {
    // Sample 0 is fully masked: loss 0, but it still divides the sum by 2.
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let y_true = array![[0.0, 1.0], [0.0, 1.0]];
    let y_pred = array![[NEG_INF, NEG_INF], [0.0, 0.0]];
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    assert_close(value, LN_2 / 2.0, 1e-15);
    assert_eq!(grad, array![[0.0, 0.0], [0.25, -0.25]]);

    // A weight of 0 under Reduction::Mean leaves it out.
    let weights = array![0.0, 1.0];
    let mean = loss.with_reduction(Reduction::Mean);
    let value = mean.value_weighted(&y_true, &y_pred, &weights).unwrap();
    assert_close(value, LN_2, 1e-15);
}

#[test]
fn cce_masked_logit_with_smoothing_is_infinite() {
    // Label smoothing gives the masked class a target of 0.05, and ln 0 = -inf.
    let loss = CategoricalCrossentropy::new(true, 0.1);
    let value = loss
        .value(&array![[0.0, 1.0]], &array![[NEG_INF, 0.0]])
        .unwrap();
    assert_eq!(value, f64::INFINITY);
}

#[test]
fn cce_probabilities_normalised_and_clipped() {
    // [0, 2, 0] / 2 = [0, 1, 0], clipped to [1e-7, 1 - 1e-7, 1e-7]: the target class 0
    // gets -ln 1e-7, and the clipped entries pass no gradient.
    let loss = CategoricalCrossentropy::default();
    let (value, grad) = loss
        .value_and_grad(&array![[1.0, 0.0, 0.0]], &array![[0.0, 2.0, 0.0]])
        .unwrap();
    assert_close(value, -(1e-7f64).ln(), 1e-12);
    assert_eq!(grad, array![[0.0, 0.0, 0.0]]);
}

#[test]
fn cce_probability_row_of_zeros_is_nan() {
    let loss = CategoricalCrossentropy::default();
    let value = loss
        .value(&array![[1.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert!(value.is_nan(), "{value}");
}

#[test]
fn cce_rejects_label_smoothing_above_one() {
    let loss = CategoricalCrossentropy::new(false, 1.5);
    let error = loss
        .value(&array![[1.0, 0.0]], &array![[0.5, 0.5]])
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidHyperParameter { .. }),
        "{error}"
    );
}

// ----- CategoricalFocalCrossentropy ----------------------------------------------

#[test]
fn focal_defaults_follow_keras() {
    let loss = CategoricalFocalCrossentropy::default();
    assert_eq!(loss.alpha, 0.25);
    assert_eq!(loss.gamma, 2.0);
    assert!(!loss.from_logits);
    assert_eq!(loss.label_smoothing, 0.0);
}

#[test]
fn focal_all_masked_row_is_zero() {
    let loss = CategoricalFocalCrossentropy::new(0.25, 2.0, true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[NEG_INF, NEG_INF]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn focal_masked_logit_with_target_zero() {
    // The masked class adds 0 and gets 0; the two others have p = 1/2 each.
    let loss = CategoricalFocalCrossentropy::new(0.25, 2.0, true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0, 0.0]], &array![[NEG_INF, 0.0, 0.0]])
        .unwrap();
    assert_close(value, 0.25 * 0.25 * LN_2, 1e-15);
    assert_eq!(grad[[0, 0]], 0.0);
    assert_all_finite(&grad);
}

#[test]
fn focal_large_logits_keep_exact_log_softmax() {
    // log p₀ = -50 - ln(1 + e^-50), so the loss is 0.25 × (1 - e^-50)² × 50 = 12.5 to
    // rounding. Keras caps the cross-entropy at -ln 1e-7 ≈ 16.118 and returns about
    // 0.25 × 16.118 ≈ 4.03 instead.
    let loss = CategoricalFocalCrossentropy::new(0.25, 2.0, true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![[1.0, 0.0]], &array![[0.0, 50.0]])
        .unwrap();
    assert_close(value, 12.5, 1e-12);
    // d/dx₀ = 0.25 × (p₀ - 1) to rounding, as for cross-entropy, because the focal
    // factor's derivative is of order e^-50 × 50.
    assert_close(grad[[0, 0]], -0.25, 1e-12);
    assert_close(grad[[0, 1]], 0.25, 1e-12);
}

#[test]
fn focal_gamma_zero_alpha_one_is_cce() {
    let y_true = array![[0.2, 0.5, 0.3], [0.0, 0.0, 1.0]];
    let y_pred = array![[0.5, -1.0, 2.0], [3.0, 0.25, -0.5]];
    for from_logits in [false, true] {
        let y_pred = if from_logits {
            y_pred.clone()
        } else {
            y_pred.mapv(f64::exp)
        };
        let focal = CategoricalFocalCrossentropy::new(1.0, 0.0, from_logits, 0.1);
        let cce = CategoricalCrossentropy::new(from_logits, 0.1);
        let (focal_value, focal_grad) = focal.value_and_grad(&y_true, &y_pred).unwrap();
        let (cce_value, cce_grad) = cce.value_and_grad(&y_true, &y_pred).unwrap();
        assert_close(focal_value, cce_value, 1e-14);
        for (a, b) in focal_grad.iter().zip(&cce_grad) {
            assert_close(*a, *b, 1e-14);
        }
    }
}

// ----- KLDivergence --------------------------------------------------------------

#[test]
fn kld_zero_target_and_zero_prediction_add_nothing() {
    // Both clip to 1e-7, and 1e-7 ln 1 = 0. The prediction lies below the clip range,
    // so its gradient is 0. Class 1 alone gives ln(1 / 0.5).
    let loss = KLDivergence::new();
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[0.0, 0.5]])
        .unwrap();
    assert_close(value, LN_2, 1e-15);
    assert_eq!(grad, array![[0.0, -2.0]]);
}

#[test]
fn kld_zero_target_with_positive_prediction() {
    // The target clips to 1e-7: 1e-7 ln(1e-7 / 0.5), gradient -1e-7 / 0.5.
    let loss = KLDivergence::new();
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 1.0]], &array![[0.5, 1.0]])
        .unwrap();
    assert_close(value, 1e-7 * (2e-7f64).ln(), 1e-20);
    assert_close(grad[[0, 0]], -2e-7, 1e-20);
    assert_eq!(grad[[0, 1]], -1.0);
}

#[test]
fn kld_zero_prediction_for_positive_target_is_finite() {
    let loss = KLDivergence::new();
    let (value, grad) = loss
        .value_and_grad(&array![[1.0, 0.0]], &array![[0.0, 1.0]])
        .unwrap();
    // Class 0: ln(1 / 1e-7). Class 1: the target clips to 1e-7, so 1e-7 ln 1e-7.
    let expected = -(1e-7f64).ln() + 1e-7 * (1e-7f64).ln();
    assert_close(value, expected, 1e-12);
    assert_eq!(grad[[0, 0]], 0.0);
}

// ----- CosineSimilarity ------------------------------------------------------------

#[test]
fn cosine_zero_prediction_points_to_target() {
    // ‖ŷ‖ = 0 < 1e-7: loss 0, gradient -t̂ / 1e-7 with t̂ = [0.6, 0.8].
    let loss = CosineSimilarity::new();
    let (value, grad) = loss
        .value_and_grad(&array![[3.0, 4.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_close(grad[[0, 0]], -0.6e7, 1e-6);
    assert_close(grad[[0, 1]], -0.8e7, 1e-6);
}

#[test]
fn cosine_zero_target_gives_zero() {
    let loss = CosineSimilarity::new();
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 0.0]], &array![[1.0, 2.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn cosine_gradient_is_orthogonal_to_prediction() {
    let loss = CosineSimilarity::new();
    let y_pred = array![[0.3, -1.2, 2.0]];
    let (_, grad) = loss
        .value_and_grad(&array![[1.0, 0.5, -0.25]], &y_pred)
        .unwrap();
    let dot: f64 = grad.iter().zip(&y_pred).map(|(g, p)| g * p).sum();
    assert_close(dot, 0.0, 1e-15);
}

// ----- Segmentation ----------------------------------------------------------------

#[test]
fn dice_empty_masks_are_a_match() {
    // D = smooth = 1, numerator 1: loss 0, gradient -(0 - 1) / 1 = 1 per element.
    let (value, grad) = Dice::default()
        .value_and_grad(&array![[0.0, 0.0, 0.0]], &array![[0.0, 0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[1.0, 1.0, 1.0]]);
}

#[test]
fn dice_empty_target_pushes_predictions_down() {
    // Σ p = 1: loss 1 - 1 / 2 = 0.5, gradient 1 / (1 + 1)² = 0.25 per element.
    let (value, grad) = Dice::default()
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.25, 0.75]])
        .unwrap();
    assert_eq!(value, 0.5);
    assert_eq!(grad, array![[0.25, 0.25]]);
}

#[test]
fn dice_without_smooth_on_empty_masks() {
    // The denominator is 0: loss 0 and gradient 0 rather than 0 / 0.
    let (value, grad) = Dice::new(0.0)
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn jaccard_empty_masks_are_a_match() {
    let (value, grad) = Jaccard::default()
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[1.0, 1.0]]);
}

#[test]
fn jaccard_empty_target_pushes_predictions_down() {
    // I = 0, U = Σ p = 1: loss 1 - 1 / 2, gradient (I + 1) / (U + 1)² = 0.25.
    let (value, grad) = Jaccard::default()
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.25, 0.75]])
        .unwrap();
    assert_eq!(value, 0.5);
    assert_eq!(grad, array![[0.25, 0.25]]);
}

#[test]
fn jaccard_without_smooth_on_empty_masks() {
    let (value, grad) = Jaccard::new(0.0)
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn tversky_empty_masks_are_a_match() {
    // D = smooth = 1: gradient alpha / smooth = 0.3 per element.
    let (value, grad) = Tversky::new(0.3, 0.7, 1.0)
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_close(grad[[0, 0]], 0.3, 1e-15);
    assert_close(grad[[0, 1]], 0.3, 1e-15);
}

#[test]
fn tversky_empty_target_pushes_predictions_down() {
    // FP = Σ p = 1: loss 1 - 1 / (0.3 + 1), gradient 0.3 / 1.3².
    let (value, grad) = Tversky::new(0.3, 0.7, 1.0)
        .value_and_grad(&array![[0.0, 0.0]], &array![[0.25, 0.75]])
        .unwrap();
    assert_close(value, 1.0 - 1.0 / 1.3, 1e-15);
    assert_close(grad[[0, 0]], 0.3 / (1.3 * 1.3), 1e-15);
    assert_close(grad[[0, 1]], 0.3 / (1.3 * 1.3), 1e-15);
}

#[test]
fn tversky_alpha_weighs_false_positives() {
    // One false positive and no false negative: only alpha matters.
    let y_true = array![[1.0, 0.0]];
    let y_pred = array![[1.0, 1.0]];
    let heavy = Tversky::new(0.9, 0.1, 0.0).value(&y_true, &y_pred).unwrap();
    let light = Tversky::new(0.1, 0.9, 0.0).value(&y_true, &y_pred).unwrap();
    assert_close(heavy, 1.0 - 1.0 / 1.9, 1e-15);
    assert_close(light, 1.0 - 1.0 / 1.1, 1e-15);
}

#[test]
fn tversky_with_unit_weights_is_jaccard() {
    let y_true = array![[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0]];
    let y_pred = array![[0.9, 0.2, 0.4, 0.7], [0.3, 0.6, 0.1, 0.05]];
    let (tversky, tversky_grad) = Tversky::new(1.0, 1.0, 0.5)
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    let (jaccard, jaccard_grad) = Jaccard::new(0.5).value_and_grad(&y_true, &y_pred).unwrap();
    assert_close(tversky, jaccard, 1e-15);
    for (a, b) in tversky_grad.iter().zip(&jaccard_grad) {
        assert_close(*a, *b, 1e-15);
    }
}

#[test]
fn segmentation_rejects_negative_smooth() {
    let (y_true, y_pred) = (array![[1.0]], array![[0.5]]);
    assert!(Dice::new(-1.0).value(&y_true, &y_pred).is_err());
    assert!(Jaccard::new(-1.0).value(&y_true, &y_pred).is_err());
    assert!(
        Tversky::new(0.5, 0.5, -1.0)
            .value(&y_true, &y_pred)
            .is_err()
    );
    assert!(
        Tversky::new(-0.5, 0.5, 1.0)
            .value(&y_true, &y_pred)
            .is_err()
    );
}

// ----- ApproxNdcg --------------------------------------------------------------------

#[test]
fn ndcg_all_zero_labels_give_zero() {
    let (value, grad) = ApproxNdcg::default()
        .value_and_grad(&array![[0.0, 0.0, 0.0]], &array![[0.5, -0.2, 0.1]])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![[0.0, 0.0, 0.0]]);
}

#[test]
fn ndcg_all_zero_list_is_left_out_of_mean() {
    // List 1 is ranked perfectly with scores far apart: loss -1. List 0 has no relevant
    // item: it is left out, with loss 0, and does not count in the mean.
    let y_true = array![[0.0, 0.0], [1.0, 0.0]];
    let y_pred = array![[0.3, 0.1], [100.0, 0.0]];
    let loss = ApproxNdcg::default();
    let per_sample = loss.per_sample(&y_true, &y_pred).unwrap();
    assert_eq!(per_sample.as_slice().unwrap(), &[0.0, -1.0]);
    assert_eq!(loss.value(&y_true, &y_pred).unwrap(), -1.0);

    let weights = array![0.0, 1.0];
    let mean = loss.with_reduction(Reduction::Mean);
    assert_eq!(
        mean.value_weighted(&y_true, &y_pred, &weights).unwrap(),
        -1.0
    );
}

#[test]
fn ndcg_tied_scores_have_finite_gradient() {
    // Three tied scores: every rank is 1 + 2 × 1/2 = 2. Labels [2, 1, 0] have gains
    // [3, 1, 0]: DCG = 4 / log2 3 and IDCG = 3 + 1 / log2 3.
    let (value, grad) = ApproxNdcg::default()
        .value_and_grad(&array![[2.0, 1.0, 0.0]], &array![[0.3, 0.3, 0.3]])
        .unwrap();
    let log2_3 = 3.0f64.log2();
    assert_close(value, -(4.0 / log2_3) / (3.0 + 1.0 / log2_3), 1e-15);
    assert_all_finite(&grad);
    // Raising the best item's score lowers the loss, and a common shift of all scores
    // changes nothing.
    assert!(grad[[0, 0]] < 0.0, "{grad}");
    assert_close(grad.sum(), 0.0, 1e-12);
}

#[test]
fn ndcg_infinite_score_ranks_exactly() {
    // An item scored +inf or -inf is ranked first or last, as a finite score far from
    // the others is: its own term in its rank must not become inf - inf.
    let y_true = array![[1.0, 0.0, 2.0]];
    let loss = ApproxNdcg::default();
    for (infinite, far) in [(f64::INFINITY, 1e300), (f64::NEG_INFINITY, -1e300)] {
        let (value, grad) = loss
            .value_and_grad(&y_true, &array![[infinite, 0.0, 1.0]])
            .unwrap();
        let (far_value, far_grad) = loss
            .value_and_grad(&y_true, &array![[far, 0.0, 1.0]])
            .unwrap();
        assert_eq!(value, far_value, "score {infinite}");
        assert_eq!(grad, far_grad, "score {infinite}");
        assert!(value.is_finite(), "score {infinite}: {value}");
    }
}

#[test]
fn ndcg_ideal_order_breaks_label_ties_by_index() {
    // Labels [1, 1]: IDCG = 1 + 1 / log2 3 whichever item comes first. Scores far
    // apart rank the list exactly, so NDCG = 1.
    let value = ApproxNdcg::default()
        .value(&array![[1.0, 1.0]], &array![[0.0, 100.0]])
        .unwrap();
    assert_close(value, -1.0, 1e-15);
}

#[test]
fn ndcg_rejects_zero_temperature() {
    let error = ApproxNdcg::new(0.0)
        .value(&array![[1.0, 0.0]], &array![[0.5, 0.5]])
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidHyperParameter { .. }),
        "{error}"
    );
}

// ----- Mahalanobis -------------------------------------------------------------------

#[test]
fn mahalanobis_identity_is_squared_distance() {
    let loss = Mahalanobis::try_new(vec![1.0, 0.0, 0.0, 1.0], 2).unwrap();
    let (value, grad) = loss
        .value_and_grad(&array![[1.0, 2.0]], &array![[4.0, -2.0]])
        .unwrap();
    assert_eq!(value, 25.0);
    assert_eq!(grad, array![[6.0, -8.0]]);
}

#[test]
fn mahalanobis_rejects_wrong_dimension() {
    let loss = Mahalanobis::new(vec![1.0, 0.0, 0.0, 1.0]);
    let error = loss
        .value(&array![[0.0, 0.0, 0.0]], &array![[1.0, 1.0, 1.0]])
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("inverse_covariance.len() == features * features"),
        "{message}"
    );
    assert!(message.contains("features = 3"), "{message}");
}

#[test]
fn mahalanobis_try_new_rejects_asymmetry() {
    let error = Mahalanobis::try_new(vec![2.0, 0.5, 0.25, 1.0], 2).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid hyper-parameter for Mahalanobis: requires a symmetric \
         `inverse_covariance`, got inverse_covariance[1] = 0.5 at row 0, column 1, \
         but inverse_covariance[2] = 0.25 at row 1, column 0"
    );
}

#[test]
fn mahalanobis_try_new_accepts_rounding_asymmetry() {
    let loss = Mahalanobis::try_new(vec![2.0, 0.5, 0.5 + 1e-15, 1.0], 2);
    assert!(loss.is_ok());
}

#[test]
fn mahalanobis_try_new_rejects_wrong_length() {
    let error = Mahalanobis::try_new(vec![1.0, 0.0, 0.0], 2).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid hyper-parameter for Mahalanobis: requires `dim >= 1` and \
         `inverse_covariance.len() == dim * dim`, got inverse_covariance.len() = 3, dim = 2"
    );
    assert!(Mahalanobis::try_new(Vec::new(), 0).is_err());
}

#[test]
fn mahalanobis_try_new_rejects_nan() {
    let error = Mahalanobis::try_new(vec![1.0, f64::NAN, f64::NAN, 1.0], 2).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid hyper-parameter for Mahalanobis: requires finite entries in \
         `inverse_covariance`, got inverse_covariance[1] = NaN"
    );
}

#[test]
fn mahalanobis_new_skips_symmetry_check() {
    // M = [[1, 2], [0, 1]] and d = [1, 1]: dᵀ M d = 4, gradient (M + Mᵀ) d = [4, 4].
    let loss = Mahalanobis::new(vec![1.0, 2.0, 0.0, 1.0]);
    let (value, grad) = loss
        .value_and_grad(&array![[0.0, 0.0]], &array![[1.0, 1.0]])
        .unwrap();
    assert_eq!(value, 4.0);
    assert_eq!(grad, array![[4.0, 4.0]]);
}

#[test]
fn mahalanobis_f32_data_with_f64_matrix() {
    let loss = Mahalanobis::try_new(vec![4.0, 0.0, 0.0, 1.0], 2).unwrap();
    let (value, grad) = loss
        .value_and_grad(&array![[0.0f32, 0.0]], &array![[1.0f32, 1.0]])
        .unwrap();
    assert_eq!(value, 5.0f32);
    assert_eq!(grad, array![[8.0f32, 2.0]]);
}
