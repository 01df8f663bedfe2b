//! The derivative rules: one entry per primitive, giving each operand's share of the
//! adjoint as a symbolic expression.
//!
//! In the expressions, `g` is the adjoint flowing into the node (∂loss/∂y for the node's
//! value y), `y` the node's own value and `a`, `b`, `c` its operands. The rules reuse `y`
//! where that saves work (exp, tanh, sqrt). Choices at kinks and singular points follow
//! PyTorch, except where noted, and are pinned by tests:
//!
//! | primitive     | convention                                                    |
//! |---------------|---------------------------------------------------------------|
//! | `abs` at 0    | 0 (PyTorch, TensorFlow)                                        |
//! | `max`/`min` tie | each argument gets half (PyTorch `maximum`)                  |
//! | `clamp` at a bound | the bound counts as inside: gradient 1 (PyTorch)          |
//! | `sqrt`, `cbrt` at 0 | 0 (Enzyme, Tapenade; PyTorch gives inf)                 |
//! | `hypot` at (0, 0) | 0 for both (the subgradient PyTorch's `norm` uses)        |
//! | `powf(x, p)` at x = 0 | 1 when p = 1, else 0 (no inf for 0 < p < 1)          |
//! | `signum`      | 0 everywhere                                                   |
//! | `detach`      | 0 everywhere: the value is a constant to the reverse pass (PyTorch `detach`, JAX `stop_gradient`) |

use crate::ir::{Binary, Cmp, Id, Op, Unary};
use std::f64::consts::{LN_2, LN_10};

