//! Lowering of the local arrays of row losses: `let mut v = vec![fill; len];` (or
//! `[fill; len]`) at the top level of the body, written by one statement in one loop and
//! read after it.
//!
//! These limits let the reverse pass follow an array without storing iterations. The
//! array is filled once per row, and every read of a stored element comes after the
//! loop that stores it. `v[i] = e` at the loop's variable writes each element once, so
//! the adjoint of an element belongs to the one store that wrote it.

use super::Lowerer;
use crate::ctxt::source_text;
use crate::ir::{Binary, Id, Op, StoreKind, Ty};
use syn::Expr;

/// The lowering's record of a local array.
pub(super) struct ArrayState {
    /// The [`Op::Array`] node.
    node: Id,
    /// The statement that writes the array, once lowered.
    writer: Option<Writer>,
    /// A statement writing the array was reported, so its reads report nothing more.
    failed: bool,
}

/// The one statement that writes an array.
struct Writer {
    /// The variable of the loop the statement is in.
    loop_var: Id,
    kind: StoreKind,
    index: Id,
    value: Id,
}

/// Lists what a local array supports, for the end of error messages.
fn supported(name: &str) -> String {
    format!(
        "a local array supports `let mut {name} = vec![0.0; n];` at the top level of the body, one statement writing it in one loop (`{name}[i] = e;` at the loop's variable, or `{name}[k] += e;`), reads `{name}[k]` after that loop, and `{name}.len()`"
    )
}

