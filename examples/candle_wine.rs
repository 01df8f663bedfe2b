//! A two-layer perceptron in candle, trained on the imbalanced red wine data once with
//! the shipped `BinaryCrossentropy` and once with a class-weighted cross-entropy that
//! this file writes under `#[loss]`.
//!
//! Both losses enter candle's autograd graph through `losses_core::candle::CandleLoss`:
//! its `forward` returns the loss as a tensor, and `backward` on that tensor sends the
//! gradient that `#[loss]` derived at compile time on through the network to its
//! weights. The data, split, standardisation and scores are those of the
//! `imbalanced_wine` example, which trains a logistic regression instead.
//!
//! A progress bar shows the running loss, and the loss curves and the scores before and
//! after training are written to `target/plots/candle_wine.svg`, or to the path given
//! as the first argument.
//!
//! ```text
//! cargo run --release --features candle --example candle_wine
//! ```

#[path = "support/training.rs"]
mod training;
// The examples that share these helpers each use a different part of them.
#[allow(dead_code)]
#[path = "support/wine.rs"]
mod wine;

use std::error::Error;

use candle_core::{DType, Device, Tensor, Var};
use losses_core::candle::CandleLoss;
use losses_core::losses::helpers::softplus;
use losses_core::prelude::*;

use wine::{Samples, Scores};

/// Seed of the train/test shuffle, the same as `imbalanced_wine`'s.
const SEED: u64 = 42;
/// Seed of the initial weights.
const WEIGHT_SEED: u64 = 7;
const TEST_FRACTION: f64 = 0.2;
const HIDDEN_UNITS: usize = 16;
const LEARNING_RATE: f64 = 0.05;
/// Momentum of the gradient-descent steps: each step adds this share of the last one.
const MOMENTUM: f64 = 0.9;
const EPOCHS: usize = 1000;
/// Epochs whose training loss is printed, counted from 1. Each loss is taken before
/// that epoch's step, so epoch 1 shows the initial model.
const REPORTED_EPOCHS: [usize; 5] = [1, 10, 100, 500, 1000];
/// A wine is predicted positive when sigmoid(z) is at least this probability.
const THRESHOLD: f64 = 0.5;

/// Binary cross-entropy on logits with one weight per class:
///
/// ```text
/// loss = pos_weight · y · softplus(−z) + neg_weight · (1 − y) · softplus(z)
/// ```
///
/// where `y = y_true` is the 0/1 label and `z = y_pred` the logit. It is written in
/// `f32`, candle's usual float type, and calls the crate's overflow-free `softplus`,
/// which is `#[differentiable]`.
#[loss(require(pos_weight >= 0.0, neg_weight >= 0.0))]
fn class_weighted_crossentropy(y_true: f32, y_pred: f32, pos_weight: f32, neg_weight: f32) -> f32 {
    pos_weight * y_true * softplus(-y_pred) + neg_weight * (1.0 - y_true) * softplus(y_pred)
}

/// A perceptron with one hidden layer of ReLU units and one output logit:
/// `z = relu(x W₁ + b₁) W₂ + b₂`.
struct Mlp {
    hidden_weights: Var,
    hidden_bias: Var,
    output_weights: Var,
    output_bias: Var,
}

impl Mlp {
    /// Creates the network with Glorot-uniform weights drawn from `seed` and zero
    /// biases, so both runs start from the same point.
    fn new(inputs: usize, seed: u64) -> candle_core::Result<Self> {
        let mut rng = wine::XorShift64(seed);
        let mut glorot = |rows: usize, columns: usize| {
            let bound = (6.0 / (rows + columns) as f64).sqrt();
            let values: Vec<f32> = (0..rows * columns)
                .map(|_| (bound * rng.symmetric_unit()) as f32)
                .collect();
            Var::from_vec(values, (rows, columns), &Device::Cpu)
        };
        Ok(Self {
            hidden_weights: glorot(inputs, HIDDEN_UNITS)?,
            hidden_bias: Var::zeros(HIDDEN_UNITS, DType::F32, &Device::Cpu)?,
            output_weights: glorot(HIDDEN_UNITS, 1)?,
            output_bias: Var::zeros(1, DType::F32, &Device::Cpu)?,
        })
    }

    /// Returns the logit of each row of `features`, a tensor of shape `[rows]`.
    fn logits(&self, features: &Tensor) -> candle_core::Result<Tensor> {
        features
            .matmul(&self.hidden_weights)?
            .broadcast_add(&self.hidden_bias)?
            .relu()?
            .matmul(&self.output_weights)?
            .broadcast_add(&self.output_bias)?
            .squeeze(1)
    }

    fn parameters(&self) -> [&Var; 4] {
        [
            &self.hidden_weights,
            &self.hidden_bias,
            &self.output_weights,
            &self.output_bias,
        ]
    }
}

/// Gradient descent with momentum: `v ← μ v + g`, then `θ ← θ − η v`.
struct Momentum {
    velocities: Vec<Tensor>,
}

impl Momentum {
    fn new(model: &Mlp) -> candle_core::Result<Self> {
        let velocities = model
            .parameters()
            .iter()
            .map(|parameter| parameter.zeros_like())
            .collect::<candle_core::Result<_>>()?;
        Ok(Self { velocities })
    }

