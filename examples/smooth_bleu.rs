//! A word-by-word translation model trained with the shipped `SmoothBleu`, and once
//! with token-level cross-entropy for comparison, scored by corpus BLEU on held-out
//! sentences.
//!
//! The corpus is generated here from sentence templates by a seeded generator: English
//! sentences such as "the small cat sees a dog" and their translations into a toy
//! language of Spanish words in English word order, one target word per source word.
//! In about half of the references, chosen at random, the translation starts with the
//! word "pues" ("well"), which has no source word.
//!
//! The model emits one token per source word: at position `t` it predicts
//! `softmax(W[:, s_t] + b)`, where `s_t` is the source token and `W` a table of logits
//! per target and source word. Its output is as long as the source, so it cannot put
//! "pues" in front of a full translation, and the output to learn is the dictionary
//! translation. Both runs start from all-zero parameters and take the same number of
//! full-batch Adam steps at the same learning rate.
//!
//! - Cross-entropy needs a target token at every output position, and takes the
//!   reference position by position. In a reference that starts with "pues", each
//!   target sits one place after its source word, so in those sentences the loss
//!   teaches the model to translate a word as the word before it.
//! - `SmoothBleu` compares n-grams wherever they occur in the reference. Against a
//!   reference with "pues", the dictionary translation still has every n-gram
//!   precision at its maximum, and the longer reference costs only the brevity
//!   penalty, which is the same for every output of that length.
//!
//! For the 100 held-out sentences, the example prints the corpus BLEU of the untrained
//! model, of each trained model and of the dictionary translation. It also prints how
//! many of their outputs equal the dictionary translation, and a few sentences that the
//! two models translate differently. BLEU is computed exactly on the argmax tokens, with uniform
//! weights up to 4-grams and no smoothing. On the seeded corpus, the model trained with
//! `SmoothBleu` outputs the dictionary translation of every held-out sentence, and the
//! one trained with cross-entropy mistranslates some words as a word that often
//! precedes them, such as adjectives as the determiner "un".
//!
//! While training, a progress bar on the terminal shows the running loss. The loss
//! curves and the held-out corpus BLEU before and after training are written as an SVG
//! image to `target/plots/smooth_bleu.svg`, or to the path given as the first argument.
//!
//! ```text
//! cargo run --release --example smooth_bleu
//! ```

#[path = "support/training.rs"]
mod training;

use std::collections::{BTreeMap, HashMap};
use std::error::Error;

use losses_core::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn};

/// Seed of the corpus. xorshift needs a non-zero seed.
const SEED: u64 = 2024;
const TRAIN_SENTENCES: usize = 300;
const TEST_SENTENCES: usize = 100;
/// Probability that a reference starts with `PARTICLE`.
const PARTICLE_RATE: f64 = 0.5;
const PARTICLE: &str = "pues";
const EPOCHS: usize = 300;
const LEARNING_RATE: f64 = 0.05;
/// `smooth` of the training loss: positive, so that every n-gram order has a gradient
/// from the first step.
const SMOOTH: f64 = 1.0;
/// Held-out sentences whose two translations are printed.
const SHOWN_SENTENCES: usize = 3;

/// The source words by part of speech, each with its translation.
const DETERMINERS: [(&str, &str); 2] = [("the", "el"), ("a", "un")];
const NOUNS: [(&str, &str); 6] = [
    ("cat", "gato"),
    ("dog", "perro"),
    ("bird", "pajaro"),
    ("child", "nino"),
    ("fish", "pez"),
    ("horse", "caballo"),
];
const ADJECTIVES: [(&str, &str); 4] = [
    ("small", "pequeno"),
    ("big", "grande"),
    ("red", "rojo"),
    ("tall", "alto"),
];
const VERBS: [(&str, &str); 4] = [
    ("sees", "ve"),
    ("likes", "quiere"),
    ("follows", "sigue"),
    ("finds", "encuentra"),
];
const ADVERBS: [(&str, &str); 3] = [("today", "hoy"), ("now", "ahora"), ("again", "otravez")];

