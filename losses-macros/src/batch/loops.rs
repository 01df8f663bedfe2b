//! The check that the loops of a `batch` loss add one term per element.
//!
//! The whole-batch evaluation runs the loops over chunks of the batch's elements, each
//! chunk passed as the row. The loop variable then counts from 0 in each chunk, and
//! `y_pred.len()` is the chunk's length. So the sums merge to the sums over the batch
//! only when each loop runs over the whole row and reads a row only at its element,
//! `y_true[i]` or `y_pred[i]`.

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
    }
    Some(())
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
