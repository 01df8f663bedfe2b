//! Tests of the elementwise drivers and of the [`Loss`] provided methods, through
//! hand-written kernels implemented the way `#[loss]` implements them.
//!
//! Most tests use the squared error `e(t, p) = (p - t)²`, with `de/dp = 2 (p - t)`, so
//! the expected numbers can be derived by hand. For `N` samples of `F` features, the
//! per-sample loss is `lᵢ = (1/F) Σⱼ (pᵢⱼ - tᵢⱼ)²`. The gradient entry for `ij` is
//! `wᵢ / (D F) × 2 (pᵢⱼ - tᵢⱼ)`, where `D` is the divisor of the reduction.

use ndarray::{Array, Array2, ArrayD, Dimension, IxDyn, arr0, arr1, arr2, arr3, s};

use super::ElementwiseKernel;
use super::elementwise;
use crate::{Batch, Loss, LossError, LossFloat, Real, Reduction};

/// Squared error `(y_pred - y_true)²` with a configurable reduction.
#[derive(Clone, Copy, Debug)]
struct SquaredError {
    reduction: Reduction,
}

impl<T: LossFloat> ElementwiseKernel<T> for SquaredError {
    const NAME: &'static str = "SquaredError";

    fn reduction(&self) -> Reduction {
        self.reduction
    }

    fn validate(&self) -> Result<(), LossError> {
        Ok(())
    }

    fn forward<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V) -> V {
        let difference = y_pred - y_true;
        difference * difference
    }

    // d/dp (p - t)² = 2 (p - t)
    fn reverse<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V, seed: V) -> (V, V) {
        let difference = y_pred - y_true;
        let two = V::from_f64(2.0);
        (difference * difference, seed * (two * difference))
    }
}

impl<T: LossFloat> Loss<T> for SquaredError {
    fn reduction(&self) -> Reduction {
        self.reduction
    }

    fn evaluate_value(&self, batch: Batch<'_, T>) -> Result<T, LossError> {
        elementwise::value(self, batch)
    }

    fn evaluate_into(
        &self,
        batch: Batch<'_, T>,
        grad: ndarray::ArrayViewMutD<'_, T>,
    ) -> Result<T, LossError> {
        elementwise::value_and_grad_into(self, batch, grad)
    }

    fn evaluate_per_sample(&self, batch: Batch<'_, T>) -> Result<ArrayD<T>, LossError> {
        elementwise::per_sample(self, batch)
    }
}

/// `factor × (y_pred - y_true)²`, whose hyper-parameter must be positive.
#[derive(Clone, Copy, Debug)]
struct ScaledSquaredError {
    factor: f64,
}

impl<T: LossFloat> ElementwiseKernel<T> for ScaledSquaredError {
    const NAME: &'static str = "ScaledSquaredError";

    fn reduction(&self) -> Reduction {
        Reduction::default()
    }

    fn validate(&self) -> Result<(), LossError> {
        if self.factor > 0.0 {
            Ok(())
        } else {
            Err(LossError::invalid_hyper_parameter(
                <Self as ElementwiseKernel<T>>::NAME,
                "`factor > 0.0`",
                format!("factor = {}", self.factor),
            ))
        }
    }

    fn forward<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V) -> V {
        let difference = y_pred - y_true;
        V::from_f64(self.factor) * difference * difference
    }

    // d/dp c (p - t)² = 2 c (p - t)
    fn reverse<V: Real<Scalar = T>>(&self, y_true: V, y_pred: V, seed: V) -> (V, V) {
        let difference = y_pred - y_true;
        let factor = V::from_f64(self.factor);
        let partial = V::from_f64(2.0) * factor * difference;
        (factor * difference * difference, seed * partial)
    }
}

impl<T: LossFloat> Loss<T> for ScaledSquaredError {
    fn reduction(&self) -> Reduction {
        Reduction::default()
    }

