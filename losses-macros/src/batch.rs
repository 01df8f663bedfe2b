//! `#[loss(batch)]`: a row loss whose loops sum over the row, so that it can also be
//! evaluated over the whole batch from sums that merge across chunks.
//!
//! The function's body must have three parts: `let` statements (the sums' initial
//! values among them, as `let mut sum = ..;`), then `for` loops over the whole row that
//! only add to the sums terms of one element each, then statements that use the sums
//! and the hyper-parameters. A sum is a `let mut` that a loop assigns, and one that no
//! loop assigns is a constant. A loop reads a sum only in that sum's own update,
//! because in each chunk the sum contains only the chunk's part.
//! The sums' starting values read neither a row nor another sum, since the whole-batch
//! evaluation adds each starting value once, after merging. The macro writes these
//! functions from the parts and expands them with its own attributes:
//! - one row loss per sum, `__NamePartialK`, whose value is that sum started from 0
//!   over a chunk of elements; its gradient is the sum's gradient;
//! - one row loss, `__NameAdjoint`, whose value is `Σₖ aₖ sumₖ` with the adjoints `aₖ`
//!   of the sums as extra hyper-parameters, so that one reverse pass over a chunk gives
//!   the chunk's gradient. Its `RowKernel::gradient` leaves out the forward loops,
//!   whose sums the gradient does not read, so that pass reads the chunk once;
//! - one `#[differentiable]` helper, `__name_finish`, from the sums to the loss, whose
//!   reverse function gives the adjoints of the sums.
//!
//! The `BatchKernel` impl calls them; the drivers merge the chunks' sums.

mod loops;
mod reads;

use crate::ctxt::Ctxt;
use crate::item::LossModel;
use crate::signature::{FloatTy, ParamTy, Role};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use reads::{local_ident, local_ident_mut};
use syn::{Expr, FnArg, Pat, Stmt};

/// The body of a batch loss, split into its three parts.
struct Parts<'a> {
    prefix: &'a [Stmt],
    loops: &'a [Stmt],
    suffix: &'a [Stmt],
    /// The sums: the `let mut` names of the prefix.
    sums: Vec<Ident>,
    /// The positions in the prefix of the `let`s that read a row, which the finish
    /// function leaves out.
    row_lets: Vec<usize>,
}

/// Writes the synthesized functions and the `BatchKernel` impl, or nothing when
/// `batch` was not asked for.
pub fn batch_items(cx: &mut Ctxt, model: &LossModel<'_>) -> TokenStream {
    if !model.args.batch {
        return TokenStream::new();
    }
    // After an error the row impl still dispatches on the axis, so a stub impl keeps
    // the error the only one shown.
    batch_parts(cx, model).unwrap_or_else(|| stub_impl(model))
}

fn batch_parts(cx: &mut Ctxt, model: &LossModel<'_>) -> Option<TokenStream> {
    let item = model.item;
    let key = model.args.key("batch").unwrap_or(&item.sig.ident);
    if !model.sig.row || model.sig.multi || model.args.exclude_if.is_some() {
        let found = if !model.sig.row {
            "an elementwise loss"
        } else if model.sig.multi {
            "a loss with `inputs(...)`"
        } else {
            "a loss with `exclude_if`"
        };
        cx.error_spanned(key, format!("`batch` is not supported on {found}: it needs a row loss of `y_true: &[T]` and `y_pred: &[T]`, without `inputs(...)` or `exclude_if`"));
        return None;
    }
    if let Some(param) = model.sig.params.iter().find(|param| {
        param.role == Role::Hyper && !matches!(param.ty, ParamTy::Float | ParamTy::Bool)
    }) {
        let found = match param.ty {
            ParamTy::Index => "`usize`",
            _ => "a slice",
        };
        cx.error_spanned(
            &param.ident,
            format!("the hyper-parameter `{}` is {found}, but a `batch` loss takes float and `bool` hyper-parameters only: remove `batch` or the hyper-parameter", param.ident),
        );
        return None;
    }
    let parts = split(cx, key, &item.block.stmts)?;
    let partials = parts
        .sums
        .iter()
        .enumerate()
        .map(|(k, sum)| partial_function(model, &parts, k, sum));
    let adjoint = adjoint_function(model, &parts);
    let finish = finish_function(model, &parts);
    let kernel = kernel_impl(model, &parts);
    Some(quote! {
        #(#partials)*
        #adjoint
        #finish
        #kernel
    })
}

