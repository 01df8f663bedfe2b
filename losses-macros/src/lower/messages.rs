//! The errors for constructs outside the supported grammar. Each one names what was
//! found, sits on its tokens and gives what to write instead. Some depend on whether
//! the loss is elementwise or a row loss, whose grammar has loops and assignments.

use super::rows::assigned_names;
use crate::ctxt::source_text;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::visit::Visit;
use syn::{BinOp, Expr, ExprIf};

/// Finds the tokens to report an unsupported construct on, and its message. Returns
/// `None` when `expr` is not one of the constructs that the grammar leaves out.
pub(super) fn unsupported(expr: &Expr, row: bool) -> Option<(TokenStream, String)> {
    if let Expr::Block(block) = expr {
        let label = block.label.as_ref()?;
        let name = &label.name;
        return Some((
            label.to_token_stream(),
            format!("labeled blocks are not supported: remove the label `{name}:`"),
        ));
    }
    let message = loop_message(expr, row)
        .or_else(|| control_message(expr))
        .or_else(|| value_message(expr, row))?;
    Some((expr.to_token_stream(), message))
}

fn loop_message(expr: &Expr, row: bool) -> Option<String> {
    let keyword = match expr {
        Expr::While(_) => "`while` loops are",
        Expr::Loop(_) => "`loop` is",
        Expr::ForLoop(_) if !row => {
            return Some("`for` loops need a row loss, whose `y_true` and `y_pred` are rows `&[T]`; an elementwise loss is the formula for one element".to_string());
        }
        _ => return None,
    };
    Some(if row {
        format!(
            "{keyword} not supported: loop over a range with `for i in 0..y_pred.len()`, which the macro can reverse"
        )
    } else {
        format!(
            "{keyword} not supported: an elementwise loss is the formula for one element, without loops; loops over a row need a row loss, whose `y_true` and `y_pred` are rows `&[T]`"
        )
    })
}

fn control_message(expr: &Expr) -> Option<String> {
    let message = match expr {
        Expr::Break(_) => {
            "`break` is not supported: a `for` loop runs over its whole range, so that it can be reversed; leave terms out with `if` instead, as in `acc += if c { x } else { 0.0 };`"
        }
        Expr::Continue(_) => {
            "`continue` is not supported: leave a term out with `if` instead, as in `acc += if c { x } else { 0.0 };`"
        }
        Expr::Return(_) => {
            "early `return` is not supported: the loss value is the body's tail expression, so write a condition as an `if` with an `else`, as in `if c { 0.0 } else { .. }`"
        }
        Expr::Match(_) => "`match` is not supported: use `if` / `else if` / `else`",
        Expr::Let(_) => "`if let` is not supported: compare values with `<`, `>`, `==` and friends",
        Expr::Try(_) => {
            "the `?` operator is not supported: a loss computes a plain float, without `Option` or `Result`"
        }
        Expr::Unsafe(_) => "`unsafe` blocks are not supported in a loss body: remove `unsafe`",
        Expr::Async(_) | Expr::Await(_) => "`async` code is not supported in a loss body",
        Expr::Closure(_) => {
            "closures are not supported: write a separate function marked `#[differentiable]`"
        }
        Expr::Macro(call) => return Some(macro_message(&call.mac)),
        _ => return None,
    };
    Some(message.to_string())
}

fn value_message(expr: &Expr, row: bool) -> Option<String> {
    let found = source_text(expr);
    let message = match expr {
        Expr::Assign(assign) if row => format!(
            "an assignment is a statement, not a value: write `{};` on its own line",
            source_text(assign)
        ),
        Expr::Assign(assign) => {
            let target = source_text(&assign.left);
            format!("cannot assign to `{target}`: an elementwise loss never reassigns a value, so bind a new name with `let`, as in `let {target} = ..;`")
        }
        Expr::Cast(_) => format!(
            "`as` casts are not supported in an elementwise loss, found `{found}`: every value has the float type already, so remove the cast, and write a constant such as `2` as `2.0`"
        ),
        Expr::Index(_) => format!(
            "indexing `{found}` needs a row loss, whose `y_true` and `y_pred` are rows `&[T]`; in an elementwise loss, pass the value as a hyper-parameter"
        ),
        Expr::Field(_) => format!(
            "field access `{found}` is not supported: pass the value as a hyper-parameter"
        ),
        Expr::Tuple(_) | Expr::Array(_) | Expr::Repeat(_) => {
            "tuples and arrays are not supported: a loss computes one float".to_string()
        }
        Expr::Reference(reference) if is_sub_slice(&reference.expr) => format!(
            "sub-slices such as `{found}` are not supported: read single elements in a loop over the part you need, as in `for i in 0..2 {{ total += y_pred[i]; }}`"
        ),
        Expr::Reference(_) => format!(
            "references are not supported, found `{found}`: floats are passed by value, so remove the `&`"
        ),
        Expr::Range(_) => {
            "a range is supported only as the bounds of a `for` loop in a row loss, as in `for i in 0..y_pred.len()`".to_string()
        }
        Expr::Struct(_) => {
            "struct expressions are not supported in a loss body: a loss computes one float"
                .to_string()
        }
        _ => return None,
    };
    Some(message)
}