    fn evaluate_value(&self, batch: Batch<'_, T>) -> Result<T, LossError> {
        elementwise::value(self, batch)
    }

    fn evaluate_into(
        &self,
        batch: Batch<'_, T>,
        grad: ndarray::ArrayViewMutD<'_, T>,
    ) -> Result<T, LossError> {
        elementwise::value_and_grad_into(self, batch, grad)
    }

    fn evaluate_per_sample(&self, batch: Batch<'_, T>) -> Result<ArrayD<T>, LossError> {
        elementwise::per_sample(self, batch)
    }
}

const ALL_SCALAR_REDUCTIONS: [Reduction; 3] =
    [Reduction::SumOverBatchSize, Reduction::Sum, Reduction::Mean];

fn squared_error(reduction: Reduction) -> SquaredError {
    SquaredError { reduction }
}

fn assert_close(actual: f64, expected: f64, context: &str) {
    let tolerance = 1e-12 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{context}: got {actual}, expected {expected}"
    );
}

fn assert_all_close<D: Dimension>(actual: &Array<f64, D>, expected: &[f64], context: &str) {
    let actual: Vec<f64> = actual.iter().copied().collect();
    assert_eq!(actual.len(), expected.len(), "{context}: element count");
    for (index, (&got, &want)) in actual.iter().zip(expected).enumerate() {
        assert_close(got, want, &format!("{context}, element {index}"));
    }
}

fn bits<T: LossFloat, D: Dimension>(array: &Array<T, D>) -> Vec<u64> {
    array
        .iter()
        .map(|&value| LossFloat::to_f64(value).to_bits())
        .collect()
}

// 1-D input: N = 3 samples of one feature.
// t = [1, 2, 3], p = [2, 2, 5], p - t = [1, 0, 2], l = [1, 0, 4], Σ l = 5.

fn one_d_inputs() -> (ndarray::Array1<f64>, ndarray::Array1<f64>) {
    (arr1(&[1.0, 2.0, 3.0]), arr1(&[2.0, 2.0, 5.0]))
}

#[test]
fn one_d_per_sample() {
    let (y_true, y_pred) = one_d_inputs();
    let losses = squared_error(Reduction::Sum)
        .per_sample(&y_true, &y_pred)
        .unwrap();
    assert_eq!(losses.shape(), &[3]);
    assert_all_close(&losses, &[1.0, 0.0, 4.0], "per_sample");
}

#[test]
fn one_d_each_reduction() {
    // Without weights D = N = 3 for SumOverBatchSize and Mean, D = 1 for Sum, and the
    // gradient is 2 (p - t) / D = [2, 0, 4] / D.
    let (y_true, y_pred) = one_d_inputs();
    let cases = [
        (
            Reduction::SumOverBatchSize,
            5.0 / 3.0,
            [2.0 / 3.0, 0.0, 4.0 / 3.0],
        ),
        (Reduction::Sum, 5.0, [2.0, 0.0, 4.0]),
        (Reduction::Mean, 5.0 / 3.0, [2.0 / 3.0, 0.0, 4.0 / 3.0]),
    ];
    for (reduction, expected_value, expected_grad) in cases {
        let loss = squared_error(reduction);
        let context = format!("{reduction:?}");
        let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        assert_close(
            loss.value(&y_true, &y_pred).unwrap(),
            expected_value,
            &context,
        );
        assert_close(value, expected_value, &context);
        assert_all_close(&grad, &expected_grad, &context);
    }
}

