//! The candle adapter: the loss node's value is `Loss::value`, and the gradients that
//! candle's backward pass computes through it equal those built from `value_and_grad`
//! on the same data.

use candle_core::{DType, Device, Tensor, Var};
use losses_core::candle::CandleLoss;
use losses_core::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn};

fn to_tensor(array: &ArrayD<f32>) -> Tensor {
    let values: Vec<f32> = array.iter().copied().collect();
    Tensor::from_vec(values, array.shape(), &Device::Cpu).expect("shape matches the values")
}

fn to_array(tensor: &Tensor) -> ArrayD<f32> {
    let values = tensor
        .flatten_all()
        .and_then(|flat| flat.to_vec1::<f32>())
        .expect("an f32 tensor");
    ArrayD::from_shape_vec(IxDyn(tensor.dims()), values).expect("shape matches the values")
}

/// Returns a 4 × 3 array whose entries run evenly from `low` to `high` in row-major order.
fn grid(low: f32, high: f32) -> ArrayD<f32> {
    let step = (high - low) / 11.0;
    Array2::from_shape_fn((4, 3), |(row, column)| {
        low + step * (row * 3 + column) as f32
    })
    .into_dyn()
}

fn labels() -> ArrayD<f32> {
    Array2::from_shape_fn((4, 3), |(row, column)| ((row + column) % 2) as f32).into_dyn()
}

/// Checks that the node's value and the gradient it sends to a `y_pred` variable equal
/// `value_and_grad`'s, bit for bit: both come from the same kernel calls.
fn assert_matches_value_and_grad<L>(loss: L, y_true: &ArrayD<f32>, y_pred: &ArrayD<f32>)
where
    L: Loss<f32> + Clone + Send + Sync + 'static,
{
    let name = std::any::type_name::<L>();
    let (expected_value, expected_grad) =
        loss.value_and_grad(y_true, y_pred).expect("valid inputs");

    let y_pred_var = Var::from_tensor(&to_tensor(y_pred)).expect("a CPU tensor");
    let value = CandleLoss::new(loss)
        .forward(&to_tensor(y_true), y_pred_var.as_tensor())
        .expect("valid inputs");
    let grads = value.backward().expect("a differentiable graph");
    let grad = grads
        .get(&y_pred_var)
        .expect("y_pred takes part in the loss");

    assert_eq!(value.dims(), &[] as &[usize], "{name}: the value is 0-D");
    assert_eq!(
        value.to_scalar::<f32>().unwrap(),
        expected_value,
        "{name}: value"
    );
    assert_eq!(to_array(grad), expected_grad, "{name}: gradient");
}

#[test]
fn shipped_regression_losses_match() {
    let y_true = grid(-1.0, 2.0);
    let y_pred = grid(2.5, -0.5);
    assert_matches_value_and_grad(MeanSquaredError::new(), &y_true, &y_pred);
    assert_matches_value_and_grad(MeanAbsoluteError::new(), &y_true, &y_pred);
    assert_matches_value_and_grad(MeanAbsolutePercentageError::new(), &y_true, &y_pred);
    assert_matches_value_and_grad(MeanSquaredLogarithmicError::new(), &y_true, &y_pred);
    assert_matches_value_and_grad(Huber::new(0.5), &y_true, &y_pred);
    assert_matches_value_and_grad(LogCosh::new(), &y_true, &y_pred);
    assert_matches_value_and_grad(Poisson::new(), &grid(0.0, 3.0), &grid(0.1, 4.0));
}

#[test]
fn shipped_classification_losses_match() {
    let probabilities = grid(0.05, 0.95);
    let logits = grid(-3.0, 4.0);
    assert_matches_value_and_grad(BinaryCrossentropy::default(), &labels(), &probabilities);
    assert_matches_value_and_grad(BinaryCrossentropy::new(true, 0.1), &labels(), &logits);
    assert_matches_value_and_grad(
        BinaryFocalCrossentropy::default(),
        &labels(),
        &probabilities,
    );
    assert_matches_value_and_grad(
        BinaryFocalCrossentropy::new(true, 0.25, 2.0, true, 0.0),
        &labels(),
        &logits,
    );
    assert_matches_value_and_grad(
        WeightedBinaryCrossentropy::new(3.0, 1.0, true),
        &labels(),
        &logits,
    );
    assert_matches_value_and_grad(Hinge::new(), &labels(), &logits);
    assert_matches_value_and_grad(SquaredHinge::new(), &labels(), &logits);
}

#[test]
fn shipped_row_losses_match() {
    let one_hot = Array2::from_shape_fn((4, 3), |(row, column)| f32::from(row % 3 == column));
    let one_hot = one_hot.into_dyn();
    let logits = grid(-1.0, 3.0);
    let probabilities = grid(0.05, 0.95);
    assert_matches_value_and_grad(CategoricalCrossentropy::new(true, 0.1), &one_hot, &logits);
    assert_matches_value_and_grad(CosineSimilarity::new(), &grid(-1.0, 1.0), &logits);
    assert_matches_value_and_grad(Dice::new(1.0), &one_hot, &probabilities);
    assert_matches_value_and_grad(KLDivergence::new(), &one_hot, &probabilities);
}

