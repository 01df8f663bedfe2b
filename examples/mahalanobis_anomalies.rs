//! Anomaly detection with the shipped `Mahalanobis` loss: a linear autoencoder learns
//! to reconstruct benign breast tumours, and its per-sample reconstruction loss scores
//! how anomalous a tumour is. It is compared with the same autoencoder trained and
//! scored with `MeanSquaredError`.
//!
//! The data are the 569 tumours of the Wisconsin diagnostic breast cancer data set, as
//! embedded in the `smartcore` crate (feature `datasets`). Each has 30 measurements of
//! the cell nuclei in an image of a fine-needle aspirate, and a diagnosis: 212 are
//! malignant and 357 benign. A seeded shuffle holds out part of the benign tumours, and training sees
//! only the rest. The test set is the held-out benign tumours and all malignant ones.
//!
//! The features are standardised with the mean and standard deviation of the benign
//! training tumours. The autoencoder is `x̂ = D (E x)`, with an encoder `E` of shape
//! `k × 30` and a decoder `D` of shape `30 × k`, trained by full-batch gradient descent.
//! `value_and_grad(x, x̂)` returns dL/dx̂ and the chain rule reaches `D` and `E`.
//!
//! `Mahalanobis` weighs a reconstruction error `d = x̂ - x` by the inverse covariance
//! `M` of the benign training tumours, as `dᵀ M d`. An error along a direction in which
//! benign tumours barely vary then costs much more than the same error along a
//! direction of large benign variation. The anomaly score of a tumour is its
//! `per_sample` loss, and the report is the ROC AUC of that score for the malignant
//! class on the test set, before and after training. For reference it also gives the
//! AUC of each loss between a tumour and the benign mean, without an autoencoder.
//!
//! On the seeded split, training with `MeanSquaredError` lowers the AUC from about 0.96
//! for the distance to the mean to about 0.92. That loss is smallest when the
//! autoencoder reconstructs the directions of largest benign variation, and the drop
//! shows that malignant tumours differ from benign ones partly along those directions.
//! `Mahalanobis` with the inverse covariance measures the error after whitening, where
//! benign tumours vary equally in every direction, and the trained autoencoder keeps
//! the AUC of the Mahalanobis distance to the mean, about 0.96. Neither trained model
//! beats its distance to the mean on this data.
//!
//! While training, a progress bar on the terminal shows the running loss. The loss
//! curves and the test ROC AUC before and after training are written as an SVG image to
//! `target/plots/mahalanobis_anomalies.svg`, or to the path given as the first argument.
//!
//! ```text
//! cargo run --release --example mahalanobis_anomalies
//! ```

#[path = "support/training.rs"]
mod training;

use std::error::Error;

use losses_core::prelude::*;
use ndarray::{Array1, Array2, Axis};

/// Seed of the benign split and of the initial weights. xorshift needs a non-zero seed.
const SEED: u64 = 42;
/// Share of the benign tumours held out for testing.
const BENIGN_TEST_FRACTION: f64 = 0.3;
/// Features per tumour in the data set.
const FEATURES: usize = 30;
/// Width of the autoencoder's code.
const CODE_WIDTH: usize = 6;
/// Added to the diagonal of the benign covariance before it is inverted, which bounds
/// the entries of the inverse by `1 / RIDGE`. The features are standardised, so the
/// diagonal is 1. Mean radius, perimeter and area have pairwise correlations above 0.99
/// among the benign training tumours, and without the ridge the inverse has entries
/// above 3000, which would force a much smaller learning rate.
const RIDGE: f64 = 1e-2;
const EPOCHS: usize = 4000;
/// Learning rates of the two runs. `MeanSquaredError` averages the squared errors of a
/// tumour's 30 features, while `Mahalanobis` sums them weighted by `M`, whose largest
/// entry is about 66 on the seeded split, so its gradient is much larger.
const MSE_LEARNING_RATE: f64 = 0.5;
const MAHALANOBIS_LEARNING_RATE: f64 = 1e-3;

