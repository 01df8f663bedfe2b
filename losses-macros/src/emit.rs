//! Emission of the forward and the reverse (adjoint) functions from the IR.
//!
//! Generated code is generic over one type parameter `__V: ::losses_core::Real`: a
//! per-sample value has type `__V` and a value shared by all samples has type
//! `<__V as Real>::Scalar`. Every call goes through the trait by its full path, so an
//! inherent `f32` method of the same name can never be picked instead.
//!
//! The reverse function recomputes the forward values, then walks the statements
//! backwards and adds each node's contributions to its operands' adjoints:
//! - contributions leave a per-sample branch arm only through a select on the arm's
//!   guard, so an infinity or NaN computed in the arm not taken never reaches the
//!   gradient;
//! - a uniform `if` is reversed as an `if` on the same condition that recomputes the
//!   arm's values and then reverses the arm, adding into the enclosing adjoints.

mod lanes;

use crate::docs::Text;
use crate::ir::{
    Binary, Block, Branch, Carried, Cmp, Function, Id, IntOp, Loop, Node, Op, Reduction, Stmt, Ty,
    Unary,
};
use crate::rules::{self, Ex};
use crate::signature::{FloatTy, ParamTy, Role, Signature};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

mod arrays;
mod products;
mod prune;
mod sets;
use products::Product;

/// The representation an operand is wanted in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The shared scalar type.
    Scalar,
    /// The per-sample type `__V`.
    Vector,
}

/// Emits code and docs for one lowered function.
pub struct Emitter<'a> {
    pub f: &'a Function,
    pub sig: &'a Signature,
    pub text: Text<'a>,
    /// Set while the reverse sweep recomputes forward values, which must not store
    /// into local arrays again: an `a[k] += e` would add twice.
    replay: std::cell::Cell<bool>,
    /// Set while the reverse loops of the gradient-only function are written. Their
    /// bodies keep only the forward statements that a derivative reads (see
    /// `lanes::live_statements`).
    live_only: std::cell::Cell<bool>,
    /// Set while the reverse function is written. Its loops in lanes prefetch the slices
    /// they read a few kilobytes ahead (see `lanes::prefetch_ahead` in `losses_core`),
    /// and keep the values that their reverse pass reads back (see [`lanes::Stored`]).
    in_reverse: std::cell::Cell<bool>,
    /// The stored values of the loop in lanes whose body is being written in the reverse
    /// function: its variable, the nodes it keeps in buffers (see
    /// [`lanes::stored_nodes`]), and whether the body writes them or reads them back.
    stored: std::cell::RefCell<Option<lanes::Stored>>,
    /// The variables of the loops emitted in lanes (see [`lanes`]).
    lane_vars: Vec<Id>,
    /// The carried values of those loops.
    lane_phis: Vec<Id>,
    /// Whether sums in lanes add their partials to `f64` ones after every run of
    /// `lanes::RUN_BLOCKS` blocks (see [`lanes`]). Off for the partial sums of a
    /// `batch` loss, whose loops run on blocks of 512 elements.
    flush_runs: bool,
    /// Whether to write a gradient function beside the reverse one (see
    /// [`Emitted::gradient_body`]).
    gradient_only: bool,
    /// The variables of the loops whose reverse loops prefetch the slices they read,
    /// while the gradient-only function is written (see [`Emitted::gradient_body`]).
    prefetch_reverse: std::cell::RefCell<Vec<Id>>,
    /// Whether the inputs of a loss of several inputs all have one shape, so that a loop
    /// over one covers every input (see [`sets`]).
    same_shape_inputs: bool,
    /// The gradient outputs whose first write may set their elements (see [`sets`]).
    settable: sets::Settable,
}

/// The generated forward and reverse functions, without their signatures.
pub struct Emitted {
    pub forward_body: TokenStream,
    pub reverse_body: TokenStream,
    /// The body of `RowKernel::gradient`: the reverse function without the value, and
    /// without the forward statements that only the value reads (see [`prune`]). Only
    /// for a row loss with `Emitter::with_gradient_only`, and not when the body ends in
    /// a branch or has local arrays, where the reverse body serves instead.
    pub gradient_body: Option<TokenStream>,
    /// The derivation written out for the generated docs.
    pub doc: String,
    /// The slice parameters whose gradient outputs the reverse pass sets in full, so
    /// that the drivers need not zero them first (see [`sets`]).
    pub set_gradients: Vec<usize>,
}

fn real() -> TokenStream {
    quote!(::losses_core::Real)
}

fn v_ty() -> TokenStream {
    quote!(__V)
}

fn s_ty() -> TokenStream {
    quote!(<__V as ::losses_core::Real>::Scalar)
}

fn mask_ty() -> TokenStream {
    quote!(<__V as ::losses_core::Real>::Mask)
}

fn value_ident(id: Id) -> Ident {
    format_ident!("__v{}", id)
}

/// Writes a finite `f64` as a literal, and infinities and NaN as the `f64` constants,
/// because `Literal::f64_suffixed` accepts only finite values.
pub fn float_literal(value: f64) -> TokenStream {
    if value.is_finite() {
        let literal = Literal::f64_suffixed(value);
        quote!(#literal)
    } else if value.is_nan() {
        quote!(::core::f64::NAN)
    } else if value > 0.0 {
        quote!(::core::f64::INFINITY)
    } else {
        quote!(::core::f64::NEG_INFINITY)
    }
}

/// Writes `a op b` on `usize` values, checked: a result below zero or above
/// `usize::MAX` is a run-time error naming the expression, because a wrapped value
/// would become a loop that never ends, a huge allocation or a misleading index.
fn checked_usize(
    method: TokenStream,
    operator: char,
    a: &TokenStream,
    b: &TokenStream,
    text: &str,
) -> TokenStream {
    quote! {
        match #a.#method(#b) {
            ::core::option::Option::Some(result) => result,
            ::core::option::Option::None => {
                return ::core::result::Result::Err(::losses_core::KernelError::UsizeOverflow {
                    expression: #text,
                    left: #a,
                    operator: #operator,
                    right: #b,
                });
            }
        }
    }
}