/// Methods of iterators, which a loss replaces with a `for` loop over the indices.
const ITERATOR_METHODS: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "sum",
    "product",
    "fold",
    "reduce",
    "map",
    "zip",
    "enumerate",
    "filter",
    "for_each",
    "collect",
    "copied",
    "cloned",
    "rev",
    "windows",
    "chunks",
];

/// Methods of `Option`, which `T::from(x)` returns, other than `unwrap`.
const OPTION_METHODS: &[&str] = &["expect", "unwrap_or", "unwrap_or_else", "unwrap_or_default"];

/// Builds the error for a method that is not a float method but belongs to iterators
/// or to the `Option` of `T::from(x)`, which the float method list would not help with.
/// `float` names the function's float type.
pub(super) fn non_float_method(
    call: &syn::ExprMethodCall,
    row: bool,
    float: &str,
) -> Option<String> {
    let name = call.method.to_string();
    if ITERATOR_METHODS.contains(&name.as_str()) {
        return Some(if row {
            format!(
                "iterator methods such as `{name}` are not supported: write a loop over the indices, as in `for i in 0..y_pred.len() {{ total += y_pred[i]; }}`, which the macro can reverse"
            )
        } else {
            format!(
                "iterator methods such as `{name}` are not supported: an elementwise loss is the formula for one element; loops over a row need a row loss, whose `y_true` and `y_pred` are rows `&[T]`, written as `for i in 0..y_pred.len()` with `+=`"
            )
        });
    }
    let is_from = matches!(&*call.receiver, Expr::Call(inner) if matches!(&*inner.func, Expr::Path(path) if path.path.segments.last().is_some_and(|segment| segment.ident == "from")));
    if is_from && OPTION_METHODS.contains(&name.as_str()) {
        return Some(format!(
            "`{float}::from(x).{name}(..)` is not supported: write `{float}::from(x).unwrap()`, which the macro converts without a failure path"
        ));
    }
    None
}

/// Phrases of the loss-body messages and their wording for a `#[differentiable]`
/// helper, whose grammar is the same. Longer phrases come first, so that a shorter one
/// does not rewrite part of them.
const HELPER_WORDING: &[(&str, &str)] = &[
    ("an elementwise loss", "a helper on floats"),
    ("a loss body", "a helper body"),
    ("in this loss", "in this helper"),
    ("the loss value", "the helper's value"),
    ("in a loss ", "in a helper "),
    ("a loss computes", "a helper computes"),
    ("a loss cannot", "a helper cannot"),
    ("a loss uses", "a helper uses"),
];

/// Rewords a message written for a loss body so that it names a helper instead.
/// Messages about row losses and `y_true` keep their wording, because a helper that
/// needs rows is written like a row loss.
pub(super) fn for_helper(message: &str) -> String {
    let mut message = message.to_string();
    for (loss, helper) in HELPER_WORDING {
        message = message.replace(loss, helper);
    }
    message
}

/// Returns whether `expr` is `slice[range]`.
fn is_sub_slice(expr: &Expr) -> bool {
    matches!(expr, Expr::Index(index) if matches!(&*index.index, Expr::Range(_)))
}

/// Writes the error for a macro call in a loss body, naming the macro.
pub(super) fn macro_message(mac: &syn::Macro) -> String {
    let name = source_text(&mac.path);
    format!(
        "the macro `{name}!` is not supported in a loss body: `#[loss]` cannot see its expansion to differentiate it, so write the code without the macro"
    )
}

