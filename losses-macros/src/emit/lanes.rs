//! Emission of innermost loops of sums, maxima and minima in lanes, so that the compiler
//! can vectorise them.
//!
//! A sum `acc += e` over `for i in lo..hi` is a chain of dependent additions that the
//! compiler may not reorder. An innermost loop whose carried values are all float sums,
//! maxima or minima is emitted instead with [`LANES`] partials per carried value.
//! Element `lo + k` goes to partial `k % LANES`. After the loop, partial sums are added
//! by a fixed pairwise tree (`lanes::sum_lanes` in `losses_core`) and then to the value
//! before the loop, and partial maxima or minima are taken in lane order after it. A
//! sum's partials are also added to `f64` partials after every run of
//! `lanes::RUN_BLOCKS` blocks, so that its rounding error does not grow with the row:
//!
//! ```text
//! let mut acc = init;
//! let mut acc_lanes = [0.0; LANES];
//! let mut acc_wide = [0.0f64; LANES];
//! let mut base = lo;
//! let fast_end = hi.min(y_pred.len());   // every slice read at i
//! let fast_stop = base + (fast_end - base) / LANES * LANES;
//! for each run of up to RUN_BLOCKS blocks before fast_stop {
//!     for block in y_pred[base..run_end].chunks_exact(LANES) {  // full blocks
//!         for lane in 0..LANES {
//!             acc_lanes[lane] = acc_lanes[lane] + e(block[lane]);
//!         }
//!         base += LANES;
//!     }
//!     acc_wide = flush(acc_wide, acc_lanes);
//!     acc_lanes = [0.0; LANES];
//! }
//! for offset in 0..hi - base {             // the rest, with bounds checks
//!     let (lane, i) = (offset % LANES, base + offset);
//!     acc_lanes[lane] = acc_lanes[lane] + e(y_pred[i]);
//! }
//! acc = acc + sum_wide(acc_wide, acc_lanes);
//! ```
//!
//! The partial sums of a `batch` loss run on blocks of 512 elements and skip the runs
//! and the `f64` partials: they end with `acc + sum_lanes(&acc_lanes)`.
//!
//! The lane count is fixed rather than the vector width, so a loss has the same bits
//! at every instruction set level. The full blocks that every slice indexed by the loop
//! variable holds come first. They take those slices as arrays of `LANES` elements, so
//! the lane loop needs no bounds checks and the compiler turns it into vector
//! instructions. The elements after them run the same code on the whole slices, with
//! the checks that report an index out of bounds, in the same order as the loop as
//! written.
//!
//! A max or min is exact, so its partials give the value of the plain loop. Its
//! reverse pass counts the ties in lanes as well.
//!
//! The reverse pass runs such a loop in lanes too. The adjoints of values from before
//! the loop, which every iteration adds to, get partial sums of their own, and so do
//! gradient entries at an index from before the loop. Gradient entries at the loop
//! variable are written through the arrays. A loop whose body writes a gradient entry
//! at an index computed in the body stays a plain loop.

use super::{Emitter, carry_ident, value_ident};
use crate::ir::{Binary, Block, Carried, Function, Id, Loop, Op, Reduction, Stmt, Ty, Unary};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashSet;

/// The number of partial sums; `losses_core::__private::lanes::LANES` has the same value.
pub const LANES: usize = 16;

fn lanes_path() -> TokenStream {
    quote!(::losses_core::__private::lanes)
}

/// Names the partial sums of carried value `phi`.
fn partial_ident(phi: Id) -> Ident {
    format_ident!("__lanes{}", phi)
}

/// Names the last NaN element of each lane of a carried max or min `phi`.
fn nan_ident(phi: Id) -> Ident {
    format_ident!("__nan_lanes{}", phi)
}

/// Names the slice that loads at the loop variable go through: a block of `LANES`
/// elements, or the whole slice.
pub fn block_ident(slice: &Ident) -> Ident {
    format_ident!("__block_{}", slice)
}

/// Names the gradient output of slice `slice` that writes at the loop variable go
/// through, as [`block_ident`] does for reads.
pub fn grad_block_ident(slice: &Ident) -> Ident {
    format_ident!("__grad_block_{}", slice)
}