/// A part of speech, as a slot of a sentence template.
#[derive(Clone, Copy)]
enum Slot {
    Determiner,
    Noun,
    Adjective,
    Verb,
    Adverb,
}

impl Slot {
    fn words(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Slot::Determiner => &DETERMINERS,
            Slot::Noun => &NOUNS,
            Slot::Adjective => &ADJECTIVES,
            Slot::Verb => &VERBS,
            Slot::Adverb => &ADVERBS,
        }
    }
}

/// The sentence templates, of 4 to 7 words.
const TEMPLATES: [&[Slot]; 4] = {
    use Slot::*;
    [
        &[Determiner, Noun, Verb, Adverb],
        &[Determiner, Noun, Verb, Determiner, Noun],
        &[Determiner, Adjective, Noun, Verb, Determiner, Noun],
        &[Determiner, Noun, Verb, Determiner, Adjective, Noun, Adverb],
    ]
};

/// The xorshift64 generator with shifts 13, 7 and 17, which makes the corpus
/// reproducible without a dependency on `rand`.
struct XorShift64(u64);

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns an index in `0..bound`. The modulo bias is at most `bound / 2⁶⁴`.
    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// Returns `true` with probability `p`, from the top 53 bits.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Word lists of both languages, with a token id for each word.
struct Vocabularies {
    source: Vec<&'static str>,
    target: Vec<&'static str>,
}

impl Vocabularies {
    /// Numbers the words of every part of speech in template order, and puts the
    /// particle last among the target words.
    fn new() -> Self {
        let all = [
            &DETERMINERS[..],
            &NOUNS[..],
            &ADJECTIVES[..],
            &VERBS[..],
            &ADVERBS[..],
        ];
        let pairs: Vec<(&str, &str)> = all.into_iter().flatten().copied().collect();
        let source = pairs.iter().map(|&(word, _)| word).collect();
        let mut target: Vec<&str> = pairs.iter().map(|&(_, word)| word).collect();
        target.push(PARTICLE);
        Self { source, target }
    }

    fn source_id(&self, word: &str) -> usize {
        self.source
            .iter()
            .position(|&w| w == word)
            .expect("a source word")
    }

    fn target_id(&self, word: &str) -> usize {
        self.target
            .iter()
            .position(|&w| w == word)
            .expect("a target word")
    }

    /// Returns the dictionary translation of a source token. Source and target words are
    /// numbered in the same order, so the id stays the same.
    fn translate(&self, source: usize) -> usize {
        source
    }

    fn target_words(&self, tokens: &[usize]) -> String {
        let words: Vec<&str> = tokens.iter().map(|&token| self.target[token]).collect();
        words.join(" ")
    }
}

/// A source sentence and its reference translation, as token ids.
struct Pair {
    source: Vec<usize>,
    reference: Vec<usize>,
}

/// Generates `count` sentence pairs from random templates and words.
fn generate(vocabularies: &Vocabularies, count: usize, rng: &mut XorShift64) -> Vec<Pair> {
    (0..count)
        .map(|_| {
            let template = TEMPLATES[rng.below(TEMPLATES.len())];
            let mut source = Vec::with_capacity(template.len());
            let mut reference = Vec::with_capacity(template.len() + 1);
            if rng.chance(PARTICLE_RATE) {
                reference.push(vocabularies.target_id(PARTICLE));
            }
            for slot in template {
                let words = slot.words();
                let (word, translation) = words[rng.below(words.len())];
                source.push(vocabularies.source_id(word));
                reference.push(vocabularies.target_id(translation));
            }
            Pair { source, reference }
        })
        .collect()
}

/// The model: the logits at position `t` are `weights[:, s_t] + bias` for source token
/// `s_t`, and the output is their softmax.
struct Model {
    /// Logits of each target word (row) for each source word (column).
    weights: Array2<f64>,
    bias: Vec<f64>,
}