#[test]
fn one_d_weighted_each_reduction() {
    // w = [2, 1, 0.5]: Σ w l = 2 + 0 + 2 = 4 and Σ w = 3.5. The gradient is
    // w 2 (p - t) / D = [4, 0, 2] / D.
    let (y_true, y_pred) = one_d_inputs();
    let weights = arr1(&[2.0, 1.0, 0.5]);
    let cases = [
        (
            Reduction::SumOverBatchSize,
            4.0 / 3.0,
            [4.0 / 3.0, 0.0, 2.0 / 3.0],
        ),
        (Reduction::Sum, 4.0, [4.0, 0.0, 2.0]),
        (Reduction::Mean, 4.0 / 3.5, [4.0 / 3.5, 0.0, 2.0 / 3.5]),
    ];
    for (reduction, expected_value, expected_grad) in cases {
        let loss = squared_error(reduction);
        let context = format!("{reduction:?}");
        let value = loss.value_weighted(&y_true, &y_pred, &weights).unwrap();
        let (value_with_grad, grad) = loss
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        let losses = loss
            .per_sample_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        assert_close(value, expected_value, &context);
        assert_close(value_with_grad, expected_value, &context);
        assert_all_close(&grad, &expected_grad, &context);
        assert_all_close(&losses, &[2.0, 0.0, 2.0], &context);
    }
}

// 2-D input: N = 2 samples of F = 3 features.
// p - t = [[1, 2, 3], [0, -1, 2]], squares [[1, 4, 9], [0, 1, 4]], l = [14/3, 5/3].

fn two_d_inputs() -> (Array2<f64>, Array2<f64>) {
    let y_true = arr2(&[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]);
    let y_pred = arr2(&[[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]]);
    (y_true, y_pred)
}

#[test]
fn two_d_per_sample() {
    let (y_true, y_pred) = two_d_inputs();
    let losses = squared_error(Reduction::None)
        .per_sample(&y_true, &y_pred)
        .unwrap();
    assert_eq!(losses.shape(), &[2]);
    assert_all_close(&losses, &[14.0 / 3.0, 5.0 / 3.0], "per_sample");
}

#[test]
fn two_d_sum_over_batch_size() {
    // Value (14/3 + 5/3) / 2 = 19/6. Gradient 2 (p - t) / (N F) = (p - t) / 3.
    let (y_true, y_pred) = two_d_inputs();
    let (value, grad) = squared_error(Reduction::SumOverBatchSize)
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    assert_close(value, 19.0 / 6.0, "value");
    assert_eq!(grad.shape(), &[2, 3]);
    let third = 1.0 / 3.0;
    assert_all_close(
        &grad,
        &[third, 2.0 * third, 1.0, 0.0, -third, 2.0 * third],
        "grad",
    );
}

#[test]
fn two_d_sum() {
    // Value 14/3 + 5/3 = 19/3. Gradient 2 (p - t) / F.
    let (y_true, y_pred) = two_d_inputs();
    let (value, grad) = squared_error(Reduction::Sum)
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    assert_close(value, 19.0 / 3.0, "value");
    let two_thirds = 2.0 / 3.0;
    let expected = [
        two_thirds,
        2.0 * two_thirds,
        2.0,
        0.0,
        -two_thirds,
        2.0 * two_thirds,
    ];
    assert_all_close(&grad, &expected, "grad");
}

// 3-D input: per-sample shape [2, 2], so 4 samples of F = 2 features, and t = 0.
// p = [[[1, 3], [2, 2]], [[0, 4], [-1, 1]]], l = [[5, 4], [8, 1]], Σ l = 18.

fn three_d_inputs() -> (ndarray::Array3<f64>, ndarray::Array3<f64>) {
    let y_pred = arr3(&[[[1.0, 3.0], [2.0, 2.0]], [[0.0, 4.0], [-1.0, 1.0]]]);
    (ndarray::Array3::zeros((2, 2, 2)), y_pred)
}

#[test]
fn three_d_per_sample() {
    let (y_true, y_pred) = three_d_inputs();
    let losses = squared_error(Reduction::Sum)
        .per_sample(&y_true, &y_pred)
        .unwrap();
    assert_eq!(losses.shape(), &[2, 2]);
    assert_all_close(&losses, &[5.0, 4.0, 8.0, 1.0], "per_sample");
}