/// Writes a `BatchKernel` impl whose bodies never run, to go with an error.
fn stub_impl(model: &LossModel<'_>) -> TokenStream {
    let name = &model.name;
    let stub = quote!(::core::unreachable!(
        "the #[loss] function failed to compile; see the errors above"
    ));
    quote! {
        #[automatically_derived]
        impl<__T: ::losses_core::LossFloat> ::losses_core::BatchKernel<__T> for #name {
            const NAME: &'static str = "";
            const STATISTICS: usize = 0;

            fn validate(&self) -> ::core::result::Result<(), ::losses_core::LossError> {
                #stub
            }

            fn partials(&self, _: &[__T], _: &[__T], _: &mut [__T]) -> ::core::result::Result<(), ::losses_core::KernelError> {
                #stub
            }

            fn finish(&self, _: &[__T]) -> __T {
                #stub
            }

            fn finish_reverse(&self, _: &[__T], _: __T, _: &mut [__T]) -> __T {
                #stub
            }

            fn chunk_reverse(&self, _: &[__T], _: &[__T], _: &[__T], _: &mut [__T]) -> ::core::result::Result<(), ::losses_core::KernelError> {
                #stub
            }
        }
    }
}

/// Splits the body at its loops; reports a body without the three parts.
fn split<'a>(cx: &mut Ctxt, key: &Ident, stmts: &'a [Stmt]) -> Option<Parts<'a>> {
    let is_loop = |stmt: &Stmt| matches!(stmt, Stmt::Expr(Expr::ForLoop(_), _));
    let first = stmts.iter().position(is_loop);
    let Some(first) = first else {
        cx.error_spanned(
            key,
            "`batch` needs a loss that adds to sums in `for` loops over the row, and this body has no `for` loop: remove `batch`",
        );
        return None;
    };
    let end = first
        + stmts[first..]
            .iter()
            .take_while(|stmt| is_loop(stmt))
            .count();
    let (prefix, loops, suffix) = (&stmts[..first], &stmts[first..end], &stmts[end..]);
    if let Some(stray) = suffix.iter().find(|stmt| is_loop(stmt)) {
        cx.error_spanned(stray, "a `batch` loss has its loops together, after the sums are declared and before they are used: move this loop up to the others");
        return None;
    }
    if let Some(array) = prefix.iter().find_map(array_init) {
        cx.error_spanned(array, "`batch` does not support local arrays, whose elements would need merging across chunks: compute the loss with sums only, or remove `batch`");
        return None;
    }
    let mutable = prefix
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Local(local) => local_ident(local)
                .filter(|pat| pat.mutability.is_some())
                .map(|pat| pat.ident.clone()),
            _ => None,
        })
        .collect::<Vec<_>>();
    // A `let mut` that no loop assigns keeps its value in every chunk, so it is a
    // constant, not a sum that starts from 0 in each chunk.
    let assigned = loops::assigned_names(loops);
    let sums: Vec<Ident> = mutable
        .iter()
        .filter(|name| assigned.contains(name))
        .cloned()
        .collect();
    if sums.is_empty() {
        let message = if mutable.is_empty() {
            "a `batch` loss declares its sums with `let mut` before its loops, as in `let mut sum = 0.0;`, and none is declared before this loop"
        } else {
            "a `batch` loss adds to its sums in its loops, but no loop assigns any `let mut` declared before the loops: add each term to a sum, as in `sum += e`, or remove `batch`"
        };
        cx.error_spanned(&stmts[first], message);
        return None;
    }
    let row_lets = reads::check_reads(cx, prefix, suffix, &sums)?;
    if let Some((update, sum)) = loops.iter().find_map(|stmt| non_sum_update(stmt, &sums)) {
        cx.error_spanned(update, format!("a `batch` loss only adds to its sums in its loops, so that the sums of chunks merge, but this updates `{sum}` in another way: write `{sum} += e` or `{sum} -= e`, or remove `batch`"));
        return None;
    }
    loops::check_loops(cx, prefix, &row_lets, loops, &sums)?;
    Some(Parts {
        prefix,
        loops,
        suffix,
        sums,
        row_lets,
    })
}

