//! The intermediate representation: a typed scalar SSA graph with structured branches.
//!
//! Every value is a [`Node`] in one arena, referred to by its index. Statements list the
//! nodes of a block in evaluation order. A branch whose condition is the same for every
//! sample (it depends only on hyper-parameters and literals) stays a real `if`
//! ([`Branch`]); a branch on per-sample data has already been lowered to
//! [`Op::Select`], with both arms evaluated and their nodes marked by a guard.

/// Index of a node in [`Function::nodes`].
pub type Id = usize;

/// One-argument float operations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unary {
    Neg,
    Ln,
    Log2,
    Log10,
    Exp,
    Exp2,
    Sqrt,
    Cbrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
    Sin,
    Cos,
    Ln1p,
    ExpM1,
    Signum,
    Recip,
    /// `x.detach()`: the value of `x`, through which no gradient flows.
    Detach,
    /// `ln(1 + e^x)` in its stable form; produced by the rewrites, not written directly.
    Softplus,
    /// `ln σ(x)` in its stable form; produced by the rewrites.
    LogSigmoid,
    /// `ln x` for an `x` that constant bounds keep a positive normal number, or NaN;
    /// produced by the rewrites.
    LnPositive,
}

/// Two-argument float operations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Powf,
    Max,
    Min,
    Hypot,
}

/// Arithmetic on `usize` index values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IntOp {
    Add,
    Sub,
    Mul,
    /// Integer division; a zero divisor is a run-time error, not a panic.
    Div,
    /// Remainder; a zero divisor is a run-time error, not a panic.
    Rem,
}

/// Comparisons, of floats or of indices.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// The operation a node computes.
#[derive(Clone, Debug)]
pub enum Op {
    /// The function parameter with this index in the signature.
    Param(usize),
    /// A float literal, with its source text for the generated docs.
    Const(f64, String),
    /// A constant whose value depends on the float type, such as `T::epsilon()`: the
    /// name of its `num_traits::Float` method.
    TypeConst(&'static str),
    /// A `bool` literal.
    Bool(bool),
    Unary(Unary, Id),
    Binary(Binary, Id, Id),
    /// `x.powi(n)` with a literal integer exponent.
    Powi(Id, i32),
    /// `x.clamp(lo, hi)`.
    Clamp(Id, Id, Id),
    Cmp(Cmp, Id, Id),
    And(Id, Id),
    Or(Id, Id),
    Not(Id),
    /// `select(mask, if_true, if_false)`: a per-sample `if` after lowering.
    Select(Id, Id, Id),
    /// A call to a `#[differentiable]` helper.
    Call(syn::Path, Vec<Id>),
    /// `ln Σ e^xᵢ` shifted by the maximum; produced by the rewrites.
    LogSumExp(Vec<Id>),
    /// A `usize` literal.
    Index(usize),
    /// `usize` arithmetic, with the source text of the expression for the run-time
    /// error on an overflow or a result below zero.
    IntBinary(IntOp, Id, Id, String),
    /// A comparison of two `usize` values.
    IntCmp(Cmp, Id, Id),
    /// `slice.len()` of the slice parameter with this index.
    Len(usize),
    /// `slice[index]` of the slice parameter with this index.
    Load(usize, Id),
    /// A `usize` converted to the float type.
    ToFloat(Id),
    /// A float that contains a whole number, such as a token id in `y_true`, read as a
    /// `usize`; not differentiated.
    ToIndex(Id),
    /// The variable of a [`Loop`], bound by the loop header.
    LoopVar,
    /// A value carried across iterations, at the start of an iteration; its loop's
    /// [`Carried`] entry records where it comes from.
    Carried,
    /// A carried value after its loop.
    LoopOut,
    /// The value of a uniform [`Branch`]: its `then` or its `else` value.
    Phi(Id, Id),
    /// A local array `vec![fill; len]` of a row loss, in a scratch buffer. The node
    /// stands for the array: loads and stores name it.
    Array {
        len: Id,
        fill: Id,
    },
    /// `array[index]`, read after the loop that writes the array.
    ArrayLoad(Id, Id),
    /// `array[index] = value`, `+=` or `-=`: a statement in the loop that writes the
    /// array, whose node has no value of its own.
    Store(Id, Id, Id, StoreKind),
}

/// The operator of a store, which combines the stored value with the element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// `array[i] = value`.
    Set,
    /// `array[index] += value`.
    Add,
    /// `array[index] -= value`.
    Sub,
}

/// A node's value type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    Float,
    Bool,
    Index,
    /// A local array of floats, or the statement that stores into one.
    Array,
}

/// One SSA value.
#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub ty: Ty,
    /// Differs between samples; a uniform node is computed once in the scalar type.
    pub varying: bool,
    /// Depends on a differentiated input, so it gets an adjoint.
    pub active: bool,
    /// The conjunction of per-sample branch conditions under which this value is used.
    pub guard: Option<Id>,
    /// How many per-sample branches enclose the node.
    pub depth: usize,
    /// The `let` name the user gave the value, for the generated docs.
    pub name: Option<String>,
}

/// A statement of a block.
#[derive(Clone, Debug)]
pub enum Stmt {
    Let(Id),
    If(Branch),
    Loop(Loop),
}

/// `for var in lo..hi { body }`, with the values the body assigns to variables declared
/// before the loop carried from one iteration to the next.
#[derive(Clone, Debug)]
pub struct Loop {
    pub var: Id,
    pub lo: Id,
    pub hi: Id,
    pub body: Block,
    pub carried: Vec<Carried>,
}