    /// Takes one step on every parameter of `model` from the gradients of `loss`.
    fn step(&mut self, model: &Mlp, loss: &Tensor) -> candle_core::Result<()> {
        let grads = loss.backward()?;
        for (parameter, velocity) in model.parameters().into_iter().zip(&mut self.velocities) {
            let Some(grad) = grads.get(parameter) else {
                continue;
            };
            *velocity = ((&*velocity * MOMENTUM)? + grad)?;
            parameter.set(&(parameter.as_tensor() - (&*velocity * LEARNING_RATE)?)?)?;
        }
        Ok(())
    }
}

/// The training or test split as f32 tensors: features `[rows, 11]`, labels `[rows]`.
struct TensorSplit {
    features: Tensor,
    labels: Tensor,
}

impl TensorSplit {
    fn new(samples: &Samples) -> candle_core::Result<Self> {
        let features: Vec<f32> = samples.features.iter().map(|&x| x as f32).collect();
        let labels: Vec<f32> = samples.labels.iter().map(|&y| y as f32).collect();
        Ok(Self {
            features: Tensor::from_vec(features, samples.features.dim(), &Device::Cpu)?,
            labels: Tensor::from_vec(labels, samples.len(), &Device::Cpu)?,
        })
    }
}

/// Trains a fresh network on `train` by full-batch gradient descent on `loss`, showing
/// a progress bar labelled `name`, and returns it with the training loss of every
/// epoch.
fn fit<L>(loss: L, name: &str, train: &TensorSplit) -> candle_core::Result<(Mlp, Vec<f64>)>
where
    L: Loss<f32> + Clone + Send + Sync + 'static,
{
    let loss = CandleLoss::new(loss);
    let model = Mlp::new(train.features.dim(1)?, WEIGHT_SEED)?;
    let mut optimiser = Momentum::new(&model)?;
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for _ in 0..EPOCHS {
        let logits = model.logits(&train.features)?;
        let value = loss.forward(&train.labels, &logits)?;
        let value_f32 = value.to_scalar::<f32>()?;
        losses.push(f64::from(value_f32));
        bar.set_message(format!("{value_f32:.4}"));
        bar.inc(1);
        optimiser.step(&model, &value)?;
    }
    bar.finish();
    Ok((model, losses))
}

/// Scores `model` on `test`: positive where sigmoid(z) >= `THRESHOLD`.
fn score(
    model: &Mlp,
    test: &TensorSplit,
    labels: &ndarray::Array1<f64>,
) -> candle_core::Result<Scores> {
    let logits = model.logits(&test.features)?.to_vec1::<f32>()?;
    let predicted = logits
        .iter()
        .map(|&z| 1.0 / (1.0 + (-f64::from(z)).exp()) >= THRESHOLD);
    Ok(Scores::of(predicted, labels))
}

fn metrics(scores: &Scores) -> training::Metrics {
    training::Metrics {
        precision: scores.precision(),
        recall: scores.recall(),
        f1: scores.f1(),
    }
}

fn print_losses(names: [&str; 2], losses: [&[f64]; 2]) {
    println!(
        "\ntraining loss, full-batch gradient descent at learning rate {LEARNING_RATE}, \
         momentum {MOMENTUM}:"
    );
    println!("{:>6}  {:>26}  {:>26}", "epoch", names[0], names[1]);
    for epoch in REPORTED_EPOCHS {
        println!(
            "{epoch:>6}  {:>26.4}  {:>26.4}",
            losses[0][epoch - 1],
            losses[1][epoch - 1]
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let samples = wine::load_red_wine()?;
    let (mut train, mut test) = wine::train_test_split(&samples, TEST_FRACTION, SEED);
    wine::print_counts(&samples, &train, &test);
    wine::standardise(&mut train, &mut test)?;

    let (pos_weight, neg_weight) = wine::balanced_class_weights(&train);
    println!(
        "class weights from the training split: positive {pos_weight:.3}, negative {neg_weight:.3}"
    );
    println!("network: 11 features, {HIDDEN_UNITS} ReLU units, 1 logit");
    let plain = BinaryCrossentropy::new(true, 0.0);
    let weighted = ClassWeightedCrossentropy::new(pos_weight as f32, neg_weight as f32);

    let train_tensors = TensorSplit::new(&train)?;
    let test_tensors = TensorSplit::new(&test)?;
    let names = ["BinaryCrossentropy", "ClassWeightedCrossentropy"];
    let (plain_model, plain_losses) = fit(plain, names[0], &train_tensors)?;
    let (weighted_model, weighted_losses) = fit(weighted, names[1], &train_tensors)?;
    print_losses(names, [&plain_losses, &weighted_losses]);

    let plain_scores = score(&plain_model, &test_tensors, &test.labels)?;
    let weighted_scores = score(&weighted_model, &test_tensors, &test.labels)?;
    wine::print_scores(
        THRESHOLD,
        &[(names[0], plain_scores), (names[1], weighted_scores)],
    );
    wine::print_comparison(&plain_scores, &weighted_scores);

    // Both runs start from the same seeded network.
    let initial = Mlp::new(train.features.ncols(), WEIGHT_SEED)?;
    let before = metrics(&score(&initial, &test_tensors, &test.labels)?);
    let runs = [
        training::Run {
            name: names[0],
            losses: &plain_losses,
            before,
            after: metrics(&plain_scores),
        },
        training::Run {
            name: names[1],
            losses: &weighted_losses,
            before,
            after: metrics(&weighted_scores),
        },
    ];
    let path = training::svg_path("candle_wine");
    training::write_svg(
        &path,
        "Two-layer perceptron in candle on red wine quality >= 7",
        &runs,
    )?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