/// Returns the initializer of a `let` that declares a local array, `vec![..]` or
/// `[fill; len]`.
fn array_init(stmt: &Stmt) -> Option<&Expr> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = &*local.init.as_ref()?.expr;
    match init {
        Expr::Repeat(_) => Some(init),
        Expr::Macro(call) if call.mac.path.is_ident("vec") => Some(init),
        _ => None,
    }
}

/// Finds an update of a sum that is not `+=`, `-=`, `s = s + e` or `s = s - e`, such
/// as a product or a max, whose chunk values would not merge by addition.
fn non_sum_update<'a>(stmt: &'a Stmt, sums: &[Ident]) -> Option<(&'a Expr, Ident)> {
    struct Finder<'a, 's> {
        sums: &'s [Ident],
        found: Option<(&'a Expr, Ident)>,
    }
    impl<'a> syn::visit::Visit<'a> for Finder<'a, '_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found.is_none() {
                self.found = non_sum_target(expr, self.sums).map(|sum| (expr, sum));
                syn::visit::visit_expr(self, expr);
            }
        }
    }
    let mut finder = Finder { sums, found: None };
    syn::visit::Visit::visit_stmt(&mut finder, stmt);
    finder.found
}

/// Returns the sum that `expr` assigns, when it does so other than by adding or
/// subtracting.
fn non_sum_target(expr: &Expr, sums: &[Ident]) -> Option<Ident> {
    let sum_named = |target: &Expr| match target {
        Expr::Path(path) => sums.iter().find(|sum| path.path.is_ident(*sum)).cloned(),
        _ => None,
    };
    match expr {
        Expr::Binary(binary) => match binary.op {
            syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_) => None,
            syn::BinOp::MulAssign(_)
            | syn::BinOp::DivAssign(_)
            | syn::BinOp::RemAssign(_)
            | syn::BinOp::BitAndAssign(_)
            | syn::BinOp::BitOrAssign(_)
            | syn::BinOp::BitXorAssign(_)
            | syn::BinOp::ShlAssign(_)
            | syn::BinOp::ShrAssign(_) => sum_named(&binary.left),
            _ => None,
        },
        Expr::Assign(assign) => {
            let sum = sum_named(&assign.left)?;
            let adds = loops::added_term(expr, |name| *name == sum).is_some();
            (!adds).then_some(sum)
        }
        _ => None,
    }
}

/// The prefix with every sum's initial value replaced: by 0 for a partial sum over a
/// chunk, or by `sum_k + initial` for the finish function. Without `keep_mut`, every
/// `let mut` of the prefix loses its `mut`.
fn prefix_with(
    parts: &Parts<'_>,
    replace: impl Fn(usize, &Expr) -> Expr,
    keep_mut: bool,
) -> Vec<Stmt> {
    parts
        .prefix
        .iter()
        .map(|stmt| {
            let Stmt::Local(local) = stmt else {
                return stmt.clone();
            };
            let Some(pat) = local_ident(local) else {
                return stmt.clone();
            };
            let mut local = local.clone();
            // A `let mut` that no loop assigns is a constant: only its `mut` may change.
            if let Some(k) = parts.sums.iter().position(|sum| *sum == pat.ident) {
                if let Some(init) = &mut local.init {
                    *init.expr = replace(k, &init.expr);
                }
            }
            if let (false, Some(pat)) = (keep_mut, local_ident_mut(&mut local)) {
                pat.mutability = None;
            }
            Stmt::Local(local)
        })
        .collect()
}

fn partial_type(model: &LossModel<'_>, k: usize) -> Ident {
    format_ident!("__{}Partial{}", model.name, k)
}

fn finish_name(model: &LossModel<'_>) -> Ident {
    format_ident!("__{}_finish", model.item.sig.ident)
}

/// Writes a row loss whose value is sum `k` started from 0.
fn partial_function(
    model: &LossModel<'_>,
    parts: &Parts<'_>,
    k: usize,
    sum: &Ident,
) -> TokenStream {
    let item = model.item;
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let (inputs, output) = (&item.sig.inputs, &item.sig.output);
    let prefix = prefix_with(parts, |_, _| syn::parse_quote!(0.0), true);
    let loops = parts.loops;
    let name = format_ident!("__{}_partial_{}", item.sig.ident, k);
    let type_name = partial_type(model, k);
    quote! {
        #[doc(hidden)]
        #[allow(unused_variables, unused_mut, unused_assignments, clippy::needless_range_loop)]
        #[::losses_core::loss(name = #type_name, __block_sums)]
        fn #name #generics (#inputs) #output #where_clause {
            #(#prefix)*
            #(#loops)*
            #sum
        }
    }
}