/// Names the index into [`block_ident`] of the element at loop variable `var`.
pub fn lane_index_ident(var: Id) -> Ident {
    format_ident!("__index{}", var)
}

/// Returns the variables of the loops of `f` that are emitted in lanes, and the carried
/// values of those loops.
pub fn lane_loops(f: &Function) -> (Vec<Id>, Vec<Id>) {
    let mut vars = Vec::new();
    let mut phis = Vec::new();
    collect(f, &f.body, &mut vars, &mut phis);
    (vars, phis)
}

fn collect(f: &Function, block: &Block, vars: &mut Vec<Id>, phis: &mut Vec<Id>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::If(branch) => {
                collect(f, &branch.then_block, vars, phis);
                collect(f, &branch.else_block, vars, phis);
            }
            Stmt::Loop(lp) if in_lanes(f, lp) => {
                vars.push(lp.var);
                phis.extend(lp.carried.iter().map(|carried| carried.phi));
            }
            Stmt::Loop(lp) => collect(f, &lp.body, vars, phis),
            _ => {}
        }
    }
}

/// Returns whether a loop is emitted in lanes. Its body must have no loop, no local
/// array and no call that passes a row. Every carried value must be a float sum, max or
/// min (see [`fold`]). Every differentiated load must be at the loop variable, whose
/// gradient entry is written through a block, or at an index from before the loop,
/// whose gradient entry goes through partial sums.
fn in_lanes(f: &Function, lp: &Loop) -> bool {
    let folds = !lp.carried.is_empty()
        && lp
            .carried
            .iter()
            .all(|carried| fold(f, lp, carried).is_some());
    let mut inside = Vec::new();
    lp.body.defined(&mut inside);
    // A gradient entry at an index from before the loop goes through partial sums.
    let writes_at_var_or_before = inside.iter().all(|id| match &f.nodes[*id].op {
        Op::Load(_, index) => !f.nodes[*id].active || *index == lp.var || !inside.contains(index),
        // Local arrays keep their own buffers and stores, and a helper that takes rows
        // adds to gradient entries at indices of its own: both stay in plain loops.
        Op::Array { .. } | Op::ArrayLoad(..) | Op::Store(..) => false,
        // A row argument is its parameter's node; a float one rarely is, so checking
        // for any parameter costs little.
        Op::Call(_, args) => !args
            .iter()
            .any(|arg| matches!(f.nodes[*arg].op, Op::Param(_))),
        _ => true,
    });
    has_no_loop(&lp.body) && folds && writes_at_var_or_before
}

/// Returns whether a block has no loop, in its branches either.
fn has_no_loop(block: &Block) -> bool {
    block.stmts.iter().all(|stmt| match stmt {
        Stmt::Let(_) => true,
        Stmt::If(branch) => has_no_loop(&branch.then_block) && has_no_loop(&branch.else_block),
        // A loop, or a statement this emission does not know, keeps the plain form.
        _ => false,
    })
}

/// The start value of the partials of a carried value in lanes, and their combination.
#[derive(Clone, Copy, PartialEq)]
enum Fold {
    /// Partial sums from 0, added by `lanes::sum_lanes`.
    Sum,
    /// Partial maxima from `-inf`, taken in lane order.
    Max,
    /// Partial minima from `+inf`, taken in lane order.
    Min,
}

