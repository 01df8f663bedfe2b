//! The check that the loops of a `batch` loss add one term per element.
//!
//! The whole-batch evaluation runs the loops over chunks of the batch's elements, each
//! chunk passed as the row. The loop variable then counts from 0 in each chunk, and
//! `y_pred.len()` is the chunk's length. So the sums merge to the sums over the batch
//! only when each loop runs over the whole row and reads a row only at its element,
//! `y_true[i]` or `y_pred[i]`. Nor may a loop read a sum outside that sum's own update,
//! such as a mean from an earlier loop: in a chunk, the sum contains the chunk's part
//! only.

use super::reads::local_ident;
use crate::ctxt::{Ctxt, source_text};
use proc_macro2::Ident;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Expr, ExprIndex, ExprPath, Stmt};

/// The rows a batch loss reads.
const ROWS: [&str; 2] = ["y_true", "y_pred"];

/// Checks every loop's range and the row reads of its body. `row_lets` are the
/// positions in `prefix` of the `let`s that read a row.
pub(super) fn check_loops(
    cx: &mut Ctxt,
    prefix: &[Stmt],
    row_lets: &[usize],
    loops: &[Stmt],
    sums: &[Ident],
) -> Option<()> {
    let readers: Vec<(&Ident, &Expr)> = row_lets
        .iter()
        .filter_map(|&position| match &prefix[position] {
            Stmt::Local(local) => Some((&local_ident(local)?.ident, &*local.init.as_ref()?.expr)),
            _ => None,
        })
        .collect();
    for stmt in loops {
        let Stmt::Expr(Expr::ForLoop(for_loop), _) = stmt else {
            continue;
        };
        // The row loss has accepted the loop, so its pattern is one name.
        let syn::Pat::Ident(var) = &*for_loop.pat else {
            continue;
        };
        if !is_whole_row(&for_loop.expr, &readers) {
            cx.error_spanned(&for_loop.expr, range_message(&for_loop.expr));
            return None;
        }
        let mut finder = PositionReads {
            var: &var.ident,
            readers: &readers,
            found: None,
        };
        finder.visit_block(&for_loop.body);
        if let Some(found) = finder.found {
            cx.error_spanned(&found, body_message(&found, &var.ident));
            return None;
        }

        // A name that the body binds again is not the sum there, so it is not checked.
        let mut bound = LetNames(Vec::new());
        bound.visit_block(&for_loop.body);
        let checked: Vec<&Ident> = sums.iter().filter(|sum| !bound.0.contains(sum)).collect();
        let mut reads = SumReads {
            sums: &checked,
            found: None,
        };
        reads.visit_block(&for_loop.body);
        if let Some(found) = reads.found {
            cx.error_spanned(found, sum_read_message(found));
            return None;
        }
    }
    Some(())
}

/// Returns the names that `loops` assign anywhere, with `=` or an operator such as
/// `+=`.
pub(super) fn assigned_names(loops: &[Stmt]) -> Vec<Ident> {
    struct Assigned(Vec<Ident>);
    impl<'ast> Visit<'ast> for Assigned {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            let target = match expr {
                Expr::Assign(assign) => Some(&*assign.left),
                Expr::Binary(binary) if is_compound_assignment(&binary.op) => Some(&*binary.left),
                _ => None,
            };
            if let Some(Expr::Path(path)) = target {
                if let Some(ident) = path.path.get_ident() {
                    self.0.push(ident.clone());
                }
            }
            syn::visit::visit_expr(self, expr);
        }
    }
    let mut assigned = Assigned(Vec::new());
    for stmt in loops {
        assigned.visit_stmt(stmt);
    }
    assigned.0
}

/// Returns whether `op` assigns its left operand, as `+=` and `*=` do.
fn is_compound_assignment(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | BitXorAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The names that the `let`s of a loop body bind.
struct LetNames(Vec<Ident>);

impl<'ast> Visit<'ast> for LetNames {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(pat) = local_ident(local) {
            self.0.push(pat.ident.clone());
        }
        syn::visit::visit_local(self, local);
    }
}