#[test]
fn three_d_sum_over_batch_size() {
    // Value 18 / 4. Gradient 2 p / (N F) = p / 4.
    let (y_true, y_pred) = three_d_inputs();
    let (value, grad) = squared_error(Reduction::SumOverBatchSize)
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    assert_close(value, 4.5, "value");
    assert_eq!(grad.shape(), &[2, 2, 2]);
    let expected = [0.25, 0.75, 0.5, 0.5, 0.0, 1.0, -0.25, 0.25];
    assert_all_close(&grad, &expected, "grad");
}

#[test]
fn three_d_weights_broadcast_from_first_axis() {
    // w = [1, 0] per first-axis row gives the sample weights [[1, 1], [0, 0]], so
    // Σ w l = 5 + 4 = 9 and Σ w = 2.
    let (y_true, y_pred) = three_d_inputs();
    let weights = arr1(&[1.0, 0.0]);
    let cases = [
        (Reduction::SumOverBatchSize, 9.0 / 4.0),
        (Reduction::Sum, 9.0),
        (Reduction::Mean, 9.0 / 2.0),
    ];
    for (reduction, expected) in cases {
        let value = squared_error(reduction)
            .value_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        assert_close(value, expected, &format!("{reduction:?}"));
    }

    let loss = squared_error(Reduction::Mean);
    let losses = loss
        .per_sample_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    assert_all_close(&losses, &[5.0, 4.0, 0.0, 0.0], "per_sample_weighted");

    // Mean: w 2 p / (F Σ w) = w p / 2.
    let (_, grad) = loss
        .value_and_grad_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    let expected = [0.5, 1.5, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    assert_all_close(&grad, &expected, "grad");
}

#[test]
fn three_d_weights_per_sample_and_flat() {
    // w = [[1, 2], [3, 0]]: Σ w l = 5 + 8 + 24 + 0 = 37 and Σ w = 6. The flat weights
    // [1, 2, 3, 0] are the same weights in row-major order.
    let (y_true, y_pred) = three_d_inputs();
    let per_sample_weights = arr2(&[[1.0, 2.0], [3.0, 0.0]]);
    let flat_weights = arr1(&[1.0, 2.0, 3.0, 0.0]);

    let sum = squared_error(Reduction::Sum);
    let mean = squared_error(Reduction::Mean);
    for weights in [per_sample_weights.into_dyn(), flat_weights.into_dyn()] {
        let context = format!("weights of shape {:?}", weights.shape());
        assert_close(
            sum.value_weighted(&y_true, &y_pred, &weights).unwrap(),
            37.0,
            &context,
        );
        assert_close(
            mean.value_weighted(&y_true, &y_pred, &weights).unwrap(),
            37.0 / 6.0,
            &context,
        );

        // Sum: w 2 p / F = w p.
        let (_, grad) = sum
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        let expected = [1.0, 3.0, 4.0, 4.0, 0.0, 12.0, 0.0, 0.0];
        assert_all_close(&grad, &expected, &context);

        let losses = sum.per_sample_weighted(&y_true, &y_pred, &weights).unwrap();
        assert_eq!(losses.shape(), &[2, 2], "{context}");
        assert_all_close(&losses, &[5.0, 8.0, 24.0, 0.0], &context);
    }
}

// 0-D input: one sample of one feature. t = 1, p = 3, l = 4, dl/dp = 4.

#[test]
fn zero_d_value_grad_per_sample() {
    let (y_true, y_pred) = (arr0(1.0), arr0(3.0));
    for reduction in ALL_SCALAR_REDUCTIONS {
        let (value, grad) = squared_error(reduction)
            .value_and_grad(&y_true, &y_pred)
            .unwrap();
        assert_close(value, 4.0, &format!("{reduction:?} value"));
        assert_close(grad[()], 4.0, &format!("{reduction:?} grad"));
    }

    let losses = squared_error(Reduction::None)
        .per_sample(&y_true, &y_pred)
        .unwrap();
    assert_eq!(losses.shape(), &[] as &[usize]);
    assert_close(losses[IxDyn(&[])], 4.0, "per_sample");
}

#[test]
fn zero_d_weight_as_scalar_or_length_one() {
    // w = 0.5: Sum gives 0.5 × 4 = 2 with gradient 0.5 × 4 = 2.
    let (y_true, y_pred) = (arr0(1.0), arr0(3.0));
    let loss = squared_error(Reduction::Sum);
    for weights in [arr0(0.5).into_dyn(), arr1(&[0.5]).into_dyn()] {
        let context = format!("weights of shape {:?}", weights.shape());
        let (value, grad) = loss
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        assert_close(value, 2.0, &context);
        assert_close(grad[()], 2.0, &context);
    }
}

#[test]
fn zero_weights_give_zero_value_and_grad() {
    let (y_true, y_pred) = two_d_inputs();
    let weights = arr1(&[0.0, 0.0]);
    for reduction in ALL_SCALAR_REDUCTIONS {
        let context = format!("{reduction:?}");
        let loss = squared_error(reduction);
        let mut grad = Array2::from_elem((2, 3), f64::NAN);
        let value = loss
            .value_and_grad_weighted_into(&y_true, &y_pred, &weights, &mut grad)
            .unwrap();
        assert_eq!(value, 0.0, "{context}");
        assert_eq!(
            loss.value_weighted(&y_true, &y_pred, &weights).unwrap(),
            0.0,
            "{context}"
        );
        assert!(grad.iter().all(|&entry| entry == 0.0), "{context}: {grad}");
    }
}

#[test]
fn mean_with_weights_summing_to_zero_is_zero() {
    // Keras 3 divides with divide_no_nan, so Σ w = 0 gives 0 even for non-zero weights.
    let (y_true, y_pred) = two_d_inputs();
    let weights = arr1(&[1.0, -1.0]);
    let loss = squared_error(Reduction::Mean);
    let (value, grad) = loss
        .value_and_grad_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    assert_eq!(value, 0.0);
    assert!(grad.iter().all(|&entry| entry == 0.0), "{grad}");
}

#[test]
fn reduction_none_has_no_scalar_value() {
    let (y_true, y_pred) = two_d_inputs();
    let weights = arr1(&[1.0, 2.0]);
    let loss = squared_error(Reduction::None);
    let mut grad = Array2::zeros((2, 3));
    assert_eq!(loss.value(&y_true, &y_pred), Err(LossError::NoScalarValue));
    assert_eq!(
        loss.value_and_grad(&y_true, &y_pred).err(),
        Some(LossError::NoScalarValue)
    );
    assert_eq!(
        loss.value_and_grad_into(&y_true, &y_pred, &mut grad),
        Err(LossError::NoScalarValue)
    );
    assert_eq!(
        loss.value_weighted(&y_true, &y_pred, &weights),
        Err(LossError::NoScalarValue)
    );
    assert!(loss.per_sample_weighted(&y_true, &y_pred, &weights).is_ok());
}

#[test]
fn shape_mismatch_is_rejected() {
    let loss = squared_error(Reduction::Sum);
    let y_true = Array2::<f64>::zeros((3, 4));
    let y_pred = Array2::<f64>::zeros((3, 5));
    let expected = LossError::ShapeMismatch {
        y_true: vec![3, 4],
        y_pred: vec![3, 5],
    };
    assert_eq!(loss.value(&y_true, &y_pred), Err(expected.clone()));
    assert_eq!(
        loss.value_and_grad(&y_true, &y_pred).err(),
        Some(expected.clone())
    );
    assert_eq!(
        loss.per_sample(&y_true, &y_pred).err(),
        Some(expected.clone())
    );
    assert_eq!(
        expected.to_string(),
        "y_true has shape [3, 4] but y_pred has shape [3, 5]; they must be equal"
    );
}

#[test]
fn empty_input_is_rejected() {
    let loss = squared_error(Reduction::Sum);
    for shape in [vec![0], vec![0, 3], vec![3, 0], vec![2, 0, 4]] {
        let input = ArrayD::<f64>::zeros(IxDyn(&shape));
        let expected = LossError::EmptyInput {
            shape: shape.clone(),
        };
        assert_eq!(
            loss.value(&input, &input),
            Err(expected.clone()),
            "{shape:?}"
        );
        assert_eq!(
            loss.value_and_grad(&input, &input).err(),
            Some(expected.clone())
        );
        assert_eq!(loss.per_sample(&input, &input).err(), Some(expected));
    }
}

#[test]
fn sample_weight_shape_is_rejected() {
    let (y_true, y_pred) = three_d_inputs();
    let loss = squared_error(Reduction::Sum);
    for shape in [vec![3], vec![2, 2, 2], vec![4, 1], vec![2, 1]] {
        let weights = ArrayD::<f64>::ones(IxDyn(&shape));
        let expected = LossError::SampleWeightShape {
            sample_weight: shape.clone(),
            expected: vec![2, 2],
        };
        let context = format!("{shape:?}");
        assert_eq!(
            loss.value_weighted(&y_true, &y_pred, &weights),
            Err(expected.clone()),
            "{context}"
        );
        assert_eq!(
            loss.value_and_grad_weighted(&y_true, &y_pred, &weights)
                .err(),
            Some(expected.clone()),
            "{context}"
        );
        assert_eq!(
            loss.per_sample_weighted(&y_true, &y_pred, &weights).err(),
            Some(expected),
            "{context}"
        );
    }
}

#[test]
fn gradient_shape_is_rejected() {
    let (y_true, y_pred) = two_d_inputs();
    let loss = squared_error(Reduction::Sum);
    let mut grad = Array2::<f64>::zeros((3, 2));
    assert_eq!(
        loss.value_and_grad_into(&y_true, &y_pred, &mut grad),
        Err(LossError::GradientShape {
            grad: vec![3, 2],
            expected: vec![2, 3],
        })
    );
}

#[test]
fn invalid_hyper_parameter_is_rejected() {
    let (y_true, y_pred) = two_d_inputs();
    let loss = ScaledSquaredError { factor: -1.0 };
    let expected =
        LossError::invalid_hyper_parameter("ScaledSquaredError", "`factor > 0.0`", "factor = -1");
    let mut grad = Array2::from_elem((2, 3), 7.0);
    assert_eq!(loss.value(&y_true, &y_pred), Err(expected.clone()));
    assert_eq!(
        loss.value_and_grad_into(&y_true, &y_pred, &mut grad),
        Err(expected.clone())
    );
    assert_eq!(
        loss.per_sample(&y_true, &y_pred).err(),
        Some(expected.clone())
    );
    assert!(
        grad.iter().all(|&entry| entry == 7.0),
        "grad changed on error"
    );
    assert_eq!(
        expected.to_string(),
        "invalid hyper-parameter for ScaledSquaredError: requires `factor > 0.0`, \
         got factor = -1"
    );
}

#[test]
fn valid_hyper_parameter_is_used() {
    // 2 × (19/6) for SumOverBatchSize.
    let (y_true, y_pred) = two_d_inputs();
    let value = ScaledSquaredError { factor: 2.0 }
        .value(&y_true, &y_pred)
        .unwrap();
    assert_close(value, 19.0 / 3.0, "value");
}

/// Returns a 3 × 4 batch with distinct values, built from a simple formula.
fn batch_3x4() -> (Array2<f64>, Array2<f64>) {
    let y_true = Array2::from_shape_fn((3, 4), |(i, j)| (i as f64) * 0.5 - (j as f64) * 0.25);
    let y_pred = Array2::from_shape_fn((3, 4), |(i, j)| ((i * 4 + j) as f64).sin());
    (y_true, y_pred)
}

#[test]
fn transposed_inputs_match_contiguous() {
    let (y_true, y_pred) = batch_3x4();
    // The transposes of standard-layout 4 × 3 arrays are column-major 3 × 4 views.
    let y_true_transposed = y_true.t().as_standard_layout().into_owned();
    let y_pred_transposed = y_pred.t().as_standard_layout().into_owned();
    let y_true_view = y_true_transposed.t();
    let y_pred_view = y_pred_transposed.t();
    assert!(!y_pred_view.is_standard_layout());

    let weights = arr1(&[1.0, 2.0, 0.5]);
    for reduction in ALL_SCALAR_REDUCTIONS {
        let context = format!("{reduction:?}");
        let loss = squared_error(reduction);
        let (value, grad) = loss
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        let (strided_value, strided_grad) = loss
            .value_and_grad_weighted(&y_true_view, &y_pred_view, &weights)
            .unwrap();
        assert_eq!(value.to_bits(), strided_value.to_bits(), "{context}");
        assert_eq!(bits(&grad), bits(&strided_grad), "{context}");
    }
}

#[test]
fn sliced_inputs_and_weights_match_contiguous() {
    let (y_true, y_pred) = batch_3x4();
    let wide_true = Array2::from_shape_fn((3, 8), |(i, j)| y_true[(i, j / 2)]);
    let wide_pred = Array2::from_shape_fn((3, 8), |(i, j)| y_pred[(i, j / 2)]);
    let sliced_true = wide_true.slice(s![.., ..;2]);
    let sliced_pred = wide_pred.slice(s![.., ..;2]);
    let wide_weights = arr1(&[1.0, 9.0, 2.0, 9.0, 0.5, 9.0]);
    let sliced_weights = wide_weights.slice(s![..;2]);
    let weights = sliced_weights.to_owned();

    let loss = squared_error(Reduction::Mean);
    let (value, grad) = loss
        .value_and_grad_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    let (sliced_value, sliced_grad) = loss
        .value_and_grad_weighted(&sliced_true, &sliced_pred, &sliced_weights)
        .unwrap();
    assert_eq!(value.to_bits(), sliced_value.to_bits());
    assert_eq!(bits(&grad), bits(&sliced_grad));

    let losses = loss
        .per_sample_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    let sliced_losses = loss
        .per_sample_weighted(&sliced_true, &sliced_pred, &sliced_weights)
        .unwrap();
    assert_eq!(bits(&losses), bits(&sliced_losses));
}

#[test]
fn strided_gradient_output_is_filled() {
    let (y_true, y_pred) = batch_3x4();
    let loss = squared_error(Reduction::SumOverBatchSize);
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();

    // The transpose of a standard-layout 4 × 3 array is a non-contiguous 3 × 4 view.
    let mut storage = Array2::from_elem((4, 3), f64::NAN);
    let mut grad_view = storage.view_mut().reversed_axes();
    let strided_value = loss
        .value_and_grad_into(&y_true, &y_pred, &mut grad_view)
        .unwrap();
    assert_eq!(value.to_bits(), strided_value.to_bits());
    assert_eq!(bits(&grad), bits(&storage.t().to_owned()));
}

#[test]
fn value_matches_value_and_grad_bitwise() {
    let (y_true, y_pred) = batch_3x4();
    let weights = arr1(&[0.25, 1.5, 3.0]);
    for reduction in ALL_SCALAR_REDUCTIONS {
        let loss = squared_error(reduction);
        let value = loss.value_weighted(&y_true, &y_pred, &weights).unwrap();
        let (value_with_grad, _) = loss
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        assert_eq!(value.to_bits(), value_with_grad.to_bits(), "{reduction:?}");
    }
}

#[test]
fn gradient_matches_central_differences() {
    // (v(p + h eₖ) - v(p - h eₖ)) / 2h is exact up to rounding for a quadratic loss.
    let y_true = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i + j * k) as f64 * 0.1);
    let y_pred =
        ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| ((i * 12 + j * 4 + k) as f64).cos());
    let weights = arr2(&[[1.0, 0.5, 2.0], [0.0, 3.0, 1.5]]);
    let step = 1e-4;
    for reduction in ALL_SCALAR_REDUCTIONS {
        let loss = squared_error(reduction);
        let (_, grad) = loss
            .value_and_grad_weighted(&y_true, &y_pred, &weights)
            .unwrap();
        for (index, &analytic) in grad.indexed_iter() {
            let mut shifted = y_pred.clone();
            shifted[index] += step;
            let above = loss.value_weighted(&y_true, &shifted, &weights).unwrap();
            shifted[index] -= 2.0 * step;
            let below = loss.value_weighted(&y_true, &shifted, &weights).unwrap();
            let numeric = (above - below) / (2.0 * step);
            assert!(
                (numeric - analytic).abs() <= 1e-8,
                "{reduction:?} at {index:?}: numeric {numeric}, analytic {analytic}"
            );
        }
    }
}