fn adjoint_type(model: &LossModel<'_>) -> Ident {
    format_ident!("__{}Adjoint", model.name)
}

/// Writes a row loss whose value is `Σₖ aₖ sumₖ` over a chunk, with the adjoints `aₖ`
/// of the sums as extra hyper-parameters. Its gradient is the chunk's gradient, so one
/// reverse pass over the chunk gives it, instead of one pass per sum.
fn adjoint_function(model: &LossModel<'_>, parts: &Parts<'_>) -> TokenStream {
    let item = model.item;
    let (generics, where_clause) = (&item.sig.generics, &item.sig.generics.where_clause);
    let (inputs, output) = (&item.sig.inputs, &item.sig.output);
    let float = match &model.sig.float {
        FloatTy::Generic(ident) | FloatTy::Concrete(ident) => ident,
    };
    let adjoints: Vec<Ident> = (0..parts.sums.len())
        .map(|k| format_ident!("__adjoint{}", k))
        .collect();
    let prefix = prefix_with(parts, |_, _| syn::parse_quote!(0.0), true);
    let (loops, sums) = (parts.loops, &parts.sums);
    let name = format_ident!("__{}_adjoint", item.sig.ident);
    let type_name = adjoint_type(model);
    quote! {
        #[doc(hidden)]
        // The adjoints add one parameter per sum to the loss's own.
        #[allow(unused_variables, unused_mut, unused_assignments, clippy::needless_range_loop, clippy::too_many_arguments)]
        #[::losses_core::loss(name = #type_name, __gradient_only)]
        fn #name #generics (#inputs, #(#adjoints: #float),*) #output #where_clause {
            #(#prefix)*
            #(#loops)*
            0.0 #(+ #adjoints * #sums)*
        }
    }
}

/// The helper from the sums and the hyper-parameters to the loss.
fn finish_function(model: &LossModel<'_>, parts: &Parts<'_>) -> TokenStream {
    let item = model.item;
    let (generics, where_clause, output) = (
        &item.sig.generics,
        &item.sig.generics.where_clause,
        &item.sig.output,
    );
    let float = match &model.sig.float {
        FloatTy::Generic(ident) | FloatTy::Concrete(ident) => ident,
    };
    let sum_params: Vec<Ident> = (0..parts.sums.len())
        .map(|k| format_ident!("__sum{}", k))
        .collect();
    let hypers = item.sig.inputs.iter().filter(|input| match input {
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(pat) => pat.ident != "y_true" && pat.ident != "y_pred",
            _ => false,
        },
        FnArg::Receiver(_) => false,
    });
    let prefix = prefix_with(
        parts,
        |k, init| {
            let sum = &sum_params[k];
            syn::parse_quote!(#sum + (#init))
        },
        false,
    );
    // The `let`s that read a row serve the loops only, and the finish has no row.
    let prefix = prefix
        .into_iter()
        .enumerate()
        .filter(|(position, _)| !parts.row_lets.contains(position))
        .map(|(_, stmt)| stmt);
    let suffix = parts.suffix;
    let name = finish_name(model);
    quote! {
        #[doc(hidden)]
        #[allow(unused_variables, unused_mut)]
        #[::losses_core::differentiable]
        fn #name #generics (#(#sum_params: #float,)* #(#hypers),*) #output #where_clause {
            #(#prefix)*
            #(#suffix)*
        }
    }
}