/// A symbolic adjoint expression. Values are per-sample (`V`) unless they name a
/// uniform node, which the emitter broadcasts.
#[derive(Clone, Debug)]
pub enum Ex {
    /// The primal value of a node.
    Val(Id),
    /// The adjoint flowing into the node being differentiated.
    Adj,
    Lit(f64),
    Neg(Box<Ex>),
    Add(Box<Ex>, Box<Ex>),
    Sub(Box<Ex>, Box<Ex>),
    Mul(Box<Ex>, Box<Ex>),
    Div(Box<Ex>, Box<Ex>),
    /// A `Real` method, receiver first.
    Method(&'static str, Vec<Ex>),
    /// `powi(base, n)`.
    Powi(Box<Ex>, i32),
    Select(Box<Ex>, Box<Ex>, Box<Ex>),
    Cmp(Cmp, Box<Ex>, Box<Ex>),
    And(Box<Ex>, Box<Ex>),
    /// The adjoint of argument `k` returned by a helper's reverse function.
    HelperAdjoint(usize),
    /// The softmax weight of term `index` among the given nodes.
    Softmax(Vec<Id>, usize),
}

fn val(id: Id) -> Ex {
    Ex::Val(id)
}

fn lit(value: f64) -> Ex {
    Ex::Lit(value)
}

fn neg(a: Ex) -> Ex {
    Ex::Neg(Box::new(a))
}

fn add(a: Ex, b: Ex) -> Ex {
    Ex::Add(Box::new(a), Box::new(b))
}

fn sub(a: Ex, b: Ex) -> Ex {
    Ex::Sub(Box::new(a), Box::new(b))
}

fn mul(a: Ex, b: Ex) -> Ex {
    Ex::Mul(Box::new(a), Box::new(b))
}

fn div(a: Ex, b: Ex) -> Ex {
    Ex::Div(Box::new(a), Box::new(b))
}

fn method(name: &'static str, args: Vec<Ex>) -> Ex {
    Ex::Method(name, args)
}

fn select(mask: Ex, if_true: Ex, if_false: Ex) -> Ex {
    Ex::Select(Box::new(mask), Box::new(if_true), Box::new(if_false))
}

fn cmp(op: Cmp, a: Ex, b: Ex) -> Ex {
    Ex::Cmp(op, Box::new(a), Box::new(b))
}

fn and(a: Ex, b: Ex) -> Ex {
    Ex::And(Box::new(a), Box::new(b))
}

/// `g` where `mask` holds and 0 elsewhere; a select, never a product with 0, so an
/// infinite or NaN `g` does not leak through.
fn gate(mask: Ex, value: Ex) -> Ex {
    select(mask, value, lit(0.0))
}

/// The contributions of node `y` (computing `op`) to the adjoints of its operands.
pub fn vjp(op: &Op, y: Id) -> Vec<(Id, Ex)> {
    let g = || Ex::Adj;
    match op {
        Op::Unary(unary, a) => vec![(*a, unary_rule(*unary, *a, y))],
        Op::Binary(binary, a, b) => binary_rule(*binary, *a, *b, y),
        // d/dx x^n = n x^(n-1); n = 0 has no gradient and n = 1 passes g through.
        Op::Powi(a, n) => match n {
            0 => Vec::new(),
            1 => vec![(*a, g())],
            2 => vec![(*a, mul(g(), mul(lit(2.0), val(*a))))],
            n => vec![(*a, mul(g(), mul(lit(f64::from(*n)), lower_power(*a, *n))))],
        },
        // d/dx clamp(x, lo, hi) = 1 on [lo, hi], bounds included; below lo the
        // gradient goes to lo and above hi to hi.
        Op::Clamp(x, lo, hi) => vec![
            (
                *x,
                gate(
                    and(
                        cmp(Cmp::Ge, val(*x), val(*lo)),
                        cmp(Cmp::Le, val(*x), val(*hi)),
                    ),
                    g(),
                ),
            ),
            (*lo, gate(cmp(Cmp::Lt, val(*x), val(*lo)), g())),
            // As in the forward `clamp`, `lo` wins when `lo > hi` and `x` is below both.
            (
                *hi,
                gate(
                    and(
                        cmp(Cmp::Ge, val(*x), val(*lo)),
                        cmp(Cmp::Gt, val(*x), val(*hi)),
                    ),
                    g(),
                ),
            ),
        ],
        // select(m, a, b): a takes g where m holds, b where it does not.
        Op::Select(mask, a, b) => vec![
            (*a, select(val(*mask), g(), lit(0.0))),
            (*b, select(val(*mask), lit(0.0), g())),
        ],
        Op::Call(_, args) => args
            .iter()
            .enumerate()
            .map(|(k, arg)| (*arg, Ex::HelperAdjoint(k)))
            .collect(),
        // d/dxᵢ ln Σ e^xⱼ = e^xᵢ / Σ e^xⱼ, the softmax, computed from shifted terms.
        Op::LogSumExp(terms) => {
            let share = |index: usize| mul(g(), Ex::Softmax(terms.clone(), index));
            terms
                .iter()
                .enumerate()
                .map(|(index, &x)| (x, share(index)))
                .collect()
        }
        // Leaves, masks, branch and loop values, and index arithmetic: nothing here.
        // A uniform branch and a loop are differentiated by the emitter, block by
        // block, and a load adds to its slice's gradient output.
        Op::Param(_)
        | Op::Const(..)
        | Op::TypeConst(_)
        | Op::Bool(_)
        | Op::Cmp(..)
        | Op::And(..)
        | Op::Or(..)
        | Op::Not(_)
        | Op::Phi(..)
        | Op::Index(_)
        | Op::IntBinary(..)
        | Op::IntCmp(..)
        | Op::Len(_)
        | Op::Load(..)
        | Op::ToFloat(_)
        | Op::ToIndex(_)
        | Op::LoopVar
        | Op::Carried
        | Op::LoopOut
        | Op::Array { .. }
        | Op::ArrayLoad(..)
        | Op::Store(..) => Vec::new(),
    }
}

fn unary_rule(op: Unary, a: Id, y: Id) -> Ex {
    let g = || Ex::Adj;
    let x = || val(a);
    let out = || val(y);
    match op {
        Unary::Neg => neg(g()),
        // d/dx ln x = 1/x
        Unary::Ln | Unary::LnPositive => div(g(), x()),
        // d/dx log2 x = 1/(x ln 2)
        Unary::Log2 => div(g(), mul(x(), lit(LN_2))),
        // d/dx log10 x = 1/(x ln 10)
        Unary::Log10 => div(g(), mul(x(), lit(LN_10))),
        // d/dx e^x = e^x
        Unary::Exp => mul(g(), out()),
        // d/dx 2^x = 2^x ln 2
        Unary::Exp2 => mul(g(), mul(out(), lit(LN_2))),
        // d/dx sqrt x = 1/(2 sqrt x), taken as 0 at x = 0.
        Unary::Sqrt => select(
            cmp(Cmp::Eq, x(), lit(0.0)),
            lit(0.0),
            div(mul(g(), lit(0.5)), out()),
        ),
        // d/dx cbrt x = cbrt(x)/(3x), taken as 0 at x = 0.
        Unary::Cbrt => select(
            cmp(Cmp::Eq, x(), lit(0.0)),
            lit(0.0),
            div(mul(g(), out()), mul(lit(3.0), x())),
        ),
        // d/dx |x| = sign(x), with sign(0) = 0.
        Unary::Abs => mul(g(), method("sign0", vec![x()])),
        // d/dx tanh x = 1 - tanh² x
        Unary::Tanh => mul(g(), sub(lit(1.0), mul(out(), out()))),
        // d/dx sinh x = cosh x
        Unary::Sinh => mul(g(), method("cosh", vec![x()])),
        // d/dx cosh x = sinh x
        Unary::Cosh => mul(g(), method("sinh", vec![x()])),
        // d/dx sin x = cos x
        Unary::Sin => mul(g(), method("cos", vec![x()])),
        // d/dx cos x = -sin x
        Unary::Cos => neg(mul(g(), method("sin", vec![x()]))),
        // d/dx ln(1 + x) = 1/(1 + x)
        Unary::Ln1p => div(g(), add(lit(1.0), x())),
        // d/dx (e^x - 1) = e^x = y + 1
        Unary::ExpM1 => mul(g(), add(out(), lit(1.0))),
        // signum is flat almost everywhere; the emitter never reaches it because a
        // signum node is inactive.
        Unary::Signum => lit(0.0),
        // detach passes no gradient by definition. Like a signum node, a detach node is
        // inactive, so the emitter never reaches this rule.
        Unary::Detach => lit(0.0),
        // d/dx 1/x = -1/x² = -y²
        Unary::Recip => neg(mul(g(), mul(out(), out()))),
        // d/dx ln(1 + e^x) = σ(x), by the method that shares softplus's exponential.
        Unary::Softplus => mul(g(), method("softplus_slope", vec![x()])),
        // d/dx ln σ(x) = 1 - σ(x) = σ(-x)
        Unary::LogSigmoid => mul(g(), method("softplus_slope", vec![neg(x())])),
    }
}

fn binary_rule(op: Binary, a: Id, b: Id, y: Id) -> Vec<(Id, Ex)> {
    let g = || Ex::Adj;
    let out = || val(y);
    match op {
        Binary::Add => vec![(a, g()), (b, g())],
        Binary::Sub => vec![(a, g()), (b, neg(g()))],
        // d(ab) = b da + a db
        Binary::Mul => vec![(a, mul(g(), val(b))), (b, mul(g(), val(a)))],
        // d(a/b) = da/b - (a/b) db/b
        Binary::Div => vec![
            (a, div(g(), val(b))),
            (b, neg(div(mul(g(), out()), val(b)))),
        ],
        // d/da a^p = p a^(p-1), set to [p == 1] at a = 0; d/dp a^p = a^p ln a, set to 0
        // where a <= 0 (there ln a is undefined and the value is 0 or NaN anyway).
        Binary::Powf => {
            let at_zero = select(cmp(Cmp::Eq, val(b), lit(1.0)), lit(1.0), lit(0.0));
            let slope = mul(val(b), method("powf", vec![val(a), sub(val(b), lit(1.0))]));
            let base = mul(g(), select(cmp(Cmp::Eq, val(a), lit(0.0)), at_zero, slope));
            let exponent = gate(
                cmp(Cmp::Gt, val(a), lit(0.0)),
                mul(g(), mul(out(), method("ln", vec![val(a)]))),
            );
            vec![(a, base), (b, exponent)]
        }
        // The larger argument takes g; a tie gives each half.
        Binary::Max => tie_split(a, b, Cmp::Gt),
        Binary::Min => tie_split(a, b, Cmp::Lt),
        // d hypot(a, b) = (a da + b db)/hypot(a, b), taken as 0 at (0, 0).
        Binary::Hypot => {
            let share = |x: Id| {
                select(
                    cmp(Cmp::Eq, out(), lit(0.0)),
                    lit(0.0),
                    div(mul(g(), val(x)), out()),
                )
            };
            vec![(a, share(a)), (b, share(b))]
        }
    }
}

/// `x^(n-1)` for the rule of `powi`; `n - 1` is no `i32` for `n = i32::MIN`, where the
/// power is taken as a float exponent instead.
fn lower_power(x: Id, n: i32) -> Ex {
    match n.checked_sub(1) {
        Some(lower) => Ex::Powi(Box::new(val(x)), lower),
        None => method("powf", vec![val(x), lit(f64::from(n) - 1.0)]),
    }
}

/// The rule of `max` (`wins` = Gt) and `min` (`wins` = Lt).
fn tie_split(a: Id, b: Id, wins: Cmp) -> Vec<(Id, Ex)> {
    let share = |x: Id, other: Id| {
        let half = select(
            cmp(Cmp::Eq, val(x), val(other)),
            mul(Ex::Adj, lit(0.5)),
            lit(0.0),
        );
        select(cmp(wins, val(x), val(other)), Ex::Adj, half)
    };
    vec![(a, share(a, b)), (b, share(b, a))]
}
