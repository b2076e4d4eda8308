//! matdiff: symbolic matrix calculus, checked numerically.
//!
//! The pipeline, in reading order (see `ARCHITECTURE.md`):
//! `syntax` (text → AST) → `shape::infer` (shapes by unification) →
//! `lower` (AST → IR bindings) → `diff` (differentials; gradients,
//! Jacobians, Hessians; simplified by `simplify`) → `numeric::check` (the
//! cross-check against finite differences) → `present` + `print`.
//!
//! [`run`] does no IO: it takes the program text and options and returns
//! the text to print, or an [`Error`] that knows its exit code.

pub mod diagnostic;
pub mod diff;
pub mod error;
pub mod ir;
pub mod lower;
pub mod name;
pub mod num;
pub mod numeric;
pub mod present;
pub mod print;
pub mod readback;
pub mod shape;
pub mod simplify;
pub mod syntax;

use diff::Kind;
pub use error::Error;
use ir::{Math, NameKind};
use name::Name;
pub use print::Format;

/// What to compute and how to print it.
#[derive(Clone, Debug)]
pub struct Options {
    /// The variables to differentiate with respect to, as typed (`W_{01}`,
    /// `θ`) or as in the NumPy module (`W_01`, `theta`); empty: all of them.
    pub wrt: Vec<String>,
    /// The definition to differentiate (default: the last one).
    pub of: Option<String>,
    pub format: Format,
    pub hessian: bool,
    /// Run the numeric cross-check (on unless `--no-check`).
    pub check: bool,
    /// Print the derivation line by line.
    pub steps: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { wrt: Vec::new(), of: None, format: Format::Unicode, hessian: false, check: true, steps: false }
    }
}

impl Options {
    /// The options a program file asks for in its comment lines, as the
    /// examples and test programs do: `# wrt: A, B` (each such line adds
    /// to `--wrt`), `# of: NAME`, `# hessian`; the rest default.
    pub fn from_comments(src: &str) -> Options {
        let mut opts = Options::default();
        for line in src.lines() {
            let Some(comment) = line.trim().strip_prefix('#') else { continue };
            let comment = comment.trim();
            if let Some(wrt) = comment.strip_prefix("wrt:") {
                opts.wrt.push(wrt.trim().to_string());
            } else if let Some(of) = comment.strip_prefix("of:") {
                opts.of = Some(of.trim().to_string());
            } else if comment == "hessian" {
                opts.hessian = true;
            }
        }
        opts
    }
}

/// `--hessian` of a vector or matrix function.
fn hessian_of_non_scalar(g: &ir::Graph, f: Name) -> diagnostic::Diagnostic {
    let info = g.info(f);
    let noun = info.shape.noun();
    let mut d = diagnostic::Diagnostic::new(format!("--hessian needs a scalar function, but `{f}` is {noun}"));
    if let Some(span) = info.span {
        d = d.label(span, noun);
    }
    d.hint(format!("leave out --hessian for the Jacobian of `{f}`; a Hessian needs a scalar function (`sum({f})`, say)"))
}

/// A `--wrt` that names no variable: a definition, or nothing.
fn no_such_variable(typed: &str, g: &ir::Graph, variables: &[Name]) -> diagnostic::Diagnostic {
    let listed = match variables {
        [] => "the program has no variable".to_string(),
        _ => format!("its variables are {}", name::list(variables)),
    };
    let definitions: Vec<Name> =
        g.names.iter().filter(|(_, i)| i.kind == NameKind::Definition && i.span.is_some()).map(|(n, _)| *n).collect();
    if let Some(def) = name::resolve(typed, &definitions) {
        let mut d = diagnostic::Diagnostic::new(format!("`--wrt {typed}` names a definition, not a variable"));
        if let Some(span) = g.info(def).span {
            d = d.label(span, "defined here");
        }
        return d.hint(format!(
            "derivatives are taken with respect to variables, through the definitions; {listed} (`--of {def}` differentiates `{def}` itself)"
        ));
    }
    let d = diagnostic::Diagnostic::new(format!("`--wrt {typed}` names no variable of the program"));
    match name::closest(typed, variables) {
        Some(close) => d.hint(format!("did you mean `--wrt {close}`? {listed}")),
        None => d.hint(listed),
    }
}