/// Runs the 2-D case in `T` and checks it against the f64 expectations.
fn check_two_d_in<T: LossFloat>(tolerance: f64) {
    let (y_true, y_pred) = two_d_inputs();
    let y_true = y_true.mapv(T::from_f64_value);
    let y_pred = y_pred.mapv(T::from_f64_value);
    let weights = arr1(&[2.0, 1.0]).mapv(T::from_f64_value);
    let loss = squared_error(Reduction::Mean);

    // Σ w l = 2 × 14/3 + 5/3 = 11 and Σ w = 3, so the value is 11/3.
    let (value, grad) = loss
        .value_and_grad_weighted(&y_true, &y_pred, &weights)
        .unwrap();
    let value = LossFloat::to_f64(value);
    assert!((value - 11.0 / 3.0).abs() <= tolerance, "value {value}");

    // w 2 (p - t) / (F Σ w) = w 2 (p - t) / 9.
    let expected = [4.0, 8.0, 12.0, 0.0, -2.0, 4.0].map(|numerator| numerator / 9.0);
    for (&got, want) in grad.iter().zip(expected) {
        let got = LossFloat::to_f64(got);
        assert!(
            (got - want).abs() <= tolerance,
            "grad {got}, expected {want}"
        );
    }
}

#[test]
fn f32_and_f64_both_work() {
    check_two_d_in::<f32>(1e-6);
    check_two_d_in::<f64>(1e-14);
}