/// A variable that a loop body assigns and that lives on after the loop.
#[derive(Clone, Debug)]
pub struct Carried {
    /// The value before the loop.
    pub init: Id,
    /// The [`Op::Carried`] node: the value at the start of an iteration.
    pub phi: Id,
    /// The value at the end of an iteration.
    pub next: Id,
    /// The [`Op::LoopOut`] node: the value after the loop.
    pub out: Id,
    pub reduction: Reduction,
}

/// How a carried value is updated, which decides how its loop is reversed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// Not differentiated: nothing flows back through it.
    Inactive,
    /// `acc += e` or `acc -= e`: the adjoint of `acc` reaches every `e` unchanged.
    Sum,
    /// `acc = acc.max(e)`: the adjoint goes to the terms equal to the result.
    Max,
    /// `acc = acc.min(e)`.
    Min,
    /// `acc *= e`: the adjoint of factor `e` is the adjoint of `acc` times the product
    /// of the other factors, from a first pass that counts the zero factors and
    /// multiplies the others.
    Product,
}

/// The updates of a product reduction in one iteration, as in `p *= a; p *= b;`.
pub struct ProductChain {
    /// The factors of the iteration, in the order they are multiplied in.
    pub factors: Vec<Id>,
    /// The partial products `p * a` and `p * a * b`, ending with the iteration's result.
    pub links: Vec<Id>,
}

/// Follows the multiplications from `next` back to `phi`. Returns `None` when `next`
/// is not `phi` times factors, or when a link reads the running product twice, as in
/// `p * p`.
pub fn product_chain(nodes: &[Node], phi: Id, next: Id) -> Option<ProductChain> {
    let depends = dependents(nodes, phi);
    let mut chain = ProductChain {
        factors: Vec::new(),
        links: Vec::new(),
    };
    let mut node = next;
    while node != phi && chain.links.len() < nodes.len() {
        let Op::Binary(Binary::Mul, a, b) = nodes[node].op else {
            return None;
        };
        let (rest, factor) = match (depends[a], depends[b]) {
            (true, false) => (a, b),
            (false, true) => (b, a),
            _ => return None,
        };
        chain.links.push(node);
        chain.factors.push(factor);
        node = rest;
    }
    chain.links.reverse();
    chain.factors.reverse();
    (node == phi).then_some(chain)
}

/// Marks the nodes whose value depends on `root`, in one pass over the arena: an
/// operand is always pushed before the node that reads it.
fn dependents(nodes: &[Node], root: Id) -> Vec<bool> {
    let mut depends = vec![false; nodes.len()];
    depends[root] = true;
    for id in root + 1..nodes.len() {
        depends[id] = nodes[id]
            .op
            .operands()
            .iter()
            .any(|operand| depends.get(*operand).copied().unwrap_or(false));
    }
    depends
}

/// An `if` whose condition is the same for every sample.
#[derive(Clone, Debug)]
pub struct Branch {
    pub cond: Id,
    pub then_block: Block,
    pub else_block: Block,
    /// The [`Op::Phi`] node that contains the branch's value.
    pub phi: Id,
}

/// Statements in evaluation order.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

impl Block {
    /// Collects the nodes this block defines, nested branches included.
    pub fn defined(&self, out: &mut Vec<Id>) {
        for stmt in &self.stmts {
            match stmt {
                Stmt::Let(id) => out.push(*id),
                Stmt::If(branch) => {
                    branch.then_block.defined(out);
                    branch.else_block.defined(out);
                    out.push(branch.phi);
                }
                Stmt::Loop(lp) => {
                    out.push(lp.var);
                    lp.body.defined(out);
                    out.extend(lp.carried.iter().map(|carried| carried.out));
                }
            }
        }
    }
}

/// A lowered function body.
pub struct Function {
    pub nodes: Vec<Node>,
    pub body: Block,
    pub result: Id,
}

impl Op {
    /// The nodes this operation reads.
    pub fn operands(&self) -> Vec<Id> {
        match self {
            Op::Param(_)
            | Op::Const(..)
            | Op::TypeConst(_)
            | Op::Bool(_)
            | Op::Index(_)
            | Op::Len(_) => Vec::new(),
            // The array itself is left out: it has no adjoint of its own, and its
            // elements' adjoints live in a buffer.
            Op::Array { len, fill } => vec![*len, *fill],
            Op::ArrayLoad(_, index) => vec![*index],
            Op::Store(_, index, value, _) => vec![*index, *value],
            Op::LoopVar | Op::Carried | Op::LoopOut => Vec::new(),
            Op::Unary(_, a)
            | Op::Powi(a, _)
            | Op::Not(a)
            | Op::Load(_, a)
            | Op::ToFloat(a)
            | Op::ToIndex(a) => {
                vec![*a]
            }
            Op::IntBinary(_, a, b, _) | Op::IntCmp(_, a, b) => vec![*a, *b],
            Op::Binary(_, a, b)
            | Op::Cmp(_, a, b)
            | Op::And(a, b)
            | Op::Or(a, b)
            | Op::Phi(a, b) => {
                vec![*a, *b]
            }
            Op::Clamp(a, b, c) | Op::Select(a, b, c) => vec![*a, *b, *c],
            Op::Call(_, args) | Op::LogSumExp(args) => args.clone(),
        }
    }
}