/// Builds the error for an expression statement that is neither a row update nor an
/// `if`: a compound assignment in an elementwise loss, or a value computed and dropped.
pub(super) fn statement(expr: &Expr) -> (TokenStream, String) {
    if let Expr::MethodCall(call) = expr {
        if ["push", "extend", "insert"].contains(&call.method.to_string().as_str()) {
            let found = format!("{}.{}(..)", source_text(&call.receiver), call.method);
            return (
                expr.to_token_stream(),
                format!(
                    "`{found}` is not supported: a local array has the length it is declared with, so declare it as `vec![0.0; n]` and write its elements in a loop, as in `v[i] = e;`"
                ),
            );
        }
    }
    if let Expr::Binary(binary) = expr {
        if let Some(plain) = compound_operator(&binary.op) {
            let target = source_text(&binary.left);
            let op = source_text(binary.op);
            return (
                expr.to_token_stream(),
                format!(
                    "`{op}` is not supported in an elementwise loss, which never reassigns a value: bind a new name instead, as in `let {target} = {target} {plain} ..;`"
                ),
            );
        }
    }
    (
        expr.to_token_stream(),
        "a statement without `let` has no effect in a loss: bind the value with `let` or make it the tail expression".to_string(),
    )
}

/// Returns the operator that a compound assignment applies, such as `*` for `*=`.
fn compound_operator(op: &BinOp) -> Option<&'static str> {
    match op {
        BinOp::AddAssign(_) => Some("+"),
        BinOp::SubAssign(_) => Some("-"),
        BinOp::MulAssign(_) => Some("*"),
        BinOp::DivAssign(_) => Some("/"),
        BinOp::RemAssign(_) => Some("%"),
        _ => None,
    }
}

/// Builds the error for an `if` statement. It sits on a `return`, `break` or
/// `continue` inside the `if`, the likelier mistake, or else on `if` and its condition.
pub(super) fn if_statement(expr_if: &ExprIf, row: bool) -> (TokenStream, String) {
    if let Some((tokens, message)) = first_jump(expr_if).and_then(|jump| unsupported(jump, row)) {
        return (tokens, message);
    }
    let (if_token, cond) = (&expr_if.if_token, &expr_if.cond);
    let tokens = quote!(#if_token #cond);
    let assigned = assigned_names(&expr_if.then_branch);
    let element = first_element_write(&expr_if.then_branch);
    let message = match (assigned.first(), element) {
        (_, Some(element)) if row => format!(
            "an `if` statement that writes `{element}` is not supported: write the element's value with an `if`, as in `{element} = if c {{ x }} else {{ 0.0 }};`"
        ),
        (Some(name), _) if row => format!(
            "an `if` statement that assigns `{name}` is not supported: write the update as a value, as in `{name} += if c {{ x }} else {{ 0.0 }};`"
        ),
        (None, _) if row => "an `if` statement is not supported: an `if` in a loss is a value with an `else`, as in `acc += if c { x } else { 0.0 };`".to_string(),
        _ => "an `if` statement is not supported: an `if` in a loss is a value with an `else`, as in `let e = if c { a } else { b };`".to_string(),
    };
    (tokens, message)
}

/// Returns the text of the first element that `block` assigns, such as `v[i]`.
fn first_element_write(block: &syn::Block) -> Option<String> {
    struct Finder(Option<String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            let target = match expr {
                Expr::Assign(assign) => Some(&*assign.left),
                Expr::Binary(binary) if compound_operator(&binary.op).is_some() => {
                    Some(&*binary.left)
                }
                _ => None,
            };
            match target {
                Some(Expr::Index(element)) if self.0.is_none() => {
                    self.0 = Some(source_text(element));
                }
                _ => syn::visit::visit_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(None);
    finder.visit_block(block);
    finder.0
}

/// Finds the first `return`, `break` or `continue` inside an `if` statement.
fn first_jump(expr_if: &ExprIf) -> Option<&Expr> {
    struct Finder<'ast>(Option<&'ast Expr>);
    impl<'ast> Visit<'ast> for Finder<'ast> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if self.0.is_some() {
                return;
            }
            match expr {
                Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => self.0 = Some(expr),
                // A loop's own `break` and a closure's `return` are reported where they are.
                Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) | Expr::Closure(_) => {}
                other => syn::visit::visit_expr(self, other),
            }
        }
    }
    let mut finder = Finder(None);
    finder.visit_expr_if(expr_if);
    finder.0
}

/// Builds the error for a variable that carries a gradient through a loop in a form the
/// reverse pass cannot follow. It sits on an update that is not a sum, max or min, or
/// else on a read of the variable elsewhere in the loop. Returns `None` when neither is
/// found, as when a nested `let` shadows the name.
pub(super) fn loop_update(body: &syn::Block, name: &str) -> Option<(TokenStream, String)> {
    let mut finder = UpdateFinder {
        name,
        unsupported: None,
        read: None,
    };
    finder.visit_block(body);
    let supported = format!(
        "`{name} += e`, `{name} -= e`, `{name} *= e`, `{name} = {name}.max(e)` or `{name} = {name}.min(e)`"
    );
    if let Some((update, quotient)) = finder.unsupported {
        let hint = if quotient {
            format!("; for a quotient, multiply by the reciprocal, as in `{name} *= e.recip()`")
        } else {
            String::new()
        };
        return Some((
            update.to_token_stream(),
            format!(
                "this update of `{name}` cannot be reversed without storing every iteration, because `{name}` carries a gradient through the loop: write it as {supported}{hint}"
            ),
        ));
    }
    let read = finder.read?;
    Some((
        read.to_token_stream(),
        format!(
            "`{name}` is read here, in the loop that updates it, so reversing the loop would need its value at every iteration: read `{name}` after the loop, and in the loop only update it, as {supported}"
        ),
    ))
}

