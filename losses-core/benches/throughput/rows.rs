//! The losses over rows, pairs and lists: Dice, categorical cross-entropy from logits,
//! the contrastive loss and ApproxNDCG, each next to a scalar loop written by hand
//! with the standard library's `f32` functions.
//!
//! Before timing, each case checks that its scalar loop computes the shipped loss's
//! value and gradient, so that the two rows compare the same work.

use std::hint::black_box;

use losses_core::MultiBatch;
use losses_core::kernel::multi;
use losses_core::prelude::*;
use ndarray::{Array1, Array2};

use super::{DICE_ROW, Timings, XorShift32, best_time, print_row, stream};

/// Lists of ApproxNDCG.
const LISTS: usize = 10_000;
/// Items per list of ApproxNDCG.
const LIST_LEN: usize = 100;
/// Rows of categorical cross-entropy.
const CCE_ROWS: usize = 10_000;
/// Classes per row of categorical cross-entropy.
const CLASSES: usize = 1000;
/// Pairs of the contrastive loss.
const PAIRS: usize = 100_000;
/// Dimension of the contrastive loss's embeddings.
const DIMENSION: usize = 128;

/// A hand-written loss: returns the value and writes the gradient with respect to
/// `y_pred`, given `y_true`, `y_pred` and the row length.
type ScalarLoop = fn(&[f32], &[f32], usize, &mut [f32]) -> f32;

/// Runs one case of the losses over rows. `len` is used by Dice only.
pub(super) fn bench_row_loss(name: &str, len: usize, threads: bool) {
    let mut random = XorShift32(0x9E37_79B9);
    match name {
        "dice" | "dice_rows" => {
            let rows = len.div_ceil(DICE_ROW);
            let y_true = matrix(&mut random, rows, DICE_ROW, |u| (u < 0.5) as u8 as f32);
            let y_pred = matrix(&mut random, rows, DICE_ROW, |u| u * 0.998 + 0.001);
            if name == "dice" {
                let loss = Dice::default().with_axis(Axis::WholeBatch);
                two_arrays(name, &loss, (&y_true, &y_pred), threads, dice_whole);
            } else {
                two_arrays(
                    name,
                    &Dice::default(),
                    (&y_true, &y_pred),
                    threads,
                    dice_rows,
                );
            }
        }
        "cce_logits" => {
            let y_true = one_hot(&mut random, CCE_ROWS, CLASSES);
            let y_pred = matrix(&mut random, CCE_ROWS, CLASSES, |u| 8.0 * u - 4.0);
            let loss = CategoricalCrossentropy::new(true, 0.0);
            two_arrays(name, &loss, (&y_true, &y_pred), threads, cce_logits);
        }
        "approx_ndcg" => {
            let y_true = matrix(&mut random, LISTS, LIST_LEN, |u| (5.0 * u).floor());
            let y_pred = matrix(&mut random, LISTS, LIST_LEN, |u| 2.0 * u - 1.0);
            let loss = ApproxNdcg::default();
            two_arrays(name, &loss, (&y_true, &y_pred), threads, approx_ndcg);
        }
        "contrastive" => contrastive(&mut random, threads),
        _ => unreachable!("unknown loss {name}"),
    }
}

fn matrix(
    random: &mut XorShift32,
    rows: usize,
    columns: usize,
    map: impl Fn(f32) -> f32,
) -> Array2<f32> {
    random
        .array(rows * columns, map)
        .into_shape_with_order((rows, columns))
        .expect("length matches shape")
}

/// One-hot rows at uniformly random classes.
fn one_hot(random: &mut XorShift32, rows: usize, classes: usize) -> Array2<f32> {
    let mut targets = Array2::zeros((rows, classes));
    for mut row in targets.rows_mut() {
        let class = ((random.next_unit() * classes as f32) as usize).min(classes - 1);
        row[class] = 1.0;
    }
    targets
}

/// Times a loss of `y_true` and `y_pred` and its scalar loop, after checking that they
/// agree.
fn two_arrays<L: Loss<f32>>(
    name: &str,
    loss: &L,
    (y_true, y_pred): (&Array2<f32>, &Array2<f32>),
    threads: bool,
    scalar: ScalarLoop,
) {
    let len = y_pred.len();
    let row = y_pred.ncols();
    let (a, b) = (y_true.as_slice().unwrap(), y_pred.as_slice().unwrap());
    let mut grad = Array2::zeros(y_pred.raw_dim());
    let mut hand_grad = vec![0.0f32; len];
    let mut out = vec![0.0f32; len];

    let value = loss.value_and_grad_into(y_true, y_pred, &mut grad).unwrap();
    let hand_value = scalar(a, b, row, &mut hand_grad);
    check_agreement(
        name,
        (value, grad.as_slice().unwrap()),
        (hand_value, &hand_grad),
    );

    let timings = Timings {
        with_grad: best_time(|| {
            black_box(loss.value_and_grad_into(y_true, y_pred, &mut grad).unwrap());
        }),
        value: best_time(|| {
            black_box(loss.value(y_true, y_pred).unwrap());
        }),
        scalar: best_time(|| {
            black_box(scalar(a, b, row, &mut hand_grad));
        }),
        stream: best_time(|| stream(a, b, &mut out, threads)),
    };
    print_row(name, len, threads, &timings);
}