/// Tumours as rows of `features`, with `true` in `malignant` for a malignant one.
struct Tumours {
    features: Array2<f64>,
    malignant: Vec<bool>,
}

impl Tumours {
    fn malignant_count(&self) -> usize {
        self.malignant
            .iter()
            .filter(|&&malignant| malignant)
            .count()
    }

    /// Returns the tumours at `rows`, in that order.
    fn select(&self, rows: &[usize]) -> Tumours {
        Tumours {
            features: self.features.select(Axis(0), rows),
            malignant: rows.iter().map(|&row| self.malignant[row]).collect(),
        }
    }
}

/// Loads the 569 tumours.
fn load_breast_cancer() -> Result<Tumours, Box<dyn Error>> {
    // smartcore 0.7 stores the features as one row-major `Vec<f32>` and the diagnosis
    // as 0 for malignant and 1 for benign, the coding of its target name "malignant or
    // benign [0, 1]".
    let dataset = smartcore::dataset::breast_cancer::load_dataset();
    if dataset.num_features != FEATURES {
        let found = dataset.num_features;
        return Err(format!("expected {FEATURES} features per tumour, found {found}").into());
    }
    let values = dataset.data.iter().map(|&value| f64::from(value)).collect();
    let tumours = Tumours {
        features: Array2::from_shape_vec((dataset.num_samples, FEATURES), values)?,
        malignant: dataset.target.iter().map(|&label| label == 0).collect(),
    };
    // The data contain 212 malignant and 357 benign tumours, so the count catches a
    // change of the label coding.
    if tumours.malignant_count() != 212 {
        let found = tumours.malignant_count();
        return Err(format!("expected 212 malignant tumours with label 0, found {found}").into());
    }
    Ok(tumours)
}

/// Splits `tumours` into the benign tumours to train on and a test set of the other
/// benign tumours and all malignant ones.
fn split(tumours: &Tumours, rng: &mut XorShift64) -> (Tumours, Tumours) {
    let benign: Vec<usize> = (0..tumours.malignant.len())
        .filter(|&row| !tumours.malignant[row])
        .collect();
    let order = rng.shuffled_indices(benign.len());
    let test_len = (BENIGN_TEST_FRACTION * benign.len() as f64).round() as usize;
    let train_rows: Vec<usize> = order[test_len..].iter().map(|&i| benign[i]).collect();
    let mut test_rows: Vec<usize> = order[..test_len].iter().map(|&i| benign[i]).collect();
    test_rows.extend((0..tumours.malignant.len()).filter(|&row| tumours.malignant[row]));
    (tumours.select(&train_rows), tumours.select(&test_rows))
}

/// Rescales every feature to mean 0 and standard deviation 1 over the training set, and
/// applies the same map to the test set.
fn standardise(train: &mut Tumours, test: &mut Tumours) -> Result<(), Box<dyn Error>> {
    let mean = train
        .features
        .mean_axis(Axis(0))
        .ok_or("the training set is empty")?;
    // NOTE: a feature that is constant over the training set would divide by 0 here.
    // None of the 30 features is.
    let std = train.features.std_axis(Axis(0), 0.0);
    for features in [&mut train.features, &mut test.features] {
        *features -= &mean;
        *features /= &std;
    }
    Ok(())
}

/// Returns the covariance of the rows of `features`, which have mean 0, with `ridge`
/// added to the diagonal.
fn ridge_covariance(features: &Array2<f64>, ridge: f64) -> Array2<f64> {
    let samples = features.nrows() as f64;
    let mut covariance = features.t().dot(features) / samples;
    covariance.diag_mut().map_inplace(|entry| *entry += ridge);
    covariance
}

