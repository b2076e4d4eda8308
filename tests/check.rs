//! The numeric check must catch a wrong result and name it: here the
//! results of real derivations are spoiled one at a time, in the form for
//! people or in the form for NumPy, and the check must say which.

use matdiff::diff::Derivative;
use matdiff::ir::Graph;
use matdiff::name::Name;
use matdiff::numeric::check::{Failure, check};
use matdiff::{Derived, Options, derive};

/// Which form of a result to spoil.
#[derive(Clone, Copy, Debug)]
enum Form {
    Readable,
    Numpy,
}

/// How to spoil it.
type Spoil = fn(&mut Graph, egg::Id) -> egg::Id;

fn doubled(g: &mut Graph, id: egg::Id) -> egg::Id {
    let two = g.int(2);
    g.mul(two, id)
}

fn zeroed(g: &mut Graph, id: egg::Id) -> egg::Id {
    g.zero_like(id)
}

fn derived(src: &str, hessian: bool) -> Derived {
    derive(src, &Options { hessian, ..Default::default() }).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

fn run_check(d: &Derived, derivative: &Derivative) -> Result<(), Failure> {
    check(&d.graph, derivative, &d.variables, &d.dims, 7).map(|_| ())
}

/// Spoils each result of `src` in turn (each form, each way) and expects
/// the check to blame exactly that result and form.
fn each_spoiled_result_is_caught(src: &str, hessian: bool) {
    let mut d = derived(src, hessian);
    run_check(&d, &d.derivative).unwrap_or_else(|f| panic!("{src}: the unspoiled derivative fails: {f:?}"));
    let wrts: Vec<Name> = d.derivative.entries.iter().map(|e| e.wrt).collect();
    assert!(wrts.len() >= 2, "{src}: wanted several results");
    for (i, &wrt) in wrts.iter().enumerate() {
        for form in [Form::Readable, Form::Numpy] {
            for (how, spoil) in [("doubled", doubled as Spoil), ("zeroed", zeroed as Spoil)] {
                let entry = &d.derivative.entries[i];
                let original = match form {
                    Form::Readable => entry.readable,
                    Form::Numpy => entry.numpy,
                };
                let spoiled = spoil(&mut d.graph, original);
                let mut derivative = d.derivative.clone();
                match form {
                    Form::Readable => derivative.entries[i].readable = spoiled,
                    Form::Numpy => derivative.entries[i].numpy = spoiled,
                }
                match run_check(&d, &derivative) {
                    Err(Failure::Disagrees { wrt: blamed, numpy, .. }) => {
                        assert_eq!((blamed, numpy), (wrt, matches!(form, Form::Numpy)), "{src}: {how} {form:?} result for {wrt}")
                    }
                    other => panic!("{src}: the {how} {form:?} result for {wrt} was not caught: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn a_wrong_gradient_is_caught_and_named() {
    each_spoiled_result_is_caught("s = σ(W x + b)\nE = 1/2 (s - y):(s - y)", false);
}

/// One direction moves every variable at once; a result far smaller than
/// the others must not hide behind them.
#[test]
fn a_small_gradient_beside_a_large_one_is_checked_too() {
    each_spoiled_result_is_caught("f = 10000 ((A x):(A x)) + 1/1000 (b:c)", false);
}

#[test]
fn a_wrong_jacobian_is_caught_and_named() {
    each_spoiled_result_is_caught("Y = U σ(W X + b 𝟙^T)", false);
}

#[test]
fn a_wrong_hessian_is_caught_and_named() {
    each_spoiled_result_is_caught("f = 1/2 (A x - b):(A x - b)", true);
}