/// Writes a literal, or the standard constant with its value, so that the expansion
/// names the constant, as clippy's `approx_constant` lint requires.
fn constant_tokens(value: f64, text: &str) -> TokenStream {
    // `text` is `f32::consts::PI`, `f64::EPSILON` and the like for a named constant,
    // or the digits of a literal.
    let path: Vec<&str> = text.split("::").collect();
    let to_f64 = quote!(::core::primitive::f64::from);
    let ident = |name: &str| Ident::new(name, Span::call_site());
    match path.as_slice() {
        ["f64", "consts", name] => {
            let name = ident(name);
            quote!(::core::f64::consts::#name)
        }
        ["f32", "consts", name] => {
            let name = ident(name);
            quote!(#to_f64(::core::f32::consts::#name))
        }
        ["f64", name] => {
            let name = ident(name);
            quote!(::core::primitive::f64::#name)
        }
        ["f32", name] => {
            let name = ident(name);
            quote!(#to_f64(::core::primitive::f32::#name))
        }
        _ => match crate::methods::constant_named(value) {
            Some(name) => {
                let name = ident(name);
                quote!(::core::f64::consts::#name)
            }
            None => float_literal(value),
        },
    }
}

fn zero() -> TokenStream {
    let real = real();
    quote!(<__V as #real>::from_f64(0.0_f64))
}

/// Returns the span of a helper's name in a call.
fn helper_span(path: &syn::Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |last| last.ident.span())
}

/// The `Differentiable` impl that a helper call with arguments of types `arg_tys`
/// selects: `<path::to::name as Differentiable<(A, B), V>>`. `#[differentiable]`
/// implements the trait on a hidden type declared under the helper's own name, so
/// importing the helper with `use` imports that type too, since a `use` brings in both
/// namespaces. Spanned on the helper's name, where an argument mismatch is reported.
/// A call with a row argument selects `DifferentiableRows` instead.
pub fn helper_impl(
    path: &syn::Path,
    arg_tys: &[TokenStream],
    value_ty: &TokenStream,
    rows: bool,
) -> TokenStream {
    let span = helper_span(path);
    let name = if rows {
        quote_spanned!(span=> DifferentiableRows)
    } else {
        quote_spanned!(span=> Differentiable)
    };
    quote_spanned!(span=> <#path as ::losses_core::__private::#name<(#(#arg_tys,)*), #value_ty>>)
}

impl<'a> Emitter<'a> {
    pub fn new(f: &'a Function, sig: &'a Signature) -> Self {
        // A helper's gradient entries go through its caller's `__accumulate`, which
        // takes an index per element, so its loops stay plain.
        let helper = sig.is_helper();
        let (lane_vars, lane_phis) = if helper {
            (Vec::new(), Vec::new())
        } else {
            lanes::lane_loops(f)
        };
        Emitter {
            f,
            sig,
            text: Text::new(f, sig),
            replay: std::cell::Cell::new(false),
            live_only: std::cell::Cell::new(false),
            in_reverse: std::cell::Cell::new(false),
            stored: std::cell::RefCell::new(None),
            lane_vars,
            lane_phis,
            flush_runs: true,
            gradient_only: false,
            prefetch_reverse: std::cell::RefCell::new(Vec::new()),
            same_shape_inputs: false,
            settable: sets::Settable::default(),
        }
    }

    /// Tells the emitter that the loss's inputs all have one shape (see [`sets`]).
    pub fn with_same_shape_inputs(mut self) -> Self {
        self.same_shape_inputs = true;
        self
    }

    /// Also writes the gradient-only function of a row loss (see
    /// [`Emitted::gradient_body`]).
    pub fn with_gradient_only(mut self) -> Self {
        self.gradient_only = true;
        self
    }

    /// Leaves the sums in lanes without flushes, for loops that never run longer
    /// than one run of blocks.
    pub fn without_flushes(mut self) -> Self {
        self.flush_runs = false;
        self
    }

    fn node(&self, id: Id) -> &Node {
        &self.f.nodes[id]
    }

    /// Operand `id` in the wanted representation, broadcast when it is uniform.
    fn value(&self, id: Id, want: Want) -> TokenStream {
        let ident = value_ident(id);
        let node = self.node(id);
        if want == Want::Scalar || node.varying {
            return quote!(#ident);
        }
        let real = real();
        match node.ty {
            Ty::Float => quote!(<__V as #real>::splat(#ident)),
            Ty::Bool => quote!(<<__V as #real>::Mask as ::losses_core::Mask>::splat(#ident)),
            Ty::Index | Ty::Array => quote!(#ident),
        }
    }

    /// Emits the function's forward statements and returns the body and the doc text.
    pub fn emit(mut self) -> Emitted {
        self.settable = sets::Settable::find(self.f, self.sig, self.same_shape_inputs);
        let result = self.value(self.f.result, Want::Vector);
        let forward_statements = self.forward_block(&self.f.body);
        let result = if self.sig.row {
            quote!(::core::result::Result::Ok(#result))
        } else {
            result
        };
        let forward_body = quote! {
            #forward_statements
            #result
        };

        let mut reverse = self.reverse();
        // A body that ends in a branch giving its result runs that branch's forward
        // statements once, inside the arms of the reverse pass.
        let (head, tail) = self.split_tail(&self.f.body, self.f.result);
        self.in_reverse.set(true);
        let reverse_forward = self.forward_stmts(head);
        self.replay.set(true);
        let reverse_code = reverse.run(head, tail);
        self.replay.set(false);
        let gradient_body = self.gradient_body(head, tail, &reverse_code);
        self.in_reverse.set(false);
        let reverse_code = reverse.returned(reverse_code);
        let reverse_lines = std::mem::take(&mut reverse.lines);
        let set_gradients = std::mem::take(&mut reverse.complete);
        let reverse_body = quote! {
            #reverse_forward
            #reverse_code
        };

        let doc = self.text.render(&reverse_lines);
        self.text = Text::new(self.f, self.sig);
        Emitted {
            forward_body,
            reverse_body,
            gradient_body,
            doc,
            set_gradients,
        }
    }

    /// Returns a reverse sweep that starts with no adjoints.
    fn reverse(&self) -> Reverse<'_, 'a> {
        Reverse {
            em: self,
            adjoints: vec![Slot::Empty; self.f.nodes.len()],
            lines: Vec::new(),
            depth: 1,
            skipped: Vec::new(),
            extrema: Vec::new(),
            products: Vec::new(),
            lane_targets: None,
            lane_outer: Vec::new(),
            written: Vec::new(),
            complete: Vec::new(),
        }
    }

    /// Writes the body of the gradient-only function, when one was requested: the forward
    /// statements of `head` that the reverse statements `reverse` read, then the reverse
    /// statements again. Call it with `in_reverse` set, as for the reverse function's
    /// forward statements. A reverse loop whose forward loop is dropped reads the row
    /// first, so it prefetches as the forward loop would have.
    fn gradient_body(
        &self,
        head: &[Stmt],
        tail: Option<&Branch>,
        reverse: &TokenStream,
    ) -> Option<TokenStream> {
        let helper = self.sig.is_helper();
        // The stores into a local array are statements that declare nothing, which the
        // pruning would drop while the reverse pass reads the array.
        let arrays = self
            .f
            .nodes
            .iter()
            .any(|node| matches!(node.op, Op::Array { .. }));
        if !self.gradient_only || !self.sig.row || helper || tail.is_some() || arrays {
            return None;
        }

        let statements: Vec<TokenStream> = head
            .iter()
            .map(|stmt| self.forward_stmts(std::slice::from_ref(stmt)))
            .collect();
        let (needed, _) = prune::needed(&statements, reverse);

        // The reverse statements again, with prefetches in the loops whose forward loop
        // is dropped.
        let dropped_loops = head
            .iter()
            .zip(&needed)
            .filter_map(|(stmt, needed)| match stmt {
                Stmt::Loop(lp) if !needed => Some(lp.var),
                _ => None,
            });
        self.prefetch_reverse.replace(dropped_loops.collect());
        self.replay.set(true);
        self.live_only.set(true);
        let reverse = self.reverse().run(head, None);
        self.live_only.set(false);
        self.replay.set(false);
        self.prefetch_reverse.replace(Vec::new());

        let needed_statements = statements
            .iter()
            .zip(&needed)
            .filter_map(|(statement, needed)| needed.then_some(statement));
        Some(quote! {
            #(#needed_statements)*
            #reverse
            ::core::result::Result::Ok(())
        })
    }

    /// Splits `block`, whose value is `value`, into the statements before a final branch
    /// that gives that value, and that branch. The reverse pass then runs the branch as
    /// one `let` whose arms run their forward statements and then their reverse pass. A
    /// block that does not end so is returned whole, with no branch.
    ///
    /// The reverse pass of a branch runs the arm's forward statements again, because
    /// the values the arm defines are local to it. A body such as `if from_logits {
    /// .. } else { .. }` then ran every loop of the taken arm twice before its reverse
    /// loops: the value and gradient of categorical cross-entropy computed each
    /// exponential three times. The arms are split in turn, so each arm of `if a { .. }
    /// else if b { .. } else { .. }` runs its statements once. A branch with local
    /// arrays is left alone, because the replay of an arm skips the stores that its
    /// first run made.
    fn split_tail<'b>(&self, block: &'b Block, value: Id) -> (&'b [Stmt], Option<&'b Branch>) {
        let f = self.f;
        let whole = (&block.stmts[..], None);
        let Some((Stmt::If(branch), head)) = block.stmts.split_last() else {
            return whole;
        };
        let mut inside = Vec::new();
        branch.then_block.defined(&mut inside);
        branch.else_block.defined(&mut inside);
        let arrays = inside.iter().any(|id| {
            matches!(
                f.nodes[*id].op,
                Op::Array { .. } | Op::ArrayLoad(..) | Op::Store(..)
            )
        });
        if branch.phi == value && f.nodes[value].active && !arrays {
            (head, Some(branch))
        } else {
            whole
        }
    }

    fn forward_block(&self, block: &Block) -> TokenStream {
        self.forward_stmts(&block.stmts)
    }

    fn forward_stmts(&self, stmts: &[Stmt]) -> TokenStream {
        let mut code = TokenStream::new();
        for stmt in stmts {
            match stmt {
                Stmt::Let(id) => code.extend(self.forward_node(*id)),
                Stmt::If(branch) => code.extend(self.forward_branch(branch)),
                Stmt::Loop(lp) => code.extend(self.forward_loop(lp)),
            }
        }
        code
    }

    /// Writes a branch as an `if` that runs one arm.
    ///
    /// NOTE: in a loop in lanes, a condition on the loop variable differs between
    /// lanes, and the compiler vectorises the loop only where it can compute both arms
    /// on every lane and select, as for a choice between two values. Arms with more
    /// work, such as a sigmoid of loaded elements, kept ApproxNDCG's loop on one
    /// element at a time. The emitter does not compute both arms and select, because
    /// the arm not taken may index out of bounds.
    fn forward_branch(&self, branch: &Branch) -> TokenStream {
        let then_code = self.forward_block(&branch.then_block);
        let else_code = self.forward_block(&branch.else_block);
        self.branch_let(branch, &then_code, &else_code)
    }

    /// Writes `let phi = if cond { then_code; then_value } else { .. };` for a branch
    /// whose arms run the given code before giving their values.
    fn branch_let(
        &self,
        branch: &Branch,
        then_code: &TokenStream,
        else_code: &TokenStream,
    ) -> TokenStream {
        let want = self.want_of(branch.phi);
        let ty = if want == Want::Vector { v_ty() } else { s_ty() };
        let (cond, phi) = (value_ident(branch.cond), value_ident(branch.phi));
        let (then_value, else_value) = phi_arms(self.node(branch.phi));
        let (then_value, else_value) = (self.value(then_value, want), self.value(else_value, want));
        quote! {
            let #phi: #ty = if #cond {
                #then_code
                #then_value
            } else {
                #else_code
                #else_value
            };
        }
    }

    fn forward_node(&self, id: Id) -> TokenStream {
        let node = self.node(id);
        let ident = value_ident(id);
        let want = if node.varying {
            Want::Vector
        } else {
            Want::Scalar
        };
        let ty = value_ty(node.ty, want);
        if let Op::Carried = node.op {
            if self.lane_phis.contains(&id) {
                let partial = self.lane_carried(id);
                return quote!(let #ident: #ty = #partial;);
            }
            let carry = carry_ident(id);
            return quote!(let #ident: #ty = #carry;);
        }
        if let Some(statement) = self.array_statement(id) {
            return statement;
        }
        let expr = self.op_tokens(&node.op, want);
        if let Some(statement) = self.stored_statement(id, &ty, &expr) {
            return statement;
        }
        quote!(let #ident: #ty = #expr;)
    }

    /// Writes a float literal or constant as an `f64`. In an `f32` function a literal is read
    /// as `f32` first, as the original function reads it: rounding its digits to `f64`
    /// and then to `f32` could give a different value.
    fn literal_tokens(&self, value: f64, text: &str) -> TokenStream {
        let concrete_f32 = matches!(&self.sig.float, FloatTy::Concrete(ident) if ident == "f32");
        if concrete_f32 && !text.contains("::") {
            // Rust reads decimal digits into `f32` with correct rounding; that `f32`
            // widened to `f64` is exact, and so is its conversion back.
            if let Ok(single) = text.replace('_', "").parse::<f32>() {
                return constant_tokens(f64::from(single), "");
            }
        }
        constant_tokens(value, text)
    }

    /// An argument of a helper call: a float in the call's representation, a `bool` as
    /// it is, since a helper's `bool` parameter is the same for all samples.
    /// A row is passed as the slice parameter itself.
    fn call_argument(&self, id: Id, want: Want) -> TokenStream {
        if let Some(param) = self.row_argument(id) {
            let ident = &self.sig.params[param].ident;
            return quote!(#ident);
        }
        match self.node(id).ty {
            Ty::Bool => self.value(id, Want::Scalar),
            _ => self.value(id, want),
        }
    }

    /// The types of a helper call's arguments, as `call_argument` passes them.
    fn call_argument_tys(&self, args: &[Id], want: Want) -> Vec<TokenStream> {
        args.iter()
            .map(|id| match self.node(*id).ty {
                _ if self.row_argument(*id).is_some() => quote!(&[__V]),
                Ty::Bool => value_ty(Ty::Bool, Want::Scalar),
                ty => value_ty(ty, want),
            })
            .collect()
    }

    /// The index of the slice parameter that helper argument `id` passes, if it is a row.
    fn row_argument(&self, id: Id) -> Option<usize> {
        match self.node(id).op {
            Op::Param(index) if self.sig.params[index].ty == ParamTy::FloatSlice => Some(index),
            _ => None,
        }
    }

    fn has_row_argument(&self, args: &[Id]) -> bool {
        args.iter().any(|id| self.row_argument(*id).is_some())
    }

    /// `for var in lo..hi { .. }` with its carried values.
    fn forward_loop(&self, lp: &Loop) -> TokenStream {
        let outs = lp.carried.iter().map(|carried| {
            let (out, carry) = (value_ident(carried.out), carry_ident(carried.phi));
            let ty = self.carry_ty(carried);
            quote!(let #out: #ty = #carry;)
        });
        let shell = if self.lane_vars.contains(&lp.var) {
            self.lane_shell(lp, &TokenStream::new(), false)
        } else {
            self.loop_shell(lp, &TokenStream::new())
        };
        quote! {
            #shell
            #(#outs)*
        }
    }

    /// Returns the type of a carried value: the type of its value after the loop.
    fn carry_ty(&self, carried: &Carried) -> TokenStream {
        let out = self.node(carried.out);
        value_ty(
            out.ty,
            if out.varying {
                Want::Vector
            } else {
                Want::Scalar
            },
        )
    }

    fn want_of(&self, id: Id) -> Want {
        if self.node(id).varying {
            Want::Vector
        } else {
            Want::Scalar
        }
    }

    /// Writes the loop with its carried values declared before it, then in each
    /// iteration the body, the carried updates and `after`.
    fn loop_shell(&self, lp: &Loop, after: &TokenStream) -> TokenStream {
        let inits = lp.carried.iter().map(|carried| {
            let carry = carry_ident(carried.phi);
            let ty = self.carry_ty(carried);
            let init = self.value(carried.init, self.want_of(carried.out));
            quote!(let mut #carry: #ty = #init;)
        });
        let updates = lp.carried.iter().map(|carried| {
            let carry = carry_ident(carried.phi);
            let next = self.value(carried.next, self.want_of(carried.out));
            quote!(#carry = #next;)
        });
        let (var, lo, hi) = (value_ident(lp.var), value_ident(lp.lo), value_ident(lp.hi));
        let body = self.forward_block(&lp.body);
        quote! {
            #(#inits)*
            for #var in #lo..#hi {
                #body
                #(#updates)*
                #after
            }
        }
    }

    /// Reads element `index` of slice parameter `param`, returning an error from the
    /// generated function when the index is out of bounds. A hyper-parameter slice
    /// has the field's element type and is converted.
    fn load_tokens(&self, param: usize, index: Id) -> TokenStream {
        let param = &self.sig.params[param];
        let name = param.ident.to_string();
        // A loop in lanes reads at its variable through a block of the slice.
        let (slice, index) = if self.lane_vars.contains(&index) {
            (
                lanes::block_ident(&param.ident),
                lanes::lane_index_ident(index),
            )
        } else {
            (param.ident.clone(), value_ident(index))
        };
        let real = real();
        let read = if param.role == Role::Hyper {
            quote!(<<__V as #real>::Scalar as #real>::from_f64(::core::primitive::f64::from(*element)))
        } else {
            quote!(*element)
        };
        quote! {
            match #slice.get(#index) {
                ::core::option::Option::Some(element) => #read,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(::losses_core::KernelError::OutOfBounds { slice: #name, index: #index, len: #slice.len() });
                }
            }
        }
    }

    fn op_tokens(&self, op: &Op, want: Want) -> TokenStream {
        let real = real();
        let ty = if want == Want::Vector { v_ty() } else { s_ty() };
        let arg = |id: &Id| self.value(*id, want);
        match op {
            Op::Param(index) => {
                let ident = &self.sig.params[*index].ident;
                quote!(#ident)
            }
            Op::Const(value, text) => {
                let literal = self.literal_tokens(*value, text);
                let s = s_ty();
                quote!(<#s as #real>::from_f64(#literal))
            }
            Op::TypeConst(method) => {
                let (s, method) = (s_ty(), Ident::new(method, Span::call_site()));
                quote!(<#s as ::losses_core::num_traits::Float>::#method())
            }
            Op::Bool(value) => quote!(#value),
            Op::Unary(Unary::Neg, a) => {
                let a = arg(a);
                quote!(-#a)
            }
            // Stopping the gradient costs nothing forward: the value is the operand's.
            Op::Unary(Unary::Detach, a) => arg(a),
            Op::Unary(unary, a) => {
                let name = Ident::new(unary_method(*unary), Span::call_site());
                let a = arg(a);
                quote!(<#ty as #real>::#name(#a))
            }
            Op::Binary(binary, a, b) => binary_tokens(*binary, &ty, arg(a), arg(b)),
            Op::Powi(a, n) => {
                let a = arg(a);
                quote!(<#ty as #real>::powi(#a, #n))
            }
            Op::Clamp(x, lo, hi) => {
                let (x, lo, hi) = (arg(x), arg(lo), arg(hi));
                quote!(<#ty as #real>::clamp(#x, #lo, #hi))
            }
            Op::Cmp(cmp, a, b) => {
                let name = Ident::new(cmp_method(*cmp), Span::call_site());
                let (a, b) = (arg(a), arg(b));
                quote!(<#ty as #real>::#name(#a, #b))
            }
            Op::And(a, b) | Op::Or(a, b) => self.logic_tokens(op, want, *a, *b),
            Op::Not(a) => {
                let a = arg(a);
                match want {
                    Want::Vector => quote!(::losses_core::Mask::not(#a)),
                    Want::Scalar => quote!(!#a),
                }
            }
            Op::Select(mask, a, b) => {
                let (mask, a, b) = (arg(mask), arg(a), arg(b));
                quote!(<__V as #real>::select(#mask, #a, #b))
            }
            Op::Call(path, args) => {
                let rows = self.has_row_argument(args);
                let helper = helper_impl(path, &self.call_argument_tys(args, want), &ty, rows);
                let args = args.iter().map(|id| self.call_argument(*id, want));
                let span = helper_span(path);
                // A helper that reads rows fails like a row loss, on an index out of
                // bounds, and the row loss's function passes the error on.
                let fallible = rows.then(|| quote!(?));
                quote_spanned!(span=> #helper::forward((#(#args,)*))#fallible)
            }
            Op::LogSumExp(terms) => {
                let terms = terms.iter().map(arg);
                quote!(<#ty as #real>::log_sum_exp(&[#(#terms),*]))
            }
            Op::Index(value) => {
                let literal = Literal::usize_suffixed(*value);
                quote!(#literal)
            }
            Op::IntBinary(op, a, b, text) => {
                let (a, b) = (arg(a), arg(b));
                match op {
                    IntOp::Add => checked_usize(quote!(checked_add), '+', &a, &b, text),
                    IntOp::Sub => checked_usize(quote!(checked_sub), '-', &a, &b, text),
                    IntOp::Mul => checked_usize(quote!(checked_mul), '*', &a, &b, text),
                    IntOp::Div => quote!(match #a.checked_div(#b) {
                        ::core::option::Option::Some(quotient) => quotient,
                        ::core::option::Option::None => return ::core::result::Result::Err(::losses_core::KernelError::DivisionByZero),
                    }),
                    IntOp::Rem => quote!(match #a.checked_rem(#b) {
                        ::core::option::Option::Some(remainder) => remainder,
                        ::core::option::Option::None => return ::core::result::Result::Err(::losses_core::KernelError::DivisionByZero),
                    }),
                }
            }
            Op::IntCmp(cmp, a, b) => {
                let (a, b) = (arg(a), arg(b));
                match cmp {
                    Cmp::Lt => quote!(#a < #b),
                    Cmp::Le => quote!(#a <= #b),
                    Cmp::Gt => quote!(#a > #b),
                    Cmp::Ge => quote!(#a >= #b),
                    Cmp::Eq => quote!(#a == #b),
                    Cmp::Ne => quote!(#a != #b),
                }
            }
            Op::Len(param) => {
                let slice = &self.sig.params[*param].ident;
                quote!(#slice.len())
            }
            Op::Load(param, index) => self.load_tokens(*param, *index),
            Op::ToIndex(value) => {
                let value = self.value(*value, Want::Scalar);
                quote!(::losses_core::__private::rows::label_index(#value)?)
            }
            Op::ToFloat(index) => {
                let (index, s) = (arg(index), s_ty());
                let value = quote!(<#s as #real>::from_f64(#index as f64));
                match want {
                    Want::Vector => quote!(<__V as #real>::splat(#value)),
                    Want::Scalar => value,
                }
            }
            // These values are bound by their branch or loop, not by a statement of
            // their own; `forward_node` binds a carried value from its carry variable.
            Op::ArrayLoad(array, index) => self.array_load(*array, *index),
            Op::Phi(..)
            | Op::LoopVar
            | Op::LoopOut
            | Op::Carried
            | Op::Array { .. }
            | Op::Store(..) => quote!(compile_error!(
                "internal: a value bound by a branch or a loop emitted as a statement"
            )),
        }
    }

    fn logic_tokens(&self, op: &Op, want: Want, a: Id, b: Id) -> TokenStream {
        let (a, b) = (self.value(a, want), self.value(b, want));
        let and = matches!(op, Op::And(..));
        match (want, and) {
            (Want::Vector, true) => quote!(::losses_core::Mask::and(#a, #b)),
            (Want::Vector, false) => quote!(::losses_core::Mask::or(#a, #b)),
            (Want::Scalar, true) => quote!(#a && #b),
            (Want::Scalar, false) => quote!(#a || #b),
        }
    }

    /// Writes an adjoint expression in the per-sample type. `node` is the node whose rule
    /// produced it, for helper adjoints.
    fn ex_tokens(&self, ex: &Ex, adjoint: &TokenStream, node: Id) -> TokenStream {
        let real = real();
        let sub = |inner: &Ex| self.ex_tokens(inner, adjoint, node);
        match ex {
            Ex::Val(id) => self.value(*id, Want::Vector),
            Ex::Adj => adjoint.clone(),
            Ex::Lit(value) => {
                let literal = constant_tokens(*value, "");
                quote!(<__V as #real>::from_f64(#literal))
            }
            Ex::Neg(a) => {
                let a = sub(a);
                quote!((-#a))
            }
            Ex::Add(a, b) => {
                let (a, b) = (sub(a), sub(b));
                quote!((#a + #b))
            }
            Ex::Sub(a, b) => {
                let (a, b) = (sub(a), sub(b));
                quote!((#a - #b))
            }
            Ex::Mul(a, b) => {
                let (a, b) = (sub(a), sub(b));
                quote!((#a * #b))
            }
            Ex::Div(a, b) => {
                let (a, b) = (sub(a), sub(b));
                quote!((#a / #b))
            }
            Ex::Method(name, args) => {
                let name = Ident::new(name, Span::call_site());
                let args = args.iter().map(sub);
                quote!(<__V as #real>::#name(#(#args),*))
            }
            Ex::Powi(base, n) => {
                let base = sub(base);
                quote!(<__V as #real>::powi(#base, #n))
            }
            Ex::Select(mask, a, b) => {
                let (mask, a, b) = (sub(mask), sub(a), sub(b));
                quote!(<__V as #real>::select(#mask, #a, #b))
            }
            Ex::Cmp(cmp, a, b) => {
                let name = Ident::new(cmp_method(*cmp), Span::call_site());
                let (a, b) = (sub(a), sub(b));
                quote!(<__V as #real>::#name(#a, #b))
            }
            Ex::And(a, b) => {
                let (a, b) = (sub(a), sub(b));
                quote!(::losses_core::Mask::and(#a, #b))
            }
            Ex::Softmax(terms, index) => {
                let terms = terms.iter().map(|term| self.value(*term, Want::Vector));
                quote!(<__V as #real>::softmax(&[#(#terms),*], #index))
            }
            Ex::HelperAdjoint(k) => {
                let ident = format_ident!("__c{}_{}", node, k);
                quote!(#ident)
            }
        }
    }
}

/// Returns the term of a max or min reduction: the operand of its update that is not
/// the carried value.
fn reduction_term(nodes: &[Node], carried: &Carried) -> Id {
    match nodes[carried.next].op {
        Op::Binary(_, a, b) if a == carried.phi => b,
        Op::Binary(_, a, _) => a,
        _ => carried.next,
    }
}

fn carry_ident(phi: Id) -> Ident {
    format_ident!("__carry{}", phi)
}

fn ties_ident(phi: Id) -> Ident {
    format_ident!("__ties{}", phi)
}

/// Collects the operands that the nodes of a nested block may pass an adjoint to. An
/// inactive node passes none, so the operands of a comparison, a `signum` or a `detach`
/// are left out. A value read only through them gets no adjoint, and then its own
/// reverse code, such as the tie count of a max loop, is not emitted.
fn adjoint_targets(nodes: &[Node], inside: &[Id]) -> Vec<Id> {
    inside
        .iter()
        .filter(|id| nodes[**id].active)
        .flat_map(|id| nodes[*id].op.operands())
        .collect()
}

/// Names the gradient output of a slice parameter, `__grad_y_pred` for `y_pred`.
pub fn grad_ident(param: &Ident) -> Ident {
    format_ident!("__grad_{}", param)
}

fn value_ty(ty: Ty, want: Want) -> TokenStream {
    match (ty, want) {
        (Ty::Float, Want::Vector) => v_ty(),
        (Ty::Float, Want::Scalar) => s_ty(),
        (Ty::Bool, Want::Vector) => mask_ty(),
        (Ty::Bool, Want::Scalar) => quote!(bool),
        (Ty::Index, _) => quote!(usize),
        // An array is bound by its own statement, never by `let name: type`.
        (Ty::Array, _) => quote!(_),
    }
}

fn phi_arms(node: &Node) -> (Id, Id) {
    match node.op {
        Op::Phi(then_value, else_value) => (then_value, else_value),
        _ => unreachable!("a branch always records an Op::Phi node"),
    }
}

fn binary_tokens(binary: Binary, ty: &TokenStream, a: TokenStream, b: TokenStream) -> TokenStream {
    let real = real();
    match binary {
        Binary::Add => quote!(#a + #b),
        Binary::Sub => quote!(#a - #b),
        Binary::Mul => quote!(#a * #b),
        Binary::Div => quote!(#a / #b),
        Binary::Powf => quote!(<#ty as #real>::powf(#a, #b)),
        Binary::Max => quote!(<#ty as #real>::max(#a, #b)),
        Binary::Min => quote!(<#ty as #real>::min(#a, #b)),
        Binary::Hypot => quote!(<#ty as #real>::hypot(#a, #b)),
    }
}

/// The `Real` method implementing a unary operation.
pub fn unary_method(unary: Unary) -> &'static str {
    match unary {
        Unary::Neg => "neg",
        Unary::Ln => "ln",
        Unary::Log2 => "log2",
        Unary::Log10 => "log10",
        Unary::Exp => "exp",
        Unary::Exp2 => "exp2",
        Unary::Sqrt => "sqrt",
        Unary::Cbrt => "cbrt",
        Unary::Abs => "abs",
        Unary::Tanh => "tanh",
        Unary::Sinh => "sinh",
        Unary::Cosh => "cosh",
        Unary::Sin => "sin",
        Unary::Cos => "cos",
        Unary::Ln1p => "ln_1p",
        Unary::ExpM1 => "exp_m1",
        Unary::Signum => "signum",
        Unary::Recip => "recip",
        Unary::Detach => "detach",
        Unary::Softplus => "softplus",
        Unary::LogSigmoid => "log_sigmoid",
        Unary::LnPositive => "ln_positive",
    }
}

/// The `Real` method implementing a comparison.
pub fn cmp_method(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Lt => "lt",
        Cmp::Le => "le",
        Cmp::Gt => "gt",
        Cmp::Ge => "ge",
        Cmp::Eq => "eq",
        Cmp::Ne => "ne",
    }
}

/// Adds `contribution` to a target of a loop in lanes, recording the target.
fn lane_add(
    targets: &mut Vec<lanes::LaneTarget>,
    target: lanes::LaneTarget,
    contribution: &TokenStream,
) -> TokenStream {
    let code = target.add(contribution);
    if !targets.contains(&target) {
        targets.push(target);
    }
    code
}

/// The location of a node's adjoint during the reverse sweep.
#[derive(Clone)]
enum Slot {
    /// No contribution yet: the adjoint is zero.
    Empty,
    /// An immutable binding; a new contribution shadows it with a new `let`.
    Let(Ident),
    /// A mutable binding declared before a uniform branch, added to in place.
    Mut(Ident),
}

/// The reverse sweep: adjoint code and its text for the docs.
struct Reverse<'e, 'a> {
    em: &'e Emitter<'a>,
    adjoints: Vec<Slot>,
    lines: Vec<String>,
    depth: usize,
    /// Carried values at the start of an iteration, inside the loop being reversed:
    /// their adjoint is the carried value's, which is already accounted for.
    skipped: Vec<Id>,
    /// The max and min reductions of the loops being reversed.
    extrema: Vec<Extremum>,
    /// The product reductions of the loops being reversed.
    products: Vec<Product>,
    /// Inside the body of a loop in lanes: the adjoints and gradient entries from outside
    /// the loop that the body adds to, each through partial sums of its own.
    lane_targets: Option<Vec<lanes::LaneTarget>>,
    /// The adjoints from before the loop in lanes being reversed: a branch in its body
    /// declares adjoints of its own, which are added to as usual.
    lane_outer: Vec<Ident>,
    /// The slice parameters whose gradient outputs have been written to so far.
    written: Vec<usize>,
    /// Those whose every element is set on the path being written (see [`sets`]).
    complete: Vec<usize>,
}

/// A max or min reduction of a loop being reversed: its adjoint is shared by the terms
/// equal to the result.
struct Extremum {
    /// The update node, `acc.max(term)`.
    next: Id,
    term: Id,
    out: Id,
    ties: Ident,
    adjoint: Ident,
}

impl Reverse<'_, '_> {
    /// Seeds the result's adjoint and reverses the body, which is `head` and, if any,
    /// the final branch `tail` that gives the result, which runs its forward statements
    /// and its reverse pass in one arm (see `Emitter::split_tail`).
    fn run(&mut self, head: &[Stmt], tail: Option<&Branch>) -> TokenStream {
        let f = self.em.f;
        let mut code = TokenStream::new();
        if f.nodes[f.result].active {
            self.adjoints[f.result] = Slot::Let(format_ident!("__seed"));
            self.lines
                .push(format!("d_{} = 1", self.em.text.name(f.result)));
        }
        code.extend(self.array_adjoints());
        if let Some(branch) = tail {
            code.extend(self.fused_branch(branch));
        }
        code.extend(self.stmts(head));
        code
    }

    /// Wraps the statements that [`run`](Self::run) wrote in the return of the reverse
    /// function: the value, and the gradients that are not written into slices.
    fn returned(&self, code: TokenStream) -> TokenStream {
        let f = self.em.f;
        let value = self.em.value(f.result, Want::Vector);
        let helper = self.em.sig.is_helper();
        if self.em.sig.row && helper {
            // A helper has passed its rows' adjoints to `__accumulate` and returns its
            // float arguments' adjoints.
            let gradients = self.gradient_params().map(|id| match &self.adjoints[id] {
                Slot::Let(ident) | Slot::Mut(ident) => quote!(#ident),
                Slot::Empty => zero(),
            });
            return quote! {
                #code
                ::core::result::Result::Ok((#value, #(#gradients),*))
            };
        }
        if self.em.sig.row {
            // A row kernel has written its gradients into the output slices.
            return quote! {
                #code
                ::core::result::Result::Ok(#value)
            };
        }
        let gradients = self.gradient_params().map(|id| match &self.adjoints[id] {
            Slot::Let(ident) | Slot::Mut(ident) => quote!(#ident),
            Slot::Empty => zero(),
        });
        quote! {
            #code
            (#value, #(#gradients),*)
        }
    }

    /// The parameter nodes whose adjoints the reverse function returns: `y_pred` for
    /// a loss, every float argument for a helper.
    fn gradient_params(&self) -> impl Iterator<Item = Id> + '_ {
        self.em
            .sig
            .params
            .iter()
            .enumerate()
            .filter(|(_, param)| {
                param.ty == ParamTy::Float && matches!(param.role, Role::YPred | Role::HelperArg)
            })
            .map(|(index, _)| index)
    }

    fn block(&mut self, block: &Block) -> TokenStream {
        self.stmts(&block.stmts)
    }

    /// Reverses statements, the last first.
    fn stmts(&mut self, stmts: &[Stmt]) -> TokenStream {
        let mut code = TokenStream::new();
        for stmt in stmts.iter().rev() {
            match stmt {
                Stmt::Let(id) => code.extend(self.node(*id)),
                Stmt::If(branch) => code.extend(self.branch(branch)),
                Stmt::Loop(lp) => code.extend(self.reverse_loop(lp)),
            }
        }
        code
    }

    fn adjoint_tokens(&self, id: Id) -> Option<TokenStream> {
        match &self.adjoints[id] {
            Slot::Let(ident) | Slot::Mut(ident) => Some(quote!(#ident)),
            Slot::Empty => None,
        }
    }

    fn node(&mut self, id: Id) -> TokenStream {
        let node = &self.em.f.nodes[id];
        if let Op::Store(array, index, value, kind) = node.op {
            return self.reverse_store(array, index, value, kind);
        }
        if !node.active {
            return TokenStream::new();
        }
        let Some(adjoint) = self.adjoint_tokens(id) else {
            return TokenStream::new();
        };
        let mut code = TokenStream::new();
        let contributions = match &node.op {
            Op::Call(path, args) => {
                code.extend(self.helper_call(id, path, args, &adjoint));
                self.document_row_adjoints(id, args);
                self.helper_contributions(args)
            }
            Op::Load(param, index) => return self.scatter(id, *param, *index, &adjoint),
            Op::ArrayLoad(array, index) => {
                return self.reverse_array_load(id, *array, *index, &adjoint);
            }
            _ if self.extrema.iter().any(|extremum| extremum.next == id) => {
                return self.extremum_term(id);
            }
            _ if self.products.iter().any(|product| product.next == id) => {
                return self.product_factors(id);
            }
            op => rules::vjp(op, id),
        };
        for (operand, ex) in contributions {
            if !self.em.f.nodes[operand].active || self.skipped.contains(&operand) {
                continue;
            }
            let ex = self.masked(id, operand, ex);
            let tokens = self.em.ex_tokens(&ex, &adjoint, id);
            let text = self.em.text.ex(&ex, id);
            code.extend(self.accumulate(operand, tokens, text));
        }
        code
    }

    /// Adds the adjoint of a load `slice[index]` to the slice's gradient output, or
    /// sets the element when this is the slice's first write and it may set (see
    /// [`sets`]).
    fn scatter(&mut self, id: Id, param: usize, index: Id, adjoint: &TokenStream) -> TokenStream {
        let slice = &self.em.sig.params[param].ident;
        let ex = self.masked(id, param, Ex::Adj);
        let contribution = self.em.ex_tokens(&ex, adjoint, id);
        let text = self.em.text.ex(&ex, id);
        let first = !self.written.contains(&param);
        let sets = first && self.em.settable.contains(param, id);
        if first {
            self.written.push(param);
        }
        if sets {
            self.complete.push(param);
        }
        self.lines.push(format!(
            "{}d_{slice}[{}] {} {text}",
            "    ".repeat(self.depth - 1),
            self.em.text.name(index),
            if sets { "=" } else { "+=" }
        ));
        if self.em.sig.params[param].role == Role::HelperArg {
            // A helper's caller owns the gradient and checks the index. A helper's
            // loops are never in lanes (see `Emitter::new`).
            let literal = Literal::usize_unsuffixed(param);
            let index_ident = value_ident(index);
            return quote!(__accumulate(#literal, #index_ident, #contribution););
        }
        // A loop in lanes writes at its variable through a block of the output, and at
        // an index from before the loop through partial sums.
        let at_var = self.em.lane_vars.contains(&index);
        if let (Some(targets), false) = (&mut self.lane_targets, at_var) {
            return lane_add(
                targets,
                lanes::LaneTarget::Entry { param, index },
                &contribution,
            );
        }
        let (grad, index_ident) = if at_var {
            (
                lanes::grad_block_ident(slice),
                lanes::lane_index_ident(index),
            )
        } else {
            (grad_ident(slice), value_ident(index))
        };
        let written = if sets {
            contribution
        } else {
            quote!(*element + #contribution)
        };
        quote! {
            if let ::core::option::Option::Some(element) = #grad.get_mut(#index_ident) {
                *element = #written;
            }
        }
    }

    /// Passes the adjoint of a max or min reduction to its term where the term equals
    /// the result, shared equally among ties.
    fn extremum_term(&mut self, next: Id) -> TokenStream {
        let Some(extremum) = self.extrema.iter().find(|extremum| extremum.next == next) else {
            return TokenStream::new();
        };
        let (term, out, ties, adjoint) = (
            extremum.term,
            extremum.out,
            extremum.ties.clone(),
            extremum.adjoint.clone(),
        );
        if !self.em.f.nodes[term].active {
            return TokenStream::new();
        }
        self.share_among_ties(term, out, &ties, &adjoint, next)
    }

    /// `d_target += select(target == out, d_out / ties, 0)`.
    fn share_among_ties(
        &mut self,
        target: Id,
        out: Id,
        ties: &Ident,
        adjoint: &Ident,
        node: Id,
    ) -> TokenStream {
        let real = real();
        let (target_value, out_value) = (
            self.em.value(target, Want::Vector),
            self.em.value(out, Want::Vector),
        );
        let contribution = quote! {
            <__V as #real>::select(
                <__V as #real>::eq(#target_value, #out_value),
                #adjoint / <__V as #real>::from_f64(#ties as f64),
                <__V as #real>::from_f64(0.0_f64),
            )
        };
        let text = format!(
            "select({} == {}, d_{} / ties, 0.0)",
            self.em.text.name(target),
            self.em.text.name(out),
            self.em.text.name(out)
        );
        let _ = node;
        self.accumulate(target, contribution, text)
    }

    /// Reverses a loop: the loop runs again in forward order, recomputing each
    /// iteration's values, and adds each iteration's contributions. No iteration is
    /// stored, which the reductions allow: a sum passes its adjoint unchanged to every
    /// term, and a max or min passes it to the terms equal to the result, counted in a
    /// first pass, and a product passes it times the product of the other factors,
    /// from a first pass that counts the zero factors.
    fn reverse_loop(&mut self, lp: &Loop) -> TokenStream {
        let nodes = &self.em.f.nodes;
        let reversed: Vec<(&Carried, Ident)> = lp
            .carried
            .iter()
            .filter(|carried| carried.reduction != Reduction::Inactive)
            .filter_map(|carried| match &self.adjoints[carried.out] {
                Slot::Let(ident) | Slot::Mut(ident) => Some((carried, ident.clone())),
                Slot::Empty => None,
            })
            .collect();
        if reversed.is_empty() && !self.writes_active_array(lp) {
            return TokenStream::new();
        }

        let mut inside = vec![lp.var];
        lp.body.defined(&mut inside);
        let mut targets = adjoint_targets(nodes, &inside);
        targets.extend(reversed.iter().map(|(carried, _)| carried.init));
        let mut code = self.declare(targets, &inside);
        code.extend(self.count_ties(lp, &reversed));
        let products: Vec<Product> = reversed
            .iter()
            .filter(|(carried, _)| carried.reduction == Reduction::Product)
            .map(|(carried, adjoint)| Product::new(nodes, carried, adjoint))
            .collect();
        code.extend(self.count_zeros(lp, &products));

        self.lines.push(format!(
            "{}for {} in {}..{} {{",
            "    ".repeat(self.depth - 1),
            self.em.text.name(lp.var),
            self.em.text.name(lp.lo),
            self.em.text.name(lp.hi)
        ));
        let saved = (
            self.adjoints.clone(),
            self.skipped.len(),
            self.extrema.len(),
            self.products.len(),
        );
        self.products.extend(products);
        self.depth += 1;
        for (carried, adjoint) in &reversed {
            self.skipped.push(carried.phi);
            self.adjoints[carried.next] = Slot::Let(adjoint.clone());
            match carried.reduction {
                Reduction::Max | Reduction::Min => self.extrema.push(Extremum {
                    next: carried.next,
                    term: reduction_term(nodes, carried),
                    out: carried.out,
                    ties: ties_ident(carried.phi),
                    adjoint: adjoint.clone(),
                }),
                _ => {}
            }
        }
        let in_lanes = self.em.lane_vars.contains(&lp.var);
        let outer_lanes = std::mem::replace(&mut self.lane_targets, in_lanes.then(Vec::new));
        self.lane_outer = self
            .adjoints
            .iter()
            .filter_map(|slot| match slot {
                Slot::Mut(ident) => Some(ident.clone()),
                _ => None,
            })
            .collect();
        let inner = self.block(&lp.body);
        let lane_targets = std::mem::replace(&mut self.lane_targets, outer_lanes);
        self.depth -= 1;
        self.adjoints = saved.0;
        self.skipped.truncate(saved.1);
        self.extrema.truncate(saved.2);
        self.lines
            .push(format!("{}}}", "    ".repeat(self.depth - 1)));

        if in_lanes {
            let lane_targets = lane_targets.unwrap_or_default();
            code.extend(lane_targets.iter().map(lanes::LaneTarget::declare));
            code.extend(self.em.lane_shell(lp, &inner, true));
            for target in &lane_targets {
                let grad = match target {
                    lanes::LaneTarget::Entry { param, .. } => {
                        Some(grad_ident(&self.em.sig.params[*param].ident))
                    }
                    lanes::LaneTarget::Adjoint(_) => None,
                };
                code.extend(target.combine(grad.as_ref()));
            }
        } else {
            code.extend(self.em.loop_shell(lp, &inner));
        }
        for (carried, adjoint) in &reversed {
            code.extend(self.reverse_init(carried, adjoint));
        }
        self.products.truncate(saved.3);
        code
    }

    /// Adds the adjoint a reduction passes to its value before the loop.
    fn reverse_init(&mut self, carried: &Carried, adjoint: &Ident) -> TokenStream {
        if !self.em.f.nodes[carried.init].active || self.skipped.contains(&carried.init) {
            return TokenStream::new();
        }
        match carried.reduction {
            Reduction::Max | Reduction::Min => {
                let ties = ties_ident(carried.phi);
                self.share_among_ties(carried.init, carried.out, &ties, adjoint, carried.out)
            }
            Reduction::Product => self.product_init(carried.out),
            _ => {
                let text = format!("d_{}", self.em.text.name(carried.out));
                self.accumulate(carried.init, quote!(#adjoint), text)
            }
        }
    }

    /// Counts, in a first pass over the loop, the terms equal to each max or min.
    fn count_ties(&self, lp: &Loop, reversed: &[(&Carried, Ident)]) -> TokenStream {
        let extrema: Vec<&Carried> = reversed
            .iter()
            .map(|(carried, _)| *carried)
            .filter(|carried| matches!(carried.reduction, Reduction::Max | Reduction::Min))
            .collect();
        if extrema.is_empty() {
            return TokenStream::new();
        }
        let real = real();
        let nodes = &self.em.f.nodes;
        let mut declarations = TokenStream::new();
        let mut counting = TokenStream::new();
        let mut initial = TokenStream::new();
        for carried in &extrema {
            let ties = ties_ident(carried.phi);
            let out = self.em.value(carried.out, Want::Vector);
            let term = self.em.value(reduction_term(nodes, carried), Want::Vector);
            let init = self.em.value(carried.init, Want::Vector);
            declarations.extend(quote!(let mut #ties: usize = 0;));
            counting.extend(quote!(if <__V as #real>::eq(#term, #out) { #ties += 1; }));
            initial.extend(quote!(if <__V as #real>::eq(#init, #out) { #ties += 1; }));
        }
        // A loop in lanes reads its slices through blocks, so the count runs in lanes too.
        let shell = if self.em.lane_vars.contains(&lp.var) {
            self.em.lane_shell(lp, &counting, false)
        } else {
            self.em.loop_shell(lp, &counting)
        };
        quote! {
            #declarations
            { #shell }
            #initial
        }
    }

    /// Wraps a contribution that leaves a per-sample branch arm in a select on the
    /// arm's guard.
    fn masked(&self, from: Id, to: Id, ex: Ex) -> Ex {
        let (source, target) = (&self.em.f.nodes[from], &self.em.f.nodes[to]);
        match source.guard {
            Some(guard) if source.depth > target.depth => Ex::Select(
                Box::new(Ex::Val(guard)),
                Box::new(ex),
                Box::new(Ex::Lit(0.0)),
            ),
            _ => ex,
        }
    }

    /// Calls a helper's reverse function; its float arguments' adjoints come back as
    /// `__c{id}_{k}`, and the zeros of its `bool` arguments are dropped.
    fn helper_call(
        &self,
        id: Id,
        path: &syn::Path,
        args: &[Id],
        adjoint: &TokenStream,
    ) -> TokenStream {
        let rows = self.em.has_row_argument(args);
        let helper = helper_impl(
            path,
            &self.em.call_argument_tys(args, Want::Vector),
            &v_ty(),
            rows,
        );
        let arg_tokens = args
            .iter()
            .map(|arg| self.em.call_argument(*arg, Want::Vector));
        let mut floats = 0_usize;
        let slots: Vec<TokenStream> = args
            .iter()
            .map(|arg| {
                if !self.is_float_argument(*arg) {
                    return quote!(_);
                }
                let slot = format_ident!("__c{}_{}", id, floats);
                floats += 1;
                quote!(#slot)
            })
            .collect();
        // Spanned like the forward call, so that an argument mismatch, reported on
        // both, reads as one error.
        let span = helper_span(path);
        if !rows {
            return quote_spanned! {span=>
                let [#(#slots),*] = #helper::reverse((#(#arg_tokens,)*), #adjoint);
            };
        }
        let accumulate = self.row_accumulator(id, args);
        quote_spanned! {span=>
            let [#(#slots),*] = #helper::reverse((#(#arg_tokens,)*), #adjoint, &mut #accumulate)?;
        }
    }

    /// The closure through which a helper adds the adjoints of its rows' elements:
    /// argument `k` at `index` goes to the gradient of the slice parameter passed as
    /// argument `k`. A loss writes into its gradient output, and a helper passes the
    /// adjoint on to its own caller. Rows without a gradient, such as `y_true`, drop it.
    fn row_accumulator(&self, id: Id, args: &[Id]) -> TokenStream {
        let arms: Vec<TokenStream> = args
            .iter()
            .enumerate()
            .filter_map(|(k, arg)| {
                let param = self.em.row_argument(*arg)?;
                if !self.em.f.nodes[*arg].active {
                    return None;
                }
                let ex = self.masked(id, *arg, Ex::Adj);
                let contribution = self.em.ex_tokens(&ex, &quote!(__adjoint), id);
                let add = self.row_gradient_add(param, &contribution);
                Some(quote!(#k => { #add }))
            })
            .collect();
        quote! {
            |__argument: usize, __index: usize, __adjoint: __V| match __argument {
                #(#arms)*
                _ => {}
            }
        }
    }

    /// Adds `contribution` to element `__index` of the gradient of slice parameter
    /// `param`.
    fn row_gradient_add(&self, param: usize, contribution: &TokenStream) -> TokenStream {
        if self.em.sig.params[param].role == Role::HelperArg {
            let literal = Literal::usize_unsuffixed(param);
            return quote!(__accumulate(#literal, __index, #contribution));
        }
        let grad = grad_ident(&self.em.sig.params[param].ident);
        quote! {
            if let ::core::option::Option::Some(element) = #grad.get_mut(__index) {
                *element = *element + #contribution;
            }
        }
    }

    /// Writes the gradient doc lines of the rows that helper call `id` passes.
    fn document_row_adjoints(&mut self, id: Id, args: &[Id]) {
        for (position, arg) in args.iter().enumerate() {
            let Some(param) = self.em.row_argument(*arg) else {
                continue;
            };
            if !self.em.f.nodes[*arg].active {
                continue;
            }
            let slice = &self.em.sig.params[param].ident;
            let text = self.em.text.row_adjoint(id, position);
            self.lines.push(format!(
                "{}d_{slice}[..] += {text}",
                "    ".repeat(self.depth - 1)
            ));
        }
    }

    /// Checks whether a helper argument is a float, whose adjoint the helper returns,
    /// rather than a `bool` or a row.
    fn is_float_argument(&self, arg: Id) -> bool {
        self.em.f.nodes[arg].ty == Ty::Float && self.em.row_argument(arg).is_none()
    }

    fn helper_contributions(&self, args: &[Id]) -> Vec<(Id, Ex)> {
        args.iter()
            .filter(|arg| self.is_float_argument(**arg))
            .enumerate()
            .map(|(k, arg)| (*arg, Ex::HelperAdjoint(k)))
            .collect()
    }

    fn accumulate(&mut self, target: Id, contribution: TokenStream, text: String) -> TokenStream {
        let name = self.em.text.name(target);
        self.lines.push(format!(
            "{}d_{name} += {text}",
            "    ".repeat(self.depth - 1)
        ));
        match self.adjoints[target].clone() {
            Slot::Empty => {
                let ident = format_ident!("__d{}", target);
                self.adjoints[target] = Slot::Let(ident.clone());
                quote!(let #ident: __V = #contribution;)
            }
            Slot::Let(ident) => quote!(let #ident: __V = #ident + #contribution;),
            Slot::Mut(ident) => match &mut self.lane_targets {
                Some(targets) if self.lane_outer.contains(&ident) => {
                    lane_add(targets, lanes::LaneTarget::Adjoint(ident), &contribution)
                }
                _ => quote!(#ident = #ident + #contribution;),
            },
        }
    }

    /// Reverses a uniform branch: recompute the taken arm, then reverse it.
    fn branch(&mut self, branch: &Branch) -> TokenStream {
        let Some(adjoint) = self.adjoint_tokens(branch.phi) else {
            return TokenStream::new();
        };
        let (then_value, else_value) = phi_arms(&self.em.f.nodes[branch.phi]);
        let mut code = self.declare_targets(branch, then_value, else_value);
        let (then_code, else_code) = self.arms(branch, &adjoint);

        let cond = value_ident(branch.cond);
        code.extend(quote! {
            if #cond {
                #then_code
            } else {
                #else_code
            }
        });
        code
    }

    /// Writes the branch that ends the body as one `let` of its value, each arm
    /// running its forward statements, then its reverse pass, then giving its value.
    fn fused_branch(&mut self, branch: &Branch) -> TokenStream {
        let Some(adjoint) = self.adjoint_tokens(branch.phi) else {
            return self.em.forward_branch(branch);
        };
        let (then_value, else_value) = phi_arms(&self.em.f.nodes[branch.phi]);
        let mut code = self.declare_targets(branch, then_value, else_value);
        let (then_code, else_code) = self.arms(branch, &adjoint);

        code.extend(self.em.branch_let(branch, &then_code, &else_code));
        code
    }

    /// Returns the code of both arms of a branch, each running its forward statements
    /// and then its reverse pass, and writes the branch into the docs' derivation.
    fn arms(&mut self, branch: &Branch, adjoint: &TokenStream) -> (TokenStream, TokenStream) {
        let (then_value, else_value) = phi_arms(&self.em.f.nodes[branch.phi]);
        let cond_name = self.em.text.name(branch.cond);
        self.lines.push(format!(
            "{}if {cond_name} {{",
            "    ".repeat(self.depth - 1)
        ));
        // Each arm starts from the gradient writes before the branch. After it, a slice
        // counts as written if either arm wrote it, and as set only if both set it.
        let before = (self.written.clone(), self.complete.clone());
        let then_code = self.arm(&branch.then_block, then_value, adjoint, branch.phi);
        let then_writes = std::mem::replace(&mut self.written, before.0);
        let then_complete = std::mem::replace(&mut self.complete, before.1);
        self.lines
            .push(format!("{}}} else {{", "    ".repeat(self.depth - 1)));
        let else_code = self.arm(&branch.else_block, else_value, adjoint, branch.phi);
        self.lines
            .push(format!("{}}}", "    ".repeat(self.depth - 1)));
        for param in then_writes {
            if !self.written.contains(&param) {
                self.written.push(param);
            }
        }
        self.complete.retain(|param| then_complete.contains(param));
        (then_code, else_code)
    }

    /// Declares, as mutable, the adjoints of the outer nodes an arm adds to.
    fn declare_targets(&mut self, branch: &Branch, then_value: Id, else_value: Id) -> TokenStream {
        let mut inside = Vec::new();
        branch.then_block.defined(&mut inside);
        branch.else_block.defined(&mut inside);
        let mut targets = adjoint_targets(&self.em.f.nodes, &inside);
        targets.extend([then_value, else_value]);
        self.declare(targets, &inside)
    }

    /// Declares, as mutable, the adjoints of the given nodes that are active and
    /// defined outside `inside`, so that code in a nested block can add to them.
    fn declare(&mut self, mut targets: Vec<Id>, inside: &[Id]) -> TokenStream {
        let nodes = &self.em.f.nodes;
        targets
            .retain(|id| nodes[*id].active && !inside.contains(id) && !self.skipped.contains(id));
        targets.sort_unstable();
        targets.dedup();

        let mut code = TokenStream::new();
        for target in targets {
            let ident = format_ident!("__d{}", target);
            match &self.adjoints[target] {
                Slot::Empty => {
                    let zero = zero();
                    code.extend(quote!(let mut #ident: __V = #zero;));
                }
                Slot::Let(current) => code.extend(quote!(let mut #ident: __V = #current;)),
                Slot::Mut(_) => continue,
            }
            self.adjoints[target] = Slot::Mut(ident);
        }
        code
    }

    /// Runs an arm's forward statements, then its reverse pass. An arm that ends in a
    /// branch giving its value runs that branch once, as the body's final branch does.
    fn arm(&mut self, block: &Block, value: Id, adjoint: &TokenStream, phi: Id) -> TokenStream {
        let saved = self.adjoints.clone();
        self.depth += 1;
        let (head, tail) = self.em.split_tail(block, value);
        let forward = self.em.forward_stmts(head);
        // The arm's value may be defined outside an enclosing per-sample arm, so its
        // share leaves that arm through the guard like any other contribution.
        let ex = self.masked(phi, value, Ex::Adj);
        let tokens = self.em.ex_tokens(&ex, adjoint, phi);
        let text = self.em.text.ex(&ex, phi);
        let seed = self.accumulate(value, tokens, text);
        let mut reverse = TokenStream::new();
        if let Some(branch) = tail {
            reverse.extend(self.fused_branch(branch));
        }
        reverse.extend(self.stmts(head));
        self.depth -= 1;
        self.adjoints = saved;
        quote! {
            #forward
            #seed
            #reverse
        }
    }
}