/// Panics when the scalar loop and the shipped loss disagree by more than `f32`
/// rounding over long sums explains.
fn check_agreement(name: &str, shipped: (f32, &[f32]), hand: (f32, &[f32])) {
    let tolerance = 1e-3;
    let value_error = (shipped.0 - hand.0).abs() / shipped.0.abs().max(1e-12);
    assert!(
        value_error <= tolerance,
        "{name}: the scalar loop's value {} differs from the shipped value {}",
        hand.0,
        shipped.0
    );
    let scale = shipped.1.iter().fold(0.0f32, |max, g| max.max(g.abs()));
    let worst = shipped
        .1
        .iter()
        .zip(hand.1)
        .fold(0.0f32, |max, (s, h)| max.max((s - h).abs()));
    assert!(
        worst <= tolerance * scale,
        "{name}: the scalar loop's gradient differs from the shipped one by {worst} \
         (largest entry {scale})"
    );
}

/// Dice over the whole batch with `smooth = 1`.
fn dice_whole(y_true: &[f32], y_pred: &[f32], _row: usize, grad: &mut [f32]) -> f32 {
    dice_row(y_true, y_pred, 1.0, grad)
}

/// Dice per sample with `smooth = 1`, averaged over the samples.
fn dice_rows(y_true: &[f32], y_pred: &[f32], row: usize, grad: &mut [f32]) -> f32 {
    let samples = y_pred.len() / row;
    let scale = 1.0 / samples as f32;
    let mut sum = 0.0f32;
    for ((t, p), g) in y_true
        .chunks(row)
        .zip(y_pred.chunks(row))
        .zip(grad.chunks_mut(row))
    {
        sum += dice_row(t, p, scale, g);
    }
    sum / samples as f32
}

/// Computes the Dice loss of one row and writes `scale ×` its gradient.
fn dice_row(t: &[f32], p: &[f32], scale: f32, grad: &mut [f32]) -> f32 {
    let smooth = 1.0;
    let (mut intersection, mut true_sum, mut pred_sum) = (0.0f32, 0.0f32, 0.0f32);
    for (&t, &p) in t.iter().zip(p) {
        intersection += t * p;
        true_sum += t;
        pred_sum += p;
    }
    let denominator = true_sum + pred_sum + smooth;
    let numerator = 2.0 * intersection + smooth;
    for (&t, g) in t.iter().zip(grad.iter_mut()) {
        *g = scale * -(2.0 * t * denominator - numerator) / (denominator * denominator);
    }
    1.0 - numerator / denominator
}

/// Categorical cross-entropy from logits, averaged over the rows.
fn cce_logits(y_true: &[f32], y_pred: &[f32], row: usize, grad: &mut [f32]) -> f32 {
    let samples = y_pred.len() / row;
    let scale = 1.0 / samples as f32;
    let mut total = 0.0f32;
    for ((t, x), g) in y_true
        .chunks(row)
        .zip(y_pred.chunks(row))
        .zip(grad.chunks_mut(row))
    {
        let max = x.iter().fold(f32::NEG_INFINITY, |max, &x| max.max(x));
        let mut sum = 0.0f32;
        for (&x, g) in x.iter().zip(g.iter_mut()) {
            *g = (x - max).exp();
            sum += *g;
        }
        let log_sum = sum.ln();
        let mut target_sum = 0.0f32;
        for (&t, &x) in t.iter().zip(x) {
            if t != 0.0 {
                total += t * (log_sum - (x - max));
            }
            target_sum += t;
        }
        for (&t, g) in t.iter().zip(g.iter_mut()) {
            *g = scale * (*g / sum * target_sum - t);
        }
    }
    total / samples as f32
}

/// ApproxNDCG with `temperature = 0.1`, averaged over the lists that have a relevant
/// item. The gradient takes a second pass over the pairs.
fn approx_ndcg(y_true: &[f32], y_pred: &[f32], len: usize, grad: &mut [f32]) -> f32 {
    let temperature = 0.1f32;
    let sigmoid = |z: f32| 1.0 / (1.0 + (-z).exp());
    let mut ranks = vec![0.0f32; len];
    let mut total = 0.0f32;
    let counted = y_true
        .chunks(len)
        .filter(|labels| labels.iter().any(|&label| label > 0.0))
        .count();
    let scale = 1.0 / counted as f32;
    for ((labels, scores), grad) in y_true
        .chunks(len)
        .zip(y_pred.chunks(len))
        .zip(grad.chunks_mut(len))
    {
        grad.fill(0.0);
        if labels.iter().all(|&label| label <= 0.0) {
            continue;
        }
        let (mut dcg, mut ideal_dcg) = (0.0f32, 0.0f32);
        for i in 0..len {
            let mut rank = 1.0f32;
            let mut ideal = 1.0f32;
            for j in 0..len {
                if j != i {
                    rank += sigmoid((scores[j] - scores[i]) / temperature);
                }
                if labels[j] > labels[i] || (labels[j] == labels[i] && j < i) {
                    ideal += 1.0;
                }
            }
            ranks[i] = rank;
            let gain = (labels[i] * std::f32::consts::LN_2).exp_m1();
            dcg += gain / (1.0 + rank).ln();
            ideal_dcg += gain / (1.0 + ideal).ln();
        }
        if ideal_dcg <= 0.0 {
            continue;
        }
        total += -dcg / ideal_dcg;
        for i in 0..len {
            let gain = (labels[i] * std::f32::consts::LN_2).exp_m1();
            let log = (1.0 + ranks[i]).ln();
            // d(-dcg / idcg) / d rankᵢ
            let d_rank = scale * gain / (ideal_dcg * log * log * (1.0 + ranks[i]));
            for j in 0..len {
                if j != i {
                    let s = sigmoid((scores[j] - scores[i]) / temperature);
                    let d = d_rank * s * (1.0 - s) / temperature;
                    grad[j] += d;
                    grad[i] -= d;
                }
            }
        }
    }
    total * scale
}