impl Model {
    fn zeros(vocabularies: &Vocabularies) -> Self {
        let shape = (vocabularies.target.len(), vocabularies.source.len());
        Self {
            weights: Array2::zeros(shape),
            bias: vec![0.0; shape.0],
        }
    }

    fn target_len(&self) -> usize {
        self.bias.len()
    }

    /// Computes the logits of every position of `source`, one row after the other.
    fn logits(&self, source: &[usize]) -> Vec<f64> {
        let mut logits = Vec::with_capacity(source.len() * self.target_len());
        for &token in source {
            let column = self.weights.column(token);
            logits.extend(column.iter().zip(&self.bias).map(|(w, b)| w + b));
        }
        logits
    }

    /// Returns the argmax token at every position. The first of equal logits wins.
    fn translate(&self, source: &[usize]) -> Vec<usize> {
        let logits = self.logits(source);
        logits.chunks(self.target_len()).map(argmax).collect()
    }

    /// Adds the gradient with respect to the logits of `source`'s positions to the
    /// parameter gradients: dL/dW[:, s_t] += dL/dz_t and dL/db += dL/dz_t.
    fn accumulate(&self, source: &[usize], logit_grad: &[f64], grads: &mut Model) {
        for (&token, row) in source.iter().zip(logit_grad.chunks(self.target_len())) {
            let mut column = grads.weights.column_mut(token);
            for (target, &g) in row.iter().enumerate() {
                column[target] += g;
                grads.bias[target] += g;
            }
        }
    }

    /// Iterates over the parameters as one flat list, for the optimiser.
    fn parameters(&self) -> impl Iterator<Item = &f64> {
        self.weights.iter().chain(&self.bias)
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.weights.iter_mut().chain(self.bias.iter_mut())
    }
}

fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in row.iter().enumerate() {
        if value > row[best] {
            best = index;
        }
    }
    best
}

/// Replaces each row of `logits`, `width` entries long, by its softmax.
fn softmax_rows(logits: &[f64], width: usize) -> Vec<f64> {
    let mut probabilities = Vec::with_capacity(logits.len());
    for row in logits.chunks(width) {
        let max = row.iter().fold(f64::NEG_INFINITY, |max, &z| max.max(z));
        let exps: Vec<f64> = row.iter().map(|&z| (z - max).exp()).collect();
        let total: f64 = exps.iter().sum();
        probabilities.extend(exps.iter().map(|e| e / total));
    }
    probabilities
}

/// Maps dL/dp of softmax outputs `p` to dL/dz for the logits, row by row:
/// dL/dz_i = p_i (dL/dp_i − Σ_j p_j dL/dp_j).
fn softmax_backward(probabilities: &[f64], grad: &[f64], width: usize) -> Vec<f64> {
    let mut logit_grad = Vec::with_capacity(grad.len());
    for (p, g) in probabilities.chunks(width).zip(grad.chunks(width)) {
        let mean: f64 = p.iter().zip(g).map(|(p, g)| p * g).sum();
        logit_grad.extend(p.iter().zip(g).map(|(p, g)| p * (g - mean)));
    }
    logit_grad
}

/// Adam with β₁ = 0.9, β₂ = 0.999 and ε = 1e-8.
struct Adam {
    first_moment: Vec<f64>,
    second_moment: Vec<f64>,
    steps: i32,
}

impl Adam {
    fn new(parameter_count: usize) -> Self {
        Self {
            first_moment: vec![0.0; parameter_count],
            second_moment: vec![0.0; parameter_count],
            steps: 0,
        }
    }