/// Returns how a carried value splits into partials, or `None` if it must keep one
/// running value: a float sum, max or min whose running value only its update reads,
/// before the update and after it. Lowering has checked that for a differentiated
/// reduction; one that is not differentiated must be one `+=`, `-=`, `.max(e)` or
/// `.min(e)`.
///
/// `Real::max` and `Real::min` are associative, and `-inf` and `+inf` are their
/// identities, so the partials give the value of the plain loop, NaN included. Only
/// the sign of a zero result may differ, when `0.0` and `-0.0` tie for the maximum.
/// The lane of each element is fixed, so that sign is the same at every instruction
/// set level and thread count.
fn fold(f: &Function, lp: &Loop, carried: &Carried) -> Option<Fold> {
    if f.nodes[carried.out].ty != Ty::Float || carried.next == carried.phi {
        return None;
    }
    let phi = carried.phi;
    let one_side = |a: Id, b: Id| (a == phi) != (b == phi);
    let update = match f.nodes[carried.next].op {
        Op::Binary(Binary::Max, a, b) if one_side(a, b) => Some(Fold::Max),
        Op::Binary(Binary::Min, a, b) if one_side(a, b) => Some(Fold::Min),
        Op::Binary(Binary::Add, a, b) if one_side(a, b) => Some(Fold::Sum),
        Op::Binary(Binary::Sub, a, b) if a == phi && b != phi => Some(Fold::Sum),
        _ => None,
    };
    match carried.reduction {
        Reduction::Sum => Some(Fold::Sum),
        Reduction::Max => Some(Fold::Max),
        Reduction::Min => Some(Fold::Min),
        Reduction::Inactive => {
            let mut inside = Vec::new();
            lp.body.defined(&mut inside);
            let reads = |value: Id| {
                inside
                    .iter()
                    .filter(|id| f.nodes[**id].op.operands().contains(&value))
                    .count()
            };
            // A running count read after its update, as in `count += 1.0; loss += count
            // * e`, needs the whole running value in every iteration, which no partial
            // holds: its loop stays plain.
            if reads(carried.phi) == 1 && reads(carried.next) == 0 {
                update
            } else {
                None
            }
        }
        // A product keeps one running value.
        _ => None,
    }
}

/// The values that a loop in lanes keeps in buffers in the reverse function: its
/// forward pass writes each one at the loop variable, and its reverse pass reads it
/// back instead of computing it again.
pub struct Stored {
    var: Id,
    nodes: Vec<Id>,
    write: bool,
}

/// Returns the nodes of a loop in lanes whose values its reverse pass reads back from
/// a buffer: the exponentials and hyperbolic tangents of the body, whose derivatives
/// are written in their own values (`d e^x = e^x dx`, `d tanh x = (1 - tanh² x) dx`).
/// Their adjoints must be needed, and their values per element.
///
/// Without the buffer, the reverse pass recomputes every such function that its
/// forward pass computed. Categorical cross-entropy from logits evaluated each
/// exponential twice for its gradient.
pub fn stored_nodes(f: &Function, lp: &Loop) -> Vec<Id> {
    lp.body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Let(id) => Some(*id),
            _ => None,
        })
        .filter(|id| {
            let node = &f.nodes[*id];
            let own_value = matches!(
                node.op,
                Op::Unary(Unary::Exp | Unary::Exp2 | Unary::ExpM1 | Unary::Tanh, _)
            );
            own_value && node.active && node.varying && node.ty == Ty::Float
        })
        .collect()
}

/// Names the buffer of the values of node `id`.
fn stored_ident(id: Id) -> Ident {
    format_ident!("__stored{}", id)
}

/// Names the view of that buffer that the loop walks as a slice.
fn stored_slice_ident(id: Id) -> Ident {
    format_ident!("__stored_slice{}", id)
}

/// A slice that the lane loop reads or writes at the loop variable.
struct Source {
    block: Ident,
    slice: Ident,
    mutable: bool,
    /// Whether each block is copied to a local array before the lane loop reads it. A
    /// copied gradient block is written back after the lane loop.
    copied: bool,
}

