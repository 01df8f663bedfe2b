//! Compile-fail tests of `#[loss]` and `#[differentiable]`. Each program in a category
//! folder under `tests/ui/` is named after its mistake, and must fail to build with the
//! errors recorded in its `.stderr` file. `TRYBUILD=overwrite cargo test --test ui`
//! rewrites those files after a change to a message.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/calls/*.rs");
    t.compile_fail("tests/ui/loops/*.rs");
    t.compile_fail("tests/ui/methods/*.rs");
    t.compile_fail("tests/ui/signature/*.rs");
    t.compile_fail("tests/ui/syntax/*.rs");
    t.compile_fail("tests/ui/types/*.rs");
}
