//! Lowering of the function body from `syn` syntax to the IR, with the grammar checks.
//!
//! Every construct outside the supported grammar is reported on its own tokens, and
//! lowering goes on after an error so that one compile shows all of them. A per-sample
//! `if` becomes [`Op::Select`] and its arms are guarded; a uniform `if` becomes a
//! [`Branch`].

mod arrays;
mod constants;
mod messages;
mod rows;

use crate::ctxt::{Ctxt, source_text};
use crate::ir::{Binary, Block, Branch, Cmp, Function, Id, Node, Op, Stmt, Ty, Unary};
use crate::methods::{self, Method};
use crate::signature::{FloatTy, Kind, ParamTy, Role, Signature, type_ident};
use proc_macro2::{Delimiter, Group};
use quote::ToTokens;
use syn::{BinOp, Expr, ExprIf, ItemFn, Lit, Pat, UnOp};

/// Lowers the body of `item`; `None` when any error was reported.
pub fn lower(cx: &mut Ctxt, sig: &Signature, item: &ItemFn, kind: Kind) -> Option<Function> {
    let mut lowerer = Lowerer {
        cx,
        sig,
        kind,
        fn_name: item.sig.ident.to_string(),
        nodes: Vec::new(),
        blocks: vec![Block::default()],
        scopes: vec![Vec::new()],
        guards: Vec::new(),
        arm_floor: 0,
        loop_depth: 0,
        loop_vars: Vec::new(),
        arrays: Vec::new(),
        failed: false,
    };
    lowerer.bind_params();
    let result = lowerer
        .fn_body(&item.block)
        .and_then(|id| lowerer.float_result(&item.block, id));

    let body = lowerer.blocks.pop().unwrap_or_default();
    match result {
        Some(result) if !lowerer.failed => Some(Function {
            nodes: lowerer.nodes,
            body,
            result,
        }),
        _ => None,
    }
}

struct Lowerer<'a> {
    cx: &'a mut Ctxt,
    sig: &'a Signature,
    /// Whether a loss or a `#[differentiable]` helper is lowered, for the messages.
    kind: Kind,
    fn_name: String,
    nodes: Vec<Node>,
    /// Blocks being filled; the last one is current.
    blocks: Vec<Block>,
    /// `let` scopes, innermost last.
    scopes: Vec<Vec<Binding>>,
    /// Guard masks of the enclosing per-sample branches, innermost last.
    guards: Vec<Id>,
    /// The first scope that an assignment may reach: the scope of the innermost `if`
    /// arm, whose assignments to outer variables are not supported.
    arm_floor: usize,
    /// How many `for` loops enclose the current statement.
    loop_depth: usize,
    /// The variables of the enclosing `for` loops, innermost last.
    loop_vars: Vec<Id>,
    /// The local arrays declared so far.
    arrays: Vec<arrays::ArrayState>,
    failed: bool,
}

/// A name bound by a parameter, a `let` or a loop header.
struct Binding {
    name: String,
    /// The current value; `None` when it failed to lower, so that its uses do not
    /// report follow-on errors.
    id: Option<Id>,
    mutable: bool,
}