/// Returns the `[fill; len]` of `vec![fill; len]` or `[fill; len]`; `Err` with the
/// expression for another form of `vec!`, and `Ok(None)` for any other expression.
fn repeat_form(expr: &Expr) -> Result<Option<syn::ExprRepeat>, &Expr> {
    match expr {
        Expr::Repeat(repeat) => Ok(Some(repeat.clone())),
        Expr::Macro(call) if call.mac.path.is_ident("vec") => {
            let tokens = &call.mac.tokens;
            syn::parse2::<syn::ExprRepeat>(quote::quote!([#tokens]))
                .map(Some)
                .map_err(|_| expr)
        }
        _ => Ok(None),
    }
}

/// Returns whether a `let` initializer declares a local array.
pub(super) fn is_array_init(expr: &Expr) -> bool {
    !matches!(repeat_form(expr), Ok(None))
}

impl Lowerer<'_> {
    /// Lowers `vec![fill; len]` or `[fill; len]` in a row loss. Returns `None` when
    /// `init` is neither, and `Some` of the array node, or of `None` after an error.
    pub(super) fn array_declaration(&mut self, init: &Expr) -> Option<Option<Id>> {
        if !self.sig.row {
            return None;
        }
        let repeat = match repeat_form(init) {
            Ok(None) => return None,
            Ok(Some(repeat)) => repeat,
            Err(expr) => {
                let found = source_text(expr);
                return Some(self.error(expr, format!("`{found}` is not supported: a local array is declared as `vec![fill; len]` or `[fill; len]`, as in `let mut v = vec![0.0; y_pred.len()];`")));
            }
        };
        if is_array_init(&repeat.expr) {
            let found = source_text(&repeat.expr);
            return Some(self.error(&repeat.expr, format!("nested arrays are not supported, found the element `{found}`: a local array holds floats, so store a matrix row-major in one array, as in `vec![0.0; n * n]` read as `m[i * n + j]`")));
        }
        if self.loop_depth > 0 || self.blocks.len() > 1 || !self.guards.is_empty() {
            return Some(self.error(init, "a local array is declared at the top level of the function body, outside loops and `if`s, so that one buffer serves the whole row"));
        }

        let fill = self.float(&repeat.expr);
        let len = self.expr(&repeat.len);
        let (fill, len) = (fill?, len?);
        if self.nodes[fill].active {
            let found = source_text(&repeat.expr);
            return Some(self.error(&repeat.expr, format!("the fill value `{found}` carries a gradient, which a local array does not pass on: fill the array with a constant, as in `vec![0.0; n]`, and write the values in a loop")));
        }
        if self.nodes[len].ty != Ty::Index {
            let found = source_text(&repeat.len);
            return Some(self.error(&repeat.len, format!("the length `{found}` of a local array must be a `usize` value, such as `y_pred.len()` or a `usize` hyper-parameter")));
        }

        let id = self.push(Op::Array { len, fill }, Ty::Array);
        self.nodes[id].varying = true;
        self.arrays.push(ArrayState {
            node: id,
            writer: None,
            failed: false,
        });
        Some(Some(id))
    }

    /// Returns the array node that `expr` names, when it names a local array.
    pub(super) fn array_named(&self, expr: &Expr) -> Option<Id> {
        let Expr::Path(path) = expr else { return None };
        let ident = path.path.get_ident()?;
        let id = self.lookup(&ident.to_string()).ok().flatten()?;
        matches!(self.nodes[id].op, Op::Array { .. }).then_some(id)
    }

    fn array_name(&self, array: Id) -> String {
        self.nodes[array].name.clone().unwrap_or_default()
    }

    fn array_state(&mut self, array: Id) -> Option<&mut ArrayState> {
        self.arrays.iter_mut().find(|state| state.node == array)
    }

    /// Lowers `array[index] = value`, or `+=` and `-=` when `op` is given.
    pub(super) fn store(
        &mut self,
        target: &syn::ExprIndex,
        array: Id,
        op: Option<Binary>,
        value: &Expr,
    ) {
        let failed_before = self.failed;
        self.failed = false;
        self.lower_store(target, array, op, value);
        if self.failed {
            if let Some(state) = self.array_state(array) {
                state.failed = true;
            }
        }
        self.failed |= failed_before;
    }

    fn lower_store(
        &mut self,
        target: &syn::ExprIndex,
        array: Id,
        op: Option<Binary>,
        value: &Expr,
    ) {
        let name = self.array_name(array);
        let kind = match op {
            None => StoreKind::Set,
            Some(Binary::Add) => StoreKind::Add,
            Some(Binary::Sub) => StoreKind::Sub,
            Some(_) => {
                self.error(
                    target,
                    format!(
                        "only `=`, `+=` and `-=` write an element of the local array `{name}`; {}",
                        supported(&name)
                    ),
                );
                return;
            }
        };
        let Some(loop_var) = self.store_site(target, array, &name) else {
            return;
        };

        let index = self.expr(&target.index);
        let value = self.float(value);
        let (Some(index), Some(value)) = (index, value) else {
            return;
        };
        let Some(index) = self.checked_index(&target.index, index) else {
            return;
        };
        if kind == StoreKind::Set && index != loop_var {
            self.error(&target.index, format!("`{name}[..] = e` writes at the loop's variable, as in `{name}[i] = e`, so that each element is written once; add at other indices with `{name}[k] += e`"));
            return;
        }
        let store = self.push(Op::Store(array, index, value, kind), Ty::Array);
        let active = self.nodes[value].active;
        self.nodes[store].active = active;
        self.nodes[array].active |= active;
        if let Some(state) = self.array_state(array) {
            state.writer = Some(Writer {
                loop_var,
                kind,
                index,
                value,
            });
        }
    }

    /// Checks where a store sits: directly in the body of a top-level loop, and the
    /// first store of its array. Returns the loop's variable.
    fn store_site(&mut self, target: &syn::ExprIndex, array: Id, name: &str) -> Option<Id> {
        let Some(&loop_var) = self.loop_vars.last() else {
            self.error(
                target,
                format!("`{name}` is written outside a loop: {}", supported(name)),
            );
            return None;
        };
        if self.loop_depth > 1 || self.blocks.len() > 2 || !self.guards.is_empty() {
            self.error(target, format!("`{name}` is written in a nested loop or an `if`: the statement that writes a local array sits directly in the body of a loop at the top of the function; {}", supported(name)));
            return None;
        }
        if self
            .array_state(array)
            .is_some_and(|state| state.writer.is_some())
        {
            self.error(target, format!("`{name}` is written a second time: one statement writes a local array, so that the reverse pass knows which store each element's gradient goes to; {}", supported(name)));
            return None;
        }
        Some(loop_var)
    }

    /// Lowers a read `array[index]`. In the loop that writes the array, only the
    /// element just written by `=` can be read, and the read is its stored value.
    pub(super) fn array_load(&mut self, expr: &syn::ExprIndex, array: Id) -> Option<Id> {
        let name = self.array_name(array);
        let position = self.expr(&expr.index)?;
        let position = self.checked_index(&expr.index, position)?;
        let state = self.arrays.iter().find(|state| state.node == array);
        let failed = state.is_some_and(|state| state.failed);
        let writer = state
            .and_then(|state| state.writer.as_ref())
            .map(|writer| (writer.loop_var, writer.kind, writer.index, writer.value));
        let Some((loop_var, kind, index, value)) = writer else {
            // A write that failed, in a rejected `if` for one, was reported already.
            if failed || self.failed {
                return None;
            }
            return self.error(expr, format!("`{name}` is read before any element is written: read a local array after the statement that writes it; {}", supported(&name)));
        };
        if self.loop_vars.contains(&loop_var) {
            if kind == StoreKind::Set && index == position {
                return Some(value);
            }
            return self.error(expr, format!("in the loop that writes `{name}`, only the element just written with `=` can be read, as in `{name}[i]`: read the other elements in a later loop"));
        }
        let id = self.push(Op::ArrayLoad(array, position), Ty::Float);
        self.nodes[id].varying = true;
        Some(id)
    }

    /// `array.len()`, or an error for any other method on an array; `None` when the
    /// receiver is not a local array.
    pub(super) fn array_method(&mut self, call: &syn::ExprMethodCall) -> Option<Option<Id>> {
        let array = self.array_named(&call.receiver)?;
        if call.method == "len" && call.args.is_empty() {
            if let Op::Array { len, .. } = self.nodes[array].op {
                return Some(Some(len));
            }
        }
        let (name, method) = (self.array_name(array), &call.method);
        Some(self.error(call, format!("`{name}.{method}(..)` is not supported: a local array keeps the length it is declared with; {}", supported(&name))))
    }

    /// Returns whether `expr` names a variable whose `let` failed to lower, whose
    /// uses report nothing more.
    pub(super) fn names_failed_binding(&self, expr: &Expr) -> bool {
        let Expr::Path(path) = expr else { return false };
        path.path
            .get_ident()
            .is_some_and(|ident| matches!(self.lookup(&ident.to_string()), Ok(None)))
    }

    /// Reports an assignment to a whole local array.
    pub(super) fn assign_whole_array(&mut self, target: &Expr) {
        let name = source_text(target);
        self.error(target, format!("cannot assign to the local array `{name}` as a whole: write its elements, as in `{name}[i] = e`; {}", supported(&name)));
    }
}