impl Emitter<'_> {
    /// Writes node `id` of a loop in lanes with a buffer for its values: in the forward
    /// pass, computed and written to the buffer, and in the reverse pass, read back.
    pub(super) fn stored_statement(
        &self,
        id: Id,
        ty: &TokenStream,
        expr: &TokenStream,
    ) -> Option<TokenStream> {
        let stored = self.stored.borrow();
        let stored = stored
            .as_ref()
            .filter(|stored| stored.nodes.contains(&id))?;
        let (ident, index) = (value_ident(id), lane_index_ident(stored.var));
        let block = block_ident(&stored_slice_ident(id));
        Some(if stored.write {
            quote! {
                let #ident: #ty = #expr;
                if let ::core::option::Option::Some(element) = #block.get_mut(#index) {
                    *element = #ident;
                }
            }
        } else {
            // The buffer has `hi` elements and the loop's indices are below `hi`, so the
            // read always finds its element. A fallback with a branch, such as computing
            // the value again, kept the compiler from vectorising the loop.
            quote! {
                let #ident: #ty = #block.get(#index).copied().unwrap_or_default();
            }
        })
    }

    /// Declares the buffers of the stored values of loop `lp`, in its forward pass in
    /// the reverse function, or takes views of them for its reverse pass, and lists
    /// them as slices the loop walks at its variable.
    fn stored_sources(&self, lp: &Loop, nodes: &[Id], write: bool) -> (TokenStream, Vec<Source>) {
        let mut declarations = TokenStream::new();
        let mut sources = Vec::new();
        for &id in nodes {
            let (buffer, slice) = (stored_ident(id), stored_slice_ident(id));
            if write {
                let hi = value_ident(lp.hi);
                let name = format!("values of `{}`", self.text.name(id));
                let zero = quote!(<__V as ::losses_core::Real>::from_f64(0.0_f64));
                // The forward pass writes every element before the reverse pass reads it.
                let take = quote!(take_for_overwrite);
                declarations.extend(super::arrays::take_with(take, &name, &buffer, &hi, &zero));
                declarations.extend(quote!(let #slice: &mut [__V] = &mut #buffer;));
            } else {
                declarations.extend(quote!(let #slice: &[__V] = &#buffer;));
            }
            // A block read back is copied first. Read through the buffer, its loads sat
            // between the stores to the gradient block in the compiled loop, which
            // then ran one element at a time.
            sources.push(Source {
                block: block_ident(&slice),
                slice,
                mutable: write,
                copied: !write,
            });
        }
        (declarations, sources)
    }

    /// Reads carried value `phi` of a loop in lanes: its partial in this lane.
    pub(super) fn lane_carried(&self, phi: Id) -> TokenStream {
        let partial = partial_ident(phi);
        quote!(#partial[__lane])
    }

    /// Writes the update of a max or min in lanes: for a max of element `e` into running
    /// value `r`, `n = select(e != e, e, n)` and `r = select(e > r, e, r)`. `n` keeps the
    /// lane's last NaN element, and `r` the maximum of the others, where a tie between
    /// `0.0` and `-0.0` keeps the running value (see [`fold`]). After the loop, the
    /// result is NaN if the value before the loop or any lane is NaN, as with
    /// `Real::max`, and otherwise the extremum of the lanes. Which NaN it keeps is
    /// fixed by lane order (see `lane_shell`), so its sign and payload are the same at
    /// every instruction set level.
    ///
    /// The running value then goes through one `max` instruction per block, and the NaN
    /// through one blend. The update `select(e != e, e + 0, select(e > r, e, r))` put a
    /// `max` and a blend in a row on the running value, so each block of the maximum of
    /// categorical cross-entropy waited twice as long on the one before. With the NaN
    /// apart, a program that timed only its value_and_grad, on rows of 1000 at 10⁷
    /// `f32` elements and one thread, rose from 0.75–0.80 to 0.84–0.90 × 10⁹ elements
    /// per second in five alternating runs. In the throughput benchmark, which also
    /// runs the value and the scalar loop, the builds overlapped: 0.84–0.92 before and
    /// 0.80–0.92 after, over four runs each.
    ///
    /// `Real::max` itself branches, and the compiler keeps those branches in the
    /// unrolled lane loop instead of vectorising it. Selects between computed values do
    /// vectorise.
    fn extremum_update(&self, carried: &Carried, fold: Fold) -> TokenStream {
        let partial = partial_ident(carried.phi);
        let Op::Binary(_, a, b) = self.f.nodes[carried.next].op else {
            let next = self.value(carried.next, self.want_of(carried.out));
            return quote!(#partial[__lane] = #next;);
        };
        let nan = nan_ident(carried.phi);
        let ty = self.carry_ty(carried);
        let want = self.want_of(carried.out);
        let (running, element) = if a == carried.phi { (a, b) } else { (b, a) };
        let (running, element) = (self.value(running, want), self.value(element, want));
        let real = quote!(::losses_core::Real);
        let wins = match fold {
            Fold::Min => quote!(lt),
            _ => quote!(gt),
        };
        quote! {{
            let (__r, __e): (#ty, #ty) = (#running, #element);
            #nan[__lane] = <#ty as #real>::select(<#ty as #real>::ne(__e, __e), __e, #nan[__lane]);
            #partial[__lane] = <#ty as #real>::select(<#ty as #real>::#wins(__e, __r), __e, __r);
        }}
    }

    /// Lists the slices read at the loop variable, and with `grads` the gradient outputs
    /// written there.
    ///
    /// A loop that writes one gradient copies each block it reads first, so that every
    /// read of the block comes before the write. The compiler then keeps the loop on
    /// full registers. Read in place, the reads of the reverse loops of Dice and
    /// categorical cross-entropy could alias their gradient writes, and the loops ran
    /// partly on narrower registers. Copied, on one thread, `value_and_grad` of Dice
    /// per row went from 2.3 to 3.9 × 10⁹ elements per second, and that of
    /// cross-entropy from 1.16 to 1.33. A loop that writes two gradients, such as the
    /// contrastive loss's, ran on full registers already, and the copies only added a
    /// round trip through the stack, so its blocks are read in place. Its gradient
    /// blocks are copied instead, and written back after the lane loop, which raised
    /// value_and_grad of the contrastive loss by about 3 %.
    fn sources(&self, lp: &Loop, grads: bool) -> Vec<Source> {
        let mut sources: Vec<Source> = Vec::new();
        let mut add = |block: Ident, slice: Ident, mutable: bool| {
            if !sources.iter().any(|source| source.slice == slice) {
                sources.push(Source {
                    block,
                    slice,
                    mutable,
                    copied: false,
                });
            }
        };
        let mut inside = Vec::new();
        lp.body.defined(&mut inside);
        for id in &inside {
            if let Op::Load(param, index) = self.f.nodes[*id].op {
                if index != lp.var {
                    continue;
                }
                let slice = &self.sig.params[param].ident;
                add(block_ident(slice), slice.clone(), false);
                if grads && self.f.nodes[*id].active {
                    add(grad_block_ident(slice), super::grad_ident(slice), true);
                }
            }
        }

        let one_gradient = sources.iter().filter(|source| source.mutable).count() == 1;
        for source in &mut sources {
            source.copied = source.mutable != one_gradient;
        }
        sources
    }

    /// Writes loop `lp` in lanes, running `after` at the end of each iteration.
    /// `grads` is true where the gradient outputs exist, in the reverse function.
    pub(super) fn lane_shell(&self, lp: &Loop, after: &TokenStream, grads: bool) -> TokenStream {
        let lanes = lanes_path();
        let width = Literal::usize_suffixed(LANES);
        let mut declarations = TokenStream::new();
        let mut updates = TokenStream::new();
        let mut combine = TokenStream::new();
        let mut flushes = TokenStream::new();
        let live_only = grads && self.live_only.get();
        for carried in lp.carried.iter().filter(|_| !live_only) {
            let (carry, partial) = (carry_ident(carried.phi), partial_ident(carried.phi));
            let ty = self.carry_ty(carried);
            let init = self.value(carried.init, self.want_of(carried.out));
            let next = self.value(carried.next, self.want_of(carried.out));
            let real = quote!(::losses_core::Real);
            let fold = fold(self.f, lp, carried).unwrap_or(Fold::Sum);
            let identity = match fold {
                Fold::Sum => quote!(0.0_f64),
                Fold::Max => quote!(::core::primitive::f64::NEG_INFINITY),
                Fold::Min => quote!(::core::primitive::f64::INFINITY),
            };
            declarations.extend(quote! {
                let mut #carry: #ty = #init;
                let mut #partial: [#ty; #width] = [<#ty as #real>::from_f64(#identity); #width];
            });
            let nan = nan_ident(carried.phi);
            if fold != Fold::Sum {
                // An update that is not one `max` or `min` call keeps its NaN in the
                // running value and leaves these as they are.
                declarations.extend(quote! {
                    #[allow(unused_mut)]
                    let mut #nan: [#ty; #width] = [<#ty as #real>::from_f64(0.0_f64); #width];
                });
            }
            // A lane that met a NaN takes it, quieted by adding 0. The running value keeps
            // the first NaN it meets, in lane order. No operation gets two NaNs, whose
            // result would depend on the order of operands that the compiler picks at
            // each level.
            let zero = quote!(<#ty as #real>::from_f64(0.0_f64));
            let combined = |extremum: TokenStream| {
                quote! {{
                    let __v: #ty = <#ty as #real>::select(
                        <#ty as #real>::ne(#nan[__lane], #nan[__lane]),
                        #nan[__lane] + #zero,
                        #partial[__lane],
                    );
                    #carry = <#ty as #real>::select(
                        <#ty as #real>::ne(#carry, #carry),
                        #carry + #zero,
                        <#ty as #real>::select(
                            <#ty as #real>::ne(__v, __v),
                            __v,
                            <#ty as #real>::#extremum(#carry, __v),
                        ),
                    );
                }}
            };
            if fold == Fold::Sum && self.flush_runs {
                let wide = wide_ident(carried.phi);
                declarations.extend(quote!(let mut #wide: [f64; #width] = [0.0; #width];));
                flushes.extend(quote! {
                    #wide = #lanes::flush(#wide, #partial);
                    #partial = [<#ty as #real>::from_f64(0.0_f64); #width];
                });
            }
            updates.extend(match fold {
                Fold::Sum => quote!(#partial[__lane] = #next;),
                Fold::Max | Fold::Min => self.extremum_update(carried, fold),
            });
            combine.extend(match fold {
                Fold::Sum if self.flush_runs => {
                    let wide = wide_ident(carried.phi);
                    quote!(#carry = #carry + #lanes::sum_wide(#wide, #partial);)
                }
                Fold::Sum => quote!(#carry = #carry + #lanes::sum_lanes(&#partial);),
                Fold::Max | Fold::Min => {
                    let extremum = if fold == Fold::Max {
                        quote!(max)
                    } else {
                        quote!(min)
                    };
                    let update = combined(extremum);
                    quote! {
                        for __lane in 0..#width {
                            #update
                        }
                    }
                }
            });
        }

        // In the reverse function, the forward pass of the loop keeps the values that its
        // reverse pass would compute again. The passes that count ties, whose `after`
        // is not empty, neither write nor read them.
        let stored_nodes = if self.in_reverse.get() && (grads || after.is_empty()) {
            stored_nodes(self.f, lp)
        } else {
            Vec::new()
        };
        let (stored_declarations, stored_sources) = self.stored_sources(lp, &stored_nodes, !grads);
        declarations.extend(stored_declarations);

        let (var, index) = (value_ident(lp.var), lane_index_ident(lp.var));
        let outer = self.stored.replace(Some(Stored {
            var: lp.var,
            nodes: stored_nodes,
            write: !grads,
        }));
        let statements: Vec<TokenStream> = lp
            .body
            .stmts
            .iter()
            .map(|stmt| self.forward_stmts(std::slice::from_ref(stmt)))
            .collect();
        self.stored.replace(outer);
        let mut sources = self.sources(lp, grads);
        let body = if live_only {
            let (body, read) = self.live_statements(&statements, after);
            sources.retain(|source| source.mutable || read.contains(&source.block.to_string()));
            body
        } else {
            quote!(#(#statements)*)
        };
        let lane_body = quote! {
            #body
            #updates
            #after
        };
        sources.extend(stored_sources);
        let fast = fast_blocks(
            &sources,
            &var,
            &index,
            &lane_body,
            &flushes,
            self.prefetches(lp, grads),
        );
        let aliases = sources.iter().map(|source| {
            let (block, slice) = (&source.block, &source.slice);
            if source.mutable {
                quote!(let #block: &mut [_] = &mut *#slice;)
            } else {
                quote!(let #block: &[_] = #slice;)
            }
        });
        let (lo, hi) = (value_ident(lp.lo), value_ident(lp.hi));
        quote! {
            #declarations
            {
                let __hi: usize = #hi;
                let mut __base: usize = #lo;
                #fast
                #(#aliases)*
                for __offset in 0..__hi.saturating_sub(__base) {
                    let __lane: usize = __offset % #width;
                    let #var: usize = __base + __offset;
                    let #index: usize = #var;
                    #lane_body
                }
            }
            #combine
        }
    }

    /// Returns the forward `statements` of a reverse loop's body that its reverse
    /// statements `reverse` read, with the names that those and `reverse` read.
    ///
    /// The gradient-only function runs no update of a loop's running values: in lanes,
    /// only a value's own update reads it, and no code after the loop reads the result.
    /// What remains of the body computes the values that the derivatives read. For the
    /// adjoint of Dice, `Σ (a t p + b t + c p)`, that is `t` alone, so each chunk's
    /// gradient no longer reads `p`, nor prefetches it.
    ///
    /// NOTE: the reverse function of a row loss keeps its updates, dead as they are.
    /// Without them, the compiler vectorised the gradient of Dice per row across rows,
    /// with gathers and scatters, and value_and_grad fell from 5.1 to 1.4 × 10⁹
    /// elements per second.
    fn live_statements(
        &self,
        statements: &[TokenStream],
        reverse: &TokenStream,
    ) -> (TokenStream, HashSet<String>) {
        let (needed, read) = super::prune::needed(statements, reverse);
        let needed_statements = statements
            .iter()
            .zip(needed)
            .filter_map(|(statement, needed)| needed.then_some(statement));
        (quote!(#(#needed_statements)*), read)
    }

    /// Returns whether a loop in lanes prefetches its slices ahead of the block it reads.
    /// The forward loops of the reverse function do, because they read the row first, and
    /// so do the reverse loops of the gradient-only function whose forward loop it drops.
    fn prefetches(&self, lp: &Loop, grads: bool) -> bool {
        if grads {
            self.prefetch_reverse.borrow().contains(&lp.var)
        } else {
            self.in_reverse.get()
        }
    }
}

/// Writes the loop over the full blocks that every slice indexed at the loop variable
/// holds, which come first: each block takes its slices as arrays of `LANES` elements.
/// The loop stops at the first block past the end of a slice and leaves `__base` there,
/// for the loop with bounds checks to go on from.
///
/// The block count is computed once, and each slice is cut to the blocks' range before
/// the loop and walked by `chunks_exact`. The compiler then proves every block in
/// bounds, and the loop carries no check per block. Taking each block by its start
/// index cost about a dozen scalar instructions per block in bounds checks that the
/// compiler kept.
fn fast_blocks(
    sources: &[Source],
    var: &Ident,
    index: &Ident,
    lane_body: &TokenStream,
    flushes: &TokenStream,
    prefetch: bool,
) -> TokenStream {
    if sources.is_empty() {
        return TokenStream::new();
    }
    let lanes = lanes_path();
    let width = Literal::usize_suffixed(LANES);
    let copies = sources.iter().filter(|source| source.copied).map(|source| {
        let block = &source.block;
        if source.mutable {
            let output = copied_output_ident(block);
            quote!(let #output = #block; let mut #block: [_; #width] = *#output;)
        } else {
            quote!(let #block: [_; #width] = *#block;)
        }
    });
    let write_backs = sources
        .iter()
        .filter(|source| source.copied && source.mutable)
        .map(|source| {
            let (block, output) = (&source.block, copied_output_ident(&source.block));
            quote!(*#output = #block;)
        });
    let prefetches = sources
        .iter()
        .filter(|source| prefetch && !source.mutable)
        .map(|source| {
            let slice = &source.slice;
            quote!(#lanes::prefetch_ahead(#slice, __base);)
        });
    let blocks: Vec<&Ident> = sources.iter().map(|source| &source.block).collect();
    let lens = sources.iter().map(|source| &source.slice);
    let chunks = sources.iter().map(|source| {
        let slice = &source.slice;
        if source.mutable {
            quote!(#lanes::full_blocks_mut::<_, #width>(&mut *#slice, __base, __fast_len))
        } else {
            quote!(#lanes::full_blocks::<_, #width>(#slice, __base, __fast_len))
        }
    });
    let takes = sources.iter().map(|source| {
        let block = &source.block;
        if source.mutable {
            quote!(#block.first_chunk_mut::<#width>())
        } else {
            quote!(#block.first_chunk::<#width>())
        }
    });
    // `a.zip(b).zip(c)` yields `((a, b), c)`.
    let mut iter = TokenStream::new();
    let mut pattern = TokenStream::new();
    for (k, (chunk, block)) in chunks.zip(&blocks).enumerate() {
        if k == 0 {
            iter = chunk;
            pattern = quote!(#block);
        } else {
            iter = quote!(#iter.zip(#chunk));
            pattern = quote!((#pattern, #block));
        }
    }
    let blocks_loop = quote! {
        for #pattern in #iter {
            let (#(::core::option::Option::Some(#blocks),)*) = (#(#takes,)*) else {
                break;
            };
            #(#copies)*
            #(#prefetches)*
            for __lane in 0..#width {
                let #var: usize = __base + __lane;
                let #index: usize = __lane;
                #lane_body
            }
            #(#write_backs)*
            __base += #width;
        }
    };
    let bounds = quote! {
        let __fast_end: usize = __hi #(.min(#lens.len()))*;
    };
    if flushes.is_empty() {
        return quote! {
            #bounds
            let __fast_len: usize = __fast_end.saturating_sub(__base) / #width * #width;
            #blocks_loop
        };
    }
    // Sums run in runs of `RUN_BLOCKS` blocks, after each of which their partials are
    // added to wide ones: each partial then adds at most `RUN_BLOCKS` elements in the
    // float type, and the error no longer grows with the row length.
    let run = quote!(#lanes::RUN_BLOCKS * #width);
    quote! {
        #bounds
        let __fast_stop: usize = __base + __fast_end.saturating_sub(__base) / #width * #width;
        for _ in 0..(__fast_stop - __base).div_ceil(#run) {
            let __fast_len: usize = (__fast_stop - __base).min(#run);
            #blocks_loop
            #flushes
        }
    }
}

/// Names the gradient block that a copied gradient block is written back to.
fn copied_output_ident(block: &Ident) -> Ident {
    format_ident!("{}_output", block)
}

/// Names the wide (`f64`) partial sums of carried value `phi`.
fn wide_ident(phi: Id) -> Ident {
    format_ident!("__wide{}", phi)
}

/// A value that the body of a loop in lanes adds to in every iteration, through partial
/// sums of its own that are added to it after the loop.
#[derive(Clone, PartialEq)]
pub enum LaneTarget {
    /// The adjoint of a value from before the loop.
    Adjoint(Ident),
    /// The gradient entry of slice parameter `param` at an index from before the loop.
    Entry { param: usize, index: Id },
}

impl LaneTarget {
    fn partial(&self) -> Ident {
        match self {
            LaneTarget::Adjoint(adjoint) => format_ident!("__lanes_{}", adjoint),
            LaneTarget::Entry { param, index } => format_ident!("__lanes_entry{}_{}", param, index),
        }
    }

    /// Declares the partial sums, before the loop.
    pub fn declare(&self) -> TokenStream {
        let partial = self.partial();
        let width = Literal::usize_suffixed(LANES);
        quote!(let mut #partial: [__V; #width] = [<__V as ::losses_core::Real>::from_f64(0.0_f64); #width];)
    }

    /// Adds `contribution` to this lane's partial sum, in the loop body.
    pub fn add(&self, contribution: &TokenStream) -> TokenStream {
        let partial = self.partial();
        quote!(#partial[__lane] = #partial[__lane] + #contribution;)
    }

    /// Adds the partial sums to the target, after the loop. `grad` is the gradient output
    /// of an entry's slice.
    pub fn combine(&self, grad: Option<&Ident>) -> TokenStream {
        let partial = self.partial();
        let lanes = lanes_path();
        let total = quote!(#lanes::sum_lanes(&#partial));
        match (self, grad) {
            (LaneTarget::Adjoint(adjoint), _) => quote!(#adjoint = #adjoint + #total;),
            (LaneTarget::Entry { index, .. }, Some(grad)) => {
                let index = value_ident(*index);
                quote! {
                    if let ::core::option::Option::Some(element) = #grad.get_mut(#index) {
                        *element = *element + #total;
                    }
                }
            }
            (LaneTarget::Entry { .. }, None) => TokenStream::new(),
        }
    }
}