/// Returns the inverse of the symmetric positive definite `matrix`, in row-major order,
/// through its Cholesky factorisation `matrix = L Lᵀ`.
///
/// # Errors
///
/// Returns an error when `matrix` is not positive definite to working precision.
fn invert_spd(matrix: &Array2<f64>) -> Result<Vec<f64>, Box<dyn Error>> {
    let lower = cholesky(matrix)?;
    let dim = matrix.nrows();
    let mut inverse = Array2::<f64>::zeros((dim, dim));
    // Column j of the inverse solves L Lᵀ x = eⱼ: first L y = eⱼ, then Lᵀ x = y.
    for j in 0..dim {
        let mut column = Array1::<f64>::zeros(dim);
        column[j] = 1.0;
        for i in 0..dim {
            let known: f64 = (0..i).map(|k| lower[[i, k]] * column[k]).sum();
            column[i] = (column[i] - known) / lower[[i, i]];
        }
        for i in (0..dim).rev() {
            let known: f64 = (i + 1..dim).map(|k| lower[[k, i]] * column[k]).sum();
            column[i] = (column[i] - known) / lower[[i, i]];
        }
        inverse.column_mut(j).assign(&column);
    }
    // The columns are solved one by one, so the result is symmetric only to rounding.
    // Averaging it with its transpose makes it exactly symmetric, as
    // `Mahalanobis::try_new` checks.
    let symmetric = (&inverse + &inverse.t()) / 2.0;
    Ok(symmetric.iter().copied().collect())
}

/// Returns the lower triangular `L` with `matrix = L Lᵀ`, by the Cholesky–Banachiewicz
/// algorithm.
fn cholesky(matrix: &Array2<f64>) -> Result<Array2<f64>, Box<dyn Error>> {
    let dim = matrix.nrows();
    let mut lower = Array2::<f64>::zeros((dim, dim));
    for i in 0..dim {
        for j in 0..=i {
            let known: f64 = (0..j).map(|k| lower[[i, k]] * lower[[j, k]]).sum();
            if i == j {
                let pivot = matrix[[i, i]] - known;
                if pivot <= 0.0 {
                    return Err(format!(
                        "the covariance is not positive definite: pivot {pivot} at row {i}; \
                         increase RIDGE"
                    )
                    .into());
                }
                lower[[i, i]] = pivot.sqrt();
            } else {
                lower[[i, j]] = (matrix[[i, j]] - known) / lower[[j, j]];
            }
        }
    }
    Ok(lower)
}

/// A linear autoencoder without biases: `x̂ = D (E x)`. The features have mean 0 on the
/// training set, so the biases would stay near 0.
#[derive(Clone)]
struct Autoencoder {
    /// `E`, of shape `CODE_WIDTH × FEATURES`.
    encoder: Array2<f64>,
    /// `D`, of shape `FEATURES × CODE_WIDTH`.
    decoder: Array2<f64>,
}

impl Autoencoder {
    /// Creates an autoencoder with weights drawn uniformly from `[-a, a)`, where
    /// `a = 1 / sqrt(inputs)` for the layer's number of inputs.
    fn random(rng: &mut XorShift64) -> Self {
        let mut layer = |shape: (usize, usize)| {
            let scale = 1.0 / (shape.1 as f64).sqrt();
            Array2::from_shape_fn(shape, |_| scale * rng.symmetric_unit())
        };
        let encoder = layer((CODE_WIDTH, FEATURES));
        let decoder = layer((FEATURES, CODE_WIDTH));
        Self { encoder, decoder }
    }

    /// Returns the codes `H = X Eᵀ` and the reconstructions `X̂ = H Dᵀ` of the rows of
    /// `features`.
    fn forward(&self, features: &Array2<f64>) -> (Array2<f64>, Array2<f64>) {
        let codes = features.dot(&self.encoder.t());
        let reconstructions = codes.dot(&self.decoder.t());
        (codes, reconstructions)
    }

    /// Takes one gradient-descent step, given the codes of `features` and dL/dX̂.
    fn step(
        &mut self,
        features: &Array2<f64>,
        codes: &Array2<f64>,
        reconstruction_grad: &Array2<f64>,
        learning_rate: f64,
    ) {
        // X̂ = H Dᵀ and H = X Eᵀ, so dL/dD = (dL/dX̂)ᵀ H, dL/dH = dL/dX̂ D and
        // dL/dE = (dL/dH)ᵀ X.
        let decoder_grad = reconstruction_grad.t().dot(codes);
        let code_grad = reconstruction_grad.dot(&self.decoder);
        let encoder_grad = code_grad.t().dot(features);
        self.decoder.scaled_add(-learning_rate, &decoder_grad);
        self.encoder.scaled_add(-learning_rate, &encoder_grad);
    }
}