/// The variables the function depends on, in order of first appearance.
fn variables_of(g: &ir::Graph, f: Name, variables: &[Name]) -> Vec<Name> {
    let mut used = std::collections::HashSet::new();
    let mut stack = vec![f];
    let mut seen = std::collections::HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        let Some(def) = g.info(n).def else {
            used.insert(n);
            continue;
        };
        for id in g.reachable(&[def]) {
            if let Math::Sym(m) = g.node(id) {
                stack.push(*m);
            }
        }
    }
    variables.iter().copied().filter(|v| used.contains(v)).collect()
}

/// A derived program: its graph, the derivative (and the derivation, with
/// `--steps`), and what the check needs.
pub struct Derived {
    pub graph: ir::Graph,
    pub derivative: diff::Derivative,
    pub steps: Option<diff::steps::Steps>,
    /// The variables the results need values of: those the function
    /// depends on, and any `--wrt` names that it does not (derivative zero).
    pub variables: Vec<Name>,
    pub dims: Vec<Name>,
    pub wrt: Vec<Name>,
}

/// Parses and differentiates `src` (no check, no printing).
pub fn derive(src: &str, opts: &Options) -> Result<Derived, Error> {
    let program = syntax::parse(src)?;
    let shapes = shape::infer::infer(&program, src)?;
    let mut lowered = lower::lower(&program, &shapes, opts.of.as_deref())?;
    let f = lowered.function;
    let g = &mut lowered.graph;
    let f_shape = g.info(f).shape.clone();
    let kind = match (opts.hessian, f_shape.is_scalar()) {
        (false, true) => Kind::Gradient,
        (false, false) => Kind::Jacobian,
        (true, true) => Kind::Hessian,
        (true, false) => return Err(hessian_of_non_scalar(g, f).into()),
    };
    let used = variables_of(g, f, &lowered.variables);
    let wrt: Vec<Name> = if opts.wrt.is_empty() {
        // a constant function of declared variables has zero derivatives
        if used.is_empty() { lowered.variables.clone() } else { used.clone() }
    } else {
        let mut out = Vec::new();
        for typed in opts.wrt.iter().flat_map(|w| w.split(',')).map(str::trim).filter(|w| !w.is_empty()) {
            let Some(v) = name::resolve(typed, &lowered.variables) else {
                return Err(no_such_variable(typed, g, &lowered.variables).into());
            };
            if !out.contains(&v) {
                out.push(v);
            }
        }
        if out.is_empty() {
            let listed = name::list(&lowered.variables);
            let d = diagnostic::Diagnostic::new("`--wrt` is empty: it names no variable")
                .hint(format!("name variables, comma-separated, or leave out --wrt for all of them: {listed}"));
            return Err(d.into());
        }
        out
    };
    if wrt.is_empty() {
        let mut d = diagnostic::Diagnostic::new(format!("`{f}` depends on no variable: it is a constant"));
        if let Some(span) = g.info(f).span {
            d = d.label(span, "a constant");
        }
        return Err(d
            .hint("the derivative of a constant is zero; differentiate a function of a variable (`f = x^T A x`)")
            .into());
    }
    // the variables the result needs values of: those the function uses,
    // and any it does not use but was asked about (its derivative is zero)
    let mut inputs: Vec<Name> = {
        let used_set: std::collections::HashSet<Name> = used.iter().copied().collect();
        used.iter().chain(wrt.iter().filter(|v| !used_set.contains(v))).copied().collect()
    };
    // and a declared variable that alone has, as a whole side, a size the
    // others have only inside a product (`X : m×n` where only `vec(X)`-long
    // names are used, and `K_{m,n}` needs m and n): the NumPy module reads
    // sizes from the sides of its arguments
    let sides = |v: Name| -> Vec<Name> {
        let s = &g.info(v).shape;
        [s.rows.as_name(), s.cols.as_name()].into_iter().flatten().collect()
    };
    let needed: std::collections::HashSet<Name> = inputs
        .iter()
        .flat_map(|&v| g.info(v).shape.rows.names().chain(g.info(v).shape.cols.names()).collect::<Vec<_>>())
        .collect();
    let mut given: std::collections::HashSet<Name> = inputs.iter().flat_map(|&v| sides(v)).collect();
    for &v in &lowered.variables {
        if !inputs.contains(&v) && sides(v).iter().any(|d| needed.contains(d) && !given.contains(d)) {
            given.extend(sides(v));
            inputs.push(v);
        }
    }
    numeric::facts::mark_centered(g, &lowered.definitions, &lowered.variables, &lowered.dims, numeric::check::seed_of(src));
    let chain = diff::chain::prepare(g, &lowered.definitions, f);
    let derivative = diff::derive(g, &chain, f, &wrt, kind);
    let steps = opts.steps.then(|| diff::steps::derive(g, &chain, f, &wrt, kind));
    Ok(Derived { graph: lowered.graph, derivative, steps, variables: inputs, dims: lowered.dims, wrt })
}

