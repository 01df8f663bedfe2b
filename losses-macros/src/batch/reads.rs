//! The checks on what the statements around the loops of a `batch` loss read.
//!
//! The whole-batch evaluation runs the statements before the loops in each chunk, with
//! every sum started from 0, and again to finish the loss from the merged sums, where
//! each sum is its starting value plus the batch's total. The statements after the
//! loops run only then. So a sum's starting value cannot read a row, of which there is
//! none when the loss is finished. No statement before the loops can read a sum,
//! because its value there is 0 in a chunk and the batch's total when the loss is
//! finished, never its starting value. And no statement after the loops can read a
//! row. A `let` before the loops that reads a row, such as `let n = y_pred.len();` for
//! the loops' bound, is left out of the finished loss, which does not need it.

use crate::ctxt::{Ctxt, source_text};
use proc_macro2::Ident;
use syn::visit::Visit;
use syn::{Expr, ExprPath, Pat, Stmt};

/// The names that read a row, each with the row it reads: `y_true` and `y_pred`
/// themselves, then the `let`s before the loops that read them.
type RowReaders = Vec<(String, String)>;

/// Checks the statements around the loops. Returns the positions in `prefix` of the
/// `let`s that read a row, which the finished loss leaves out.
pub(super) fn check_reads(
    cx: &mut Ctxt,
    prefix: &[Stmt],
    suffix: &[Stmt],
    sums: &[Ident],
) -> Option<Vec<usize>> {
    let (readers, row_lets) = check_prefix_reads(cx, prefix, sums)?;
    check_suffix_reads(cx, suffix, readers)?;
    Some(row_lets)
}

/// Checks the statements before the loops: no sum may start from a row, and nothing
/// may read a sum. Returns the names that read a row and the positions of their
/// `let`s.
fn check_prefix_reads(
    cx: &mut Ctxt,
    prefix: &[Stmt],
    sums: &[Ident],
) -> Option<(RowReaders, Vec<usize>)> {
    let mut row_readers: RowReaders = ["y_true", "y_pred"]
        .into_iter()
        .map(|row| (row.to_string(), row.to_string()))
        .collect();
    let mut row_lets = Vec::new();
    // The sums declared so far, each with its starting value.
    let mut declared: Vec<(String, &Expr)> = Vec::new();
    for (position, stmt) in prefix.iter().enumerate() {
        let Stmt::Local(local) = stmt else {
            continue;
        };
        let (Some(pat), Some(init)) = (local_ident(local), &local.init) else {
            continue;
        };
        let (name, reads) = (pat.ident.to_string(), names_in(&init.expr));
        let sum = reads
            .iter()
            .find_map(|read| declared.iter().find(|(known, _)| known == read));
        if let Some((sum, start)) = sum {
            cx.error_spanned(&init.expr, sum_read_message(&init.expr, sum, start));
            return None;
        }
        let row = reads.iter().find_map(|read| {
            let (_, row) = row_readers.iter().find(|(known, _)| known == read)?;
            Some((read, row.clone()))
        });
        if sums.contains(&pat.ident) {
            if let Some((read, row)) = row {
                let message = row_start_message(&name, &init.expr, read, &row);
                cx.error_spanned(&init.expr, message);
                return None;
            }
            declared.push((name, &init.expr));
            continue;
        }
        // A `let` that reads no row shadows any earlier reader of its name.
        let row = row.map(|(_, row)| row);
        row_readers.retain(|(known, _)| *known != name);
        if let Some(row) = row {
            row_readers.push((name, row));
            row_lets.push(position);
        }
    }
    Some((row_readers, row_lets))
}