/// The training loss before the first step and after the last, and the loss of every
/// epoch before its step.
type TrainingLoss = ((f64, f64), Vec<f64>);

/// Trains `model` on the rows of `features` by full-batch gradient descent on `loss`,
/// showing a progress bar labelled `name`, and returns the training loss.
///
/// # Errors
///
/// Returns the loss's error, or an error when the training loss stops being finite,
/// which a learning rate too large for the loss causes.
fn fit(
    name: &str,
    loss: &impl Loss<f64>,
    model: &mut Autoencoder,
    features: &Array2<f64>,
    learning_rate: f64,
) -> Result<TrainingLoss, Box<dyn Error>> {
    let first = loss.value(features, &model.forward(features).1)?;
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for epoch in 1..=EPOCHS {
        let (codes, reconstructions) = model.forward(features);
        let (value, reconstruction_grad) = loss.value_and_grad(features, &reconstructions)?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
        if !value.is_finite() {
            return Err(format!(
                "the training loss is {value} at epoch {epoch}; lower the learning rate \
                 {learning_rate}"
            )
            .into());
        }
        model.step(features, &codes, &reconstruction_grad, learning_rate);
    }
    bar.finish();
    let last = loss.value(features, &model.forward(features).1)?;
    Ok(((first, last), losses))
}

/// Returns the anomaly score of each tumour of `test`: the per-sample `loss` between
/// the tumour and `model`'s reconstruction of it.
fn anomaly_scores(
    loss: &impl Loss<f64>,
    model: &Autoencoder,
    test: &Tumours,
) -> Result<Vec<f64>, LossError> {
    let (_, reconstructions) = model.forward(&test.features);
    let scores = loss.per_sample(&test.features, &reconstructions)?;
    Ok(scores.iter().copied().collect())
}

/// Returns the ROC AUC of `scores` for the positive class: the probability that a
/// random positive scores higher than a random negative, a tie counting one half.
///
/// It is computed exactly from ranks, as the Mann–Whitney U statistic divided by the
/// number of positive–negative pairs. Tied scores share the mean of their ranks.
fn roc_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        // Ranks start + 1 ..= end belong to one group of tied scores.
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end].iter().filter(|&&i| positive[i]).count();
        positive_rank_sum += mean_rank * tied_positives as f64;
        start = end;
    }
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let negatives = positive.len() as f64 - positives;
    (positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// The xorshift64 generator with shifts 13, 7 and 17, which makes the example
/// reproducible without a dependency on `rand`. The seed must not be 0.
struct XorShift64(u64);

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns a number in `[-1, 1)` from the top 53 bits of the next output.
    fn symmetric_unit(&mut self) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        2.0 * unit - 1.0
    }

    /// Returns `0..len` in a random order, by a Fisher–Yates shuffle. The modulo bias
    /// of each draw is at most `len / 2⁶⁴`.
    fn shuffled_indices(&mut self, len: usize) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..len).collect();
        for i in (1..len).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            indices.swap(i, j);
        }
        indices
    }
}

/// One autoencoder run: its loss, the training loss before and after training, and
/// the test ROC AUC before and after.
struct Run {
    name: &'static str,
    training_loss: (f64, f64),
    /// The training loss of every epoch, before its step.
    losses: Vec<f64>,
    auc_before: f64,
    auc_after: f64,
}