/// A user-written loss in `f32`: cross-entropy on logits with a weight per class.
#[loss]
fn weighted_logistic(y_true: f32, y_pred: f32, positive_weight: f32) -> f32 {
    let softplus = y_pred.max(0.0) + (-y_pred.abs()).exp().ln_1p();
    positive_weight * y_true * (softplus - y_pred) + (1.0 - y_true) * softplus
}

#[test]
fn user_loss_matches() {
    assert_matches_value_and_grad(WeightedLogistic::new(4.0), &labels(), &grid(-2.0, 2.0));
}

/// Softmax cross-entropy on logits, one row of class scores per sample.
#[loss]
fn softmax_cross_entropy(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let mut max = y_pred[0];
    for i in 1..y_pred.len() {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += (y_pred[i] - max).exp();
    }
    let log_sum_exp = max + sum.ln();
    let mut loss = 0.0;
    for i in 0..y_pred.len() {
        loss += y_true[i] * (log_sum_exp - y_pred[i]);
    }
    loss
}

#[test]
fn row_loss_matches() {
    let one_hot = Array2::from_shape_fn((4, 3), |(row, column)| f32::from(row % 3 == column));
    assert_matches_value_and_grad(
        SoftmaxCrossEntropy::new(),
        &one_hot.into_dyn(),
        &grid(-1.0, 3.0),
    );
}

#[test]
fn gradient_reaches_linear_weights() {
    // z = X w + b for 4 samples of 3 features, then the loss of z against the labels.
    let features = grid(-1.0, 1.5);
    let initial_weights = [0.5f32, -0.25, 1.0];
    let y_true = ArrayD::from_shape_vec(IxDyn(&[4, 1]), vec![1.0, 0.0, 0.0, 1.0]).unwrap();
    let loss = WeightedLogistic::new(2.0);

    let x = to_tensor(&features);
    let weights = Var::from_vec(initial_weights.to_vec(), (3, 1), &Device::Cpu).unwrap();
    let bias = Var::from_vec(vec![0.1f32], 1, &Device::Cpu).unwrap();
    let logits = x.matmul(&weights).unwrap().broadcast_add(&bias).unwrap();
    let grads = CandleLoss::new(loss)
        .forward(&to_tensor(&y_true), &logits)
        .unwrap()
        .backward()
        .unwrap();

    // By the chain rule dL/dw = Xᵀ dL/dz and dL/db = Σ dL/dz, with dL/dz from
    // value_and_grad at the same logits.
    let (_, logit_grad) = loss.value_and_grad(&y_true, &to_array(&logits)).unwrap();
    let features_2d = features.into_dimensionality::<ndarray::Ix2>().unwrap();
    let logit_grad_2d = logit_grad.into_dimensionality::<ndarray::Ix2>().unwrap();
    let expected_weights = features_2d.t().dot(&logit_grad_2d).into_dyn();
    let expected_bias = logit_grad_2d.sum();

    let weight_grad = to_array(grads.get(&weights).unwrap());
    for (index, (&got, &expected)) in weight_grad.iter().zip(&expected_weights).enumerate() {
        assert!(
            (got - expected).abs() <= 1e-6,
            "weight {index}: candle {got}, chain rule {expected}"
        );
    }
    let bias_grad = to_array(grads.get(&bias).unwrap())[[0]];
    assert!(
        (bias_grad - expected_bias).abs() <= 1e-6,
        "bias: candle {bias_grad}, chain rule {expected_bias}"
    );
}

#[test]
fn upstream_gradient_scales_local_gradient() {
    let y_true = labels();
    let y_pred = grid(-2.0, 2.0);
    let loss = BinaryCrossentropy::new(true, 0.0);
    let (_, local) = loss.value_and_grad(&y_true, &y_pred).unwrap();

    let y_pred_var = Var::from_tensor(&to_tensor(&y_pred)).unwrap();
    let value = CandleLoss::new(loss)
        .forward(&to_tensor(&y_true), y_pred_var.as_tensor())
        .unwrap();
    let grads = (value * 3.0).unwrap().backward().unwrap();

    assert_eq!(to_array(grads.get(&y_pred_var).unwrap()), local * 3.0);
}

#[test]
fn y_true_gets_no_gradient() {
    let y_true = Var::from_tensor(&to_tensor(&labels())).unwrap();
    let y_pred = Var::from_tensor(&to_tensor(&grid(-1.0, 1.0))).unwrap();
    let value = CandleLoss::new(Hinge::new())
        .forward(y_true.as_tensor(), y_pred.as_tensor())
        .unwrap();
    let grads = value.backward().unwrap();

    assert!(grads.get(&y_true).is_none());
    assert!(grads.get(&y_pred).is_some());
}