/// Checks that no statement after the loops reads a row, directly or through a `let`
/// before the loops.
fn check_suffix_reads(cx: &mut Ctxt, suffix: &[Stmt], mut readers: RowReaders) -> Option<()> {
    for stmt in suffix {
        let found = paths_in(stmt).into_iter().find_map(|path| {
            let ident = path.path.get_ident()?;
            let (_, row) = readers.iter().find(|(known, _)| ident == known)?;
            Some((path, row.clone()))
        });
        if let Some((path, row)) = found {
            cx.error_spanned(path, suffix_read_message(path, &row));
            return None;
        }
        // A `let` here reads no row, so it shadows any reader of its name.
        if let Stmt::Local(local) = stmt {
            if let Some(pat) = local_ident(local) {
                readers.retain(|(known, _)| pat.ident != known);
            }
        }
    }
    Some(())
}

/// Writes the error for sum `sum` starting from `init`, which reads `row` through
/// the name `read`.
fn row_start_message(sum: &str, init: &Expr, read: &str, row: &str) -> String {
    let init = source_text(init);
    let through = if read == row {
        String::new()
    } else {
        format!(" through `{read}`")
    };
    format!(
        "the sum `{sum}` starts from `{init}`, which reads `{row}`{through}: a `batch` loss adds the starting value once to the sums merged over the whole batch, where no single row is there to read it from. Start the sum from a literal, a constant or a float hyper-parameter, as in `let mut {sum} = 0.0;`"
    )
}

/// Writes the error for `init`, before the loops, reading the sum `sum` that starts
/// from `start`.
fn sum_read_message(init: &Expr, sum: &str, start: &Expr) -> String {
    let (init, start) = (source_text(init), source_text(start));
    format!(
        "`{init}` reads the sum `{sum}` before the loops, which a `batch` loss does not support: in the whole-batch evaluation, `{sum}` is 0 there in each chunk and the batch's total when the loss is finished, not its starting value. Write the starting value `{start}` instead of `{sum}`"
    )
}

/// Writes the error for `path`, after the loops, reading `row`.
fn suffix_read_message(path: &ExprPath, row: &str) -> String {
    let name = source_text(path);
    let read = if name == row {
        format!("`{row}` is read")
    } else {
        format!("`{name}` reads `{row}`, and is read")
    };
    format!(
        "{read} after the loops, where a `batch` loss uses only its sums and hyper-parameters: the whole-batch evaluation finishes the loss from the sums merged over the batch, with no single row to read. Compute the value in the loops as a sum, such as a count with `count += 1.0`"
    )
}

/// Returns the names that `expr` reads.
fn names_in(expr: &Expr) -> Vec<String> {
    let mut paths = Paths(Vec::new());
    paths.visit_expr(expr);
    paths
        .0
        .iter()
        .filter_map(|path| path.path.get_ident())
        .map(Ident::to_string)
        .collect()
}

/// Returns the paths that `stmt` reads, in source order.
fn paths_in(stmt: &Stmt) -> Vec<&ExprPath> {
    let mut paths = Paths(Vec::new());
    paths.visit_stmt(stmt);
    paths.0
}

struct Paths<'a>(Vec<&'a ExprPath>);

impl<'a> Visit<'a> for Paths<'a> {
    fn visit_expr_path(&mut self, path: &'a ExprPath) {
        self.0.push(path);
    }
}

/// Returns the name a `let` binds, as in `let mut s = ..;` or `let mut s: T = ..;`.
pub(super) fn local_ident(local: &syn::Local) -> Option<&syn::PatIdent> {
    match &local.pat {
        Pat::Ident(pat) => Some(pat),
        Pat::Type(typed) => match &*typed.pat {
            Pat::Ident(pat) => Some(pat),
            _ => None,
        },
        _ => None,
    }
}

/// Returns the name a `let` binds, for changing its `mut`.
pub(super) fn local_ident_mut(local: &mut syn::Local) -> Option<&mut syn::PatIdent> {
    match &mut local.pat {
        Pat::Ident(pat) => Some(pat),
        Pat::Type(typed) => match &mut *typed.pat {
            Pat::Ident(pat) => Some(pat),
            _ => None,
        },
        _ => None,
    }
}