/// Times the contrastive loss with `margin = 1` and its scalar loop.
fn contrastive(random: &mut XorShift32, threads: bool) {
    let labels: Array1<f32> = random.array(PAIRS, |u| (u < 0.5) as u8 as f32);
    let x1 = matrix(random, PAIRS, DIMENSION, |u| 0.2 * u - 0.1);
    let x2 = matrix(random, PAIRS, DIMENSION, |u| 0.2 * u - 0.1);
    let (mut grad1, mut grad2) = (Array2::zeros(x1.raw_dim()), Array2::zeros(x2.raw_dim()));
    let len = x1.len();
    let (mut hand1, mut hand2) = (vec![0.0f32; len], vec![0.0f32; len]);
    let mut out = vec![0.0f32; len];
    let (a, b) = (x1.as_slice().unwrap(), x2.as_slice().unwrap());
    let loss = ContrastiveLoss::default();

    let with_grad = |grad1: &mut Array2<f32>, grad2: &mut Array2<f32>| {
        let batch = MultiBatch {
            y_true: Some(labels.view().into_dyn()),
            inputs: vec![x1.view().into_dyn(), x2.view().into_dyn()],
            sample_weight: None,
        };
        let grads = vec![grad1.view_mut().into_dyn(), grad2.view_mut().into_dyn()];
        multi::value_and_grad_into(&loss, batch, grads).unwrap()
    };
    let labels_slice = labels.as_slice().unwrap();
    let value = with_grad(&mut grad1, &mut grad2);
    let hand_value = contrastive_loop(labels_slice, (a, b), (&mut hand1, &mut hand2));
    check_agreement(
        "contrastive",
        (value, grad1.as_slice().unwrap()),
        (hand_value, &hand1),
    );
    check_agreement(
        "contrastive",
        (value, grad2.as_slice().unwrap()),
        (hand_value, &hand2),
    );

    let timings = Timings {
        with_grad: best_time(|| {
            black_box(with_grad(&mut grad1, &mut grad2));
        }),
        value: best_time(|| {
            black_box(loss.value(&labels, &x1, &x2).unwrap());
        }),
        scalar: best_time(|| {
            black_box(contrastive_loop(
                labels_slice,
                (a, b),
                (&mut hand1, &mut hand2),
            ));
        }),
        stream: best_time(|| stream(a, b, &mut out, threads)),
    };
    print_row("contrastive", len, threads, &timings);
}

/// Computes the contrastive loss with `margin = 1`, averaged over the pairs, and its
/// gradients.
fn contrastive_loop(
    labels: &[f32],
    (x1, x2): (&[f32], &[f32]),
    grads: (&mut [f32], &mut [f32]),
) -> f32 {
    let margin = 1.0f32;
    let pairs = labels.len();
    let dimension = x1.len() / pairs;
    let scale = 1.0 / pairs as f32;
    let mut total = 0.0f32;
    let rows = x1.chunks(dimension).zip(x2.chunks(dimension));
    let grad_rows = grads
        .0
        .chunks_mut(dimension)
        .zip(grads.1.chunks_mut(dimension));
    for ((&y, (a, b)), (ga, gb)) in labels.iter().zip(rows).zip(grad_rows) {
        let mut squared = 0.0f32;
        for (&a, &b) in a.iter().zip(b) {
            squared += (a - b) * (a - b);
        }
        let distance = squared.sqrt();
        let gap = (margin - distance).max(0.0);
        total += y * squared + (1.0 - y) * gap * gap;
        // d/da of y d² + (1 - y) gap², with d(gap)/d(d) = -1 while gap > 0.
        let factor = if gap > 0.0 {
            2.0 * (y - (1.0 - y) * gap / distance)
        } else {
            2.0 * y
        };
        for (((&a, &b), ga), gb) in a.iter().zip(b).zip(ga.iter_mut()).zip(gb.iter_mut()) {
            *ga = scale * factor * (a - b);
            *gb = -*ga;
        }
    }
    total * scale
}