/// Trains a copy of `initial` with `loss` and scores the test set with the same loss
/// before and after training.
fn run(
    name: &'static str,
    loss: &impl Loss<f64>,
    initial: &Autoencoder,
    train: &Tumours,
    test: &Tumours,
    learning_rate: f64,
) -> Result<Run, Box<dyn Error>> {
    let auc_before = roc_auc(&anomaly_scores(loss, initial, test)?, &test.malignant);
    let mut model = initial.clone();
    let (training_loss, losses) = fit(name, loss, &mut model, &train.features, learning_rate)?;
    let auc_after = roc_auc(&anomaly_scores(loss, &model, test)?, &test.malignant);
    Ok(Run {
        name,
        training_loss,
        losses,
        auc_before,
        auc_after,
    })
}

/// Returns the test ROC AUC of `loss` between each tumour and the benign training mean,
/// which is 0 after standardisation: the score without an autoencoder.
fn distance_to_mean_auc(loss: &impl Loss<f64>, test: &Tumours) -> Result<f64, LossError> {
    let mean = Array2::<f64>::zeros(test.features.raw_dim());
    let scores = loss.per_sample(&test.features, &mean)?;
    let scores: Vec<f64> = scores.iter().copied().collect();
    Ok(roc_auc(&scores, &test.malignant))
}

fn print_counts(train: &Tumours, test: &Tumours) {
    let malignant = test.malignant_count();
    println!(
        "training set: {} benign tumours; test set: {} benign, {malignant} malignant",
        train.malignant.len(),
        test.malignant.len() - malignant
    );
    println!(
        "autoencoder {FEATURES} -> {CODE_WIDTH} -> {FEATURES}, \
         {EPOCHS} epochs of full-batch gradient descent, ridge {RIDGE}"
    );
}

fn print_table(runs: &[Run], references: [f64; 2]) {
    println!(
        "\n{:<18}  {:>23}  {:>15}  {:>15}  {:>20}",
        "loss", "training loss", "AUC untrained", "AUC trained", "AUC distance to mean"
    );
    for (run, reference) in runs.iter().zip(references) {
        let (first, last) = run.training_loss;
        println!(
            "{:<18}  {:>23}  {:>15.4}  {:>15.4}  {:>20.4}",
            run.name,
            format!("{first:.4} -> {last:.4}"),
            run.auc_before,
            run.auc_after,
            reference
        );
    }
    println!(
        "\nAUC: ROC AUC of the per-sample loss for the malignant class on the test set. \
         Untrained: the random initial weights of both runs. Distance to mean: the loss \
         with x̂ = 0, the benign training mean."
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let tumours = load_breast_cancer()?;
    let mut rng = XorShift64(SEED);
    let (mut train, mut test) = split(&tumours, &mut rng);
    standardise(&mut train, &mut test)?;
    print_counts(&train, &test);

    let inverse_covariance = invert_spd(&ridge_covariance(&train.features, RIDGE))?;
    let mahalanobis = Mahalanobis::try_new(inverse_covariance, FEATURES)?;
    let mse = MeanSquaredError::new();

    let initial = Autoencoder::random(&mut rng);
    let runs = [
        run(
            "MeanSquaredError",
            &mse,
            &initial,
            &train,
            &test,
            MSE_LEARNING_RATE,
        )?,
        run(
            "Mahalanobis",
            &mahalanobis,
            &initial,
            &train,
            &test,
            MAHALANOBIS_LEARNING_RATE,
        )?,
    ];
    let references = [
        distance_to_mean_auc(&mse, &test)?,
        distance_to_mean_auc(&mahalanobis, &test)?,
    ];
    print_table(&runs, references);
    write_report(&runs)
}

/// Writes the loss curves of `runs` and their test ROC AUC before and after training as
/// an SVG image.
fn write_report(runs: &[Run]) -> Result<(), Box<dyn Error>> {
    let scored: Vec<training::ScoredRun<'_>> = runs
        .iter()
        .map(|run| training::ScoredRun {
            name: run.name,
            losses: &run.losses,
            scores: vec![training::Score {
                name: "test ROC AUC",
                before: run.auc_before,
                after: run.auc_after,
            }],
        })
        .collect();
    let path = training::svg_path("mahalanobis_anomalies");
    let title = "Autoencoder anomaly scores of malignant tumours";
    training::write_scored_svg(&path, title, &scored, "test scores", "ROC AUC")?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