    fn step(&mut self, model: &mut Model, grads: &Model) {
        const BETA1: f64 = 0.9;
        const BETA2: f64 = 0.999;
        const EPSILON: f64 = 1e-8;
        self.steps += 1;
        let correction1 = 1.0 - BETA1.powi(self.steps);
        let correction2 = 1.0 - BETA2.powi(self.steps);
        let moments = self.first_moment.iter_mut().zip(&mut self.second_moment);
        for ((parameter, &grad), (m, v)) in
            model.parameters_mut().zip(grads.parameters()).zip(moments)
        {
            *m = BETA1 * *m + (1.0 - BETA1) * grad;
            *v = BETA2 * *v + (1.0 - BETA2) * grad * grad;
            *parameter -=
                LEARNING_RATE * (*m / correction1) / ((*v / correction2).sqrt() + EPSILON);
        }
    }
}

/// A training objective: its value on the training pairs and its gradient with respect
/// to the model's parameters.
trait Objective {
    fn value_and_grad(
        &self,
        model: &Model,
        pairs: &[Pair],
        grads: &mut Model,
    ) -> Result<f64, LossError>;
}

/// Token-level cross-entropy: the output at position `t` against reference token `t`,
/// averaged over all positions of all sentences.
struct TokenCrossentropy;

impl Objective for TokenCrossentropy {
    fn value_and_grad(
        &self,
        model: &Model,
        pairs: &[Pair],
        grads: &mut Model,
    ) -> Result<f64, LossError> {
        let width = model.target_len();
        let positions: usize = pairs.iter().map(|pair| pair.source.len()).sum();
        let mut logits = Vec::with_capacity(positions * width);
        let mut targets = Array2::zeros((positions, width));
        let mut row = 0;
        for pair in pairs {
            logits.extend(model.logits(&pair.source));
            // The reference is at least as long as the source, so every position has
            // a target, shifted by one place when the reference starts with the particle.
            for &token in &pair.reference[..pair.source.len()] {
                targets[[row, token]] = 1.0;
                row += 1;
            }
        }
        let logits =
            Array2::from_shape_vec((positions, width), logits).expect("one row per position");
        let loss = CategoricalCrossentropy::new(true, 0.0);
        let (value, logit_grad) = loss.value_and_grad(&targets, &logits)?;
        let logit_grad = logit_grad.as_slice().expect("contiguous");
        let mut offset = 0;
        for pair in pairs {
            let len = pair.source.len() * width;
            model.accumulate(&pair.source, &logit_grad[offset..offset + len], grads);
            offset += len;
        }
        Ok(value)
    }
}

/// `SmoothBleu` on the softmax outputs, averaged over the sentences.
struct SentenceBleu {
    loss: SmoothBleu,
}

impl Objective for SentenceBleu {
    fn value_and_grad(
        &self,
        model: &Model,
        pairs: &[Pair],
        grads: &mut Model,
    ) -> Result<f64, LossError> {
        // One array holds sentences of one length, with references of one length, so
        // the pairs are evaluated in groups of equal lengths. The sum over all groups,
        // divided by the number of pairs, is the mean over the sentences.
        let mut groups: BTreeMap<(usize, usize), Vec<&Pair>> = BTreeMap::new();
        for pair in pairs {
            groups
                .entry((pair.source.len(), pair.reference.len()))
                .or_default()
                .push(pair);
        }
        let width = model.target_len();
        let scale = 1.0 / pairs.len() as f64;
        let mut total = 0.0;
        for ((source_len, reference_len), group) in groups {
            let mut probabilities = Vec::with_capacity(group.len() * source_len * width);
            let mut references = Vec::with_capacity(group.len() * reference_len);
            for pair in &group {
                probabilities.extend(softmax_rows(&model.logits(&pair.source), width));
                references.extend(pair.reference.iter().map(|&token| token as f64));
            }
            let y_pred =
                ArrayD::from_shape_vec(IxDyn(&[group.len(), source_len * width]), probabilities)
                    .expect("one row per sentence");
            let y_true = ArrayD::from_shape_vec(IxDyn(&[group.len(), reference_len]), references)
                .expect("one row per reference");
            let (value, grad) = self.loss.value_and_grad(&y_true, &y_pred)?;
            total += value;
            let grad = grad.as_slice().expect("contiguous");
            let probabilities = y_pred.as_slice().expect("contiguous");
            let logit_grad = softmax_backward(probabilities, grad, width);
            for (index, pair) in group.iter().enumerate() {
                let row = index * source_len * width..(index + 1) * source_len * width;
                let scaled: Vec<f64> = logit_grad[row].iter().map(|g| g * scale).collect();
                model.accumulate(&pair.source, &scaled, grads);
            }
        }
        Ok(total * scale)
    }
}