/// `impl BatchKernel` from the partial row losses and the finish helper.
fn kernel_impl(model: &LossModel<'_>, parts: &Parts<'_>) -> TokenStream {
    let name = &model.name;
    let count = parts.sums.len();
    let (impl_generics, elem) = match &model.sig.float {
        FloatTy::Generic(_) => (quote!(<__T: ::losses_core::LossFloat>), quote!(__T)),
        FloatTy::Concrete(ident) => (TokenStream::new(), quote!(#ident)),
    };
    let hypers: Vec<&Ident> = model
        .sig
        .params
        .iter()
        .filter(|param| param.role == Role::Hyper)
        .map(|param| &param.ident)
        .collect();
    let hyper_args: Vec<TokenStream> = model
        .sig
        .params
        .iter()
        .filter(|param| param.role == Role::Hyper)
        .map(|param| model.call_arg(param, &elem))
        .collect();
    let partial_types: Vec<Ident> = (0..count).map(|k| partial_type(model, k)).collect();
    let indices: Vec<usize> = (0..count).collect();
    let sums: Vec<Ident> = (0..count).map(|k| format_ident!("__s{}", k)).collect();
    let adjoint_slots: Vec<Ident> = (0..count).map(|k| format_ident!("__a{}", k)).collect();
    let adjoints: Vec<Ident> = (0..count).map(|k| format_ident!("__d{}", k)).collect();
    let finish = finish_name(model);
    let instances: Vec<TokenStream> = partial_types
        .iter()
        .map(|ty| quote!(#ty::new(#(self.#hypers),*)))
        .collect();
    let row_kernel = quote!(::losses_core::RowKernel<#elem>);
    let adjoint_type = adjoint_type(model);
    // The adjoints become hyper-parameter fields, which are `f64` for a generic float.
    let adjoint_fields: Vec<TokenStream> = adjoints
        .iter()
        .map(|adjoint| match &model.sig.float {
            FloatTy::Generic(_) => quote!(<#elem as ::losses_core::LossFloat>::to_f64(#adjoint)),
            FloatTy::Concrete(_) => quote!(#adjoint),
        })
        .collect();
    let name_text = name.to_string();
    // `partials` and `chunk_reverse` are inlined into the drivers' loops, which are
    // compiled for each instruction set level.
    quote! {
        #[automatically_derived]
        impl #impl_generics ::losses_core::BatchKernel<#elem> for #name {
            const NAME: &'static str = #name_text;
            const STATISTICS: usize = #count;
            const SETS_GRADIENT: bool = <#adjoint_type as #row_kernel>::SETS_GRADIENT;

            fn validate(&self) -> ::core::result::Result<(), ::losses_core::LossError> {
                <Self as #row_kernel>::validate(self)
            }

            // `*sum += part` does not compile for a generic `T: Float`, which has no
            // `AddAssign`; clippy flags the long form only in a concrete float type.
            #[inline(always)]
            #[allow(clippy::assign_op_pattern)]
            fn partials(&self, y_true: &[#elem], y_pred: &[#elem], sums: &mut [#elem]) -> ::core::result::Result<(), ::losses_core::KernelError> {
                #(
                    let part = <#partial_types as #row_kernel>::forward(&#instances, y_true, y_pred)?;
                    if let ::core::option::Option::Some(sum) = sums.get_mut(#indices) {
                        *sum = *sum + part;
                    }
                )*
                ::core::result::Result::Ok(())
            }

            fn finish(&self, sums: &[#elem]) -> #elem {
                match sums {
                    [#(#sums),*] => #finish::forward::<#elem>(#(*#sums,)* #(#hyper_args),*),
                    _ => <#elem as ::losses_core::num_traits::Float>::nan(),
                }
            }

            fn finish_reverse(&self, sums: &[#elem], seed: #elem, adjoints: &mut [#elem]) -> #elem {
                match (sums, adjoints) {
                    ([#(#sums),*], [#(#adjoint_slots),*]) => {
                        let (value, #(#adjoints,)* ..) = #finish::reverse::<#elem>(#(*#sums,)* #(#hyper_args,)* seed);
                        #(*#adjoint_slots = #adjoints;)*
                        value
                    }
                    _ => <#elem as ::losses_core::num_traits::Float>::nan(),
                }
            }

            #[inline(always)]
            fn chunk_reverse(
                &self,
                y_true: &[#elem],
                y_pred: &[#elem],
                adjoints: &[#elem],
                grad: &mut [#elem],
            ) -> ::core::result::Result<(), ::losses_core::KernelError> {
                let zero: #elem = ::losses_core::num_traits::Zero::zero();
                let one: #elem = ::losses_core::num_traits::One::one();
                #(
                    let #adjoints: #elem = adjoints.get(#indices).copied().unwrap_or(zero);
                )*
                let kernel = #adjoint_type::new(#(self.#hypers,)* #(#adjoint_fields),*);
                <#adjoint_type as #row_kernel>::gradient(&kernel, y_true, y_pred, one, grad)
            }
        }
    }
}