/// Parses, differentiates, checks and prints `src`.
pub fn run(src: &str, opts: &Options) -> Result<String, Error> {
    let Derived { mut graph, derivative, steps, variables, dims, wrt } = derive(src, opts)?;
    let g = &mut graph;
    let report = if opts.check {
        let seed = numeric::check::seed_of(src);
        match numeric::check::check(g, &derivative, &variables, &dims, seed) {
            Ok(r) => Some(r),
            Err(numeric::check::Failure::Disagrees { wrt, error, numpy }) => {
                let form = if numpy { " (in the form computed for NumPy)" } else { "" };
                return Err(Error::CheckFailed(format!(
                    "the derivative with respect to `{wrt}`{form} disagrees with finite differences of the program \
                     (relative error {error:.1e}); this is a bug in matdiff, please report it"
                )));
            }
            Err(numeric::check::Failure::TooLarge(why)) => {
                return Err(Error::Usage(format!(
                    "cannot check the result at the declared sizes: {why}; pass --no-check to print it unchecked"
                )));
            }
            Err(numeric::check::Failure::NoPoint(why)) => {
                return Err(Error::Usage(format!(
                    "cannot check the result: no random point was found where the program is defined ({why}); \
                     pass --no-check to print it unchecked"
                )));
            }
        }
    } else {
        None
    };
    // every line of a derivation is verified like the result it leads to
    if let (Some(steps), true) = (&steps, opts.check) {
        numeric::check::verify_steps(g, steps, &variables, &dims, &wrt, numeric::check::seed_of(src)).map_err(|why| {
            Error::CheckFailed(format!(
                "a line of the derivation failed its check: {why}; this is a bug in matdiff, please report it"
            ))
        })?;
    }
    let mut presentation = present::present(g, &derivative, steps.as_ref());
    // the check covers the text: what is printed reads back as what was checked
    if opts.check {
        let seed = numeric::check::seed_of(src);
        let notes = readback::verify(g, &presentation, &variables, &dims, seed).and_then(|mut notes| {
            if let Some(steps) = &steps {
                notes.extend(readback::verify_steps(g, steps, &presentation, &variables, &dims, seed)?);
            }
            Ok(notes)
        });
        match notes {
            Ok(notes) => presentation.readback = notes.iter().map(ToString::to_string).collect(),
            Err(failure) => {
                return Err(Error::CheckFailed(format!("{failure}; this is a bug in matdiff, please report it")));
            }
        }
    }
    let out = print::Output {
        g,
        derivative: &derivative,
        presentation: &presentation,
        report: report.as_ref(),
        variables: &variables,
        dims: &dims,
        steps: steps.as_ref(),
    };
    Ok(print::render(opts.format, &out))
}

/// [`run`] on a thread with a large stack, with any panic turned into an
/// internal error (exit 1) instead of a trace.
pub fn run_guarded(src: &str, opts: &Options) -> Result<String, Error> {
    let (src, opts) = (src.to_string(), opts.clone());
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(&src, &opts));
    match worker.map(|w| w.join()) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown".into());
            Err(Error::Internal(what))
        }
        Err(e) => Err(Error::Internal(format!("cannot start a worker thread: {e}"))),
    }
}