/// Returns the term that `expr` adds to a sum, when `expr` updates a name that
/// `is_sum` accepts by `s += e`, `s -= e`, `s = s + e`, `s = e + s` or `s = s - e`:
/// the updates whose chunk values merge by addition.
pub(super) fn added_term(expr: &Expr, is_sum: impl Fn(&Ident) -> bool) -> Option<&Expr> {
    let named = |operand: &Expr| match operand {
        Expr::Path(path) => path.path.get_ident().filter(|ident| is_sum(ident)).cloned(),
        _ => None,
    };
    match expr {
        Expr::Binary(binary)
            if matches!(
                binary.op,
                syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)
            ) =>
        {
            named(&binary.left).map(|_| &*binary.right)
        }
        Expr::Assign(assign) => {
            let sum = named(&assign.left)?;
            let Expr::Binary(binary) = &*assign.right else {
                return None;
            };
            let is_this_sum = |operand: &Expr| named(operand).as_ref() == Some(&sum);
            match binary.op {
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) if is_this_sum(&binary.left) => {
                    Some(&*binary.right)
                }
                syn::BinOp::Add(_) if is_this_sum(&binary.right) => Some(&*binary.left),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A visitor that finds the first read of a sum in a loop body other than in the
/// sum's own update, `s += e`, `s -= e`, `s = s + e`, `s = e + s` or `s = s - e`. In
/// the whole-batch evaluation such a read gets the chunk's part of the sum, not the
/// batch's total.
struct SumReads<'a, 'ast> {
    sums: &'a [&'a Ident],
    found: Option<&'ast ExprPath>,
}

impl<'ast> Visit<'ast> for SumReads<'_, 'ast> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.found.is_some() {
            return;
        }
        match added_term(expr, |name| self.sums.contains(&name)) {
            Some(term) => self.visit_expr(term),
            None => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_expr_path(&mut self, path: &'ast ExprPath) {
        let is_sum = path
            .path
            .get_ident()
            .is_some_and(|ident| self.sums.contains(&ident));
        if is_sum && self.found.is_none() {
            self.found = Some(path);
        }
    }
}

/// Returns the error for a loop that reads the sum `path` outside its own update.
fn sum_read_message(path: &ExprPath) -> String {
    let sum = source_text(path);
    format!(
        "this loop reads the sum `{sum}` other than to add to it, which a `batch` loss does not support: the whole-batch evaluation runs the loops over chunks of the batch's elements, where `{sum}` contains only the chunk's part. Use `{sum}` after the loops. For a spread around a mean, sum `x` and `x * x` and combine them there"
    )
}

/// Whether `range` is `0..y_pred.len()`, `0..y_true.len()`, or `0..n` with `n` a
/// `let` of one of these lengths.
fn is_whole_row(range: &Expr, readers: &[(&Ident, &Expr)]) -> bool {
    let Expr::Range(range) = range else {
        return false;
    };
    let starts_at_zero = matches!(
        range.start.as_deref(),
        Some(Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. })) if int.base10_digits() == "0"
    );
    let half_open = matches!(range.limits, syn::RangeLimits::HalfOpen(_));
    let ends_at_length = range.end.as_deref().is_some_and(|end| match end {
        Expr::Path(path) => readers
            .iter()
            .any(|(name, init)| path.path.is_ident(*name) && is_row_length(init)),
        other => is_row_length(other),
    });
    starts_at_zero && half_open && ends_at_length
}

/// Whether `expr` is `y_true.len()` or `y_pred.len()`.
fn is_row_length(expr: &Expr) -> bool {
    let Expr::MethodCall(call) = expr else {
        return false;
    };
    let on_row = matches!(&*call.receiver, Expr::Path(path) if ROWS.iter().any(|row| path.path.is_ident(row)));
    on_row && call.method == "len" && call.args.is_empty()
}

/// A visitor that finds the first read in a loop body that depends on the element's
/// position or on the row as a whole. Such a read is the loop variable other than as
/// the index of a row, a row read elsewhere, or a `let` before the loops that reads a
/// row.
struct PositionReads<'a> {
    var: &'a Ident,
    readers: &'a [(&'a Ident, &'a Expr)],
    found: Option<proc_macro2::TokenStream>,
}

impl<'ast> Visit<'ast> for PositionReads<'_> {
    fn visit_expr_index(&mut self, index: &'ast ExprIndex) {
        let on_row = matches!(&*index.expr, Expr::Path(path) if ROWS.iter().any(|row| path.path.is_ident(row)));
        let at_element = matches!(&*index.index, Expr::Path(path) if path.path.is_ident(self.var));
        if on_row && at_element {
            return;
        }
        if on_row && self.found.is_none() {
            self.found = Some(index.to_token_stream());
            return;
        }
        syn::visit::visit_expr_index(self, index);
    }

    fn visit_expr_path(&mut self, path: &'ast ExprPath) {
        let named = |name: &Ident| path.path.is_ident(name);
        let position_read = named(self.var)
            || ROWS.iter().any(|row| path.path.is_ident(row))
            || self.readers.iter().any(|(name, _)| named(name));
        if position_read && self.found.is_none() {
            self.found = Some(path.to_token_stream());
        }
    }
}

fn range_message(range: &Expr) -> String {
    let range = source_text(range);
    format!(
        "a `batch` loss loops over the whole row, as in `for i in 0..y_pred.len()`, but this loop runs over `{range}`: the whole-batch evaluation runs each loop over chunks of the batch's elements, where this range would leave out or repeat elements"
    )
}

fn body_message(found: &proc_macro2::TokenStream, var: &Ident) -> String {
    let found = source_text(found);
    format!(
        "`{found}` depends on the row other than through the loop's element, `y_true[{var}]` or `y_pred[{var}]`, which a `batch` loss does not support: the whole-batch evaluation runs the loops over chunks of the batch's elements, where `{var}` counts from 0 in each chunk and the row is the chunk. Read the row only at the loop's element"
    )
}
