//! Gradient outputs that the reverse pass sets instead of adding to.
//!
//! The drivers hand the reverse pass gradient rows that start at zero, and the pass adds
//! each contribution to its element. When the pass is known to write every element of a
//! row before it adds to that element, its first write can store the contribution, and
//! the driver need not zero the row. That saves a pass of stores and a load per element.
//! On one Zen 5 thread it raised value_and_grad of Dice per sample on rows of 1000 from
//! 2.7–2.8 to 3.6–3.8 × 10⁹ elements per second, in alternating runs.
//!
//! A load `x[i]` may set its element when it sits directly in the body of a loop
//! `for i in 0..n` that runs whenever the function runs, or whenever the arm of a branch
//! around the loop runs. `n` must be the length of `x` itself or, for a loss of several
//! inputs of one shape, of another input. Every other load of `x` in that loop must be at
//! `i` too, because a load at another index would add to an element that a later
//! iteration sets. Such a loop writes every element of the row. A branch on a value of
//! the sample becomes selects, with both arms run, so the loops in its arms count as
//! running whenever the function runs, and the arm not taken writes 0.
//!
//! [`Reverse`](super::Reverse) lets only the first write of a slice in the generated code
//! set, so no earlier write is lost, and the writes after it add. The drivers learn of a
//! slice only when every path through the function sets it: across a branch, both arms
//! must. A loop whose reverse pass is left out writes nothing, so its slice keeps the
//! zeroing. A set element keeps the sign of a zero contribution: `-0.0` stays `-0.0`,
//! where zero plus it gave `+0.0`, as the elementwise losses' direct writes do.

use crate::ir::{Block, Function, Id, Loop, Op, Stmt};
use crate::signature::{ParamTy, Role, Signature};

/// The loads whose gradient write may set its element: each a slice parameter and the
/// load node.
#[derive(Default)]
pub(super) struct Settable {
    loads: Vec<(usize, Id)>,
}

impl Settable {
    /// Finds the loads of `f` that may set. `same_shape` is true when the loss's inputs
    /// all have one shape, so that a loop over one input covers every input.
    pub(super) fn find(f: &Function, sig: &Signature, same_shape: bool) -> Self {
        let mut settable = Settable::default();
        if !sig.is_helper() {
            settable.visit(f, sig, same_shape, &f.body);
        }
        settable
    }

    /// Returns whether the gradient write of load `load` of slice `param` may set its
    /// element.
    pub(super) fn contains(&self, param: usize, load: Id) -> bool {
        self.loads.contains(&(param, load))
    }

    /// Looks for covering loops among the statements of `block`, which run whenever the
    /// function does or, inside the arm of a branch, whenever that arm does.
    fn visit(&mut self, f: &Function, sig: &Signature, same_shape: bool, block: &Block) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Loop(lp) => self.add_loop(f, sig, same_shape, lp),
                Stmt::If(branch) => {
                    self.visit(f, sig, same_shape, &branch.then_block);
                    self.visit(f, sig, same_shape, &branch.else_block);
                }
                Stmt::Let(_) => {}
            }
        }
    }

    /// Adds the loads directly in the body of `lp` of each slice that the loop covers.
    /// The loop must run over `0..n`, with `n` that slice's length. Every load of the
    /// slice inside it, at any depth, must be at the loop variable, because a load
    /// elsewhere would add to an element that a later iteration sets.
    fn add_loop(&mut self, f: &Function, sig: &Signature, same_shape: bool, lp: &Loop) {
        let Op::Len(bound) = f.nodes[lp.hi].op else {
            return;
        };
        if !matches!(f.nodes[lp.lo].op, Op::Index(0)) {
            return;
        }

        let mut inside = Vec::new();
        lp.body.defined(&mut inside);
        for (param, info) in sig.params.iter().enumerate() {
            let differentiated = matches!(info.role, Role::YPred | Role::Input);
            if !differentiated || info.ty != ParamTy::FloatSlice || passed_whole(f, param) {
                continue;
            }
            let covered =
                bound == param || (same_shape && is_input(sig, bound) && is_input(sig, param));
            let at_var = inside.iter().all(|&id| match f.nodes[id].op {
                Op::Load(p, index) => p != param || !f.nodes[id].active || index == lp.var,
                _ => true,
            });
            if !(covered && at_var) {
                continue;
            }
            for stmt in &lp.body.stmts {
                if let Stmt::Let(id) = *stmt
                    && matches!(f.nodes[id].op, Op::Load(p, _) if p == param)
                    && f.nodes[id].active
                {
                    self.loads.push((param, id));
                }
            }
        }
    }
}

/// Returns whether slice `param` is passed whole to a helper, which adds to its
/// gradient.
fn passed_whole(f: &Function, param: usize) -> bool {
    f.nodes.iter().any(|node| match &node.op {
        Op::Call(_, args) => args
            .iter()
            .any(|arg| matches!(f.nodes[*arg].op, Op::Param(p) if p == param)),
        _ => false,
    })
}

fn is_input(sig: &Signature, param: usize) -> bool {
    sig.params
        .get(param)
        .is_some_and(|info| info.role == Role::Input)
}
