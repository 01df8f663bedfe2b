//! Distances for anomaly detection: how far a predicted vector lies from the target
//! under a given covariance.

use crate::{Float, LossError, loss};

/// Squared Mahalanobis distance between the prediction and the target, under the
/// inverse covariance matrix `M` of the features.
///
/// ```text
/// d = ŷ - y
/// loss = dᵀ M d = Σᵢ Σⱼ dᵢ Mᵢⱼ dⱼ
/// d loss / d ŷ = (M + Mᵀ) d          (= 2 M d for a symmetric M)
/// ```
///
/// `inverse_covariance` contains `M` in row-major order, so `Mᵢⱼ` is
/// `inverse_covariance[i * D + j]` for rows of `D` features. With `M` the identity,
/// the loss is the squared Euclidean distance. The cost is `O(D²)` per sample.
///
/// Parameters: `inverse_covariance`, `D × D` entries. Each evaluation checks its length
/// against the row length `D` and returns
/// [`LossError::InvalidHyperParameter`] when it differs.
/// [`Mahalanobis::try_new`] also checks that the matrix is symmetric and finite, and
/// `Mahalanobis::new` skips those checks. Neither checks that `M` is positive
/// semi-definite. An indefinite `M` can give a negative loss.
///
/// Keras 3: no equivalent.
/// PyTorch: no loss in `torch.nn`. `MultivariateNormal(mean, precision_matrix=M)
/// .log_prob` contains `-loss / 2` plus terms that do not depend on `ŷ`.
///
/// ```
/// use losses_core::prelude::*;
/// use ndarray::array;
///
/// // Feature 0 has variance 1/4 and feature 1 variance 1, so the inverse covariance
/// // weighs feature 0 four times as much.
/// let loss = Mahalanobis::try_new(vec![4.0, 0.0, 0.0, 1.0], 2)?;
/// let (value, grad) = loss.value_and_grad(&array![[0.0, 0.0]], &array![[1.0, 1.0]])?;
/// assert_eq!(value, 5.0);
/// assert_eq!(grad, array![[8.0, 2.0]]);
///
/// // A matrix for 2 features does not fit rows of 3.
/// let error = loss.value(&array![[0.0, 0.0, 0.0]], &array![[1.0, 1.0, 1.0]]);
/// assert!(matches!(error, Err(LossError::InvalidHyperParameter { .. })));
/// # Ok::<(), LossError>(())
/// ```
#[doc = plot_doc!("mahalanobis")]
#[loss(require(inverse_covariance.len() == features * features))]
fn mahalanobis<T: Float>(y_true: &[T], y_pred: &[T], inverse_covariance: &[T]) -> T {
    let features = y_pred.len();
    let mut distance = 0.0;
    for i in 0..features {
        // (M d)ᵢ
        let mut transformed = 0.0;
        for j in 0..features {
            transformed += inverse_covariance[i * features + j] * (y_pred[j] - y_true[j]);
        }
        distance += (y_pred[i] - y_true[i]) * transformed;
    }
    distance
}

/// The largest asymmetry [`Mahalanobis::try_new`] accepts, relative to the largest
/// absolute entry: a numerically inverted symmetric matrix is symmetric only to
/// rounding.
const SYMMETRY_TOLERANCE: f64 = 1e-10;

impl Mahalanobis {
    /// Creates the loss after checking that `inverse_covariance` is a finite, symmetric
    /// `dim × dim` matrix in row-major order.
    ///
    /// Entries `(i, j)` and `(j, i)` count as equal when they differ by at most `1e-10`
    /// times the largest absolute entry, which leaves room for the rounding of a
    /// numerical inverse. Symmetrise a matrix that fails, for example with
    /// `(M + Mᵀ) / 2`, which gives the same loss, because `dᵀ M d` depends only on the
    /// symmetric part of `M`.
    ///
    /// # Errors
    ///
    /// Returns [`LossError::InvalidHyperParameter`] when `dim` is 0, when the matrix
    /// does not have `dim × dim` entries, when an entry is not finite, or when it is
    /// not symmetric. The message names the offending entries.
    pub fn try_new(inverse_covariance: Vec<f64>, dim: usize) -> Result<Self, LossError> {
        check_square(&inverse_covariance, dim)?;
        check_finite(&inverse_covariance)?;
        check_symmetric(&inverse_covariance, dim)?;
        Ok(Self::new(inverse_covariance))
    }
}

fn check_square(matrix: &[f64], dim: usize) -> Result<(), LossError> {
    if dim > 0 && dim.checked_mul(dim) == Some(matrix.len()) {
        return Ok(());
    }
    Err(LossError::invalid_hyper_parameter(
        "Mahalanobis",
        "`dim >= 1` and `inverse_covariance.len() == dim * dim`",
        format!("inverse_covariance.len() = {}, dim = {dim}", matrix.len()),
    ))
}

fn check_finite(matrix: &[f64]) -> Result<(), LossError> {
    match matrix.iter().position(|entry| !entry.is_finite()) {
        None => Ok(()),
        Some(index) => Err(LossError::invalid_hyper_parameter(
            "Mahalanobis",
            "finite entries in `inverse_covariance`",
            format!("inverse_covariance[{index}] = {}", matrix[index]),
        )),
    }
}

/// Checks `matrix[i * dim + j]` against `matrix[j * dim + i]`; the matrix is square and
/// finite.
fn check_symmetric(matrix: &[f64], dim: usize) -> Result<(), LossError> {
    let largest = matrix
        .iter()
        .fold(0.0f64, |max, entry| max.max(entry.abs()));
    let tolerance = SYMMETRY_TOLERANCE * largest;
    for i in 0..dim {
        for j in (i + 1)..dim {
            let (upper, lower) = (matrix[i * dim + j], matrix[j * dim + i]);
            if (upper - lower).abs() > tolerance {
                return Err(LossError::invalid_hyper_parameter(
                    "Mahalanobis",
                    "a symmetric `inverse_covariance`",
                    format!(
                        "inverse_covariance[{}] = {upper} at row {i}, column {j}, but \
                         inverse_covariance[{}] = {lower} at row {j}, column {i}",
                        i * dim + j,
                        j * dim + i
                    ),
                ));
            }
        }
    }
    Ok(())
}