/// Trains a model from all-zero parameters, showing a progress bar labelled `name`, and
/// returns it with the training loss of every epoch, each taken before that epoch's
/// step.
fn fit(
    name: &str,
    objective: &impl Objective,
    vocabularies: &Vocabularies,
    train: &[Pair],
) -> Result<(Model, Vec<f64>), LossError> {
    let mut model = Model::zeros(vocabularies);
    let mut adam = Adam::new(model.weights.len() + model.bias.len());
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for _ in 0..EPOCHS {
        let mut grads = Model::zeros(vocabularies);
        let value = objective.value_and_grad(&model, train, &mut grads)?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
        adam.step(&mut model, &grads);
    }
    bar.finish();
    Ok((model, losses))
}

/// Counts the n-grams of `tokens`.
fn ngram_counts(tokens: &[usize], n: usize) -> HashMap<&[usize], usize> {
    let mut counts = HashMap::new();
    for gram in tokens.windows(n) {
        *counts.entry(gram).or_insert(0) += 1;
    }
    counts
}

/// Corpus BLEU: clipped n-gram matches and candidate n-grams summed over the corpus for
/// n = 1 to 4, uniform weights, and the brevity penalty of the total lengths. It is 0
/// when some order has no match.
fn corpus_bleu(candidates: &[Vec<usize>], references: &[&[usize]]) -> f64 {
    let mut log_precisions = 0.0;
    for n in 1..=4 {
        let (mut matches, mut total) = (0, 0);
        for (candidate, reference) in candidates.iter().zip(references) {
            let reference_counts = ngram_counts(reference, n);
            for (gram, count) in ngram_counts(candidate, n) {
                matches += count.min(reference_counts.get(gram).copied().unwrap_or(0));
                total += count;
            }
        }
        if matches == 0 {
            return 0.0;
        }
        log_precisions += (matches as f64 / total as f64).ln();
    }
    let candidate_len: usize = candidates.iter().map(Vec::len).sum();
    let reference_len: usize = references.iter().map(|reference| reference.len()).sum();
    let brevity_penalty = if candidate_len < reference_len {
        (1.0 - reference_len as f64 / candidate_len as f64).exp()
    } else {
        1.0
    };
    brevity_penalty * (log_precisions / 4.0).exp()
}

/// A translation of source tokens into target tokens.
type Translator<'a> = &'a dyn Fn(&[usize]) -> Vec<usize>;

fn held_out_bleu(translate: Translator<'_>, test: &[Pair]) -> f64 {
    let candidates: Vec<Vec<usize>> = test.iter().map(|pair| translate(&pair.source)).collect();
    let references: Vec<&[usize]> = test.iter().map(|pair| pair.reference.as_slice()).collect();
    corpus_bleu(&candidates, &references)
}