impl Lowerer<'_> {
    fn error(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) -> Option<Id> {
        let message = match self.kind {
            Kind::Loss => message.to_string(),
            Kind::Helper => messages::for_helper(&message.to_string()),
        };
        self.cx.error_spanned(tokens, message);
        self.failed = true;
        None
    }

    /// Creates one node per parameter, so that parameter `k` is node `k`. A slice has
    /// a node too, but no statement: it is read through [`Op::Load`] and [`Op::Len`].
    fn bind_params(&mut self) {
        for (index, param) in self.sig.params.iter().enumerate() {
            let float = matches!(param.ty, ParamTy::Float | ParamTy::FloatSlice);
            let varying = float && param.role != Role::Hyper;
            let active = float && matches!(param.role, Role::YPred | Role::HelperArg | Role::Input);
            let ty = match param.ty {
                ParamTy::Float | ParamTy::FloatSlice => Ty::Float,
                ParamTy::Bool => Ty::Bool,
                ParamTy::Index => Ty::Index,
            };
            let node = Node {
                op: Op::Param(index),
                ty,
                varying,
                active,
                guard: None,
                depth: 0,
                name: Some(param.ident.to_string()),
            };
            let id = if param.ty == ParamTy::FloatSlice {
                self.nodes.push(node);
                self.nodes.len() - 1
            } else {
                self.push_node(node)
            };
            self.bind(param.ident.to_string(), Some(id));
        }
        // A use of a parameter whose type was rejected reads as a value already in
        // error, so the body adds no "cannot find" beside the error on its type.
        for ident in &self.sig.rejected {
            self.bind(ident.to_string(), None);
        }
    }

    fn push_node(&mut self, node: Node) -> Id {
        let id = self.nodes.len();
        self.nodes.push(node);
        if let Some(block) = self.blocks.last_mut() {
            block.stmts.push(Stmt::Let(id));
        }
        id
    }

    /// Adds a node computing `op`, deriving its flags from its operands.
    fn push(&mut self, op: Op, ty: Ty) -> Id {
        let operands = op.operands();
        let varying = operands.iter().any(|&id| self.nodes[id].varying);
        let active = ty == Ty::Float && self.carries_gradient(&op);
        let node = Node {
            op,
            ty,
            varying,
            active,
            guard: self.guards.last().copied(),
            depth: self.guards.len(),
            name: None,
        };
        self.push_node(node)
    }

    /// Whether a float operation passes a gradient from one of its operands. Masks
    /// never do, so a `select` is active only through its two values. Neither does
    /// `signum`, which is flat, nor `detach`, which stops the gradient on purpose.
    fn carries_gradient(&self, op: &Op) -> bool {
        let is_active = |id: &Id| self.nodes[*id].active;
        match op {
            Op::Select(_, a, b) => is_active(a) || is_active(b),
            Op::Unary(Unary::Signum | Unary::Detach, _) => false,
            Op::Load(param, _) => self.nodes[*param].active,
            Op::ArrayLoad(array, _) => self.nodes[*array].active,
            other => other.operands().iter().any(is_active),
        }
    }

    fn bind(&mut self, name: String, id: Option<Id>) {
        self.bind_with(name, id, false);
    }

    fn bind_with(&mut self, name: String, id: Option<Id>, mutable: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Binding { name, id, mutable });
        }
    }

    /// Finds the innermost binding of a name: its scope and its position there.
    fn find(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(scope_index, scope)| {
                let position = scope.iter().rposition(|binding| binding.name == name)?;
                Some((scope_index, position))
            })
    }

    /// Finds a name in the innermost scope that binds it; `Err` when none does.
    fn lookup(&self, name: &str) -> Result<Option<Id>, ()> {
        match self.find(name) {
            Some((scope, position)) => Ok(self.scopes[scope][position].id),
            None => Err(()),
        }
    }

    // ----- blocks and statements -------------------------------------------------

    fn fn_body(&mut self, block: &syn::Block) -> Option<Id> {
        let Some((last, init)) = block.stmts.split_last() else {
            return self.error(
                block,
                "the body is empty: end it with the loss value, as in `(y_pred - y_true).powi(2)`",
            );
        };
        // A loop is a statement, so a body that ends with one has no value.
        if let (syn::Stmt::Expr(Expr::ForLoop(for_loop), None), true) = (last, self.sig.row) {
            self.statements(block.stmts.as_slice());
            let hint = loop_result_hint(for_loop);
            return self.error(
                for_loop,
                format!("the body must end with the loss value, and a `for` loop has no value: write the value after the loop{hint}"),
            );
        }
        // A `return value;` as the last statement is the same as a tail expression.
        if let syn::Stmt::Expr(Expr::Return(ret), _) = last {
            self.statements(init);
            return match &ret.expr {
                Some(value) => self.expr(value),
                None => self.error(ret, "`return` needs the loss value"),
            };
        }
        self.block_in_scope(block)
    }

    /// Checks that the function's value is a float.
    fn float_result(&mut self, block: &syn::Block, id: Id) -> Option<Id> {
        let found = match self.nodes[id].ty {
            Ty::Float => return Some(id),
            Ty::Bool => "a `bool`",
            Ty::Index => "a `usize`",
            Ty::Array => {
                return self.error(
                    block.stmts.last(),
                    "the loss value must be a float, but this is a local array: return one of its elements, or sum them in a loop",
                );
            }
        };
        self.error(
            block.stmts.last(),
            format!("the loss value must be a float, but this is {found}: choose a float with `if`, as in `if y_pred > y_true {{ 1.0 }} else {{ 0.0 }}`"),
        )
    }

    fn block_in_scope(&mut self, block: &syn::Block) -> Option<Id> {
        self.scopes.push(Vec::new());
        let value = match block.stmts.split_last() {
            Some((syn::Stmt::Expr(tail, None), init)) => {
                self.statements(init);
                self.expr(tail)
            }
            Some((_, _)) => {
                self.statements(&block.stmts);
                self.error(
                    block.stmts.last(),
                    "a block must end with its value as a tail expression, without a semicolon",
                )
            }
            None => self.error(
                block,
                "an empty block has no value: end it with an expression",
            ),
        };
        self.scopes.pop();
        value
    }

    fn statements(&mut self, stmts: &[syn::Stmt]) {
        for stmt in stmts {
            match stmt {
                syn::Stmt::Local(local) => self.local(local),
                syn::Stmt::Expr(Expr::Return(ret), _) => {
                    self.error(ret, "early `return` is not supported: end the body with the loss value as its tail expression");
                }
                syn::Stmt::Expr(expr, _) if self.row_statement(expr) => {}
                syn::Stmt::Expr(Expr::If(expr_if), _) => self.if_statement(expr_if),
                syn::Stmt::Expr(expr, _) => {
                    if self.unsupported(expr).is_some() {
                        let (tokens, message) = messages::statement(expr);
                        self.error(tokens, message);
                    }
                }
                syn::Stmt::Item(item) => {
                    self.error(item, "items (`fn`, `struct`, `use`, ...) inside a loss body are not supported: define them outside the function");
                }
                syn::Stmt::Macro(mac) => {
                    self.error(&mac.mac, messages::macro_message(&mac.mac));
                }
            }
        }
    }

    fn local(&mut self, local: &syn::Local) {
        let (ident, annotated) = match &local.pat {
            Pat::Ident(pat) => (pat, None),
            Pat::Type(typed) => match &*typed.pat {
                Pat::Ident(pat) => (pat, Some(&*typed.ty)),
                other => {
                    self.error(
                        other,
                        "a `let` binds one plain name, as in `let d = y_pred - y_true;`",
                    );
                    return;
                }
            },
            other => {
                let found = source_text(other);
                self.error(other, format!("a `let` binds one plain name, found the pattern `{found}`: bind each value with its own `let`, as in `let d = y_pred - y_true;`"));
                // Bind the pattern's names to nothing, so their uses report nothing more.
                for name in pattern_names(other) {
                    self.bind(name, None);
                }
                return;
            }
        };
        let name = ident.ident.to_string();
        let mutable = ident.mutability.is_some();
        if let (Some(token), false) = (&ident.mutability, self.sig.row) {
            self.error(token, "`let mut` is not supported in an elementwise loss: values cannot be reassigned, so bind a new name (shadowing is fine)");
        }
        let array_init = local
            .init
            .as_ref()
            .is_some_and(|init| self.sig.row && arrays::is_array_init(&init.expr));
        if let (Some(ty), false) = (annotated, array_init) {
            self.check_annotation(ty);
        }
        let Some(init) = &local.init else {
            self.error(
                local,
                "a `let` needs a value, as in `let d = y_pred - y_true;`",
            );
            self.bind_with(name, None, mutable);
            return;
        };
        if let Some((else_token, _)) = &init.diverge {
            self.error(else_token, "`let ... else` is not supported in a loss body");
        }

        let value = match self.array_declaration(&init.expr) {
            Some(array) => array,
            None => self.expr(&init.expr),
        };
        if let Some(id) = value {
            let node = &mut self.nodes[id];
            if node.name.is_none() && !matches!(node.op, Op::Param(_)) {
                node.name = Some(name.clone());
            }
        }
        self.bind_with(name, value, mutable);
    }

    fn check_annotation(&mut self, ty: &syn::Type) {
        let float = match &self.sig.float {
            FloatTy::Generic(ident) | FloatTy::Concrete(ident) => ident.clone(),
        };
        let ok = type_ident(ty)
            .is_some_and(|ident| *ident == float || ident == "bool" || ident == "usize");
        if !ok {
            let found = source_text(ty);
            self.error(
                ty,
                format!("unsupported type `{found}` in a `let`: a value in a loss has the type `{float}`, `bool` or `usize`"),
            );
        }
    }

    // ----- expressions -----------------------------------------------------------

    fn expr(&mut self, expr: &Expr) -> Option<Id> {
        match expr {
            Expr::Lit(lit) => self.literal(&lit.lit),
            Expr::Path(path) => self.path(path),
            Expr::Paren(paren) => self.expr(&paren.expr),
            Expr::Group(group) => self.expr(&group.expr),
            Expr::Unary(unary) => self.unary(unary),
            Expr::Binary(binary) => self.binary(binary),
            Expr::MethodCall(call) => self.method_call(call),
            Expr::Call(call) => self.call(call),
            Expr::If(expr_if) => self.if_expr(expr_if),
            Expr::Block(block) if block.label.is_none() => self.block_in_scope(&block.block),
            Expr::Index(index) if self.sig.row => self.index_expr(index),
            Expr::Cast(cast) if self.sig.row => self.cast(cast),
            other => {
                if self.unsupported(other).is_some() {
                    let found = source_text(other);
                    self.error(other, format!("`{found}` is not supported in a loss body; supported: literals, names, `+ - * /`, comparisons, `&& || !`, `if`/`else`, the float methods and `#[differentiable]` helper calls"));
                }
                None
            }
        }
    }

    /// Reports a construct the grammar leaves out, with the alternative; `None` after
    /// reporting, `Some` when `expr` is not one of them.
    fn unsupported(&mut self, expr: &Expr) -> Option<()> {
        match messages::unsupported(expr, self.sig.row) {
            Some((tokens, message)) => self.error(tokens, message).map(|_| ()),
            None => Some(()),
        }
    }

    /// Reports an `if` used as a statement.
    fn if_statement(&mut self, expr_if: &ExprIf) {
        let (tokens, message) = messages::if_statement(expr_if, self.sig.row);
        self.error(tokens, message);
    }

    fn literal(&mut self, lit: &Lit) -> Option<Id> {
        match lit {
            Lit::Float(float) => match float.base10_parse::<f64>() {
                Ok(value) if !value.is_finite() => self.error(
                    float,
                    "this float literal overflows to infinity; write `f64::INFINITY` if that is meant",
                ),
                Ok(_) if self.generic_with_suffix(float) => {
                    let (ty, digits) = (self.sig.float.name(), float.base10_digits());
                    self.error(
                        float,
                        format!("the literal `{float}` has a fixed type, but this function is generic over `{ty}`: write `{digits}` without the suffix, and the macro converts it to `{ty}`"),
                    )
                }
                Ok(value) => Some(self.push(
                    Op::Const(value, float.base10_digits().to_string()),
                    Ty::Float,
                )),
                Err(error) => {
                    self.cx.push(error);
                    self.failed = true;
                    None
                }
            },
            // An integer literal is a `usize`; in a float expression, `expect_float`
            // reports it with the float spelling.
            Lit::Int(int) => match int.base10_parse::<usize>() {
                Ok(value) => Some(self.push(Op::Index(value), Ty::Index)),
                Err(_) => self.error(int, "integer literal out of range for `usize`"),
            },
            Lit::Bool(boolean) => Some(self.push(Op::Bool(boolean.value), Ty::Bool)),
            other => {
                let kind = match other {
                    Lit::Str(_) => "string literal",
                    Lit::ByteStr(_) | Lit::CStr(_) => "byte string literal",
                    Lit::Byte(_) => "byte literal",
                    Lit::Char(_) => "character literal",
                    _ => "literal",
                };
                let found = source_text(other);
                self.error(
                    other,
                    format!("the {kind} `{found}` is not supported in a loss body: a loss uses float and `bool` literals"),
                )
            }
        }
    }

    /// Whether `float` has a type suffix, which a generic function cannot use.
    fn generic_with_suffix(&self, float: &syn::LitFloat) -> bool {
        matches!(self.sig.float, FloatTy::Generic(_)) && !float.suffix().is_empty()
    }

    fn path(&mut self, path: &syn::ExprPath) -> Option<Id> {
        if let Some(ident) = path.path.get_ident() {
            return match self.lookup(&ident.to_string()) {
                Ok(Some(id)) if self.is_slice(id) => self.error(
                    ident,
                    format!("`{ident}` is a row: read its elements as `{ident}[i]` and its length as `{ident}.len()`"),
                ),
                Ok(id) => id,
                Err(()) => self.error(ident, format!("cannot find `{ident}` in this loss: only parameters and earlier `let` names are in scope")),
            };
        }
        if let Some((value, text)) = methods::constant(&path.path) {
            return Some(self.push(Op::Const(value, text), Ty::Float));
        }
        let found = source_text(path);
        self.error(path, format!("unsupported path `{found}`: a loss body can name its parameters, its `let` bindings and the standard float constants, such as `std::f64::consts::PI` or `f32::EPSILON`; pass any other constant as a hyper-parameter"))
    }

    fn unary(&mut self, unary: &syn::ExprUnary) -> Option<Id> {
        match unary.op {
            UnOp::Neg(_) => {
                let operand = self.float(&unary.expr)?;
                Some(self.push(Op::Unary(Unary::Neg, operand), Ty::Float))
            }
            UnOp::Not(_) => {
                let operand = self.boolean(&unary.expr)?;
                Some(self.push(Op::Not(operand), Ty::Bool))
            }
            _ => {
                let operand = source_text(&unary.expr);
                self.error(
                    unary,
                    format!("dereferencing is not supported: floats are passed by value, so write `{operand}`"),
                )
            }
        }
    }

    fn binary(&mut self, binary: &syn::ExprBinary) -> Option<Id> {
        let arithmetic = match binary.op {
            BinOp::Add(_) => Some(Binary::Add),
            BinOp::Sub(_) => Some(Binary::Sub),
            BinOp::Mul(_) => Some(Binary::Mul),
            BinOp::Div(_) => Some(Binary::Div),
            _ => None,
        };
        if let Some(op) = arithmetic {
            let (left, right) = (self.expr(&binary.left), self.expr(&binary.right));
            let (left, right) = (left?, right?);
            if self.both_index(left, right) {
                return self.index_arithmetic(binary, op, left, right);
            }
            let left = self.expect_float(&binary.left, left);
            let right = self.expect_float(&binary.right, right);
            return Some(self.push(Op::Binary(op, left?, right?), Ty::Float));
        }

        let comparison = match binary.op {
            BinOp::Lt(_) => Some(Cmp::Lt),
            BinOp::Le(_) => Some(Cmp::Le),
            BinOp::Gt(_) => Some(Cmp::Gt),
            BinOp::Ge(_) => Some(Cmp::Ge),
            BinOp::Eq(_) => Some(Cmp::Eq),
            BinOp::Ne(_) => Some(Cmp::Ne),
            _ => None,
        };
        if let Some(op) = comparison {
            let (left, right) = (self.expr(&binary.left), self.expr(&binary.right));
            let (left, right) = (left?, right?);
            if self.both_index(left, right) {
                return Some(self.push(Op::IntCmp(op, left, right), Ty::Bool));
            }
            let left = self.expect_float(&binary.left, left);
            let right = self.expect_float(&binary.right, right);
            return Some(self.push(Op::Cmp(op, left?, right?), Ty::Bool));
        }

        match binary.op {
            BinOp::And(_) | BinOp::Or(_) => {
                let (left, right) = (self.boolean(&binary.left), self.boolean(&binary.right));
                let (left, right) = (left?, right?);
                let op = if matches!(binary.op, BinOp::And(_)) { Op::And(left, right) } else { Op::Or(left, right) };
                Some(self.push(op, Ty::Bool))
            }
            BinOp::Rem(token) => {
                let (left, right) = (self.expr(&binary.left), self.expr(&binary.right));
                match (left, right) {
                    (Some(left), Some(right)) if self.both_index(left, right) => {
                        Some(self.push(Op::IntBinary(crate::ir::IntOp::Rem, left, right, crate::ctxt::source_text(binary)), Ty::Index))
                    }
                    _ => self.error(token, "`%` is supported only on `usize` values: the remainder of floats is not differentiable at its jumps"),
                }
            }
            BinOp::AddAssign(_) | BinOp::SubAssign(_) | BinOp::MulAssign(_) | BinOp::DivAssign(_) | BinOp::RemAssign(_) => {
                self.error(binary, "compound assignment is a statement, not a value: write it on its own line, ending with `;`")
            }
            other => {
                let op = source_text(other);
                let message = match other {
                    BinOp::Shl(_) | BinOp::Shr(_) | BinOp::ShlAssign(_) | BinOp::ShrAssign(_) => {
                        format!("the shift operator `{op}` is not supported: multiply or divide by a power of two instead, as in `x * 4.0`")
                    }
                    _ => format!("the bitwise operator `{op}` is not supported: use `&&`, `||` and `!` on conditions"),
                };
                self.error(other, message)
            }
        }
    }

    /// Lowers an expression that must be a float.
    fn float(&mut self, expr: &Expr) -> Option<Id> {
        let id = self.expr(expr)?;
        self.expect_float(expr, id)
    }

    /// Checks that the lowered `expr` is a float, naming what it is otherwise.
    fn expect_float(&mut self, expr: &Expr, id: Id) -> Option<Id> {
        match self.nodes[id].ty {
            Ty::Float => Some(id),
            Ty::Bool => {
                let found = source_text(expr);
                self.error(expr, format!("expected a float here, found the `bool` `{found}`: choose a float with `if`, as in `if {found} {{ x }} else {{ 0.0 }}`"))
            }
            Ty::Index => match expr {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Int(int), ..
                }) => self.error(
                    int,
                    format!(
                        "integer literal `{int}` in a float expression: write `{}.0`",
                        int.base10_digits()
                    ),
                ),
                _ => self.error(expr, self.index_in_float_message()),
            },
            Ty::Array => {
                let found = source_text(expr);
                self.error(expr, format!("expected a float here, found the local array `{found}`: read one of its elements, as in `{found}[i]`"))
            }
        }
    }

    /// Lowers an expression that must be a condition.
    fn boolean(&mut self, expr: &Expr) -> Option<Id> {
        let id = self.expr(expr)?;
        match self.nodes[id].ty {
            Ty::Bool => return Some(id),
            Ty::Array => return self.expect_float(expr, id),
            Ty::Float | Ty::Index => {}
        }
        let found = source_text(expr);
        self.error(
            expr,
            format!("expected a condition (`bool`) here, found the float `{found}`: compare it, as in `{found} > 0.0`"),
        )
    }

    fn method_call(&mut self, call: &syn::ExprMethodCall) -> Option<Id> {
        let name = call.method.to_string();
        if let Some(id) = self.conversion(call) {
            return id;
        }
        if let Some(id) = self.row_method(call) {
            return id;
        }
        let float = self.sig.float.name().to_string();
        if let Some(message) = messages::non_float_method(call, self.sig.row, &float) {
            return self.error(&call.method, message);
        }
        let Some(method) = methods::lookup(&name) else {
            let hint = match methods::nearest(&name) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            return self.error(
                &call.method,
                format!(
                    "`{name}` is not a supported float method{hint}\nsupported: {}",
                    methods::supported_list()
                ),
            );
        };
        if let Some(turbofish) = &call.turbofish {
            let found = source_text(turbofish);
            self.error(
                turbofish,
                format!("type arguments on a method call are not supported: remove `{found}`, and the method applies to the float type"),
            );
        }

        let receiver = self.float(&call.receiver);
        let arity = method.arity();
        if call.args.len() != arity {
            let plural = if arity == 1 { "" } else { "s" };
            let found = match call.args.len() {
                1 => "1 was".to_string(),
                count => format!("{count} were"),
            };
            let mut arguments = Group::new(Delimiter::Parenthesis, call.args.to_token_stream());
            arguments.set_span(call.paren_token.span.join());
            let method_name = &call.method;
            return self.error(
                quote::quote!(#method_name #arguments),
                format!(
                    "`{name}` takes {arity} argument{plural} but {found} given: write `{}`",
                    method.example(&name)
                ),
            );
        }
        let receiver = receiver?;
        match method {
            Method::Unary(op) => Some(self.push(Op::Unary(op, receiver), Ty::Float)),
            Method::Binary(op) => {
                let other = self.float(&call.args[0])?;
                Some(self.push(Op::Binary(op, receiver, other), Ty::Float))
            }
            Method::Powi => {
                let exponent = self.integer_literal(&call.args[0])?;
                Some(self.push(Op::Powi(receiver, exponent), Ty::Float))
            }
            Method::Clamp => {
                let (lo, hi) = (self.float(&call.args[0]), self.float(&call.args[1]));
                Some(self.push(Op::Clamp(receiver, lo?, hi?), Ty::Float))
            }
        }
    }

    fn integer_literal(&mut self, expr: &Expr) -> Option<i32> {
        let (negative, inner) = match expr {
            Expr::Unary(syn::ExprUnary {
                op: UnOp::Neg(_),
                expr,
                ..
            }) => (true, &**expr),
            other => (false, other),
        };
        if let Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        }) = inner
        {
            // The magnitude is read as i64, so that i32::MIN, whose magnitude is not an
            // i32, is accepted.
            let suffix_ok = matches!(int.suffix(), "" | "i32");
            let value = int
                .base10_parse::<i64>()
                .ok()
                .map(|value| if negative { -value } else { value });
            if let (true, Some(Ok(value))) = (suffix_ok, value.map(i32::try_from)) {
                return Some(value);
            }
            if suffix_ok {
                let found = source_text(expr);
                self.error(
                    expr,
                    format!("the `powi` exponent `{found}` is out of range for `i32`: use `powf`"),
                );
                return None;
            }
        }
        let found = source_text(expr);
        self.error(
            expr,
            format!("`powi` takes an integer literal, found `{found}`: write `x.powi(2)`, or `x.powf(p)` for other exponents"),
        );
        None
    }

    fn call(&mut self, call: &syn::ExprCall) -> Option<Id> {
        let Expr::Path(func) = &*call.func else {
            let found = match &*call.func {
                Expr::Paren(paren) if matches!(&*paren.expr, Expr::Closure(_)) => {
                    "a closure".to_string()
                }
                Expr::Closure(_) => "a closure".to_string(),
                other => format!("`{}`", source_text(other)),
            };
            return self.error(
                &call.func,
                format!("cannot call {found}: only functions marked `#[differentiable]` can be called, by name, as in `softplus(x)`"),
            );
        };
        if func.path.is_ident(&self.fn_name) {
            return self.error(
                func,
                "recursion is not supported: a loss cannot call itself",
            );
        }
        if let Some(id) = self.type_function(call) {
            return id;
        }
        if let Some(hint) = methods::function_form_hint(&func.path) {
            return self.error(func, hint);
        }
        if func
            .path
            .segments
            .first()
            .is_some_and(|segment| segment.ident == "Vec")
        {
            let found = source_text(call);
            return self.error(func, format!("`{found}` is not supported: declare a local array with its length, as in `let mut v = vec![0.0; y_pred.len()];`, and write its elements in a loop, as in `v[i] = e;`"));
        }
        let mut args = Vec::new();
        for arg in &call.args {
            let row = self.row_argument(arg);
            args.push(row.unwrap_or_else(|| self.expr(arg)));
        }
        let args: Option<Vec<Id>> = args.into_iter().collect();
        let args = args?;
        for (arg, expr) in args.iter().zip(&call.args) {
            if self.nodes[*arg].ty == Ty::Bool && self.nodes[*arg].varying {
                self.error(expr, "a helper's `bool` argument must be the same for all samples: pass a hyper-parameter or a literal, not a comparison of per-sample values");
            }
        }
        Some(self.push(Op::Call(func.path.clone(), args), Ty::Float))
    }

    /// Lowers a helper argument that is a row: a slice parameter passed by name is its
    /// parameter node, which the helper reads in place. Returns `None` for any other
    /// argument, and reports the row arguments that are not supported.
    fn row_argument(&mut self, arg: &Expr) -> Option<Option<Id>> {
        let sub_slice =
            matches!(arg, Expr::Reference(reference) if matches!(&*reference.expr, Expr::Index(_)));
        if sub_slice {
            let found = source_text(arg);
            return Some(self.error(arg, format!("`{found}` is not supported as a helper argument: a helper takes whole rows, so pass a slice parameter by name, as in `dot(y_pred, y_true)`, or write the loop over the part you need in the loss itself")));
        }
        if let Some(error) = self.array_argument(arg) {
            return Some(error);
        }
        let Expr::Path(path) = arg else { return None };
        let ident = path.path.get_ident()?;
        let id = self.lookup(&ident.to_string()).ok()??;
        if !self.is_slice(id) {
            return None;
        }
        let Op::Param(index) = self.nodes[id].op else {
            return None;
        };
        if self.sig.params[index].role == Role::Hyper {
            return Some(self.error(ident, format!("the slice hyper-parameter `{ident}` cannot be passed to a helper: pass its elements, as in `{ident}[i]`, as float arguments instead")));
        }
        Some(Some(id))
    }

    /// Reports a local array passed to a helper, with or without `&`. A helper reads
    /// its rows in place and adds their gradients to the inputs' gradients, so it has
    /// nowhere to send the gradient of an array's elements.
    fn array_argument(&mut self, arg: &Expr) -> Option<Option<Id>> {
        let named = match arg {
            Expr::Reference(reference) => &*reference.expr,
            other => other,
        };
        let array = self.array_named(named)?;
        let name = self.nodes[array].name.clone().unwrap_or_default();
        let message = format!(
            "the local array `{name}` cannot be passed to a helper: a helper takes rows, so pass a slice parameter by name, as in `dot(y_pred, y_true)`, or write the loop over `{name}` in the loss itself"
        );
        Some(self.error(arg, message))
    }

    // ----- branches --------------------------------------------------------------

    fn if_expr(&mut self, expr_if: &ExprIf) -> Option<Id> {
        let cond = self.boolean(&expr_if.cond);
        let Some((_, else_expr)) = &expr_if.else_branch else {
            return self.error(
                expr_if,
                "an `if` in a loss is a value and needs an `else` branch, as in `if c { a } else { 0.0 }`",
            );
        };
        let cond = cond?;
        if self.nodes[cond].varying {
            self.per_sample_if(cond, expr_if, else_expr)
        } else {
            self.uniform_if(cond, expr_if, else_expr)
        }
    }

    /// Lowers an `if` on per-sample data to a select: both arms run, each under its
    /// guard, so that the reverse pass can mask what leaves the arm not taken.
    fn per_sample_if(&mut self, cond: Id, expr_if: &ExprIf, else_expr: &Expr) -> Option<Id> {
        let then_branch = &expr_if.then_branch;
        let arm_floor = std::mem::replace(&mut self.arm_floor, self.scopes.len());
        let then_guard = self.guard_with(cond);
        self.guards.push(then_guard);
        let then_value = self.arm_value(then_branch, expr_if, |this| {
            this.block_in_scope(then_branch)
        });
        self.guards.pop();

        let not_cond = self.push(Op::Not(cond), Ty::Bool);
        let else_guard = self.guard_with(not_cond);
        self.guards.push(else_guard);
        let else_value = self.arm_value(else_expr, expr_if, |this| this.expr(else_expr));
        self.guards.pop();

        self.arm_floor = arm_floor;
        Some(self.push(Op::Select(cond, then_value?, else_value?), Ty::Float))
    }

    /// Lowers an `if` on a condition shared by all samples to a real branch.
    fn uniform_if(&mut self, cond: Id, expr_if: &ExprIf, else_expr: &Expr) -> Option<Id> {
        let then_branch = &expr_if.then_branch;
        let arm_floor = std::mem::replace(&mut self.arm_floor, self.scopes.len());
        self.blocks.push(Block::default());
        let then_value = self.arm_value(then_branch, expr_if, |this| {
            this.block_in_scope(then_branch)
        });
        let then_block = self.blocks.pop().unwrap_or_default();

        self.blocks.push(Block::default());
        let else_value = self.arm_value(else_expr, expr_if, |this| this.expr(else_expr));
        let else_block = self.blocks.pop().unwrap_or_default();

        self.arm_floor = arm_floor;
        let (then_value, else_value) = (then_value?, else_value?);
        let (then_node, else_node) = (&self.nodes[then_value], &self.nodes[else_value]);
        let phi = Node {
            op: Op::Phi(then_value, else_value),
            ty: Ty::Float,
            varying: then_node.varying || else_node.varying,
            active: then_node.active || else_node.active,
            guard: self.guards.last().copied(),
            depth: self.guards.len(),
            name: None,
        };
        let id = self.nodes.len();
        self.nodes.push(phi);
        let branch = Branch {
            cond,
            then_block,
            else_block,
            phi: id,
        };
        if let Some(block) = self.blocks.last_mut() {
            block.stmts.push(Stmt::If(branch));
        }
        Some(id)
    }

    /// Lowers one arm of `expr_if` and checks that it yields a float. A `bool` arm is
    /// reported on the whole `if`, so that two `bool` arms give one error.
    fn arm_value(
        &mut self,
        arm: impl ToTokens,
        expr_if: &ExprIf,
        lower: impl FnOnce(&mut Self) -> Option<Id>,
    ) -> Option<Id> {
        let id = lower(self)?;
        match self.nodes[id].ty {
            Ty::Float => Some(id),
            Ty::Bool => self.error(expr_if, "an arm of this `if` is a `bool`, but an `if` in a loss yields a float: combine the conditions with `&&`, `||` and `!` instead, as in `(c && a) || (!c && b)`"),
            Ty::Index => self.error(arm, "this `if` arm is a `usize`, but an `if` in a loss yields a float: write integer literals as floats, as in `1.0`"),
            Ty::Array => self.error(arm, "this `if` arm is a local array, but an `if` in a loss yields a float: read one of its elements, as in `v[i]`"),
        }
    }

    /// The guard of an arm: its condition, and-ed with the enclosing guard if any.
    fn guard_with(&mut self, cond: Id) -> Id {
        match self.guards.last().copied() {
            Some(outer) => self.push(Op::And(outer, cond), Ty::Bool),
            None => cond,
        }
    }
}

/// Suggests the first variable a loop assigns as the value to end the body with.
fn loop_result_hint(for_loop: &syn::ExprForLoop) -> String {
    match rows::assigned_names(&for_loop.body).first() {
        Some(name) => format!(", as in `{name}`"),
        None => String::new(),
    }
}

/// The names a pattern binds, for a rejected pattern.
fn pattern_names(pat: &Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.to_string());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut names, pat);
    names.0
}
