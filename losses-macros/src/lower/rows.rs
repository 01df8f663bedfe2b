//! Lowering of the constructs of row losses: slices, `usize` indices, `for` loops,
//! mutable variables and their assignments.
//!
//! A variable declared with `let mut` before a loop and assigned in its body is carried
//! across iterations. Its update decides how the loop is reversed (see
//! [`Reduction`]); other updates of a differentiated value would need a tape of every
//! iteration, and are reported.

use super::Lowerer;
use crate::ctxt::source_text;
use crate::ir::{Binary, Block, Carried, Id, IntOp, Loop, Node, Op, Reduction, Stmt, Ty};
use crate::signature::{FloatTy, ParamTy};
use syn::visit::Visit;
use syn::{BinOp, Expr, Pat};

/// The assignment operators, as the float operation each one applies.
fn compound_op(op: &BinOp) -> Option<Option<Binary>> {
    match op {
        BinOp::AddAssign(_) => Some(Some(Binary::Add)),
        BinOp::SubAssign(_) => Some(Some(Binary::Sub)),
        BinOp::MulAssign(_) => Some(Some(Binary::Mul)),
        BinOp::DivAssign(_) => Some(Some(Binary::Div)),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// Lowers a statement that only a row loss has: a `for` loop or an assignment.
    /// Returns whether `expr` was one.
    pub(super) fn row_statement(&mut self, expr: &Expr) -> bool {
        match expr {
            Expr::ForLoop(for_loop) if self.sig.row => self.for_loop(for_loop),
            Expr::Assign(assign) if self.sig.row => self.assign(&assign.left, None, &assign.right),
            Expr::Binary(binary) if self.sig.row => match compound_op(&binary.op) {
                Some(op) => self.assign(&binary.left, op, &binary.right),
                None => return false,
            },
            Expr::If(expr_if) if self.sig.row => self.if_statement(expr_if),
            Expr::MethodCall(call)
                if self.sig.row && self.array_named(&call.receiver).is_some() =>
            {
                self.array_method(call);
            }
            _ => return false,
        }
        true
    }

    pub(super) fn is_slice(&self, id: Id) -> bool {
        matches!(self.nodes[id].op, Op::Param(index) if self.sig.params[index].ty == ParamTy::FloatSlice)
    }

    pub(super) fn both_index(&self, left: Id, right: Id) -> bool {
        self.nodes[left].ty == Ty::Index && self.nodes[right].ty == Ty::Index
    }

    pub(super) fn index_in_float_message(&self) -> String {
        match &self.sig.float {
            FloatTy::Generic(ident) => format!(
                "a `usize` value in a float expression: convert it with `{ident}::from(i).unwrap()`"
            ),
            FloatTy::Concrete(ident) => {
                format!("a `usize` value in a float expression: convert it with `i as {ident}`")
            }
        }
    }

    /// `+`, `-` and `*` on two `usize` values.
    pub(super) fn index_arithmetic(
        &mut self,
        binary: &syn::ExprBinary,
        op: Binary,
        left: Id,
        right: Id,
    ) -> Option<Id> {
        let op = match op {
            Binary::Add => IntOp::Add,
            Binary::Sub => IntOp::Sub,
            Binary::Mul => IntOp::Mul,
            Binary::Div => IntOp::Div,
            _ => {
                return self.error(
                    binary.op,
                    "only `+`, `-`, `*`, `/` and `%` are supported on `usize` values",
                );
            }
        };
        let text = source_text(binary);
        Some(self.push(Op::IntBinary(op, left, right, text), Ty::Index))
    }

    /// `x[i]` on a slice parameter.
    pub(super) fn index_expr(&mut self, index: &syn::ExprIndex) -> Option<Id> {
        if let Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            ..
        }) = &*index.index
        {
            let slice = source_text(&index.expr);
            let found = source_text(&index.index).replacen("- ", "-", 1);
            return self.error(&index.index, format!("a negative index such as `{found}` is not supported: indices are `usize`, so count from the end with the length, as in `{slice}[{slice}.len() - 1]`"));
        }
        if let Some(array) = self.array_named(&index.expr) {
            return self.array_load(index, array);
        }
        let slice = self.slice_param(&index.expr);
        let position = self.expr(&index.index);
        let (slice, position) = (slice?, position?);
        self.checked_index(&index.index, position)?;
        let param = match self.nodes[slice].op {
            Op::Param(param) => param,
            _ => return self.error(&index.expr, "only slice parameters can be indexed"),
        };
        let id = self.push(Op::Load(param, position), Ty::Float);
        let node = &mut self.nodes[id];
        node.varying = true;
        Some(id)
    }

    /// Checks that an index is a `usize` value; `None` after reporting one that is not.
    pub(super) fn checked_index(&mut self, expr: &Expr, position: Id) -> Option<Id> {
        if self.nodes[position].ty == Ty::Index {
            return Some(position);
        }
        let found = describe(self.nodes[position].ty);
        let conversion = match &self.sig.float {
            FloatTy::Concrete(_) => "`x as usize`",
            FloatTy::Generic(_) => "`x.to_usize().unwrap()`",
        };
        self.error(
            expr,
            format!("an index must be a `usize` value, but this is {found}: index with a loop variable or a `usize` parameter, or convert a float that carries no gradient with {conversion}"),
        )
    }

    /// The slice parameter `expr` names.
    fn slice_param(&mut self, expr: &Expr) -> Option<Id> {
        let ident = match expr {
            Expr::Path(path) => path.path.get_ident(),
            _ => None,
        };
        if self.names_failed_binding(expr) {
            return None;
        }
        let found = ident.and_then(|ident| self.lookup(&ident.to_string()).ok().flatten());
        match found {
            Some(id) if self.is_slice(id) => Some(id),
            Some(id) => {
                let (name, kind) = (source_text(expr), describe(self.nodes[id].ty));
                self.error(
                    expr,
                    format!("`{name}` is {kind}, not a slice: only slice parameters `&[T]` can be indexed or asked for their `len()`"),
                )
            }
            None => {
                let name = source_text(expr);
                self.error(
                    expr,
                    format!("`{name}` is not a slice parameter: only slice parameters `&[T]` can be indexed or asked for their `len()`"),
                )
            }
        }
    }

    /// `i as f32` (or `as f64`): a `usize` converted to the float type.
    pub(super) fn cast(&mut self, cast: &syn::ExprCast) -> Option<Id> {
        if crate::signature::type_ident(&cast.ty).is_some_and(|target| target == "usize") {
            let value = self.expr(&cast.expr)?;
            return self.index_from(&cast.expr, value);
        }
        let target_is_float = match (&self.sig.float, crate::signature::type_ident(&cast.ty)) {
            (FloatTy::Concrete(float), Some(target)) => float == target,
            _ => false,
        };
        if !target_is_float {
            let target = source_text(&cast.ty);
            let (to_float, to_index) = match &self.sig.float {
                FloatTy::Concrete(float) => (format!("`i as {float}`"), "`x as usize`".to_string()),
                FloatTy::Generic(float) => (
                    format!("`{float}::from(i).unwrap()`"),
                    "`x.to_usize().unwrap()`".to_string(),
                ),
            };
            return self.error(
                &cast.ty,
                format!("unsupported cast to `{target}`: a row loss converts `usize` values to its float type with {to_float}, and floats to indices with {to_index}"),
            );
        }
        let value = self.expr(&cast.expr)?;
        if self.nodes[value].ty != Ty::Index {
            let found = describe(self.nodes[value].ty);
            return self.error(
                &cast.expr,
                format!("only `usize` values can be cast to the float type, and this is {found}: remove the cast"),
            );
        }
        Some(self.push(Op::ToFloat(value), Ty::Float))
    }

    /// A float read as a `usize` index: `x as usize` or `x.to_usize().unwrap()`. The
    /// value must not be differentiated, and at run time a value that is not a whole
    /// number from 0 is an error.
    fn index_from(&mut self, expr: &Expr, value: Id) -> Option<Id> {
        let node = &self.nodes[value];
        if node.ty == Ty::Index {
            return Some(value);
        }
        if node.ty != Ty::Float {
            return self.error(
                expr,
                "only a float or a `usize` can become an index, and this is a `bool`",
            );
        }
        if node.active {
            return self.error(expr, "a differentiated value cannot become an index: its gradient would be 0 almost everywhere; index with values from `y_true`, hyper-parameters or loop variables");
        }
        Some(self.push(Op::ToIndex(value), Ty::Index))
    }

    /// `x.len()` and `x.to_usize().unwrap()`; `None` when `call` is neither.
    pub(super) fn row_method(&mut self, call: &syn::ExprMethodCall) -> Option<Option<Id>> {
        if !self.sig.row {
            return None;
        }
        if let Some(result) = self.array_method(call) {
            return Some(result);
        }
        if call.method == "len" && call.args.is_empty() {
            let slice = self.slice_param(&call.receiver);
            let param = slice.and_then(|slice| match self.nodes[slice].op {
                Op::Param(param) => Some(param),
                _ => None,
            });
            return Some(param.map(|param| self.push(Op::Len(param), Ty::Index)));
        }
        if call.method == "unwrap" && call.args.is_empty() {
            if let Expr::MethodCall(inner) = &*call.receiver {
                if inner.method == "to_usize" && inner.args.is_empty() {
                    let value = self.expr(&inner.receiver);
                    return Some(value.and_then(|value| self.index_from(&inner.receiver, value)));
                }
            }
        }
        None
    }

    // ----- assignments -------------------------------------------------------------

    /// `target = value`, or `target op= value` when `op` is given.
    fn assign(&mut self, target: &Expr, op: Option<Binary>, value: &Expr) {
        if let Expr::Index(element) = target {
            if let Some(array) = self.array_named(&element.expr) {
                self.store(element, array, op, value);
                return;
            }
            if self.names_failed_binding(&element.expr) {
                self.expr(value);
                return;
            }
        }
        if self.array_named(target).is_some() {
            self.assign_whole_array(target);
            return;
        }
        let Some((scope, position, current)) = self.assignment_target(target) else {
            self.expr(value);
            return;
        };
        let Some(value_id) = self.expr(value) else {
            self.scopes[scope][position].id = None;
            return;
        };
        let new = match op {
            None => Some(value_id),
            Some(op) => self.update(target, op, current, value, value_id),
        };
        if let (Some(new), Some(current)) = (new, current) {
            if self.nodes[new].ty != self.nodes[current].ty {
                let (name, was, now) = (
                    source_text(target),
                    describe(self.nodes[current].ty),
                    describe(self.nodes[new].ty),
                );
                self.error(
                    value,
                    format!(
                        "`{name}` is {was}, but the new value is {now}: a variable keeps its type"
                    ),
                );
            }
        }
        self.scopes[scope][position].id = new;
    }

    /// `current op value` for a compound assignment.
    fn update(
        &mut self,
        target: &Expr,
        op: Binary,
        current: Option<Id>,
        value: &Expr,
        value_id: Id,
    ) -> Option<Id> {
        let current = current?;
        if self.both_index(current, value_id) {
            return match op {
                Binary::Add => {
                    let text = format!("{} += {}", source_text(target), source_text(value));
                    let sum = Op::IntBinary(IntOp::Add, current, value_id, text);
                    Some(self.push(sum, Ty::Index))
                }
                _ => self.error(target, "only `+=` is supported on a `usize` variable"),
            };
        }
        let current = self.expect_float(target, current);
        let value_id = self.expect_float(value, value_id);
        Some(self.push(Op::Binary(op, current?, value_id?), Ty::Float))
    }

    /// Finds the variable an assignment writes: its scope, position and current value.
    fn assignment_target(&mut self, target: &Expr) -> Option<(usize, usize, Option<Id>)> {
        let ident = match target {
            Expr::Path(path) => path.path.get_ident(),
            _ => None,
        };
        let Some(ident) = ident else {
            let found = source_text(target);
            self.error(
                target,
                format!("cannot assign to `{found}`: slices are read-only, and only a variable declared with `let mut` can be assigned"),
            );
            return None;
        };
        let Some((scope, position)) = self.find(&ident.to_string()) else {
            self.error(
                ident,
                format!("cannot find `{ident}` in this loss: declare it with `let mut {ident} = ..;` before assigning to it"),
            );
            return None;
        };
        let binding = &self.scopes[scope][position];
        let current = binding.id;
        if scope == 0 && current.is_some_and(|id| matches!(self.nodes[id].op, Op::Param(_))) {
            self.error(ident, format!("cannot assign to the parameter `{ident}`: parameters are read-only, so bind a new name with `let`, as in `let {ident} = ..;`"));
            return None;
        }
        if !binding.mutable {
            self.error(
                ident,
                format!("cannot assign twice to `{ident}`: declare it with `let mut {ident}`"),
            );
            return None;
        }
        if scope < self.arm_floor {
            self.error(ident, format!("assigning `{ident}`, declared outside this `if`, is not supported: write the update as a value, as in `{ident} += if c {{ x }} else {{ 0.0 }};`"));
            return None;
        }
        Some((scope, position, current))
    }

    // ----- loops -------------------------------------------------------------------

    fn for_loop(&mut self, for_loop: &syn::ExprForLoop) {
        if let Some(label) = &for_loop.label {
            self.error(
                label,
                "loop labels are not supported: a loop runs over its whole range",
            );
        }
        let var_name = match &*for_loop.pat {
            Pat::Ident(pat) if pat.mutability.is_none() && pat.subpat.is_none() => {
                pat.ident.to_string()
            }
            other => {
                self.error(
                    other,
                    "a loop variable is one plain name, as in `for i in 0..y_pred.len()`",
                );
                return;
            }
        };
        let Some((lo, hi)) = self.range(&for_loop.expr) else {
            return;
        };

        let floor = self.scopes.len();
        let assigned = assigned_names(&for_loop.body);
        self.blocks.push(Block::default());
        self.scopes.push(Vec::new());
        self.loop_depth += 1;

        let var = self.loop_node(Op::LoopVar, Ty::Index);
        self.nodes[var].name = Some(var_name.clone());
        self.bind(var_name, Some(var));
        let carried = self.carry(&assigned, floor);
        self.loop_vars.push(var);
        self.loop_body(&for_loop.body);
        self.loop_vars.pop();

        self.loop_depth -= 1;
        self.scopes.pop();
        let body = self.blocks.pop().unwrap_or_default();
        let carried = self.finish_carried(carried, &body, for_loop);
        let lp = Loop {
            var,
            lo,
            hi,
            body,
            carried,
        };
        if let Some(block) = self.blocks.last_mut() {
            block.stmts.push(Stmt::Loop(lp));
        }
    }

    /// The bounds of `lo..hi` or `lo..=hi`.
    fn range(&mut self, expr: &Expr) -> Option<(Id, Id)> {
        let Expr::Range(range) = expr else {
            let found = source_text(expr);
            self.error(expr, format!("cannot loop over `{found}`: a loop runs over a range, as in `for i in 0..y_pred.len()`; iterators are not supported"));
            return None;
        };
        let (Some(start), Some(end)) = (&range.start, &range.end) else {
            self.error(range, "a loop range needs both ends, as in `0..n`");
            return None;
        };
        let (lo, hi) = (self.expr(start), self.expr(end));
        let (lo, hi) = (lo?, hi?);
        for (bound, expr) in [(lo, start), (hi, end)] {
            if self.nodes[bound].ty != Ty::Index {
                let found = describe(self.nodes[bound].ty);
                self.error(
                    expr,
                    format!("loop bounds are `usize` values, and this is {found}: use a length such as `y_pred.len()`, a `usize` parameter or an integer literal"),
                );
                return None;
            }
        }
        if matches!(range.limits, syn::RangeLimits::Closed(_)) {
            let one = self.push(Op::Index(1), Ty::Index);
            // The end of `lo..=hi` is `hi + 1`, which overflows at `usize::MAX`.
            let end = Op::IntBinary(IntOp::Add, hi, one, source_text(range));
            return Some((lo, self.push(end, Ty::Index)));
        }
        Some((lo, hi))
    }

    /// A node defined by a loop header rather than by a statement.
    fn loop_node(&mut self, op: Op, ty: Ty) -> Id {
        self.nodes.push(Node {
            op,
            ty,
            varying: false,
            active: false,
            guard: self.guards.last().copied(),
            depth: self.guards.len(),
            name: None,
        });
        self.nodes.len() - 1
    }

    /// Starts carrying every outer mutable variable the body assigns, so its binding
    /// now refers to the value at the start of an iteration.
    fn carry(&mut self, assigned: &[String], floor: usize) -> Vec<(String, usize, usize, Id, Id)> {
        let mut carried = Vec::new();
        for name in assigned {
            let Some((scope, position)) = self.find(name) else {
                continue;
            };
            let binding = &self.scopes[scope][position];
            let (Some(init), true) = (
                binding.id,
                binding.mutable && scope < floor && scope >= self.arm_floor,
            ) else {
                continue;
            };
            // A local array is written element by element; assigning it as a whole
            // is reported where it happens.
            if self.nodes[init].ty == Ty::Array {
                continue;
            }
            let node = &self.nodes[init];
            let phi = Node {
                op: Op::Carried,
                ty: node.ty,
                varying: node.ty == Ty::Float,
                active: false,
                guard: self.guards.last().copied(),
                depth: self.guards.len(),
                name: Some(name.clone()),
            };
            let phi = self.push_node(phi);
            self.scopes[scope][position].id = Some(phi);
            carried.push((name.clone(), scope, position, init, phi));
        }
        carried
    }

    fn loop_body(&mut self, block: &syn::Block) {
        for stmt in &block.stmts {
            match stmt {
                syn::Stmt::Expr(expr, None) if !self.row_statement(expr) => {
                    if self.unsupported(expr).is_some() {
                        self.error(expr, "this expression has no effect: a loop body contains statements, such as `let`, assignments like `acc += x;` and nested loops");
                    }
                }
                syn::Stmt::Expr(_, None) => {}
                other => self.statements(std::slice::from_ref(other)),
            }
        }
    }

    /// Ends the carried variables of a loop: their bindings now hold the values after
    /// the loop, and each gets the reduction its update makes it.
    fn finish_carried(
        &mut self,
        carried: Vec<(String, usize, usize, Id, Id)>,
        body: &Block,
        for_loop: &syn::ExprForLoop,
    ) -> Vec<Carried> {
        let mut finished = Vec::new();
        for (name, scope, position, init, phi) in carried {
            let Some(next) = self.scopes[scope][position].id else {
                continue;
            };
            let out = self.loop_node(Op::LoopOut, self.nodes[init].ty);
            let (init_node, next_node) = (&self.nodes[init], &self.nodes[next]);
            let (varying, active) = (
                init_node.varying || next_node.varying || init_node.ty == Ty::Float,
                init_node.active || next_node.active,
            );
            self.nodes[out].varying = varying;
            self.nodes[out].active = active;
            self.nodes[out].name = Some(name.clone());
            self.nodes[phi].varying = varying;
            self.scopes[scope][position].id = Some(out);
            let reduction = self.classify(phi, next, active, body);
            if reduction.is_none() && continues_product(body, phi, next) {
                let (tokens, message) = super::messages::nested_product(&for_loop.body, &name);
                self.error(tokens, message);
                continue;
            }
            if reduction.is_none() {
                match super::messages::loop_update(&for_loop.body, &name) {
                    Some((tokens, message)) => self.error(tokens, message),
                    None => self.error(
                        for_loop.for_token,
                        format!("the loop updates `{name}` in a form that cannot be reversed without storing every iteration; supported updates of a differentiated value: `{name} += e`, `{name} -= e`, `{name} *= e`, `{name} = {name}.max(e)` and `{name} = {name}.min(e)`, with `{name}` not otherwise read in the loop"),
                    ),
                };
                continue;
            }
            let reduction = reduction.unwrap_or(Reduction::Inactive);
            finished.push(Carried {
                init,
                phi,
                next,
                out,
                reduction,
            });
        }
        finished
    }

    /// The reduction a carried value's update makes; `None` for an update of a
    /// differentiated value that no reduction covers.
    fn classify(&self, phi: Id, next: Id, active: bool, body: &Block) -> Option<Reduction> {
        if !active {
            return Some(Reduction::Inactive);
        }
        if next == phi {
            return Some(Reduction::Sum);
        }
        let mut defined = Vec::new();
        body.defined(&mut defined);
        let uses = self.reads(phi, &defined);
        // A running value read later in the same iteration is not a plain reduction:
        // the reverse pass would need its value at every iteration.
        if defined
            .iter()
            .any(|id| self.nodes[*id].op.operands().contains(&next))
        {
            return None;
        }
        if let Op::LoopOut = self.nodes[next].op {
            // A sum continued by a nested loop, as in `for i { for j { acc += e } }`.
            let nested_sum = body.stmts.iter().any(|stmt| match stmt {
                Stmt::Loop(inner) => inner.carried.iter().any(|carried| {
                    carried.out == next
                        && carried.init == phi
                        && carried.reduction == Reduction::Sum
                }),
                _ => false,
            });
            return (nested_sum && uses == 0).then_some(Reduction::Sum);
        }
        if uses != 1 {
            return None;
        }
        let one_side = |a: Id, b: Id| (a == phi) != (b == phi);
        match self.nodes[next].op {
            Op::Binary(Binary::Max, a, b) if one_side(a, b) => Some(Reduction::Max),
            Op::Binary(Binary::Min, a, b) if one_side(a, b) => Some(Reduction::Min),
            _ if self.sum_chain(next, phi, &defined) => Some(Reduction::Sum),
            _ if self.is_product_chain(next, phi, &defined) => Some(Reduction::Product),
            _ => None,
        }
    }

    /// Counts the operands, among the nodes in `defined`, that are `id`. An operation
    /// that reads a value twice, as in `acc + acc`, counts twice.
    fn reads(&self, id: Id, defined: &[Id]) -> usize {
        defined
            .iter()
            .flat_map(|user| self.nodes[*user].op.operands())
            .filter(|operand| *operand == id)
            .count()
    }

    /// Returns whether `next` is `phi` times factors, through `*=` updates whose partial
    /// products nothing else reads: `p *= a; p *= b;` is still a product.
    fn is_product_chain(&self, next: Id, phi: Id, defined: &[Id]) -> bool {
        let Some(chain) = crate::ir::product_chain(&self.nodes, phi, next) else {
            return false;
        };
        chain
            .links
            .iter()
            .filter(|link| **link != next)
            .all(|link| self.reads(*link, defined) == 1)
    }

    /// Whether `node` is `phi` plus or minus terms, through `+=` and `-=` updates whose
    /// partial sums nothing else reads: `acc += a; acc -= b;` is still a sum.
    fn sum_chain(&self, node: Id, phi: Id, defined: &[Id]) -> bool {
        if node == phi {
            return true;
        }
        let used_once = |id: Id| id == phi || self.reads(id, defined) == 1;
        match self.nodes[node].op {
            Op::Binary(Binary::Add, a, b) => {
                (used_once(a) && self.sum_chain(a, phi, defined))
                    || (used_once(b) && self.sum_chain(b, phi, defined))
            }
            Op::Binary(Binary::Sub, a, _) => used_once(a) && self.sum_chain(a, phi, defined),
            _ => false,
        }
    }
}