/// Prints the first `SHOWN_SENTENCES` held-out sentences that the two models translate
/// differently, with their reference and both translations.
fn print_differences(vocabularies: &Vocabularies, models: [(&str, &Model); 2], test: &[Pair]) {
    let differing = test
        .iter()
        .filter(|pair| models[0].1.translate(&pair.source) != models[1].1.translate(&pair.source));
    println!("\nthe first held-out sentences that the two models translate differently:");
    for pair in differing.take(SHOWN_SENTENCES) {
        let source: Vec<&str> = pair
            .source
            .iter()
            .map(|&token| vocabularies.source[token])
            .collect();
        println!("\n{:>18}: {}", "source", source.join(" "));
        println!(
            "{:>18}: {}",
            "reference",
            vocabularies.target_words(&pair.reference)
        );
        for (name, model) in models {
            println!(
                "{name:>18}: {}",
                vocabularies.target_words(&model.translate(&pair.source))
            );
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let vocabularies = Vocabularies::new();
    let mut rng = XorShift64(SEED);
    let train = generate(&vocabularies, TRAIN_SENTENCES, &mut rng);
    let test = generate(&vocabularies, TEST_SENTENCES, &mut rng);
    let with_particle = train
        .iter()
        .filter(|pair| pair.reference.len() > pair.source.len())
        .count();
    println!(
        "{} source and {} target words; {TRAIN_SENTENCES} training pairs, {with_particle} of them with \"{PARTICLE}\"; {TEST_SENTENCES} held-out pairs",
        vocabularies.source.len(),
        vocabularies.target.len(),
    );

    let crossentropy = TokenCrossentropy;
    let bleu = SentenceBleu {
        loss: SmoothBleu::new(vocabularies.target.len(), SMOOTH).with_reduction(Reduction::Sum),
    };
    let (crossentropy_model, crossentropy_losses) =
        fit("token cross-entropy", &crossentropy, &vocabularies, &train)?;
    let (bleu_model, bleu_losses) = fit("SmoothBleu", &bleu, &vocabularies, &train)?;
    // Both fits run `EPOCHS > 0` steps, so each has a last loss.
    let crossentropy_loss = crossentropy_losses.last().copied().unwrap_or(f64::NAN);
    let bleu_loss = bleu_losses.last().copied().unwrap_or(f64::NAN);
    println!("\nafter {EPOCHS} Adam steps at learning rate {LEARNING_RATE}:");
    println!("  token cross-entropy, training loss {crossentropy_loss:.4}");
    println!("  SmoothBleu (smooth = {SMOOTH}), training loss {bleu_loss:.4}");

    let untrained = Model::zeros(&vocabularies);
    let dictionary = |source: &[usize]| -> Vec<usize> {
        source
            .iter()
            .map(|&token| vocabularies.translate(token))
            .collect()
    };
    println!("\nheld-out sentences, argmax tokens:");
    println!(
        "  {:<24} {:>11}  {:>22}",
        "translation", "corpus BLEU", "same as the dictionary"
    );
    let rows: [(&str, Translator<'_>); 4] = [
        ("untrained model", &|source| untrained.translate(source)),
        ("token cross-entropy", &|source| {
            crossentropy_model.translate(source)
        }),
        ("SmoothBleu", &|source| bleu_model.translate(source)),
        ("dictionary", &dictionary),
    ];
    for (name, translate) in rows {
        let bleu = held_out_bleu(translate, &test);
        let same = test
            .iter()
            .filter(|pair| translate(&pair.source) == dictionary(&pair.source))
            .count();
        println!("  {name:<24} {bleu:>11.4}  {same:>15} of {}", test.len());
    }
    print_differences(
        &vocabularies,
        [
            ("cross-entropy", &crossentropy_model),
            ("SmoothBleu", &bleu_model),
        ],
        &test,
    );
    let untrained_bleu = held_out_bleu(&|source| untrained.translate(source), &test);
    let runs = [
        training::ScoredRun {
            name: "token cross-entropy",
            losses: &crossentropy_losses,
            scores: vec![training::Score {
                name: "held-out corpus BLEU",
                before: untrained_bleu,
                after: held_out_bleu(&|source| crossentropy_model.translate(source), &test),
            }],
        },
        training::ScoredRun {
            name: "SmoothBleu",
            losses: &bleu_losses,
            scores: vec![training::Score {
                name: "held-out corpus BLEU",
                before: untrained_bleu,
                after: held_out_bleu(&|source| bleu_model.translate(source), &test),
            }],
        },
    ];
    let path = training::svg_path("smooth_bleu");
    let title = "Word-by-word translation trained with two losses";
    training::write_scored_svg(&path, title, &runs, "argmax tokens", "BLEU")?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