#[test]
fn strided_inputs_match_contiguous_copies() {
    // y_pred is a transposed variable and y_true one row broadcast over four: neither
    // is contiguous, and y_true has a stride of 0.
    let row = ArrayD::from_shape_vec(IxDyn(&[1, 3]), vec![0.5f32, -1.0, 2.0]).unwrap();
    let y_true = to_tensor(&row).broadcast_as((4, 3)).unwrap();
    let y_pred_t = Var::from_tensor(
        &to_tensor(&grid(-2.0, 3.0))
            .t()
            .unwrap()
            .contiguous()
            .unwrap(),
    )
    .unwrap();
    let y_pred = y_pred_t.as_tensor().t().unwrap();
    assert!(!y_true.is_contiguous() && !y_pred.is_contiguous());

    let loss = Huber::new(1.0);
    let value = CandleLoss::new(loss).forward(&y_true, &y_pred).unwrap();
    let grads = value.backward().unwrap();

    let (expected_value, expected_grad) = loss
        .value_and_grad(&to_array(&y_true), &to_array(&y_pred))
        .unwrap();
    assert_eq!(value.to_scalar::<f32>().unwrap(), expected_value);
    // The variable is the transpose of y_pred, so its gradient is the transposed one.
    let grad_t = to_array(grads.get(&y_pred_t).unwrap());
    assert_eq!(grad_t, expected_grad.t().to_owned());
}

#[test]
fn f64_tensors_through_forward_f64() {
    let y_true = Tensor::new(&[0.0f64, 2.0], &Device::Cpu).unwrap();
    let y_pred = Var::new(&[1.0f64, 1.5], &Device::Cpu).unwrap();
    let value = CandleLoss::new(MeanSquaredError::new())
        .forward_f64(&y_true, y_pred.as_tensor())
        .unwrap();
    let grads = value.backward().unwrap();

    // (1² + 0.5²) / 2, and 2 (ŷ - y) / 2 for each element.
    assert_eq!(value.to_scalar::<f64>().unwrap(), 0.625);
    assert_eq!(
        grads.get(&y_pred).unwrap().to_vec1::<f64>().unwrap(),
        [1.0, -0.5]
    );
}

/// A loss written for `f64` only, which implements `Loss<f64>` but not `Loss<f32>`.
#[loss]
fn cubic_error(y_true: f64, y_pred: f64) -> f64 {
    (y_pred - y_true).powi(3)
}

#[test]
fn f64_only_loss_through_forward_f64() {
    let y_true = Tensor::new(&[0.0f64], &Device::Cpu).unwrap();
    let y_pred = Var::new(&[2.0f64], &Device::Cpu).unwrap();
    let value = CandleLoss::new(CubicError::new())
        .forward_f64(&y_true, y_pred.as_tensor())
        .unwrap();
    let grads = value.backward().unwrap();

    // 2³ and 3 · 2².
    assert_eq!(value.to_scalar::<f64>().unwrap(), 8.0);
    assert_eq!(
        grads.get(&y_pred).unwrap().to_vec1::<f64>().unwrap(),
        [12.0]
    );
}

#[test]
fn f64_tensors_to_forward_are_rejected() {
    let y_true = Tensor::new(&[0.0f64], &Device::Cpu).unwrap();
    let y_pred = Tensor::new(&[1.0f64], &Device::Cpu).unwrap();
    let error = CandleLoss::new(MeanSquaredError::new())
        .forward(&y_true, &y_pred)
        .unwrap_err()
        .to_string();

    assert!(error.contains("evaluates F32 tensors"), "{error}");
    assert!(error.contains("forward_f64"), "{error}");
}

#[test]
fn unequal_shapes_are_rejected() {
    let y_true = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
    let y_pred = Tensor::zeros((3, 2), DType::F32, &Device::Cpu).unwrap();
    let error = CandleLoss::new(MeanSquaredError::new())
        .forward(&y_true, &y_pred)
        .unwrap_err()
        .to_string();

    assert!(
        error.contains("y_true has shape [2, 3] but y_pred has shape [3, 2]"),
        "{error}"
    );
}

#[test]
fn reduction_none_is_rejected() {
    let y_true = Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let loss = CandleLoss::new(MeanSquaredError::new().with_reduction(Reduction::None));
    let error = loss.forward(&y_true, &y_true).unwrap_err().to_string();

    assert!(error.contains("Reduction::None"), "{error}");
}

#[test]
fn invalid_hyper_parameter_is_rejected() {
    let y_true = Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let error = CandleLoss::new(Huber::new(-1.0))
        .forward(&y_true, &y_true)
        .unwrap_err()
        .to_string();

    assert!(
        error.contains("invalid hyper-parameter for Huber"),
        "{error}"
    );
}