#[test]
fn dyn_loss_evaluates_through_batch() {
    let (y_true, y_pred) = two_d_inputs();
    let weights = arr1(&[1.0, 1.0]);
    let losses: Vec<Box<dyn Loss<f64>>> = vec![
        Box::new(squared_error(Reduction::Sum)),
        Box::new(ScaledSquaredError { factor: 3.0 }),
    ];
    let expected_values = [19.0 / 3.0, 3.0 * 19.0 / 6.0];

    for (loss, expected) in losses.iter().zip(expected_values) {
        let batch = Batch::new(y_true.view().into_dyn(), y_pred.view().into_dyn());
        assert_close(
            loss.evaluate_value(batch.clone()).unwrap(),
            expected,
            "value",
        );

        let weighted = batch.with_sample_weight(weights.view().into_dyn());
        let mut grad = ArrayD::zeros(IxDyn(&[2, 3]));
        let value = loss
            .evaluate_into(weighted.clone(), grad.view_mut())
            .unwrap();
        assert_close(value, expected, "value with grad");
        assert_eq!(loss.evaluate_per_sample(weighted).unwrap().shape(), &[2]);
    }
}

#[test]
fn dyn_loss_reports_reduction() {
    let loss: &dyn Loss<f32> = &squared_error(Reduction::Mean);
    assert_eq!(loss.reduction(), Reduction::Mean);
}