/// Finds the first unsupported update of a carried variable, noting whether it is a
/// quotient, and the first read of it outside its updates.
struct UpdateFinder<'a, 'ast> {
    name: &'a str,
    unsupported: Option<(&'ast Expr, bool)>,
    read: Option<&'ast syn::ExprPath>,
}

impl<'ast> UpdateFinder<'_, 'ast> {
    fn is_name(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Path(path) if path.path.is_ident(self.name))
    }

    /// Lists the operands of a supported update that are not the variable itself.
    /// Returns `None` when the update is not a sum, product, max or min of the
    /// variable.
    fn terms(&self, expr: &'ast Expr) -> Option<Vec<&'ast Expr>> {
        let other = |a: &'ast Expr, b: &'ast Expr| match (self.is_name(a), self.is_name(b)) {
            (true, false) => Some(vec![b]),
            (false, true) => Some(vec![a]),
            _ => None,
        };
        match expr {
            Expr::Binary(binary) => match binary.op {
                BinOp::AddAssign(_) | BinOp::SubAssign(_) | BinOp::MulAssign(_) => {
                    Some(vec![&*binary.right])
                }
                _ => None,
            },
            Expr::Assign(assign) => match &*assign.right {
                Expr::Binary(sum) if matches!(sum.op, BinOp::Add(_) | BinOp::Mul(_)) => {
                    other(&sum.left, &sum.right)
                }
                Expr::Binary(difference) if matches!(difference.op, BinOp::Sub(_)) => self
                    .is_name(&difference.left)
                    .then(|| vec![&*difference.right]),
                Expr::MethodCall(call)
                    if (call.method == "max" || call.method == "min") && call.args.len() == 1 =>
                {
                    other(&call.receiver, &call.args[0])
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn is_quotient(expr: &Expr) -> bool {
        match expr {
            Expr::Binary(binary) => matches!(binary.op, BinOp::DivAssign(_)),
            Expr::Assign(assign) => {
                matches!(&*assign.right, Expr::Binary(quotient) if matches!(quotient.op, BinOp::Div(_)))
            }
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for UpdateFinder<'_, 'ast> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let target = match expr {
            Expr::Assign(assign) => Some(&*assign.left),
            Expr::Binary(binary) if compound_operator(&binary.op).is_some() => Some(&*binary.left),
            _ => None,
        };
        match (expr, target) {
            (_, Some(target)) if self.is_name(target) => match self.terms(expr) {
                Some(terms) => terms.into_iter().for_each(|term| self.visit_expr(term)),
                None if self.unsupported.is_none() => {
                    self.unsupported = Some((expr, Self::is_quotient(expr)));
                }
                None => {}
            },
            (Expr::Path(path), _) if path.path.is_ident(self.name) => {
                self.read = self.read.or(Some(path));
            }
            (Expr::Closure(_), _) => {}
            _ => syn::visit::visit_expr(self, expr),
        }
    }
}

/// Builds the error for a product that a nested loop continues, as in
/// `for i { for j { p *= e } }`. It sits on the header of the nested loop that updates
/// the product, or on `name` when no such loop is found.
pub(super) fn nested_product(body: &syn::Block, name: &str) -> (TokenStream, String) {
    let inner = body.stmts.iter().find_map(|stmt| match stmt {
        syn::Stmt::Expr(Expr::ForLoop(inner), _)
            if assigned_names(&inner.body)
                .iter()
                .any(|assigned| assigned == name) =>
        {
            Some(inner)
        }
        _ => None,
    });
    let tokens = match inner {
        Some(inner) => {
            let (for_token, pat, in_token, range) =
                (&inner.for_token, &inner.pat, &inner.in_token, &inner.expr);
            quote!(#for_token #pat #in_token #range)
        }
        None => body.to_token_stream(),
    };
    let message = format!(
        "a product that a nested loop continues is not supported: multiply the nested loop's factors into a new variable and `{name}` by it, as in `let mut factor = 1.0; for j in 0..n {{ factor *= e; }} {name} *= factor;`"
    );
    (tokens, message)
}