/// Returns whether a nested loop of `body` continues the product `phi` and ends at `next`, as
/// in `for i { for j { p *= e } }`: the inner loop's reverse pass would see only its
/// own factors.
fn continues_product(body: &Block, phi: Id, next: Id) -> bool {
    body.stmts.iter().any(|stmt| match stmt {
        Stmt::Loop(inner) => inner.carried.iter().any(|carried| {
            carried.out == next && carried.init == phi && carried.reduction == Reduction::Product
        }),
        _ => false,
    })
}

/// Names a value type for error messages.
pub(super) fn describe(ty: Ty) -> &'static str {
    match ty {
        Ty::Float => "a float",
        Ty::Bool => "a `bool`",
        Ty::Index => "a `usize`",
        Ty::Array => "a local array",
    }
}

/// The names a loop body assigns with `=` or an assignment operator.
pub(super) fn assigned_names(block: &syn::Block) -> Vec<String> {
    struct Collector(Vec<String>);
    impl<'ast> Visit<'ast> for Collector {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            push_target(&mut self.0, &assign.left);
            syn::visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if compound_op(&binary.op).is_some() {
                push_target(&mut self.0, &binary.left);
            }
            syn::visit::visit_expr_binary(self, binary);
        }
    }
    fn push_target(names: &mut Vec<String>, target: &Expr) {
        if let Expr::Path(path) = target {
            if let Some(ident) = path.path.get_ident() {
                let name = ident.to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    let mut collector = Collector(Vec::new());
    collector.visit_block(block);
    collector.0
}
